-- Question: what do slow requests have in common? Which attribute values (a version, a pod, a
-- currency, a product, any key at all, span or resource) are far more frequent among the slowest
-- requests than among the others?
--
-- Answer: one row per (scope, key, value) from the long-form span_attributes view, over the
-- successful requests (SERVER and CONSUMER spans not in status ERROR) started in the hour before
-- the newest span: the share of slow requests that carry it, the share of the other requests that
-- carry it, and their ratio, the lift; highest lift first. A request is slow when it is among the
-- slowest 5% of its own operation (service and span name), so that a naturally slow operation does
-- not fill the slow set.
--
-- How to read it: the latency twin of attribute-values-that-dominate-errors.sql. Lift 1 means the
-- value is as common among slow requests as among the rest (no signal); lift 3 means a request
-- with it is three times over-represented among the slow ones. Failed requests are left out: a
-- timeout is slow by definition, and the errors file ranks what they share. Only values seen on at
-- least 10 distinct slow traces are ranked, so one unlucky session or order does not win; several
-- keys often name the same thing (a version, its pods, their instance ids, their node): read the
-- top rows together, then compare latencies with the winning value as a filter
-- (load-and-latency-per-pod.sql, latency-regression-between-versions.sql). A value never seen
-- among the other requests has no lift (NULL) and is listed first. Operations with fewer than 20
-- requests in the hour are left out. The window's date/hour folders are joined in, so DuckDB reads
-- only those.
WITH newest AS (
    SELECT CAST(max(start_time) AS TIMESTAMP) AS newest_start FROM spans
),
recent_partitions AS (
    SELECT CAST(h AS DATE) AS "date", CAST(hour(h) AS INTEGER) AS "hour"
    FROM newest,
         generate_series(date_trunc('hour', newest_start - INTERVAL 1 HOUR), newest_start, INTERVAL 1 HOUR) AS g(h)
),
requests AS (
    SELECT
        s.trace_id,
        s.span_id,
        s.duration_nanos >= quantile_cont(s.duration_nanos, 0.95)
            OVER (PARTITION BY s.service_name, s.name) AS is_slow,
        count(*) OVER (PARTITION BY s.service_name, s.name) AS operation_requests
    FROM spans AS s
    JOIN recent_partitions AS p ON s."date" = p."date" AND s."hour" = p."hour"
    CROSS JOIN newest AS n
    WHERE s.kind IN ('SERVER', 'CONSUMER')
      AND s.status_code <> 'ERROR'
      AND s.start_time > n.newest_start - INTERVAL 1 HOUR
    QUALIFY operation_requests >= 20
),
totals AS (
    SELECT count(*) FILTER (WHERE is_slow) AS slow_requests,
           count(*) FILTER (WHERE NOT is_slow) AS other_requests
    FROM requests
),
value_counts AS (
    SELECT
        a.scope,
        a."key",
        a."value",
        count(*) FILTER (WHERE r.is_slow) AS slow_with_value,
        count(*) FILTER (WHERE NOT r.is_slow) AS others_with_value,
        count(DISTINCT a.trace_id) FILTER (WHERE r.is_slow) AS slow_traces_with_value
    FROM span_attributes AS a
    JOIN recent_partitions AS p ON a."date" = p."date" AND a."hour" = p."hour"
    JOIN requests AS r USING (trace_id, span_id)
    GROUP BY a.scope, a."key", a."value"
)
SELECT
    v.scope,
    v."key",
    v."value",
    v.slow_traces_with_value AS slow_traces,
    v.slow_with_value AS slow_requests,
    v.others_with_value AS other_requests,
    round(100.0 * v.slow_with_value / t.slow_requests, 2) AS pct_of_slow,
    round(100.0 * v.others_with_value / t.other_requests, 2) AS pct_of_others,
    round((v.slow_with_value / t.slow_requests) / nullif(v.others_with_value / t.other_requests, 0), 1) AS lift
FROM value_counts AS v
CROSS JOIN totals AS t
WHERE v.slow_traces_with_value >= 10
ORDER BY lift DESC NULLS FIRST, slow_requests DESC, v.scope, v."key", v."value"
LIMIT 25
