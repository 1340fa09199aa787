-- Question: what do failing spans have in common? Which attribute values (a product id, a
-- route, a pod, a currency, any key at all, span or resource) are far more frequent among error
-- spans than in the traffic as a whole?
--
-- Answer: one row per (scope, key, value) from the long-form span_attributes view, with the
-- share of all error spans that carry it, the share of all spans that carry it, and their ratio,
-- the lift; highest lift first.
--
-- How to read it: lift 1 means the value is as common among errors as everywhere (no signal);
-- lift 10 means a span with this value is ten times over-represented among failures. Only values
-- seen in at least 5 distinct error traces are ranked, because one failing trace marks a whole
-- chain of ancestor spans as errors and would otherwise crown its own session.id or order id.
-- Keys that describe the failure itself (error.type, status codes) are left out as
-- self-evident. Several keys often point at the same thing (url.path, http.route and next.route
-- of one request): read the top rows together, then filter spans on the winning value.
WITH span_outcome AS (
    SELECT trace_id, span_id, status_code = 'ERROR' AS is_error
    FROM spans
),
totals AS (
    SELECT count(*) AS all_spans, count(*) FILTER (WHERE is_error) AS error_spans
    FROM span_outcome
),
value_counts AS (
    SELECT
        a.scope,
        a."key",
        a."value",
        count(*) AS spans_with_value,
        count(*) FILTER (WHERE o.is_error) AS error_spans_with_value,
        count(DISTINCT a.trace_id) FILTER (WHERE o.is_error) AS error_traces_with_value
    FROM span_attributes AS a
    JOIN span_outcome AS o USING (trace_id, span_id)
    WHERE a."key" NOT IN ('error.type', 'http.response.status_code', 'rpc.grpc.status_code')
    GROUP BY a.scope, a."key", a."value"
)
SELECT
    v.scope,
    v."key",
    v."value",
    v.error_traces_with_value AS error_traces,
    v.error_spans_with_value AS error_spans,
    v.spans_with_value AS all_spans,
    round(100.0 * v.error_spans_with_value / t.error_spans, 2) AS pct_of_error_spans,
    round(100.0 * v.spans_with_value / t.all_spans, 2) AS pct_of_all_spans,
    round((v.error_spans_with_value / t.error_spans) / (v.spans_with_value / t.all_spans), 1) AS lift
FROM value_counts AS v
CROSS JOIN totals AS t
WHERE v.error_traces_with_value >= 5
ORDER BY lift DESC, error_spans DESC, v.scope, v."key", v."value"
LIMIT 25
