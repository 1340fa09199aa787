-- Question: a customer reports that "the shop failed for me": what exactly did this one user
-- do, and which of their requests went wrong?
--
-- Answer: every span that carries the user's "user.id", oldest first, with its trace id,
-- service, operation, route, duration in milliseconds and status. So that this file runs on any
-- data, the user is picked by a subquery: the one who hit the most failing traces (then the
-- most traces, then the smallest id).
--
-- How to read it: each trace id is one request; open the failing ones in the trace view
-- (GET /api/traces/<id>). "session.id" groups the requests of one browser session. In real
-- traffic user.id has hundreds of thousands of values, a needle in the haystack; being a column
-- of its own, the filter reads that column alone rather than every span's attributes. In practice
-- replace the subquery with the id as a literal ("attr.user.id" = 'u1001644'); DuckDB then also
-- skips Parquet row groups whose statistics rule the id out.
WITH chosen_user AS (
    SELECT "attr.user.id" AS user_id
    FROM spans
    WHERE "attr.user.id" IS NOT NULL
    GROUP BY "attr.user.id"
    ORDER BY count(DISTINCT trace_id) FILTER (WHERE status_code = 'ERROR') DESC,
             count(DISTINCT trace_id) DESC,
             "attr.user.id"
    LIMIT 1
)
SELECT
    s.start_time,
    s."attr.user.id" AS user_id,
    s."attr.session.id" AS session_id,
    s.trace_id,
    s.service_name,
    s.name AS operation,
    s."attr.http.route" AS http_route,
    round(s.duration_nanos / 1e6, 2) AS duration_ms,
    s.status_code,
    s.status_message
FROM spans AS s
WHERE s."attr.user.id" = (SELECT user_id FROM chosen_user)
ORDER BY s.start_time, s.trace_id, s.span_id
LIMIT 200
