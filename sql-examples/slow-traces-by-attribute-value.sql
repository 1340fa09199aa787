-- Question: among the slowest requests, which value of an attribute stands out — here, the
-- service version of the entry point and the HTTP route?
--
-- Answer: one row per (route, frontend version): how many requests, how many were in the slowest
-- 5% of all requests, the share that was slow, and their p50/p99 in milliseconds, most slow
-- requests first.
--
-- How to read it: a route or version whose slow_pct is far above 5% is where the tail lives;
-- swap "attr.http.route" or "resource.service.version" for any other column
-- (SELECT column_name FROM attribute_keys) to slice by it instead — no attribute has to be
-- declared first. Counts are weighted by sample_weight, so they stay right under sampling.
WITH roots AS (
    SELECT trace_id, "attr.http.route" AS route, "resource.service.version" AS version,
           duration_nanos, sample_weight
    FROM spans
    WHERE parent_span_id IS NULL AND kind = 'SERVER'
),
threshold AS (
    SELECT quantile_cont(duration_nanos, 0.95) AS slow_nanos FROM roots
)
SELECT
    coalesce(route, '(none)') AS route,
    coalesce(version, '(none)') AS version,
    round(sum(sample_weight)) AS requests,
    round(sum(sample_weight) FILTER (WHERE duration_nanos >= slow_nanos)) AS slow_requests,
    round(100 * coalesce(sum(sample_weight) FILTER (WHERE duration_nanos >= slow_nanos), 0) / sum(sample_weight), 1) AS slow_pct,
    round(quantile_cont(duration_nanos, 0.5) / 1e6, 1) AS p50_ms,
    round(quantile_cont(duration_nanos, 0.99) / 1e6, 1) AS p99_ms
FROM roots, threshold
GROUP BY ALL
HAVING count(*) FILTER (WHERE duration_nanos >= slow_nanos) > 0
ORDER BY slow_requests DESC, route, version
