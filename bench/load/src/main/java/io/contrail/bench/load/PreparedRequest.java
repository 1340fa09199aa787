package io.contrail.bench.load;

/**
 * One OTLP export request, encoded and ready to post.
 *
 * @param body            the bytes to send: protobuf, or protobuf gzipped when the run sends gzip
 * @param spans           spans in the request
 * @param otlpBytes       size of the protobuf encoding, uncompressed
 * @param gzipBytes       size of the protobuf encoding gzipped, or -1 when it was not measured
 * @param gzipped         whether {@link #body} is gzipped
 */
record PreparedRequest(byte[] body, int spans, int otlpBytes, int gzipBytes, boolean gzipped) {

    static final int NOT_MEASURED = -1;
}
