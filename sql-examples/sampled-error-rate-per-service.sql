-- Question: how many requests does each service serve and what share of them fail — correctly
-- even when tail sampling stored only a fraction of the healthy traffic?
--
-- Answer: one row per service: the spans it stands for (sum of sample_weight), the spans actually
-- stored, the estimated error spans and the error rate in percent, busiest service first.
--
-- How to read it: sample_weight is how many spans a stored span stands for (1 for traces kept
-- because they failed or were slow, 1/p for traces kept by the probabilistic policy, 1 everywhere
-- without sampling). count(*) counts what was stored and overstates the error rate under sampling,
-- because every error trace is kept; sum(sample_weight) counts the traffic. When spans_stored is
-- far below spans, sampling is thinning that service; compare error_pct with a count(*)-based
-- rate to see how much sampling would have misled you.
SELECT
    service_name,
    round(sum(sample_weight)) AS spans,
    count(*) AS spans_stored,
    round(sum(sample_weight) FILTER (WHERE status_code = 'ERROR')) AS error_spans,
    round(100 * coalesce(sum(sample_weight) FILTER (WHERE status_code = 'ERROR'), 0) / sum(sample_weight), 3) AS error_pct,
    round(100 * count(*) FILTER (WHERE status_code = 'ERROR') / count(*), 3) AS unweighted_error_pct
FROM spans
GROUP BY service_name
ORDER BY spans DESC, service_name
