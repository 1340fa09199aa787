-- Question: are a service instance's first requests slower (a cold start: JIT warm-up, empty
-- caches and connection pools)? How do the first requests each instance served after it first
-- appeared compare with its later ones?
--
-- Answer: one row per service instance ("resource.service.instance.id", with its pod): when its
-- first span started, whether that was at the start of the data, its requests (SERVER and
-- CONSUMER spans), and the median and p95 of its first 20 requests and of the rest, each as a
-- multiple of the median of the same operation across the service; the cold/warm ratio of the
-- medians. Instances that appeared after the data began come first, then the largest cold-start
-- penalty.
--
-- How to read it: each request is measured against its own operation (a GetCart against
-- GetCart), so a mix of fast and slow operations does not count as a penalty. cold_vs_warm 1 means
-- no cold start; 3 means the first requests took three times as long as later ones. An instance
-- whose first span is at the start of the data (from_data_start) may have been running long
-- before: its "first" requests are only the first ones stored, so judge cold starts by the
-- instances that appeared later (new pods of a rollout or an autoscaler). Use a smaller first-N
-- than 20 for services with little traffic.
WITH data_start AS (
    SELECT min(start_time) AS first_start FROM spans
),
instances AS (
    SELECT
        "resource.service.instance.id" AS instance_id,
        min(start_time) AS first_seen
    FROM spans
    WHERE "resource.service.instance.id" IS NOT NULL
    GROUP BY instance_id
),
requests AS (
    SELECT
        service_name,
        "resource.service.instance.id" AS instance_id,
        "resource.k8s.pod.name" AS pod,
        name,
        span_id,
        start_time,
        duration_nanos
    FROM spans
    WHERE kind IN ('SERVER', 'CONSUMER')
      AND "resource.service.instance.id" IS NOT NULL
),
ranked AS (
    SELECT
        *,
        row_number() OVER (PARTITION BY instance_id ORDER BY start_time, span_id) AS nth_request,
        duration_nanos / median(duration_nanos) OVER (PARTITION BY service_name, name) AS relative
    FROM requests
)
SELECT
    r.service_name,
    r.instance_id,
    any_value(r.pod) AS pod,
    i.first_seen,
    i.first_seen < d.first_start + INTERVAL 1 MINUTE AS from_data_start,
    count(*) AS requests,
    round(median(r.relative) FILTER (WHERE r.nth_request <= 20), 2) AS cold_median,
    round(quantile_cont(r.relative, 0.95) FILTER (WHERE r.nth_request <= 20), 2) AS cold_p95,
    round(median(r.relative) FILTER (WHERE r.nth_request > 20), 2) AS warm_median,
    round(quantile_cont(r.relative, 0.95) FILTER (WHERE r.nth_request > 20), 2) AS warm_p95,
    round(median(r.relative) FILTER (WHERE r.nth_request <= 20)
          / median(r.relative) FILTER (WHERE r.nth_request > 20), 2) AS cold_vs_warm
FROM ranked AS r
JOIN instances AS i USING (instance_id)
CROSS JOIN data_start AS d
GROUP BY r.service_name, r.instance_id, i.first_seen, d.first_start
HAVING count(*) > 40
ORDER BY from_data_start, cold_vs_warm DESC, r.service_name, r.instance_id
