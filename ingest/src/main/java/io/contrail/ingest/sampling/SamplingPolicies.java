package io.contrail.ingest.sampling;

import io.contrail.columnar.SpanChunk;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** The tail-sampling policies and how a {@link SamplingConfig.PolicyConfig} becomes one. */
final class SamplingPolicies {

    /** The name counted for traces no policy kept. */
    static final String NO_POLICY = "(none)";
    /** The implicit first policy: a span asking to be kept with {@code sampling.priority} >= 1. */
    static final String PRIORITY_POLICY = "sampling.priority";

    private SamplingPolicies() {
    }

    /**
     * A policy's verdict when it keeps a trace: every span then stands for at least
     * {@code minimumWeight} spans (its upstream weight when that is larger — with consistent
     * probability sampling the smaller probability is the one that applied).
     */
    record Keep(String policy, double minimumWeight) {
        /** The final weight of a kept span that stood for {@code weight} spans. */
        double weigh(double weight) {
            // Scaled rather than replaced, in the same floating-point steps as ever, so weights stay bit for bit.
            return weight >= minimumWeight ? weight : weight * (minimumWeight / weight);
        }
    }

    /** A rule that may keep a trace. Returns null when it does not. */
    sealed interface Policy permits Errors, Latency, LatencyPercentile, AttributeMatch, Probabilistic, RateLimited,
            Composite {
        String name();

        Keep evaluate(PendingTrace trace, long nowNanos);

        /** Called once the trace is decided, whoever kept it: lets policies learn and count budgets. */
        default void decided(PendingTrace trace, boolean kept, long nowNanos) {
        }
    }

    static List<Policy> build(List<SamplingConfig.PolicyConfig> configs) {
        List<Policy> policies = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < configs.size(); i++) {
            SamplingConfig.PolicyConfig config = configs.get(i);
            Policy policy = build(config, "policies[" + i + "]");
            if (!names.add(policy.name())) {
                throw new IllegalArgumentException("policies[" + i + "].name: '" + policy.name()
                        + "' is used twice; policy names must be unique (they label the counts)");
            }
            policies.add(policy);
        }
        return policies;
    }

    private static Policy build(SamplingConfig.PolicyConfig c, String where) {
        if (c == null) {
            throw new IllegalArgumentException(where + ": empty policy");
        }
        if (c.type() == null) {
            throw new IllegalArgumentException(where + ".type is missing; one of error, latency, latency_percentile, "
                    + "attribute, probabilistic, rate_limiting, composite");
        }
        String name = c.name() != null ? c.name() : c.type();
        return switch (c.type().toLowerCase(Locale.ROOT)) {
            case "error", "status_code" -> new Errors(name);
            case "latency" -> new Latency(name, millisToNanos(required(c.thresholdMillis(), where + ".thresholdMillis")));
            case "latency_percentile" -> {
                double percentile = required(c.percentile(), where + ".percentile");
                if (!(percentile > 0 && percentile < 100)) {
                    throw new IllegalArgumentException(where + ".percentile must be between 0 and 100, was " + percentile);
                }
                int window = c.windowTraces() != null ? c.windowTraces() : LatencyPercentile.DEFAULT_WINDOW_TRACES;
                int min = c.minTraces() != null ? c.minTraces() : LatencyPercentile.DEFAULT_MIN_TRACES;
                if (window < 1 || min < 1 || min > window) {
                    throw new IllegalArgumentException(where + ": need 1 <= minTraces <= windowTraces, were "
                            + min + " and " + window);
                }
                yield new LatencyPercentile(name, percentile, window, min, new HashMap<>());
            }
            case "attribute" -> {
                String key = required(c.key(), where + ".key");
                boolean hasValues = c.values() != null && !c.values().isEmpty();
                if (!hasValues && c.minValue() == null && c.maxValue() == null) {
                    throw new IllegalArgumentException(where + ": an attribute policy needs values, or minValue/maxValue");
                }
                yield new AttributeMatch(name, key, hasValues ? List.copyOf(c.values()) : List.of(),
                        c.minValue(), c.maxValue());
            }
            case "probabilistic" -> {
                double percentage = required(c.percentage(), where + ".percentage");
                if (!(percentage > 0 && percentage <= 100)) {
                    throw new IllegalArgumentException(where + ".percentage must be in (0, 100], was " + percentage);
                }
                yield new Probabilistic(name, percentage / 100.0);
            }
            case "rate_limiting" -> new RateLimited(name, positive(required(c.spansPerSecond(),
                    where + ".spansPerSecond"), where + ".spansPerSecond"), null, new SpanBudget());
            case "composite" -> {
                List<SamplingConfig.PolicyConfig> subs = required(c.policies(), where + ".policies");
                List<Policy> built = new ArrayList<>();
                for (int i = 0; i < subs.size(); i++) {
                    built.add(build(subs.get(i), where + ".policies[" + i + "]"));
                }
                Composite composite = new Composite(name, built);
                yield c.spansPerSecond() == null ? composite
                        : new RateLimited(name, positive(c.spansPerSecond(), where + ".spansPerSecond"), composite,
                        new SpanBudget());
            }
            default -> throw new IllegalArgumentException(where + ".type: unknown policy type '" + c.type()
                    + "'; one of error, latency, latency_percentile, attribute, probabilistic, rate_limiting, composite");
        };
    }

    private static <T> T required(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(field + " is missing");
        }
        return value;
    }

    private static long positive(long value, String field) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, was " + value);
        }
        return value;
    }

    private static long millisToNanos(long millis) {
        return millis * 1_000_000L;
    }

    /** Keeps traces with a span whose status is ERROR. */
    record Errors(String name) implements Policy {
        @Override
        public Keep evaluate(PendingTrace trace, long nowNanos) {
            return trace.hasError() ? new Keep(name, 1.0) : null;
        }
    }

    /** Keeps traces at least this slow. */
    record Latency(String name, long thresholdNanos) implements Policy {
        @Override
        public Keep evaluate(PendingTrace trace, long nowNanos) {
            return trace.durationNanos() >= thresholdNanos ? new Keep(name, 1.0) : null;
        }
    }

    /** Keeps traces slower than a percentile learned per root service and operation over recent traces. */
    record LatencyPercentile(String name, double percentile, int windowTraces, int minTraces,
                             Map<String, DurationWindow> windows) implements Policy {
        static final int DEFAULT_WINDOW_TRACES = 1_000;
        static final int DEFAULT_MIN_TRACES = 100;

        @Override
        public Keep evaluate(PendingTrace trace, long nowNanos) {
            DurationWindow window = windows.get(trace.rootOperation());
            return window != null && window.count() >= minTraces
                    && trace.durationNanos() > window.threshold(percentile) ? new Keep(name, 1.0) : null;
        }

        @Override
        public void decided(PendingTrace trace, boolean kept, long nowNanos) {
            windows.computeIfAbsent(trace.rootOperation(), k -> new DurationWindow(windowTraces)).add(trace.durationNanos());
        }
    }

    /** The last N durations seen for one operation, with a cached percentile. Not thread-safe. */
    static final class DurationWindow {
        private static final int RECOMPUTE_EVERY = 50;
        private final long[] ring;
        private int next;
        private int count;
        private int sinceComputed = Integer.MAX_VALUE;
        private long cachedThreshold;

        DurationWindow(int size) {
            this.ring = new long[size];
        }

        void add(long durationNanos) {
            ring[next] = durationNanos;
            next = (next + 1) % ring.length;
            count = Math.min(count + 1, ring.length);
            sinceComputed = sinceComputed == Integer.MAX_VALUE ? Integer.MAX_VALUE : sinceComputed + 1;
        }

        int count() {
            return count;
        }

        long threshold(double percentile) {
            if (sinceComputed >= RECOMPUTE_EVERY) {
                long[] sorted = Arrays.copyOf(ring, count);
                Arrays.sort(sorted);
                int index = (int) Math.min(count - 1, Math.ceil(percentile / 100.0 * count) - 1);
                cachedThreshold = sorted[Math.max(0, index)];
                sinceComputed = 0;
            }
            return cachedThreshold;
        }
    }

    /** Keeps traces with an attribute equal to one of the values, or within a numeric range. */
    record AttributeMatch(String name, String key, List<Object> values, Double minValue, Double maxValue)
            implements Policy {
        @Override
        public Keep evaluate(PendingTrace trace, long nowNanos) {
            return trace.anyAttribute(key, this::matches) ? new Keep(name, 1.0) : null;
        }

        private boolean matches(SpanChunk.AttributeColumn column, int i) {
            int kind = column.kind(i);
            boolean isNumber = kind == SpanChunk.K_INT || kind == SpanChunk.K_DOUBLE;
            double number = kind == SpanChunk.K_INT ? (double) column.bits(i)
                    : kind == SpanChunk.K_DOUBLE ? Double.longBitsToDouble(column.bits(i)) : 0;
            if (isNumber && (minValue != null || maxValue != null)
                    && (minValue == null || number >= minValue) && (maxValue == null || number <= maxValue)) {
                return true;
            }
            String text = kind == SpanChunk.K_STRING ? column.bytes().string(i) : null;
            boolean bool = column.bits(i) != 0;
            for (Object wanted : values) {
                boolean equal = switch (kind) {
                    case SpanChunk.K_STRING -> Objects.equals(wanted.toString(), text);
                    case SpanChunk.K_BOOL -> wanted instanceof Boolean b ? b == bool
                            : wanted.toString().equalsIgnoreCase(Boolean.toString(bool));
                    case SpanChunk.K_INT, SpanChunk.K_DOUBLE -> wanted instanceof Number n && n.doubleValue() == number;
                    default -> false;
                };
                if (equal) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Keeps a fraction of traces, chosen by the trace ID's randomness (the W3C trace ID's low 56
     * bits, as OpenTelemetry's consistent probability samplers do), so every span of a trace gets the
     * same answer wherever it is decided. Kept spans stand for 1/probability spans.
     */
    record Probabilistic(String name, double probability) implements Policy {
        @Override
        public Keep evaluate(PendingTrace trace, long nowNanos) {
            long threshold = (long) ((1.0 - probability) * 0x1p56);
            return trace.randomness() >= threshold ? new Keep(name, 1.0 / probability) : null;
        }
    }

    /**
     * Keeps traces while fewer than {@code spansPerSecond} spans were kept in the current second,
     * by itself or through {@code inner}. A kept span stands for the ratio of spans offered to spans
     * kept in the previous second — an estimate: unlike a probability, a rate limit has no exact weight.
     */
    record RateLimited(String name, long spansPerSecond, Policy inner, SpanBudget budget) implements Policy {
        @Override
        public Keep evaluate(PendingTrace trace, long nowNanos) {
            int spans = trace.size();
            budget.offer(spans, nowNanos);
            Keep inside = inner == null ? new Keep(name, 1.0) : inner.evaluate(trace, nowNanos);
            if (inside == null || !budget.take(spans, spansPerSecond)) {
                return null;
            }
            return inner == null ? new Keep(name, budget.estimatedWeight()) : inside;
        }

        @Override
        public void decided(PendingTrace trace, boolean kept, long nowNanos) {
            if (inner != null) {
                inner.decided(trace, kept, nowNanos);
            }
        }
    }

    /** Spans offered and kept per one-second window, for {@link RateLimited}. Not thread-safe. */
    static final class SpanBudget {
        private long windowSecond = Long.MIN_VALUE;
        private long offered;
        private long kept;
        private double previousWeight = 1.0;

        void offer(int spans, long nowNanos) {
            long second = Math.floorDiv(nowNanos, 1_000_000_000L);
            if (second != windowSecond) {
                if (windowSecond != Long.MIN_VALUE && kept > 0) {
                    previousWeight = Math.max(1.0, (double) offered / kept);
                }
                windowSecond = second;
                offered = 0;
                kept = 0;
            }
            offered += spans;
        }

        boolean take(int spans, long limit) {
            if (kept + spans > limit && kept > 0) {
                return false;
            }
            kept += spans;
            return true;
        }

        double estimatedWeight() {
            return previousWeight;
        }
    }

    /** Its policies in order; the first that keeps decides. */
    record Composite(String name, List<Policy> policies) implements Policy {
        @Override
        public Keep evaluate(PendingTrace trace, long nowNanos) {
            for (Policy policy : policies) {
                Keep keep = policy.evaluate(trace, nowNanos);
                if (keep != null) {
                    return new Keep(name + "/" + keep.policy(), keep.minimumWeight());
                }
            }
            return null;
        }

        @Override
        public void decided(PendingTrace trace, boolean kept, long nowNanos) {
            for (Policy policy : policies) {
                policy.decided(trace, kept, nowNanos);
            }
        }
    }
}
