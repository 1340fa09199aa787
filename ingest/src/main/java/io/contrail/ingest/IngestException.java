package io.contrail.ingest;

/**
 * A request the receivers refuse because of what the client sent, with the HTTP status to answer.
 *
 * <p>The message is meant for the client: it says what was wrong in terms of the wire format
 * (never a stack trace or a server path), so a receiver can put it in the response body as is.
 */
public final class IngestException extends RuntimeException {

    public static final int BAD_REQUEST = 400;
    public static final int REQUEST_TIMEOUT = 408;
    public static final int PAYLOAD_TOO_LARGE = 413;
    public static final int UNSUPPORTED_MEDIA_TYPE = 415;

    private final int httpStatus;

    private IngestException(int httpStatus, String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
    }

    /** 400: the body is not valid in the format it claims to be (bad protobuf, JSON, gzip…). */
    public static IngestException malformed(String message) {
        return new IngestException(BAD_REQUEST, message, null);
    }

    /** 400, keeping the parser's exception as the cause for server-side logs. */
    public static IngestException malformed(String message, Throwable cause) {
        return new IngestException(BAD_REQUEST, message, cause);
    }

    /** 408: the client did not send the whole body in time (it stalled, or trickled past a deadline). */
    public static IngestException timedOut(String message) {
        return new IngestException(REQUEST_TIMEOUT, message, null);
    }

    /** 413: the body, raw or decompressed, is larger than the receiver accepts. */
    public static IngestException tooLarge(String message) {
        return new IngestException(PAYLOAD_TOO_LARGE, message, null);
    }

    /** 415: a Content-Type or Content-Encoding the receiver does not speak. */
    public static IngestException unsupportedMediaType(String message) {
        return new IngestException(UNSUPPORTED_MEDIA_TYPE, message, null);
    }

    /** The HTTP status a receiver should answer with: 400, 408, 413 or 415. */
    public int httpStatus() {
        return httpStatus;
    }
}
