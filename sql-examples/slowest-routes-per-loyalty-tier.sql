-- Question: do customers of one loyalty tier get a slower shop? Per tier, which HTTP routes are
-- slowest, and is a route slower for that tier than for everyone?
--
-- Answer: one row per (tier, route) of the frontend's requests (root SERVER spans) from sessions
-- whose tier is known: requests, p50 / p95 / p99 in milliseconds, and the route's p95 for that
-- tier against its p95 over all requests; each tier's slowest routes (by p95) first.
--
-- How to read it: the tier, "attr.app.loyalty.level", is not on the request itself: payment
-- records it on its Charge spans, deep inside checkout traces. So the tier is found there, carried
-- to the trace's root span through trace_id, and from the root's "attr.session.id" to every other
-- request of the same session (browsing, cart, ads), whose spans do not name the tier. Sessions
-- that never reached payment have no known tier and are left out, so a tier's rows stand for its
-- shoppers who check out. A p95_vs_all_tiers near 1 means the tier is served like everyone else;
-- above 1, slower. Few requests per cell make a noisy p95: read requests first.
WITH roots AS (
    SELECT trace_id, "attr.http.route" AS route, "attr.session.id" AS session_id, duration_nanos
    FROM spans
    WHERE parent_span_id IS NULL AND kind = 'SERVER' AND "attr.http.route" IS NOT NULL
),
session_tiers AS (
    SELECT r.session_id, min(p."attr.app.loyalty.level") AS tier
    FROM spans AS p
    JOIN roots AS r ON r.trace_id = p.trace_id
    WHERE p."attr.app.loyalty.level" IS NOT NULL AND r.session_id IS NOT NULL
    GROUP BY r.session_id
    HAVING count(DISTINCT p."attr.app.loyalty.level") = 1
),
route_overall AS (
    SELECT route, quantile_cont(duration_nanos, 0.95) AS p95_nanos FROM roots GROUP BY route
)
SELECT
    t.tier,
    r.route,
    count(*) AS requests,
    round(quantile_cont(r.duration_nanos, 0.50) / 1e6, 2) AS p50_ms,
    round(quantile_cont(r.duration_nanos, 0.95) / 1e6, 2) AS p95_ms,
    round(quantile_cont(r.duration_nanos, 0.99) / 1e6, 2) AS p99_ms,
    round(any_value(o.p95_nanos) / 1e6, 2) AS all_tiers_p95_ms,
    round(quantile_cont(r.duration_nanos, 0.95) / any_value(o.p95_nanos), 2) AS p95_vs_all_tiers
FROM roots AS r
JOIN session_tiers AS t USING (session_id)
JOIN route_overall AS o USING (route)
GROUP BY t.tier, r.route
ORDER BY t.tier, p95_ms DESC, r.route
