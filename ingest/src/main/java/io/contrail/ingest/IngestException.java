package io.contrail.ingest;

/**
 * A request the receivers refuse because of what the client sent, with the {@link Refusal} that says why.
 *
 * <p>The message is meant for the client: it says what was wrong in terms of the wire format
 * (never a stack trace or a server path), so a receiver can put it in the response body as is.
 */
public final class IngestException extends RuntimeException {

    private final Refusal refusal;

    private IngestException(Refusal refusal, String message, Throwable cause) {
        super(message, cause);
        this.refusal = refusal;
    }

    /** 400: the body is not valid in the format it claims to be (bad protobuf, JSON, gzip…). */
    public static IngestException malformed(String message) {
        return new IngestException(Refusal.MALFORMED, message, null);
    }

    /** 400, keeping the parser's exception as the cause for server-side logs. */
    public static IngestException malformed(String message, Throwable cause) {
        return new IngestException(Refusal.MALFORMED, message, cause);
    }

    /** 408: the client did not send the whole body in time (it stalled, or trickled past a deadline). */
    public static IngestException timedOut(String message) {
        return new IngestException(Refusal.TIMED_OUT, message, null);
    }

    /** 413: the body, raw or decompressed, is larger than the receiver accepts. */
    public static IngestException tooLarge(String message) {
        return new IngestException(Refusal.TOO_LARGE, message, null);
    }

    /** 415: a Content-Type or Content-Encoding the receiver does not speak. */
    public static IngestException unsupportedMediaType(String message) {
        return new IngestException(Refusal.UNSUPPORTED, message, null);
    }

    /** The HTTP status a receiver should answer with: 400, 408, 413 or 415. */
    public Refusal refusal() {
        return refusal;
    }

    public int httpStatus() {
        return refusal.httpStatus();
    }
}
