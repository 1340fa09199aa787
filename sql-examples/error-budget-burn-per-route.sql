-- Question: with an SLO of 99.9% successful requests, how fast is each HTTP route burning its
-- error budget over the last hour, and how much of it is left?
--
-- Answer: one row per (service, "attr.http.route") of requests (root SERVER spans) started in the
-- hour before the newest span: requests, failed requests (status ERROR), the error rate, the burn
-- rate (error rate / 0.1%), the failures the SLO allows for that hour's requests and how many of
-- them are left (negative: overspent), and how many hours a 30-day budget lasts at this burn
-- rate; the fastest burn first. Routes with fewer than 10 requests in the hour are left out: one
-- failure among three requests is not a burn rate.
--
-- How to read it: burn rate 1 spends the budget exactly over the SLO period; 10 spends a 30-day
-- budget in 3 days. The usual fast-burn page is a burn rate of 14.4 or more over one hour (2% of a
-- 30-day budget in that hour), which page_now flags. Counts are weighted by sample_weight, so they
-- stay right under tail sampling, which keeps errors more often. Requests here are the traces'
-- entry spans: a backend reached only through the frontend burns the frontend's budget; a root
-- span of a backend appears when its caller's trace context was lost. Change 0.001 for another
-- SLO. The window is anchored at the newest span so the file runs on any data; on live data use
-- now(). Its date/hour folders are joined in (recent_partitions), so DuckDB reads only those.
WITH newest AS (
    SELECT CAST(max(start_time) AS TIMESTAMP) AS newest_start FROM spans
),
recent_partitions AS (
    SELECT CAST(h AS DATE) AS "date", CAST(hour(h) AS INTEGER) AS "hour"
    FROM newest,
         generate_series(date_trunc('hour', newest_start - INTERVAL 1 HOUR), newest_start, INTERVAL 1 HOUR) AS g(h)
),
route_outcomes AS (
    SELECT
        s.service_name,
        s."attr.http.route" AS route,
        sum(s.sample_weight) AS requests,
        coalesce(sum(s.sample_weight) FILTER (WHERE s.status_code = 'ERROR'), 0) AS failed
    FROM spans AS s
    JOIN recent_partitions AS p ON s."date" = p."date" AND s."hour" = p."hour"
    CROSS JOIN newest AS n
    WHERE s.parent_span_id IS NULL
      AND s.kind = 'SERVER'
      AND s."attr.http.route" IS NOT NULL
      AND s.start_time > n.newest_start - INTERVAL 1 HOUR
    GROUP BY s.service_name, route
)
SELECT
    service_name,
    route,
    round(requests) AS requests,
    round(failed) AS failed,
    round(100.0 * failed / requests, 3) AS error_rate_pct,
    round(failed / requests / 0.001, 1) AS burn_rate,
    round(0.001 * requests, 1) AS allowed_failures,
    round(0.001 * requests - failed, 1) AS budget_left,
    round(30 * 24 / nullif(failed / requests / 0.001, 0), 1) AS hours_to_spend_30_day_budget,
    failed / requests / 0.001 >= 14.4 AS page_now
FROM route_outcomes
WHERE requests >= 10
ORDER BY burn_rate DESC, requests DESC, service_name, route
