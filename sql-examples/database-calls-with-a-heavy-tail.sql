-- Question: which database or cache call is degraded: fast as a rule, but very slow for a
-- slice of the calls?
--
-- Answer: one row per (service, database system, query text) over client spans that carry
-- "db.system.name", with the calls, p50 / p95 / p99 in milliseconds, and the share of calls that
-- took more than ten times that statement's median; the heaviest tail first.
--
-- How to read it: slow_call_pct is the signal. A few percent of calls at 10x the median, with a
-- normal p50, is a degraded dependency (a missing index hit by some ids, lock waits, a cold
-- replica) rather than an overloaded one, which would lift p50 as well. Statements are grouped by
-- "db.query.text", which holds placeholders ($1, ?) rather than values, so one row is one
-- statement shape. Older SDKs write "db.system" and "db.statement" instead; the workload emits
-- both spellings and this query reads the current ones.
WITH db_calls AS (
    SELECT
        service_name,
        "attr.db.system.name" AS db_system,
        "attr.db.query.text" AS query_text,
        duration_nanos
    FROM spans
    WHERE "attr.db.system.name" IS NOT NULL
),
statement_median AS (
    SELECT service_name, db_system, query_text, quantile_cont(duration_nanos, 0.50) AS p50_nanos
    FROM db_calls
    GROUP BY service_name, db_system, query_text
)
SELECT
    c.service_name,
    c.db_system,
    c.query_text,
    count(*) AS calls,
    round(any_value(m.p50_nanos) / 1e6, 2) AS p50_ms,
    round(quantile_cont(c.duration_nanos, 0.95) / 1e6, 2) AS p95_ms,
    round(quantile_cont(c.duration_nanos, 0.99) / 1e6, 2) AS p99_ms,
    round(100.0 * count(*) FILTER (WHERE c.duration_nanos > 10 * m.p50_nanos) / count(*), 2) AS slow_call_pct
FROM db_calls AS c
JOIN statement_median AS m USING (service_name, db_system, query_text)
GROUP BY c.service_name, c.db_system, c.query_text
ORDER BY slow_call_pct DESC, calls DESC, c.service_name, c.db_system, c.query_text
LIMIT 20
