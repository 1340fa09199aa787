package io.contrail.columnar;

import java.io.IOException;

/**
 * Where received spans go to be kept: the write side's one boundary. {@link #append} returns only once
 * the spans are durable (in the write-ahead log, fsynced), so a caller may acknowledge them then; they
 * reach Parquet and queries later. A {@link Store}'s sink is its {@code Warehouse}. Thread-safe.
 */
public interface SpanSink {

    /** The format of a request logged as a protobuf {@code TracesData} (or an OTLP {@code ExportTraceServiceRequest}). */
    int TRACES_DATA = 0;

    /**
     * Makes the spans of {@code chunk} durable by logging {@code request}, the request they were decoded
     * from, with its {@code format}; recovery decodes it again with the store's {@link RequestDecoder}
     * (which must give exactly {@code chunk}'s spans). Returns once the log is fsynced.
     *
     * @throws OverloadedException when too many spans wait for Parquet; nothing was written
     * @throws IOException         when the log cannot be written; nothing may be acknowledged
     */
    void append(SpanChunk chunk, int format, byte[] request) throws IOException;

    /** Thrown when the buffer is full; nothing was written. Retry after {@link #retryAfterSeconds()}. */
    final class OverloadedException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int retryAfterSeconds;

        public OverloadedException(String message, int retryAfterSeconds) {
            super(message);
            this.retryAfterSeconds = retryAfterSeconds;
        }

        public int retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    /**
     * Decodes a logged request into the spans its first decoding accepted: on recovery, the same
     * deterministic decoder that made the chunk at {@link #append}. {@link #TRACES_DATA} is decoded by
     * the store itself.
     */
    @FunctionalInterface
    interface RequestDecoder {
        SpanChunk decode(int format, byte[] request) throws IOException;

        /** Knows only {@link #TRACES_DATA}. */
        RequestDecoder TRACES_DATA_ONLY = (format, request) -> {
            throw new IOException("the write-ahead log holds a request of format " + format
                    + ", which this server cannot decode");
        };
    }
}
