package io.contrail.ingest;

import io.contrail.columnar.Warehouse;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one path every span takes in: read the body (bounded, gzip), decode, validate, and append
 * the valid spans to the {@link Warehouse}, returning only once they are durable.
 *
 * <p>A request that fails as a whole (malformed, too large, wrong type) throws
 * {@link IngestException} before anything is written. Storage refusals propagate as
 * {@link Warehouse.OverloadedException} (retry later) or {@link IOException}. Knows no HTTP
 * framework; thread-safe.
 */
public final class SpanReceiver {

    private final Warehouse warehouse;
    private final long maxBodyBytes;
    private final AtomicLong spansAccepted = new AtomicLong();
    private final AtomicLong spansRejected = new AtomicLong();
    private final AtomicLong requestsRefused = new AtomicLong();

    /** Counters for {@code /health}. */
    public record Stats(long spansAccepted, long spansRejected, long requestsRefused) {
    }

    public SpanReceiver(Warehouse warehouse, long maxBodyBytes) {
        this.warehouse = warehouse;
        this.maxBodyBytes = maxBodyBytes;
    }

    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    /** OTLP/HTTP {@code /v1/traces}. */
    public DecodedSpans receiveOtlp(OtlpEncoding encoding, InputStream body, String contentEncoding)
            throws IOException {
        return receive(() -> OtlpDecoder.decode(encoding, RequestBody.read(body, contentEncoding, maxBodyBytes)));
    }

    /** Zipkin v2 JSON {@code /api/v2/spans}. */
    public DecodedSpans receiveZipkin(InputStream body, String contentEncoding) throws IOException {
        return receive(() -> ZipkinDecoder.decodeJsonV2(RequestBody.read(body, contentEncoding, maxBodyBytes)));
    }

    /** Zipkin spans already parsed (a Zipkin {@code SpanConsumer}): decoded and stored like {@link #receiveZipkin(InputStream, String)}. */
    public DecodedSpans receiveZipkin(java.util.List<zipkin2.Span> spans) throws IOException {
        return receive(() -> ZipkinDecoder.decode(spans));
    }

    private interface Decoding {
        DecodedSpans decode() throws IOException;
    }

    private DecodedSpans receive(Decoding decoding) throws IOException {
        DecodedSpans decoded;
        try {
            decoded = decoding.decode();
        } catch (IngestException e) {
            requestsRefused.incrementAndGet();
            throw e;
        }
        if (decoded.acceptedSpans() > 0) {
            try {
                warehouse.append(decoded.traces(), decoded.encodedTraces());
            } catch (IOException e) {
                requestsRefused.incrementAndGet();
                throw e;
            }
        }
        spansAccepted.addAndGet(decoded.acceptedSpans());
        spansRejected.addAndGet(decoded.rejectedSpans());
        return decoded;
    }

    public Stats stats() {
        return new Stats(spansAccepted.get(), spansRejected.get(), requestsRefused.get());
    }
}
