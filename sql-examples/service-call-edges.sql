-- Question: which service calls which, how often, and how many of those calls fail: the
-- service map, measured rather than drawn?
--
-- Answer: one row per edge caller -> callee, found by joining each span to its parent span in
-- the same trace where the two belong to different services: a CLIENT span and the callee's
-- SERVER span for gRPC/HTTP, a PRODUCER span and the CONSUMER span for Kafka. With the number of
-- calls, how many ended in ERROR on the callee side and on the caller side, and the caller-side
-- p95 in milliseconds (network and queueing included).
--
-- How to read it: callee errors > caller errors means the caller absorbed some failures (a
-- retry or a fallback), or, for PRODUCER -> CONSUMER, that the consumer failed after the
-- producer had finished; equal counts mean failures travel straight up. A caller-side p95 much
-- larger than the callee's own SERVER p95 (slowest-operations-by-p99.sql) points at the network,
-- a connection pool or a queue. Calls whose context was lost have no callee span and so are
-- missing here; client-calls-without-server-span.sql counts them. Databases and Redis are not
-- traced as services and do not appear.
SELECT
    caller.service_name AS caller_service,
    callee.service_name AS callee_service,
    caller.kind || ' -> ' || callee.kind AS edge_kind,
    count(*) AS calls,
    count(*) FILTER (WHERE callee.status_code = 'ERROR') AS callee_errors,
    count(*) FILTER (WHERE caller.status_code = 'ERROR') AS caller_errors,
    round(quantile_cont(caller.duration_nanos, 0.95) / 1e6, 2) AS caller_p95_ms
FROM spans AS callee
JOIN spans AS caller
  ON callee.trace_id = caller.trace_id
 AND callee.parent_span_id = caller.span_id
WHERE callee.service_name <> caller.service_name
GROUP BY caller_service, callee_service, edge_kind
ORDER BY calls DESC, caller_service, callee_service, edge_kind
