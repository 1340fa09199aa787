-- Question: where is trace context being lost? Which caller -> callee hops have CLIENT spans
-- whose server side never shows up in the same trace?
--
-- Answer: one row per (calling service, "peer.service") with the CLIENT calls made to that peer,
-- how many of them have no child span in their trace, and that share in percent; worst first.
-- Only peers that are themselves traced services count (they appear as a service_name in the
-- store): a call to PostgreSQL or Redis has no server span by nature.
--
-- How to read it: a steady share (about 1% per hop in the demo data) is lost propagation, a
-- proxy, an SDK without the W3C propagator, or a header dropped somewhere, and the callee's
-- side of these calls is stored as a separate trace that starts at its SERVER span
-- (traces-with-broken-structure.sql finds those). A sudden 100% on one edge is a callee that
-- stopped exporting or an edge the callee samples away. Calls that failed before reaching the
-- peer (connection refused) also lack a child: compare with the caller's error count.
WITH traced_services AS (
    SELECT DISTINCT service_name FROM spans
),
client_calls AS (
    SELECT
        c.service_name,
        c."attr.peer.service" AS peer_service,
        c.status_code,
        EXISTS (
            SELECT 1 FROM spans AS child
            WHERE child.trace_id = c.trace_id AND child.parent_span_id = c.span_id
        ) AS has_child
    FROM spans AS c
    WHERE c.kind = 'CLIENT'
      AND c."attr.peer.service" IN (SELECT service_name FROM traced_services)
)
SELECT
    service_name,
    peer_service,
    count(*) AS client_calls,
    count(*) FILTER (WHERE NOT has_child) AS calls_without_server_span,
    count(*) FILTER (WHERE NOT has_child AND status_code = 'ERROR') AS of_which_errors,
    round(100.0 * count(*) FILTER (WHERE NOT has_child) / count(*), 2) AS lost_pct
FROM client_calls
GROUP BY service_name, peer_service
ORDER BY lost_pct DESC, calls_without_server_span DESC, service_name, peer_service
