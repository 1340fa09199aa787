-- Question: did the newer deploy of a service get slower? Per service and operation, how do the
-- p50 and p95 of its newest "resource.service.version" compare with the version before it?
--
-- Answer: one row per (service, operation) of every service that runs two or more versions, with
-- the older and the newer version side by side: calls, p50 and p95 in milliseconds of each, and
-- the newer/older ratio of p50 and of p95; the largest p50 regression first. Operations are what a
-- service serves (SERVER and CONSUMER spans), with at least 10 calls on each side.
--
-- How to read it: a ratio near 1 is no change; 1.8 means the newer build takes 80% longer. A p50
-- ratio above 1 is a regression of every call (slower code, a smaller CPU limit); a p95 ratio
-- alone is a tail effect (GC, a slow dependency hit by some calls). "Newer" is the higher version
-- number, compared part by part (2.10.0 is newer than 2.9.1); ties fall back to the text. Both
-- versions run side by side here (a canary); for a deploy that replaced the old one, the two
-- versions are two time ranges: the comparison still holds if the load was alike.
WITH requests AS (
    SELECT service_name, name AS operation, "resource.service.version" AS version, duration_nanos
    FROM spans
    WHERE kind IN ('SERVER', 'CONSUMER')
      AND "resource.service.version" IS NOT NULL
),
versions AS (
    SELECT
        service_name,
        version,
        row_number() OVER (
            PARTITION BY service_name
            ORDER BY TRY_CAST(split_part(version, '.', 1) AS INTEGER) DESC NULLS LAST,
                     TRY_CAST(split_part(version, '.', 2) AS INTEGER) DESC NULLS LAST,
                     TRY_CAST(split_part(version, '.', 3) AS INTEGER) DESC NULLS LAST,
                     version DESC
        ) AS recency
    FROM (SELECT DISTINCT service_name, version FROM requests)
),
deploys AS (
    SELECT
        service_name,
        any_value(version) FILTER (WHERE recency = 2) AS older_version,
        any_value(version) FILTER (WHERE recency = 1) AS newer_version
    FROM versions
    GROUP BY service_name
    HAVING count(*) >= 2
),
per_version AS (
    SELECT
        r.service_name,
        r.operation,
        r.version,
        count(*) AS calls,
        quantile_cont(r.duration_nanos, 0.50) AS p50_nanos,
        quantile_cont(r.duration_nanos, 0.95) AS p95_nanos
    FROM requests AS r
    JOIN deploys AS d ON r.service_name = d.service_name
                     AND r.version IN (d.older_version, d.newer_version)
    GROUP BY r.service_name, r.operation, r.version
)
SELECT
    d.service_name,
    o.operation,
    d.older_version,
    d.newer_version,
    o.calls AS older_calls,
    n.calls AS newer_calls,
    round(o.p50_nanos / 1e6, 3) AS older_p50_ms,
    round(n.p50_nanos / 1e6, 3) AS newer_p50_ms,
    round(o.p95_nanos / 1e6, 3) AS older_p95_ms,
    round(n.p95_nanos / 1e6, 3) AS newer_p95_ms,
    round(n.p50_nanos / o.p50_nanos, 2) AS p50_ratio,
    round(n.p95_nanos / o.p95_nanos, 2) AS p95_ratio
FROM deploys AS d
JOIN per_version AS o ON o.service_name = d.service_name AND o.version = d.older_version
JOIN per_version AS n ON n.service_name = d.service_name AND n.version = d.newer_version
                     AND n.operation = o.operation
WHERE o.calls >= 10 AND n.calls >= 10
ORDER BY p50_ratio DESC, p95_ratio DESC, d.service_name, o.operation
