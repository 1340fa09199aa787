package io.contrail.ingest;

import io.contrail.columnar.SpanChunk;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;

import java.util.Map;

/**
 * What a request's decoding accepted, as the chunk the warehouse buffers, and what it rejected:
 * the one shape every protocol's decoding ends in.
 *
 * @param chunk        the accepted spans only
 * @param errorMessage null when nothing was rejected; otherwise the number of rejected spans and the
 *                     first few problems, each with the span's position and name
 * @param rejectedByCause the rejected spans by {@link RejectionCause}; its counts add up to {@code rejectedSpans}
 */
public record AcceptedSpans(SpanChunk chunk, int acceptedSpans, int rejectedSpans, String errorMessage,
                            Map<RejectionCause, Integer> rejectedByCause) {

    public AcceptedSpans {
        rejectedByCause = Map.copyOf(rejectedByCause);
        if (rejectedByCause.values().stream().mapToInt(Integer::intValue).sum() != rejectedSpans) {
            throw new IllegalArgumentException("rejections by cause " + rejectedByCause + " do not add up to "
                    + rejectedSpans);
        }
        if (acceptedSpans != chunk.spanCount()) {
            throw new IllegalArgumentException("the chunk holds " + chunk.spanCount() + " spans, not the "
                    + acceptedSpans + " accepted");
        }
        if ((rejectedSpans > 0) != (errorMessage != null)) {
            throw new IllegalArgumentException("errorMessage must be given exactly when spans were rejected");
        }
    }

    /** The accepted spans of a decoding into OTLP objects (OTLP/JSON and Zipkin go through their libraries). */
    static AcceptedSpans of(DecodedSpans decoded) {
        return new AcceptedSpans(SpanChunk.fromTraces(decoded.traces()), decoded.acceptedSpans(),
                decoded.rejectedSpans(), decoded.errorMessage(), decoded.rejectedByCause());
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
        return response(rejectedSpans, errorMessage);
    }

    /** The OTLP answer for a request of which {@code rejectedSpans} were rejected for {@code errorMessage}. */
    static ExportTraceServiceResponse response(int rejectedSpans, String errorMessage) {
        if (rejectedSpans == 0) {
            return ExportTraceServiceResponse.getDefaultInstance();
        }
        return ExportTraceServiceResponse.newBuilder()
                .setPartialSuccess(ExportTracePartialSuccess.newBuilder()
                        .setRejectedSpans(rejectedSpans)
                        .setErrorMessage(errorMessage))
                .build();
    }
}
