package io.contrail.ingest;

/**
 * What became of one ingest request, whatever its transport: each receiver (OTLP/HTTP, OTLP/gRPC,
 * Zipkin) only renders it. Made by {@link Admission}.
 */
public sealed interface IngestOutcome {

    /**
     * The request's valid spans are durable; {@link AcceptedSpans#rejectedSpans()} of them were not
     * (a partial success, with the reason in {@link AcceptedSpans#errorMessage()}).
     */
    record Accepted(AcceptedSpans spans) implements IngestOutcome {
    }

    /**
     * Nothing of the request was kept.
     *
     * @param message           for the client: what was wrong, in the wire format's terms, never a server path
     * @param retryAfterSeconds when {@link Refusal#retryable()}, how long to wait before sending again; else 0
     */
    record Refused(Refusal cause, String message, int retryAfterSeconds) implements IngestOutcome {
    }
}
