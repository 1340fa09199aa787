-- Question: how did the latency of each operation move minute by minute over the last 30 minutes
-- of data: did the tail grow at one moment, for one operation?
--
-- Answer: one row per (service, operation, minute) over SERVER spans started in the 30 minutes
-- before the newest span in the store, with the calls of that minute and their p50 / p95 / p99 in
-- milliseconds; each operation's minutes in time order.
--
-- How to read it: walk down one operation: a p99 that jumps while p50 stays put is a tail event
-- (stalls, timeouts, a slow dependency); all three rising together is load or a slower build.
-- A minute with few calls has a noisy p99. The window is anchored at the newest span so the file
-- runs on any data set; on live data put now() in place of max(start_time). The window's
-- date/hour folders are joined in (recent_partitions), so DuckDB reads only those folders.
WITH newest AS (
    SELECT CAST(max(start_time) AS TIMESTAMP) AS newest_start FROM spans
),
recent_partitions AS (
    SELECT CAST(h AS DATE) AS "date", CAST(hour(h) AS INTEGER) AS "hour"
    FROM newest,
         generate_series(date_trunc('hour', newest_start - INTERVAL 30 MINUTE), newest_start, INTERVAL 1 HOUR) AS g(h)
)
SELECT
    s.service_name,
    s.name AS operation,
    time_bucket(INTERVAL 1 MINUTE, CAST(s.start_time AS TIMESTAMP)) AS minute,
    count(*) AS calls,
    round(quantile_cont(s.duration_nanos, 0.50) / 1e6, 2) AS p50_ms,
    round(quantile_cont(s.duration_nanos, 0.95) / 1e6, 2) AS p95_ms,
    round(quantile_cont(s.duration_nanos, 0.99) / 1e6, 2) AS p99_ms
FROM spans AS s
JOIN recent_partitions AS p ON s."date" = p."date" AND s."hour" = p."hour"
CROSS JOIN newest AS n
WHERE s.kind = 'SERVER'
  AND s.start_time >= n.newest_start - INTERVAL 30 MINUTE
GROUP BY s.service_name, operation, minute
ORDER BY s.service_name, operation, minute
LIMIT 1000
