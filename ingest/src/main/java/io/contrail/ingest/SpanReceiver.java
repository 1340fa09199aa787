package io.contrail.ingest;

import io.contrail.columnar.SpanSink;

import java.io.IOException;
import java.io.InputStream;

/**
 * The one path every span takes in: read the body (bounded, gzip), decode, validate, and append
 * the valid spans to the {@link SpanSink}, returning only once they are durable.
 *
 * <p>The request is logged as it was received, with its {@link RequestFormat}: a warehouse using this
 * receiver must be opened with {@link RequestFormat#DECODER}, so that recovery decodes it again.
 *
 * <p>A request that fails as a whole (malformed, too large, wrong type) throws
 * {@link IngestException} before anything is written. Storage refusals propagate as
 * {@link SpanSink.OverloadedException} (retry later) or {@link IOException}. Knows no HTTP
 * framework; thread-safe. Servers reach it through {@link Admission}, which takes a permit first and
 * turns what this throws into an {@link IngestOutcome}.
 */
public final class SpanReceiver {

    private final SpanSink sink;
    private final long maxBodyBytes;
    public SpanReceiver(SpanSink sink, long maxBodyBytes) {
        this.sink = sink;
        this.maxBodyBytes = maxBodyBytes;
    }

    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    /** OTLP/HTTP {@code /v1/traces} (and OTLP/gRPC's request bytes). */
    public AcceptedSpans receiveOtlp(OtlpEncoding encoding, InputStream body, String contentEncoding)
            throws IOException {
        return receive(() -> {
            RequestBody.Received received = RequestBody.receive(body, contentEncoding, maxBodyBytes);
            return new Decoded(OtlpDecoder.decodeChunk(encoding, received.body()),
                    RequestFormat.otlp(encoding, received.gzip()), received.wire());
        });
    }

    /** Zipkin v2 JSON {@code /api/v2/spans}. */
    public AcceptedSpans receiveZipkin(InputStream body, String contentEncoding) throws IOException {
        return receive(() -> {
            RequestBody.Received received = RequestBody.receive(body, contentEncoding, maxBodyBytes);
            return new Decoded(AcceptedSpans.of(ZipkinDecoder.decodeJsonV2(received.body())),
                    RequestFormat.zipkin(received.gzip()), received.wire());
        });
    }

    /**
     * Zipkin spans already parsed (a Zipkin {@code SpanConsumer}): logged as the Zipkin JSON v2 they
     * encode to, and decoded from it, so that recovery decodes exactly what was stored.
     */
    public AcceptedSpans receiveZipkin(java.util.List<zipkin2.Span> spans) throws IOException {
        return receive(() -> {
            byte[] json = zipkin2.codec.SpanBytesEncoder.JSON_V2.encodeList(spans);
            return new Decoded(AcceptedSpans.of(ZipkinDecoder.decodeJsonV2(json)), RequestFormat.ZIPKIN_JSON, json);
        });
    }

    /** A request's accepted spans, and the request as the log keeps it. */
    private record Decoded(AcceptedSpans accepted, RequestFormat format, byte[] request) {
    }

    private interface Decoding {
        Decoded decode() throws IOException;
    }

    private AcceptedSpans receive(Decoding decoding) throws IOException {
        Decoded decoded = decoding.decode();
        AcceptedSpans accepted = decoded.accepted();
        if (accepted.acceptedSpans() > 0) {
            sink.append(accepted.chunk(), decoded.format().tag(), decoded.request());
        }
        return accepted;
    }
}
