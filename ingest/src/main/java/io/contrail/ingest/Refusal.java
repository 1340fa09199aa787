package io.contrail.ingest;

import java.util.Locale;

/**
 * Why a whole ingest request was refused: the closed set every transport renders and {@code /metrics}
 * counts. Each cause carries its HTTP status and its gRPC status code (the {@code google.rpc.Code}
 * number that OTLP/gRPC answers and OTLP/HTTP puts in its {@code Status} body), so the three
 * transports cannot disagree on them.
 */
public enum Refusal {
    /** The body is not a request of the format it claims (the client's fault; do not retry). */
    MALFORMED(400, 3 /* INVALID_ARGUMENT */),
    /** The body did not arrive in time. */
    TIMED_OUT(408, 4 /* DEADLINE_EXCEEDED */),
    /** The body is larger than the server takes. */
    TOO_LARGE(413, 8 /* RESOURCE_EXHAUSTED */),
    /** A content type or encoding the receiver does not speak. */
    UNSUPPORTED(415, 12 /* UNIMPLEMENTED */),
    /** Too many requests in progress or too many spans waiting for Parquet: retry after the delay given. */
    BUSY(503, 14 /* UNAVAILABLE */),
    /** The write-ahead log cannot be written: retry after the delay given. */
    STORAGE_FAILING(503, 14 /* UNAVAILABLE */),
    /** A tenant sent more than its limits allow ({@link TenantLimitedSink}): retry after the delay given. */
    LIMITED(429, 8 /* RESOURCE_EXHAUSTED */);

    private final int httpStatus;
    private final int grpcCode;

    Refusal(int httpStatus, int grpcCode) {
        this.httpStatus = httpStatus;
        this.grpcCode = grpcCode;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The {@code google.rpc.Code} number. */
    public int grpcCode() {
        return grpcCode;
    }

    /** Whether the client should send the same request again later. */
    public boolean retryable() {
        return this == BUSY || this == STORAGE_FAILING || this == LIMITED;
    }

    /** The cause as a metric label: {@code malformed}, {@code too_large}, … */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
