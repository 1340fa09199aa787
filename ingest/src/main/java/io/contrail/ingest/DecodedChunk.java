package io.contrail.ingest;

import io.contrail.columnar.SpanChunk;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.util.Objects;

/**
 * What {@link OtlpProtobufDecoder} made of one request: the accepted spans as columns, and how many
 * spans were accepted and rejected. The same verdicts as {@link DecodedSpans}, without protobuf objects.
 *
 * @param chunk only the accepted spans
 * @param errorMessage null when nothing was rejected; otherwise the number of rejected spans and the
 *     first few problems, each with the span's position and name (as {@link DecodedSpans#errorMessage})
 */
public record DecodedChunk(SpanChunk chunk, int acceptedSpans, int rejectedSpans, String errorMessage) {

    public DecodedChunk {
        Objects.requireNonNull(chunk, "chunk");
        if (acceptedSpans < 0 || rejectedSpans < 0) {
            throw new IllegalArgumentException(
                    "span counts must not be negative: " + acceptedSpans + ", " + rejectedSpans);
        }
        if (chunk.spanCount() != acceptedSpans) {
            throw new IllegalArgumentException(
                    "the chunk holds " + chunk.spanCount() + " spans, not the " + acceptedSpans + " accepted");
        }
        if ((rejectedSpans > 0) != (errorMessage != null)) {
            throw new IllegalArgumentException("errorMessage must be given exactly when spans were rejected");
        }
    }

    /** True when every span of the request was accepted. */
    public boolean fullyAccepted() {
        return rejectedSpans == 0;
    }

    /** The OTLP answer to the exporter: empty, or {@code partial_success} when spans were rejected. */
    public ExportTraceServiceResponse toResponse() {
        return OtlpResponses.exportResponse(rejectedSpans, errorMessage);
    }
}
