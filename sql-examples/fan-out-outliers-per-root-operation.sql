-- Question: which requests fan out far more than others of their kind? Per root operation, how
-- many spans does a trace usually have, and which traces are above the operation's p99?
--
-- Answer: one row per root operation (the service and name of the traces' root span), from the
-- traces view: traces, the p50 / p99 / largest span count per trace, how many traces are above
-- the p99, how far the largest is above it, and up to three of those traces, largest first;
-- operations with outliers first.
--
-- How to read it: a request's span count grows with the work it fans out (one call per cart item,
-- per product, per retry), so a trace far above its operation's p99 is a loop that ran long (a
-- huge cart, a retry storm, an N+1 query pattern: n-plus-one-database-calls.sql). Open an example
-- with GET /api/traces/<id>. An operation whose fan-out is bounded has no trace above its p99:
-- outlier_traces 0 and max_vs_p99 1.0. Traces whose root is missing (lost context, see
-- traces-with-broken-structure.sql) have no root operation and are left out.
WITH per_trace AS (
    SELECT trace_id, root_service_name, root_name, span_count
    FROM traces
    WHERE root_name IS NOT NULL
),
per_operation AS (
    SELECT
        root_service_name,
        root_name,
        count(*) AS traces,
        quantile_cont(span_count, 0.50) AS p50_spans,
        quantile_cont(span_count, 0.99) AS p99_spans,
        max(span_count) AS max_spans
    FROM per_trace
    GROUP BY root_service_name, root_name
)
SELECT
    o.root_service_name,
    o.root_name,
    o.traces,
    o.p50_spans,
    round(o.p99_spans, 1) AS p99_spans,
    o.max_spans,
    count(*) FILTER (WHERE t.span_count > o.p99_spans) AS outlier_traces,
    round(o.max_spans / o.p99_spans, 2) AS max_vs_p99,
    coalesce(list(t.trace_id ORDER BY t.span_count DESC, t.trace_id)
                 FILTER (WHERE t.span_count > o.p99_spans)[1:3], []) AS outlier_examples
FROM per_operation AS o
JOIN per_trace AS t USING (root_service_name, root_name)
GROUP BY o.root_service_name, o.root_name, o.traces, o.p50_spans, o.p99_spans, o.max_spans
ORDER BY outlier_traces DESC, max_vs_p99 DESC, o.traces DESC, o.root_service_name, o.root_name
