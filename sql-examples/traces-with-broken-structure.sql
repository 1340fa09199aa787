-- Question: which traces are not one clean tree, and where do they break: several root spans,
-- spans whose parent never arrived, or a trace that starts in the middle of the call graph?
--
-- Answer: one row per (problem, service, operation) with the number of traces and spans
-- affected and one example trace id to open in the trace view. The problems:
--   several roots            a trace with more than one span without a parent;
--   parent missing           a span naming a parent span id that is not in its trace
--                            (the parent was dropped, sampled away or is still in flight);
--   root normally a child    a root span of an operation that has a parent in most of its other
--                            occurrences: the caller's context was lost, and this subtree was
--                            stored as a trace of its own.
--
-- How to read it: "root normally a child" rows are the other half of the CLIENT spans that
-- client-calls-without-server-span.sql lists, seen from the callee; their counts should match.
-- "parent missing" on recent data may only be late spans; on data older than the flush interval
-- it is real loss. The 50% threshold separates entry points (frontend's SERVER spans are almost
-- always roots) from internal operations.
WITH operation_parentage AS (
    SELECT service_name, name, kind, avg(CAST(parent_span_id IS NOT NULL AS INTEGER)) AS share_with_parent
    FROM spans
    GROUP BY service_name, name, kind
),
roots_per_trace AS (
    SELECT trace_id
    FROM spans
    WHERE parent_span_id IS NULL
    GROUP BY trace_id
    HAVING count(*) > 1
),
problem_spans AS (
    SELECT 'several roots' AS problem, s.trace_id, s.service_name, s.name
    FROM spans AS s
    JOIN roots_per_trace AS r USING (trace_id)
    WHERE s.parent_span_id IS NULL
    UNION ALL
    SELECT 'parent missing', c.trace_id, c.service_name, c.name
    FROM spans AS c
    LEFT JOIN spans AS p ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id
    WHERE c.parent_span_id IS NOT NULL AND p.span_id IS NULL
    UNION ALL
    SELECT 'root normally a child', s.trace_id, s.service_name, s.name
    FROM spans AS s
    JOIN operation_parentage AS o USING (service_name, name, kind)
    WHERE s.parent_span_id IS NULL AND o.share_with_parent >= 0.5
)
SELECT
    problem,
    service_name,
    name AS operation,
    count(DISTINCT trace_id) AS traces,
    count(*) AS spans,
    min(trace_id) AS example_trace_id
FROM problem_spans
GROUP BY problem, service_name, name
ORDER BY traces DESC, problem, service_name, operation
LIMIT 50
