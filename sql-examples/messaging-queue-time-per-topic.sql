-- Question: how long do messages wait between being sent and being processed? Per topic and
-- consumer group, what are p50 / p95 / p99 of the time from the PRODUCER span's start to the
-- CONSUMER span's start?
--
-- Answer: one row per ("attr.messaging.destination.name", "attr.messaging.consumer.group.name")
-- over CONSUMER spans matched to the PRODUCER span of their message: the messages, how many
-- consumers also link to that producer, how many were matched only through a span link, the
-- p50 / p95 / p99 of consumer start - producer start in milliseconds, and the p50 / p99 of the
-- part after the send returned (consumer start - producer end); the slowest p95 first.
--
-- How to read it: consumer start - producer start is what a message's journey adds to a request:
-- the send itself plus the time in the broker and the consumer's queue. The part after the send
-- returned is the queueing alone; a growing p99 there is a consumer group falling behind (too few
-- consumers or partitions, a slow handler). A consumer is matched to its producer as its child
-- (the trace context travelled in the message headers) or through its links (a consumer that
-- starts a trace of its own and links the producer, the pattern for batches): linked_only counts
-- those. Consumers whose producer is not stored (another system sent the message) are left out.
WITH producers AS (
    SELECT trace_id, span_id, start_time, end_time
    FROM spans
    WHERE kind = 'PRODUCER'
),
consumers AS (
    SELECT
        trace_id, span_id, parent_span_id, links, start_time,
        "attr.messaging.destination.name" AS topic,
        "attr.messaging.consumer.group.name" AS consumer_group
    FROM spans
    WHERE kind = 'CONSUMER'
),
matches AS (
    SELECT c.trace_id, c.span_id, c.start_time, c.topic, c.consumer_group,
           p.start_time AS send_start, p.end_time AS send_end, true AS as_child
    FROM consumers AS c
    JOIN producers AS p ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id
    UNION ALL
    SELECT c.trace_id, c.span_id, c.start_time, c.topic, c.consumer_group,
           p.start_time AS send_start, p.end_time AS send_end, false AS as_child
    FROM (SELECT *, UNNEST(links) AS l FROM consumers) AS c
    JOIN producers AS p ON p.trace_id = c.l.trace_id AND p.span_id = c.l.span_id
),
deliveries AS (
    SELECT
        topic,
        consumer_group,
        bool_or(as_child) AS as_child,
        bool_or(NOT as_child) AS linked,
        epoch_ns(any_value(start_time)) - epoch_ns(min(send_start)) AS since_send_start_nanos,
        epoch_ns(any_value(start_time)) - epoch_ns(min(send_end)) AS since_send_end_nanos
    FROM matches
    GROUP BY trace_id, span_id, topic, consumer_group
)
SELECT
    coalesce(topic, '(none)') AS topic,
    coalesce(consumer_group, '(none)') AS consumer_group,
    count(*) AS messages,
    count(*) FILTER (WHERE linked) AS linked,
    count(*) FILTER (WHERE NOT as_child) AS linked_only,
    round(quantile_cont(since_send_start_nanos, 0.50) / 1e6, 2) AS p50_ms,
    round(quantile_cont(since_send_start_nanos, 0.95) / 1e6, 2) AS p95_ms,
    round(quantile_cont(since_send_start_nanos, 0.99) / 1e6, 2) AS p99_ms,
    round(quantile_cont(since_send_end_nanos, 0.50) / 1e6, 2) AS queued_p50_ms,
    round(quantile_cont(since_send_end_nanos, 0.99) / 1e6, 2) AS queued_p99_ms
FROM deliveries
GROUP BY topic, consumer_group
ORDER BY p95_ms DESC, topic, consumer_group
