package io.contrail.ingest.sampling;

import com.google.protobuf.ByteString;
import io.contrail.columnar.ByteColumn;
import io.contrail.columnar.ChunkRows;
import io.contrail.columnar.SamplingStatsLayout;
import io.contrail.columnar.SpanChunk;
import io.contrail.columnar.SpanSampler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Tail-based sampling: holds each trace's spans until the trace is complete, then keeps or drops
 * the whole trace by the first {@link SamplingConfig} policy that keeps it. A trace is complete
 * {@code quietPeriodMillis} after its last span once its root has arrived, or at the latest
 * {@code maxWaitMillis} after its first span. Kept spans carry {@code sample_weight}, how many
 * spans each stands for. Spans of an already decided trace follow its decision (a bounded cache).
 *
 * <p>Spans are held as rows of the chunks they arrived in ({@link PendingTrace}); a held trace keeps
 * its chunks alive, and its kept rows come back as {@link ChunkRows} of those chunks.
 *
 * <p>Memory is bounded by traces and spans in flight: past either bound, the oldest traces are
 * decided at once, and that is counted ({@link SamplingStats#decidedEarly()}).
 *
 * <p>The {@link io.contrail.columnar.Store} (its write side) calls it after the spans are in its write-ahead log,
 * one call at a time under the log's lock (see {@link SpanSampler}); the counters may be read from
 * any thread. {@link #close()} stops the stats writer; undecided spans stay in the log.
 */
public final class TailSampler implements SpanSampler, AutoCloseable {

    private final SamplingConfig config;
    private final List<SamplingPolicies.Policy> policies;
    private final long quietPeriodNanos;
    private final long maxWaitNanos;
    private final long tickNanos;
    private final SamplingStats stats;
    private final ScheduledExecutorService statsWriter;

    // Guarded by the caller (the warehouse's log lock). Insertion order is arrival order.
    private final LinkedHashMap<ByteString, PendingTrace> pending = new LinkedHashMap<>();
    private final LinkedHashMap<ByteString, SamplingPolicies.Keep> decisions;
    private long lastDecisionNanos;

    private volatile long heldSpans;
    private volatile long oldestHeldSegment = Long.MAX_VALUE;
    private volatile long nextDecisionNanos = Long.MAX_VALUE;

    /** A sampler whose counts are saved under {@code dataDir}/sampling (no saving when null). */
    public TailSampler(SamplingConfig config, Path dataDir) throws IOException {
        this.config = config;
        this.policies = SamplingPolicies.build(config.policies() == null ? List.of() : config.policies());
        this.quietPeriodNanos = TimeUnit.MILLISECONDS.toNanos(config.quietPeriodMillisOrDefault());
        this.maxWaitNanos = TimeUnit.MILLISECONDS.toNanos(config.maxWaitMillisOrDefault());
        this.tickNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(quietPeriodNanos / 4,
                TimeUnit.MILLISECONDS.toNanos(250)));
        int cacheSize = config.decisionCacheSizeOrDefault();
        this.decisions = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ByteString, SamplingPolicies.Keep> eldest) {
                return size() > cacheSize;
            }
        };
        this.stats = new SamplingStats(dataDir == null ? null : SamplingStatsLayout.folderUnder(dataDir));
        if (dataDir != null) {
            statsWriter = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "contrail-sampling-stats");
                thread.setDaemon(true);
                return thread;
            });
            statsWriter.scheduleWithFixedDelay(stats::save, SamplingStats.SAVE_INTERVAL_MILLIS,
                    SamplingStats.SAVE_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        } else {
            statsWriter = null;
        }
    }

    public SamplingConfig config() {
        return config;
    }

    public SamplingStats stats() {
        return stats;
    }

    /** A dropped decision is remembered as this (no policy kept the trace). */
    private static final SamplingPolicies.Keep DROPPED = new SamplingPolicies.Keep(SamplingPolicies.NO_POLICY, 0);

    @Override
    public List<ChunkRows> admit(ChunkRows rows, long segment, long nowNanos) {
        KeptRows kept = new KeptRows();
        SpanChunk chunk = rows.chunk();
        ByteColumn traceIds = chunk.traceIds();
        // The spans of a trace mostly come together in a request: look each run of one trace ID up once.
        int previousRow = -1;
        SamplingPolicies.Keep decided = null;
        PendingTrace trace = null;
        for (int i = 0; i < rows.size(); i++) {
            int row = rows.row(i);
            if (previousRow < 0 || !sameTraceId(traceIds, row, previousRow)) {
                ByteString traceId = ByteString.copyFrom(traceIds.data(), traceIds.start(row), traceIds.length(row));
                decided = decisions.get(traceId);
                trace = null;
                if (decided == null) {
                    trace = pending.get(traceId);
                    if (trace == null) {
                        trace = new PendingTrace(segment, nowNanos);
                        pending.put(traceId, trace);
                    }
                }
            }
            previousRow = row;
            if (decided != null) {
                boolean keep = decided != DROPPED;
                stats.lateSpan(keep);
                stats.count(serviceOf(chunk, row), decided.policy(), keep, 0, 1);
                if (keep) {
                    kept.add(chunk, row, decided.weigh(rows.weight(i)));
                }
                continue;
            }
            trace.add(chunk, row, rows.weight(i), nowNanos);
            heldSpans++;
        }
        int early = 0;
        while (!pending.isEmpty() && (pending.size() > config.maxTracesInFlightOrDefault()
                || heldSpans > config.maxSpansInFlightOrDefault())) {
            Iterator<Map.Entry<ByteString, PendingTrace>> oldest = pending.entrySet().iterator();
            Map.Entry<ByteString, PendingTrace> entry = oldest.next();
            oldest.remove();
            decide(entry.getKey(), entry.getValue(), nowNanos, kept);
            early++;
        }
        if (early > 0) {
            stats.decidedEarly(early);
        }
        publishState(nowNanos);
        return kept.toList();
    }

    private static boolean sameTraceId(ByteColumn traceIds, int row, int other) {
        return Arrays.equals(traceIds.data(), traceIds.start(row), traceIds.end(row),
                traceIds.data(), traceIds.start(other), traceIds.end(other));
    }

    @Override
    public List<ChunkRows> decideDue(long nowNanos) {
        KeptRows kept = new KeptRows();
        Iterator<Map.Entry<ByteString, PendingTrace>> it = pending.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<ByteString, PendingTrace> entry = it.next();
            PendingTrace trace = entry.getValue();
            boolean quiet = trace.rootArrived && nowNanos - trace.lastArrivalNanos >= quietPeriodNanos;
            boolean waitedEnough = nowNanos - trace.firstArrivalNanos >= maxWaitNanos;
            if (quiet || waitedEnough) {
                it.remove();
                decide(entry.getKey(), trace, nowNanos, kept);
            }
        }
        lastDecisionNanos = nowNanos;
        publishState(nowNanos);
        return kept.toList();
    }

    private void decide(ByteString traceId, PendingTrace trace, long nowNanos, KeptRows kept) {
        heldSpans -= trace.size();
        SamplingPolicies.Keep keep = prioritized(trace) ? new SamplingPolicies.Keep(SamplingPolicies.PRIORITY_POLICY, 1.0)
                : null;
        for (int i = 0; keep == null && i < policies.size(); i++) {
            keep = policies.get(i).evaluate(trace, nowNanos);
        }
        for (SamplingPolicies.Policy policy : policies) {
            policy.decided(trace, keep != null, nowNanos);
        }
        decisions.put(traceId, keep != null ? keep : DROPPED);
        Map<String, Integer> spansByService = new HashMap<>();
        for (int i = 0; i < trace.size(); i++) {
            SpanChunk chunk = trace.chunk(i);
            int row = trace.row(i);
            spansByService.merge(serviceOf(chunk, row), 1, Integer::sum);
            if (keep != null) {
                kept.add(chunk, row, keep.weigh(trace.weight(i)));
            }
        }
        boolean wasKept = keep != null;
        String policy = wasKept ? keep.policy() : SamplingPolicies.NO_POLICY;
        spansByService.forEach((service, count) -> stats.count(service, policy, wasKept, 1, count));
    }

    /** Whether a span asks to be kept: {@code sampling.priority} >= 1, as OpenTracing defined it. */
    private static boolean prioritized(PendingTrace trace) {
        return trace.anyAttribute(SamplingPolicies.PRIORITY_POLICY, (column, i) -> priorityOf(column, i) >= 1);
    }

    /** A {@code sampling.priority} value as a number: an int, a double or a string holding one; else 0. */
    private static double priorityOf(SpanChunk.AttributeColumn column, int i) {
        return switch (column.kind(i)) {
            case SpanChunk.K_INT -> column.bits(i);
            case SpanChunk.K_DOUBLE -> Double.longBitsToDouble(column.bits(i));
            case SpanChunk.K_STRING -> {
                try {
                    yield Double.parseDouble(column.bytes().string(i));
                } catch (NumberFormatException e) {
                    yield 0;
                }
            }
            default -> 0;
        };
    }

    /** The span's service as its {@code service_name} column will hold it, so that the statistics match the spans. */
    private static String serviceOf(SpanChunk chunk, int row) {
        return chunk.serviceName(chunk.resourceOf(row));
    }

    private void publishState(long nowNanos) {
        if (pending.isEmpty()) {
            oldestHeldSegment = Long.MAX_VALUE;
            nextDecisionNanos = Long.MAX_VALUE;
            return;
        }
        PendingTrace oldest = pending.values().iterator().next();
        oldestHeldSegment = oldest.oldestSegment;
        nextDecisionNanos = Math.min(lastDecisionNanos + tickNanos, oldest.firstArrivalNanos + maxWaitNanos);
    }

    @Override
    public long oldestHeldSegment() {
        return oldestHeldSegment;
    }

    @Override
    public long heldSpans() {
        return heldSpans;
    }

    @Override
    public long nanosUntilNextDecision(long nowNanos) {
        long next = nextDecisionNanos;
        return next == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, next - nowNanos);
    }

    /** Stops the stats writer after saving the counts once more. */
    @Override
    public void close() {
        if (statsWriter != null) {
            statsWriter.shutdownNow();
            stats.save();
        }
    }
}
