package io.contrail.ingest.sampling;

import com.google.protobuf.ByteString;
import io.contrail.columnar.SpanRef;
import io.contrail.columnar.SpanSampler;
import io.contrail.columnar.SpanSchema;
import io.opentelemetry.proto.common.v1.AnyValue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * <p>Memory is bounded by traces and spans in flight: past either bound, the oldest traces are
 * decided at once, and that is counted ({@link SamplingStats#decidedEarly()}).
 *
 * <p>The {@link io.contrail.columnar.Warehouse} calls it after the spans are in its write-ahead log,
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
        this.stats = new SamplingStats(dataDir == null ? null : SamplingStats.folderUnder(dataDir));
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
    public List<SpanRef> admit(List<SpanRef> spans, long segment, long nowNanos) {
        List<SpanRef> kept = new ArrayList<>();
        for (SpanRef ref : spans) {
            ByteString traceId = ref.span().getTraceId();
            SamplingPolicies.Keep decided = decisions.get(traceId);
            if (decided != null) {
                boolean keep = decided != DROPPED;
                stats.lateSpan(keep);
                stats.count(serviceOf(ref), decided.policy(), keep, 0, 1);
                if (keep) {
                    kept.add(decided.weigh(ref));
                }
                continue;
            }
            PendingTrace trace = pending.get(traceId);
            if (trace == null) {
                trace = new PendingTrace(segment, nowNanos);
                pending.put(traceId, trace);
            }
            trace.add(ref, nowNanos);
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
        return kept;
    }

    @Override
    public List<SpanRef> decideDue(long nowNanos) {
        List<SpanRef> kept = new ArrayList<>();
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
        return kept;
    }

    private void decide(ByteString traceId, PendingTrace trace, long nowNanos, List<SpanRef> kept) {
        heldSpans -= trace.spans.size();
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
        for (SpanRef ref : trace.spans) {
            spansByService.merge(serviceOf(ref), 1, Integer::sum);
            if (keep != null) {
                kept.add(keep.weigh(ref));
            }
        }
        boolean wasKept = keep != null;
        String policy = wasKept ? keep.policy() : SamplingPolicies.NO_POLICY;
        spansByService.forEach((service, count) -> stats.count(service, policy, wasKept, 1, count));
    }

    /** Whether a span asks to be kept: {@code sampling.priority} >= 1, as OpenTracing defined it. */
    private static boolean prioritized(PendingTrace trace) {
        for (AnyValue value : trace.attributeValues(SamplingPolicies.PRIORITY_POLICY)) {
            double priority = switch (value.getValueCase()) {
                case INT_VALUE -> value.getIntValue();
                case DOUBLE_VALUE -> value.getDoubleValue();
                case STRING_VALUE -> {
                    try {
                        yield Double.parseDouble(value.getStringValue());
                    } catch (NumberFormatException e) {
                        yield 0;
                    }
                }
                default -> 0;
            };
            if (priority >= 1) {
                return true;
            }
        }
        return false;
    }

    /** The span's service as its {@code service_name} column will hold it, so that the statistics match the spans. */
    private static String serviceOf(SpanRef ref) {
        return SpanSchema.serviceNameOf(ref.resource());
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
