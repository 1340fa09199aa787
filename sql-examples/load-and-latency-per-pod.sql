-- Question: is each service's traffic spread evenly over its pods, and is one pod (or the node
-- it runs on, or the build it runs) slower than its siblings?
--
-- Answer: one row per pod, from the resource attributes the SDK attaches to every span
-- ("resource.k8s.pod.name", "resource.k8s.node.name", "resource.service.version"), with the
-- pod's spans, its share of its service's spans in percent, and the p50 / p95 in milliseconds of
-- the SERVER spans it answered; pods of one service side by side.
--
-- How to read it: compare rows of the same service. An uneven share is load balancing (sticky
-- connections, a pod that joined late); a p50 above its siblings' on one version is a slower
-- build (the demo's currency canary 2.1.0 is 1.8x slower); on one node only, a noisy
-- neighbour. Services without SERVER spans (Kafka consumers) show NULL latencies.
WITH per_pod AS (
    SELECT
        service_name,
        "resource.k8s.pod.name" AS pod,
        "resource.k8s.node.name" AS node,
        "resource.service.version" AS service_version,
        count(*) AS spans,
        quantile_cont(duration_nanos, 0.50) FILTER (WHERE kind = 'SERVER') AS server_p50_nanos,
        quantile_cont(duration_nanos, 0.95) FILTER (WHERE kind = 'SERVER') AS server_p95_nanos
    FROM spans
    GROUP BY service_name, pod, node, service_version
)
SELECT
    service_name,
    pod,
    node,
    service_version,
    spans,
    round(100.0 * spans / sum(spans) OVER (PARTITION BY service_name), 1) AS pct_of_service_spans,
    round(server_p50_nanos / 1e6, 2) AS server_p50_ms,
    round(server_p95_nanos / 1e6, 2) AS server_p95_ms
FROM per_pod
ORDER BY service_name, pod
