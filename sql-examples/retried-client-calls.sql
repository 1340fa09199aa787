-- Question: which calls are retried? Where does a span issue the same CLIENT call (same name, same
-- peer) more than once, and how often does an attempt follow a failed one?
--
-- Answer: one row per (calling service, caller operation, call, peer) where one caller span made
-- the same call at least twice in a trace: how many such caller spans, how many attempts, how
-- many caller spans made their attempts one after the other, how many made an attempt after a
-- failed one (retries in the strict sense), the extra attempts those cost, and up to three traces
-- with a retry (else with a repeat); retries first.
--
-- How to read it: the peer is "attr.peer.service", else "attr.server.address" (databases, caches,
-- brokers). after_failure counts caller spans where an attempt started once an earlier attempt
-- had ended with status ERROR: a client-side retry; many of them on one edge is a flaky
-- dependency, and many attempts per caller span, a retry storm. Repeats without a failure are
-- mostly loops (one call per cart item or product: see n-plus-one-database-calls.sql) or fan-out
-- in parallel (sequential_callers tells them apart), not retries: the span's attributes (a product
-- id, a key) say whether the attempts asked the same thing. Retries made inside the client
-- library below one CLIENT span (gRPC's transparent retry) are invisible here.
WITH calls AS (
    SELECT
        c.trace_id,
        c.span_id,
        c.parent_span_id,
        c.service_name,
        c.name,
        coalesce(c."attr.peer.service", c."attr.server.address") AS peer,
        c.start_time,
        c.end_time,
        c.status_code
    FROM spans AS c
    WHERE c.kind = 'CLIENT'
      AND c.parent_span_id IS NOT NULL
      AND coalesce(c."attr.peer.service", c."attr.server.address") IS NOT NULL
),
attempts AS (
    SELECT
        *,
        count(*) OVER call_site AS attempts_in_caller,
        -- the latest end among earlier attempts, and whether one of those failed and had ended
        max(end_time) OVER earlier AS earlier_end,
        max(CASE WHEN status_code = 'ERROR' THEN end_time END) OVER earlier AS earlier_failure_end
    FROM calls
    WINDOW call_site AS (PARTITION BY trace_id, parent_span_id, name, peer),
           earlier AS (PARTITION BY trace_id, parent_span_id, name, peer ORDER BY start_time, span_id
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
),
call_sites AS (
    SELECT
        a.trace_id,
        a.parent_span_id,
        a.service_name,
        a.name,
        a.peer,
        count(*) AS attempts,
        bool_and(a.earlier_end IS NULL OR a.start_time >= a.earlier_end) AS sequential,
        count(*) FILTER (WHERE a.start_time >= a.earlier_failure_end) AS attempts_after_failure
    FROM attempts AS a
    WHERE a.attempts_in_caller >= 2
    GROUP BY a.trace_id, a.parent_span_id, a.service_name, a.name, a.peer
)
SELECT
    s.service_name,
    caller.name AS caller_operation,
    s.name AS call,
    s.peer,
    count(*) AS callers_repeating,
    sum(s.attempts) AS attempts,
    round(avg(s.attempts), 1) AS avg_attempts_per_caller,
    count(*) FILTER (WHERE s.sequential) AS sequential_callers,
    count(*) FILTER (WHERE s.attempts_after_failure > 0) AS after_failure,
    sum(s.attempts_after_failure) AS attempts_after_failure,
    coalesce(list(DISTINCT s.trace_id ORDER BY s.trace_id) FILTER (WHERE s.attempts_after_failure > 0)[1:3],
             list(DISTINCT s.trace_id ORDER BY s.trace_id)[1:3]) AS example_trace_ids
FROM call_sites AS s
JOIN spans AS caller ON caller.trace_id = s.trace_id AND caller.span_id = s.parent_span_id
GROUP BY s.service_name, caller_operation, s.name, s.peer
ORDER BY after_failure DESC, sequential_callers DESC, callers_repeating DESC,
         s.service_name, caller_operation, s.name, s.peer
LIMIT 25
