package io.contrail.ingest;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.Map;
import java.util.Objects;

/**
 * What a decoder made of one request, as OTLP objects: the valid spans in their resource and scope
 * structure, and how many spans were accepted and rejected. The receiver turns it into
 * {@link AcceptedSpans}, the chunk the warehouse takes.
 *
 * @param traces only the valid spans; no empty ScopeSpans or ResourceSpans
 * @param errorMessage null when nothing was rejected; otherwise the number of rejected spans and
 *     the first few problems, each with the span's position and name
 * @param rejectedByCause the rejected spans by {@link RejectionCause}; its counts add up to {@code rejectedSpans}
 */
public record DecodedSpans(TracesData traces, int acceptedSpans, int rejectedSpans, String errorMessage,
                           Map<RejectionCause, Integer> rejectedByCause) {

    /** A decoding that rejected nothing, or whose rejections are not told apart by cause. */
    public DecodedSpans(TracesData traces, int acceptedSpans, int rejectedSpans, String errorMessage) {
        this(traces, acceptedSpans, rejectedSpans, errorMessage, Map.of());
    }

    public DecodedSpans {
        rejectedByCause = Map.copyOf(rejectedByCause);
        Objects.requireNonNull(traces, "traces");
        if (acceptedSpans < 0 || rejectedSpans < 0) {
            throw new IllegalArgumentException(
                    "span counts must not be negative: " + acceptedSpans + ", " + rejectedSpans);
        }
        if ((rejectedSpans > 0) != (errorMessage != null)) {
            throw new IllegalArgumentException(
                    "errorMessage must be given exactly when spans were rejected");
        }
    }

    /** True when every span of the request was accepted. */
    public boolean fullyAccepted() {
        return rejectedSpans == 0;
    }

    /**
     * The OTLP answer to the exporter: empty when all spans were accepted, with {@code
     * partial_success} (rejected count and message) when some were not.
     */
    public ExportTraceServiceResponse toResponse() {
        return AcceptedSpans.response(rejectedSpans, errorMessage);
    }
}
