-- Question: which operations do our services answer most slowly at the tail, i.e. what do the
-- slowest 1% of requests wait for?
--
-- Answer: one row per (service, operation) over SERVER spans, the time each service spent
-- answering a request, with call count and the p50 / p95 / p99 / max duration in milliseconds,
-- slowest p99 first.
--
-- How to read it: a p99 far above the p50 of the same row means a long tail (stalls, timeouts,
-- one slow dependency) rather than an operation that is slow for everyone; follow it with
-- latency-percentiles-per-operation-per-minute.sql to see when, and with
-- database-calls-with-a-heavy-tail.sql to see which dependency. Rows with few calls have noisy
-- percentiles: read them with the calls column.
SELECT
    service_name,
    name AS operation,
    count(*) AS calls,
    round(quantile_cont(duration_nanos, 0.50) / 1e6, 2) AS p50_ms,
    round(quantile_cont(duration_nanos, 0.95) / 1e6, 2) AS p95_ms,
    round(quantile_cont(duration_nanos, 0.99) / 1e6, 2) AS p99_ms,
    round(max(duration_nanos) / 1e6, 2) AS max_ms
FROM spans
WHERE kind = 'SERVER'
GROUP BY service_name, name
ORDER BY p99_ms DESC, service_name, operation
LIMIT 20
