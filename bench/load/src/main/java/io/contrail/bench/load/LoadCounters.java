package io.contrail.bench.load;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** What all clients of one run have seen so far. Thread-safe. */
final class LoadCounters {

    final LongAdder acknowledgedRequests = new LongAdder();
    final LongAdder acknowledgedSpans = new LongAdder();
    /** Request bodies as sent (gzipped when the run sends gzip) of acknowledged requests. */
    final LongAdder acknowledgedWireBytes = new LongAdder();
    /** Spans the server turned down inside a 200 (OTLP partial success). */
    final LongAdder partiallyRejectedSpans = new LongAdder();
    final LongAdder refused429 = new LongAdder();
    final LongAdder refused503 = new LongAdder();
    /** Spans of requests given up on: an error that is not worth retrying, or too many refusals. */
    final LongAdder failedSpans = new LongAdder();
    /** Spans still unacknowledged when a timed run ended (waiting to retry at the deadline). */
    final LongAdder abandonedSpans = new LongAdder();
    private final AtomicLong lastAcknowledgedNanos = new AtomicLong();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

    void acknowledged(int spans, int rejected, int wireBytes, long atNanos) {
        acknowledgedRequests.increment();
        acknowledgedSpans.add(spans - rejected);
        partiallyRejectedSpans.add(rejected);
        acknowledgedWireBytes.add(wireBytes);
        lastAcknowledgedNanos.accumulateAndGet(atNanos, Math::max);
    }

    /** An answer other than 200, 429 and 503, or no answer; {@code kind} groups them for the report. */
    void error(String kind) {
        errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    long lastAcknowledgedNanos() {
        return lastAcknowledgedNanos.get();
    }

    long errorCount() {
        return errors.values().stream().mapToLong(LongAdder::sum).sum();
    }

    Map<String, Long> errorsByKind() {
        Map<String, Long> byKind = new TreeMap<>();
        errors.forEach((kind, count) -> byKind.put(kind, count.sum()));
        return byKind;
    }
}
