package io.contrail.ingest.sampling;

import io.contrail.columnar.SpanRef;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;

import java.util.ArrayList;
import java.util.List;

/** The spans of one trace held while the {@link TailSampler} waits to decide it. Not thread-safe. */
final class PendingTrace {

    final List<SpanRef> spans = new ArrayList<>();
    final long oldestSegment;
    final long firstArrivalNanos;
    long lastArrivalNanos;
    boolean rootArrived;

    PendingTrace(long segment, long nowNanos) {
        this.oldestSegment = segment;
        this.firstArrivalNanos = nowNanos;
        this.lastArrivalNanos = nowNanos;
    }

    void add(SpanRef ref, long nowNanos) {
        spans.add(ref);
        lastArrivalNanos = nowNanos;
        if (ref.span().getParentSpanId().isEmpty()) {
            rootArrived = true;
        }
    }

    boolean hasError() {
        for (SpanRef ref : spans) {
            if (ref.span().getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR) {
                return true;
            }
        }
        return false;
    }

    /** The root span (no parent), else the earliest span: what the trace is "a request to". */
    SpanRef root() {
        SpanRef best = null;
        for (SpanRef ref : spans) {
            boolean isRoot = ref.span().getParentSpanId().isEmpty();
            boolean bestIsRoot = best != null && best.span().getParentSpanId().isEmpty();
            if (best == null || (isRoot && !bestIsRoot)
                    || (isRoot == bestIsRoot && ref.span().getStartTimeUnixNano() < best.span().getStartTimeUnixNano())) {
                best = ref;
            }
        }
        return best;
    }

    /** The root's duration, or first start to last end when the root is missing. */
    long durationNanos() {
        SpanRef root = root();
        if (root != null && root.span().getParentSpanId().isEmpty()) {
            return root.span().getEndTimeUnixNano() - root.span().getStartTimeUnixNano();
        }
        long start = Long.MAX_VALUE;
        long end = Long.MIN_VALUE;
        for (SpanRef ref : spans) {
            start = Math.min(start, ref.span().getStartTimeUnixNano());
            end = Math.max(end, ref.span().getEndTimeUnixNano());
        }
        return Math.max(0, end - start);
    }

    /** Every value of attribute {@code key} on the trace's spans and their resources. */
    List<AnyValue> attributeValues(String key) {
        List<AnyValue> values = new ArrayList<>();
        for (SpanRef ref : spans) {
            collect(ref.span().getAttributesList(), key, values);
            collect(ref.resource().getAttributesList(), key, values);
        }
        return values;
    }

    private static void collect(List<KeyValue> attributes, String key, List<AnyValue> into) {
        for (KeyValue kv : attributes) {
            if (kv.getKey().equals(key)) {
                into.add(kv.getValue());
            }
        }
    }

    /** The lowest 56 bits of the trace ID: the randomness W3C trace IDs carry, for consistent sampling. */
    long randomness() {
        Span first = spans.get(0).span();
        byte[] id = first.getTraceId().toByteArray();
        long value = 0;
        for (int i = Math.max(0, id.length - 7); i < id.length; i++) {
            value = (value << 8) | (id[i] & 0xff);
        }
        return value;
    }

    /** The largest upstream adjusted count of the trace's spans (they should agree). */
    double upstreamWeight() {
        double weight = 1.0;
        for (SpanRef ref : spans) {
            weight = Math.max(weight, ref.sampleWeight());
        }
        return weight;
    }
}
