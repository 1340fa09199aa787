-- Question: which were the ten slowest requests of the last hour, and what did they touch?
--
-- Answer: one row per trace, the slowest root spans (root = span without a parent, so its
-- duration is the whole request as the entry service saw it) that started in the hour before
-- the newest span in the store, with the entry service and operation, start time, duration in
-- milliseconds, how many spans and services the trace has, and how many spans ended in ERROR.
--
-- How to read it: open a trace id in the trace view (GET /api/traces/<id>) to see its
-- waterfall. Slow traces with error spans are usually timeouts (the demo shop's Redis and
-- PostgreSQL timeouts hang for seconds before failing); slow traces without errors are latency
-- tails (slowest-operations-by-p99.sql). The window is anchored at the newest span so the file
-- runs on any data set; on live data put now() in place of max(start_time). Only the window's
-- date/hour folders are read (recent_partitions): a trace's spans start no earlier than its
-- root, so they all lie in those folders too.
WITH newest AS (
    SELECT CAST(max(start_time) AS TIMESTAMP) AS newest_start FROM spans
),
recent_partitions AS (
    SELECT CAST(h AS DATE) AS "date", CAST(hour(h) AS INTEGER) AS "hour"
    FROM newest,
         generate_series(date_trunc('hour', newest_start - INTERVAL 1 HOUR), newest_start, INTERVAL 1 HOUR) AS g(h)
),
recent_spans AS (
    SELECT s.*
    FROM spans AS s
    JOIN recent_partitions AS p ON s."date" = p."date" AND s."hour" = p."hour"
),
slowest_roots AS (
    SELECT r.trace_id, r.service_name, r.name, r.start_time, r.duration_nanos
    FROM recent_spans AS r
    CROSS JOIN newest AS n
    WHERE r.parent_span_id IS NULL
      AND r.start_time >= n.newest_start - INTERVAL 1 HOUR
    ORDER BY r.duration_nanos DESC, r.trace_id
    LIMIT 10
)
SELECT
    root.trace_id,
    root.service_name AS entry_service,
    root.name AS entry_operation,
    root.start_time,
    round(root.duration_nanos / 1e6, 2) AS duration_ms,
    count(*) AS spans,
    count(DISTINCT s.service_name) AS services,
    count(*) FILTER (WHERE s.status_code = 'ERROR') AS error_spans
FROM slowest_roots AS root
JOIN recent_spans AS s USING (trace_id)
GROUP BY root.trace_id, root.service_name, root.name, root.start_time, root.duration_nanos
ORDER BY root.duration_nanos DESC, root.trace_id
