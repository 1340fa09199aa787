package io.contrail.ingest;

import io.contrail.columnar.SpanSink;
import io.contrail.columnar.SpanChunk;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.zip.GZIPInputStream;

/**
 * The formats a request is logged in, each with the tag the write-ahead log keeps beside it
 * ({@link SpanSink#append(SpanChunk, int, byte[])}). A request is logged as it was received, gzip
 * included, and recovery decodes it again with the decoder that accepted it, so what is replayed is
 * exactly what was acknowledged. Tags are stored: never renumber one.
 */
public enum RequestFormat {
    // Tag 0 is the log's untagged format, a TracesData of accepted spans only (SpanSink.TRACES_DATA). A
    // received OTLP protobuf body may hold spans the validator rejected, so it has a tag of its own.
    OTLP_PROTOBUF(1, false),
    OTLP_PROTOBUF_GZIP(2, true),
    OTLP_JSON(3, false),
    OTLP_JSON_GZIP(4, true),
    ZIPKIN_JSON(5, false),
    ZIPKIN_JSON_GZIP(6, true);

    private final int tag;
    private final boolean gzip;

    RequestFormat(int tag, boolean gzip) {
        this.tag = tag;
        this.gzip = gzip;
    }

    public int tag() {
        return tag;
    }

    /** The format of an OTLP body in {@code encoding}, gzip'd or not. */
    static RequestFormat otlp(OtlpEncoding encoding, boolean gzip) {
        return switch (encoding) {
            case PROTOBUF -> gzip ? OTLP_PROTOBUF_GZIP : OTLP_PROTOBUF;
            case JSON -> gzip ? OTLP_JSON_GZIP : OTLP_JSON;
        };
    }

    static RequestFormat zipkin(boolean gzip) {
        return gzip ? ZIPKIN_JSON_GZIP : ZIPKIN_JSON;
    }

    /** The spans a logged request of this format was acknowledged with: its decoding's accepted spans. */
    SpanChunk decodeLogged(byte[] request) throws IOException {
        byte[] body = gzip ? gunzip(request) : request;
        return switch (this) {
            case OTLP_PROTOBUF, OTLP_PROTOBUF_GZIP -> OtlpDecoder.decodeChunk(OtlpEncoding.PROTOBUF, body).chunk();
            case OTLP_JSON, OTLP_JSON_GZIP -> OtlpDecoder.decodeChunk(OtlpEncoding.JSON, body).chunk();
            case ZIPKIN_JSON, ZIPKIN_JSON_GZIP -> AcceptedSpans.of(ZipkinDecoder.decodeJsonV2(body)).chunk();
        };
    }

    private static byte[] gunzip(byte[] request) throws IOException {
        try (var inflated = new GZIPInputStream(new ByteArrayInputStream(request))) {
            return inflated.readAllBytes();
        }
    }

    /** The decoder the warehouse recovers logged requests with. */
    public static final SpanSink.RequestDecoder DECODER = (tag, request) -> {
        for (RequestFormat format : values()) {
            if (format.tag == tag) {
                return format.decodeLogged(request);
            }
        }
        throw new IOException("the write-ahead log holds a request of format " + tag + ", which this version of "
                + "Contrail does not know");
    };
}
