-- Question: how many requests does each HTTP route serve, how many of them fail, and how slow
-- are they?
--
-- Answer: one row per (service, "http.route") over SERVER spans, the route template as the
-- server matched it (/api/products/{productId}, not each product's URL), with the distinct
-- traces that reached it, how many of those had any error span, the error-trace share in
-- percent and the p95 of the route's server span in milliseconds; busiest first.
--
-- How to read it: traces are counted with count(DISTINCT trace_id), so a route that is entered
-- twice in one request (a redirect, a retry) still counts the request once; spans counts
-- entries. error_traces counts a request as failed if any span in it failed, even one the
-- route's handler absorbed. Routes of internal services (shipping's /get-quote) appear beside
-- the frontend's public ones.
WITH route_spans AS (
    SELECT service_name, "attr.http.route" AS http_route, trace_id, duration_nanos
    FROM spans
    WHERE kind = 'SERVER' AND "attr.http.route" IS NOT NULL
),
error_traces AS (
    SELECT DISTINCT trace_id
    FROM spans
    WHERE status_code = 'ERROR'
)
SELECT
    r.service_name,
    r.http_route,
    count(DISTINCT r.trace_id) AS traces,
    count(*) AS spans,
    count(DISTINCT e.trace_id) AS error_traces,
    round(100.0 * count(DISTINCT e.trace_id) / count(DISTINCT r.trace_id), 2) AS error_trace_pct,
    round(quantile_cont(r.duration_nanos, 0.95) / 1e6, 2) AS p95_ms
FROM route_spans AS r
LEFT JOIN error_traces AS e USING (trace_id)
GROUP BY r.service_name, r.http_route
ORDER BY traces DESC, r.service_name, r.http_route
