-- Question: in the last hour, which hand-offs between services lost the trace context most often,
-- and where is an example?
--
-- Answer: one row per client service -> server service edge with at least one broken hop in the
-- hour before the newest span: the calls made, the broken hops (a CLIENT span whose server reports
-- spans itself but produced no child in the trace), the share broken, and up to three example
-- trace ids, worst edge first.
--
-- How to read it: a broken hop means the caller's instrumentation did not inject the context or
-- the callee's did not extract it (a missing propagator, a proxy stripping traceparent, an async
-- hand-off). The server side then starts a new trace of its own, which orphan_spans and
-- multi_root_traces show. Open an example with GET /api/traces/<id>. The window is anchored at
-- the newest span so the file runs on any data; on live data use now().
WITH newest AS (
    SELECT max(start_time) AS newest_start FROM spans
)
SELECT
    h.client_service,
    h.server_service,
    count(*) AS calls,
    count(*) FILTER (WHERE NOT h.propagated) AS broken_hops,
    round(100.0 * count(*) FILTER (WHERE NOT h.propagated) / count(*), 2) AS broken_pct,
    list(DISTINCT h.trace_id ORDER BY h.trace_id) FILTER (WHERE NOT h.propagated)[1:3] AS example_trace_ids
FROM propagation_hops AS h, newest
WHERE h.server_instrumented
  AND h.start_time > newest.newest_start - INTERVAL 1 HOUR
GROUP BY h.client_service, h.server_service
HAVING count(*) FILTER (WHERE NOT h.propagated) > 0
ORDER BY broken_hops DESC, h.client_service, h.server_service
