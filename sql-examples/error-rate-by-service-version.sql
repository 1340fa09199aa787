-- Question: does one version of a service fail more often than the others, e.g. a canary
-- running beside the stable build?
--
-- Answer: one row per (service, "resource.service.version") with the spans of that build, how
-- many of them ended with status ERROR, and the error rate in percent; services that run several
-- versions side by side (cart, currency, recommendation in the demo shop) get one row per version.
--
-- How to read it: compare rows of the same service. Spans are weighted by sample_weight, so the
-- rate stays an estimate of the real traffic once a sampler keeps errors more often than
-- successes (without sampling every weight is 1). Error spans include callers that only passed a
-- failure on; exceptions-by-type-and-service.sql shows where failures start.
SELECT
    service_name,
    "resource.service.version" AS service_version,
    sum(sample_weight) AS spans,
    sum(CASE WHEN status_code = 'ERROR' THEN sample_weight ELSE 0 END) AS error_spans,
    round(100.0 * sum(CASE WHEN status_code = 'ERROR' THEN sample_weight ELSE 0 END)
          / sum(sample_weight), 3) AS error_rate_pct
FROM spans
GROUP BY service_name, service_version
ORDER BY service_name, service_version
