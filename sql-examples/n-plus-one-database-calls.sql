-- Question: where does code run the same database statement once per item (the N+1 pattern)
-- instead of once for all items? Which span issues many calls of one "db.query.text" shape?
--
-- Answer: one row per (issuing service and operation, statement shape) over the hour before the
-- newest span: the traces and issuing spans where the statement ran at least 3 times in one trace,
-- the calls per issuing span (average and largest), the database time they took, which operation
-- ran the statement (the issuer itself, or the service it called once per item), and up to three
-- example traces; the most widespread pattern first.
--
-- How to read it: the issuer is the nearest span that has every call of the shape in its trace
-- below it. When the calls are its own children, it is a loop over a query in one service (an ORM
-- loading a relation row by row); when "called_through" names another service's operation, the
-- loop is one level up: the issuer calls a service once per item, and each of those calls runs
-- the statement once (a batch endpoint, or IN ($1, $2, …), would answer them at once). Shapes
-- are "db.query.text" with quoted strings and numbers replaced by ? (instrumentation usually sends
-- placeholders already). Two separate loops over one shape in one trace count as one, under the
-- span above both. The window is anchored at the newest span so the file runs on any data; its
-- date/hour folders are joined in (recent_partitions), so DuckDB reads only those.
WITH RECURSIVE
newest AS (
    SELECT CAST(max(start_time) AS TIMESTAMP) AS newest_start FROM spans
),
recent_partitions AS (
    SELECT CAST(h AS DATE) AS "date", CAST(hour(h) AS INTEGER) AS "hour"
    FROM newest,
         generate_series(date_trunc('hour', newest_start - INTERVAL 1 HOUR), newest_start, INTERVAL 1 HOUR) AS g(h)
),
recent_spans AS MATERIALIZED (
    SELECT s.trace_id, s.span_id, s.parent_span_id, s.service_name, s.name, s.kind,
           s.duration_nanos, s."attr.db.query.text" AS query_text
    FROM spans AS s
    JOIN recent_partitions AS p ON s."date" = p."date" AND s."hour" = p."hour"
    CROSS JOIN newest AS n
    WHERE s.start_time > n.newest_start - INTERVAL 1 HOUR
),
db_calls AS MATERIALIZED (
    SELECT
        trace_id, span_id, parent_span_id, duration_nanos,
        regexp_replace(regexp_replace(query_text, '''[^'']*''', '?', 'g'),
                       '([^$A-Za-z0-9_.])[0-9]+(\.[0-9]+)?', '\1?', 'g') AS query_shape
    FROM recent_spans
    WHERE kind = 'CLIENT' AND query_text IS NOT NULL
),
repeated AS (
    SELECT trace_id, query_shape, count(*) AS calls
    FROM db_calls
    GROUP BY trace_id, query_shape
    HAVING count(*) >= 3
),
-- Every ancestor of every repeated call, with how many steps up it is.
ancestry(trace_id, call_span_id, ancestor_span_id, steps) AS (
    SELECT d.trace_id, d.span_id, d.parent_span_id, 1
    FROM db_calls AS d
    JOIN repeated AS r USING (trace_id, query_shape)
    WHERE d.parent_span_id IS NOT NULL
    UNION ALL
    SELECT a.trace_id, a.call_span_id, s.parent_span_id, a.steps + 1
    FROM ancestry AS a
    JOIN recent_spans AS s ON s.trace_id = a.trace_id AND s.span_id = a.ancestor_span_id
    WHERE s.parent_span_id IS NOT NULL
),
-- The ancestors that have all of a shape's calls below them; the nearest one is the issuer.
common_ancestors AS (
    SELECT a.trace_id, d.query_shape, a.ancestor_span_id, max(a.steps) AS farthest_steps
    FROM ancestry AS a
    JOIN db_calls AS d ON d.trace_id = a.trace_id AND d.span_id = a.call_span_id
    JOIN repeated AS r ON r.trace_id = d.trace_id AND r.query_shape = d.query_shape
    GROUP BY a.trace_id, d.query_shape, a.ancestor_span_id
    HAVING count(*) = any_value(r.calls)
),
issuers AS (
    SELECT
        c.trace_id,
        c.query_shape,
        c.ancestor_span_id AS issuer_span_id
    FROM common_ancestors AS c
    QUALIFY row_number() OVER (PARTITION BY c.trace_id, c.query_shape
                               ORDER BY c.farthest_steps, c.ancestor_span_id) = 1
),
patterns AS (
    SELECT
        i.trace_id,
        i.query_shape,
        i.issuer_span_id,
        issuer.service_name AS issuer_service,
        issuer.name AS issuer_operation,
        count(*) AS calls,
        sum(d.duration_nanos) AS db_nanos,
        list(DISTINCT CASE WHEN d.parent_span_id = i.issuer_span_id THEN '(itself)'
                           ELSE caller.service_name || ': ' || caller.name END) AS called_through
    FROM issuers AS i
    JOIN db_calls AS d ON d.trace_id = i.trace_id AND d.query_shape = i.query_shape
    JOIN recent_spans AS issuer ON issuer.trace_id = i.trace_id AND issuer.span_id = i.issuer_span_id
    JOIN recent_spans AS caller ON caller.trace_id = d.trace_id AND caller.span_id = d.parent_span_id
    GROUP BY i.trace_id, i.query_shape, i.issuer_span_id, issuer.service_name, issuer.name
)
SELECT
    issuer_service,
    issuer_operation,
    query_shape,
    count(DISTINCT trace_id) AS traces,
    count(*) AS issuing_spans,
    round(avg(calls), 1) AS avg_calls_per_issuer,
    max(calls) AS max_calls_per_issuer,
    round(sum(db_nanos) / 1e6, 1) AS db_ms,
    list_sort(list_distinct(flatten(list(called_through)))) AS called_through,
    list(DISTINCT trace_id ORDER BY trace_id)[1:3] AS example_trace_ids
FROM patterns
GROUP BY issuer_service, issuer_operation, query_shape
ORDER BY traces DESC, issuing_spans DESC, issuer_service, issuer_operation, query_shape
LIMIT 20
