package io.contrail.columnar;

import io.opentelemetry.proto.trace.v1.Span;

/**
 * What head sampling upstream of Contrail says a span stands for, from the W3C {@code tracestate}
 * entry of OpenTelemetry's consistent probability sampling: {@code ot=th:T}, where {@code T} is the
 * rejection threshold as up to 14 hex digits (trailing zeros dropped). A span sampled with
 * threshold T was kept with probability (2^56 - T) / 2^56 and so stands for 2^56 / (2^56 - T) spans.
 * Spans without a valid threshold stand for one span, as the specification says.
 */
public final class UpstreamSampling {

    private static final int THRESHOLD_HEX_DIGITS = 14;
    private static final double MAX_ADJUSTED_COUNT = 0x1p56;

    private UpstreamSampling() {
    }

    /** The adjusted count of a span: 1 unless its trace state carries an {@code ot=th:} threshold. */
    public static double adjustedCount(Span span) {
        String traceState = span.getTraceState();
        return traceState.isEmpty() ? 1.0 : adjustedCount(traceState);
    }

    /** The adjusted count a W3C {@code tracestate} header value implies. */
    public static double adjustedCount(String traceState) {
        String threshold = otValue(traceState, "th");
        if (threshold == null || threshold.isEmpty() || threshold.length() > THRESHOLD_HEX_DIGITS) {
            return 1.0;
        }
        long rejected;
        try {
            rejected = Long.parseLong(threshold, 16) << (4 * (THRESHOLD_HEX_DIGITS - threshold.length()));
        } catch (NumberFormatException e) {
            return 1.0;
        }
        double kept = 0x1p56 - rejected;
        return kept <= 0 ? 1.0 : Math.min(MAX_ADJUSTED_COUNT, 0x1p56 / kept);
    }

    /** The value of {@code key} inside the {@code ot} list-member of a trace state, or null. */
    static String otValue(String traceState, String key) {
        for (String member : traceState.split(",")) {
            String trimmed = member.strip();
            if (!trimmed.startsWith("ot=")) {
                continue;
            }
            for (String field : trimmed.substring(3).split(";")) {
                int colon = field.indexOf(':');
                if (colon > 0 && field.substring(0, colon).equals(key)) {
                    return field.substring(colon + 1);
                }
            }
        }
        return null;
    }
}
