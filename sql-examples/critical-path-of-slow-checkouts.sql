-- Question: when checkout is slow, which service is it waiting for? Which service dominates the
-- critical path of the slowest 5% of checkout requests?
--
-- Answer: one row per service: the share of the slow checkouts' end-to-end time it accounts for
-- on the critical path, the same share for all checkouts, and its self time, largest share of the
-- slow ones first.
--
-- How to read it: critical_path_nanos is the part of a trace's latency that really waited on a
-- span (work running in parallel with something slower is not on the path); per trace it sums to
-- the root's duration, so the shares add up to 100%. A service whose share grows from "all" to
-- "slow" is the one that makes the tail. span_timing_between limits the recursive computation to
-- a window (here the hour before the newest span); keep it wide enough to hold whole traces.
WITH newest AS (
    SELECT max(start_time) AS newest_start FROM spans
),
timing AS (
    SELECT t.*
    FROM newest, span_timing_between(newest.newest_start - INTERVAL 1 HOUR, newest.newest_start + INTERVAL 1 SECOND) AS t
),
checkouts AS (
    SELECT trace_id, duration_nanos FROM timing
    WHERE parent_span_id IS NULL AND service_name = 'frontend' AND name = 'POST /api/checkout'
),
slow AS (
    SELECT trace_id FROM checkouts
    WHERE duration_nanos >= (SELECT quantile_cont(duration_nanos, 0.95) FROM checkouts)
)
SELECT
    t.service_name,
    round(100 * sum(t.critical_path_nanos) FILTER (WHERE t.trace_id IN (SELECT trace_id FROM slow))
          / (SELECT sum(duration_nanos) FROM checkouts WHERE trace_id IN (SELECT trace_id FROM slow)), 1) AS slow_critical_pct,
    round(100 * sum(t.critical_path_nanos) / (SELECT sum(duration_nanos) FROM checkouts), 1) AS all_critical_pct,
    round(sum(t.self_nanos) FILTER (WHERE t.trace_id IN (SELECT trace_id FROM slow)) / 1e6, 1) AS slow_self_ms
FROM timing AS t
WHERE t.trace_id IN (SELECT trace_id FROM checkouts)
GROUP BY t.service_name
ORDER BY slow_critical_pct DESC NULLS LAST, t.service_name
