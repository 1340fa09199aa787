package io.contrail.ingest;

import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.Objects;

/**
 * What a decoder made of one request: the valid spans as OTLP, in their resource and scope
 * structure, and how many spans were accepted and rejected.
 *
 * @param traces only the valid spans; no empty ScopeSpans or ResourceSpans
 * @param errorMessage null when nothing was rejected; otherwise the number of rejected spans and
 *     the first few problems, each with the span's position and name
 * @param encodedTraces null, or {@code traces} already protobuf-encoded as a {@code TracesData}
 *     (the received body, when it was protobuf and nothing was rejected), so that the write-ahead
 *     log can take it as it is instead of encoding {@code traces} again; never modified
 */
public record DecodedSpans(
        TracesData traces, int acceptedSpans, int rejectedSpans, String errorMessage, byte[] encodedTraces) {

    public DecodedSpans {
        Objects.requireNonNull(traces, "traces");
        if (acceptedSpans < 0 || rejectedSpans < 0) {
            throw new IllegalArgumentException(
                    "span counts must not be negative: " + acceptedSpans + ", " + rejectedSpans);
        }
        if ((rejectedSpans > 0) != (errorMessage != null)) {
            throw new IllegalArgumentException(
                    "errorMessage must be given exactly when spans were rejected");
        }
        if (encodedTraces != null && rejectedSpans > 0) {
            throw new IllegalArgumentException(
                    "the received encoding holds rejected spans; it cannot stand for the accepted ones");
        }
    }

    /** Decoded spans with no encoding of their own: the log encodes {@code traces}. */
    public DecodedSpans(TracesData traces, int acceptedSpans, int rejectedSpans, String errorMessage) {
        this(traces, acceptedSpans, rejectedSpans, errorMessage, null);
    }

    /**
     * These spans with {@code body} as their encoding, when there are some and nothing was
     * rejected; otherwise these spans unchanged (what was received holds spans that must not be stored).
     */
    DecodedSpans withReceivedEncoding(byte[] body) {
        if (!fullyAccepted() || acceptedSpans == 0) {
            return this;
        }
        return new DecodedSpans(traces, acceptedSpans, rejectedSpans, errorMessage, body);
    }

    /**
     * Equal when the same spans were accepted with the same verdicts: the encoding they arrived in
     * (protobuf or JSON) is not part of what was decoded.
     */
    @Override
    public boolean equals(Object other) {
        return other instanceof DecodedSpans that && traces.equals(that.traces)
                && acceptedSpans == that.acceptedSpans && rejectedSpans == that.rejectedSpans
                && Objects.equals(errorMessage, that.errorMessage);
    }

    @Override
    public int hashCode() {
        return Objects.hash(traces, acceptedSpans, rejectedSpans, errorMessage);
    }

    @Override
    public String toString() {
        return "DecodedSpans[traces=" + traces + ", acceptedSpans=" + acceptedSpans + ", rejectedSpans="
                + rejectedSpans + ", errorMessage=" + errorMessage + ", encodedTraces="
                + (encodedTraces == null ? "none" : encodedTraces.length + " bytes") + "]";
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
        if (fullyAccepted()) {
            return ExportTraceServiceResponse.getDefaultInstance();
        }
        return ExportTraceServiceResponse.newBuilder()
                .setPartialSuccess(
                        ExportTracePartialSuccess.newBuilder()
                                .setRejectedSpans(rejectedSpans)
                                .setErrorMessage(errorMessage))
                .build();
    }
}
