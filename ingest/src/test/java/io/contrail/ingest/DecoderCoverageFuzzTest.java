package io.contrail.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.util.JsonFormat;
import io.contrail.columnar.SpanChunkBuilder;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.function.Supplier;

/**
 * Coverage-guided fuzzing (Jazzer) of every request-body decoder: whatever bytes arrive, a decoder
 * decodes them or refuses them with an {@link IngestException} that carries a client status and a
 * message; never another exception (a receiver would answer 500), an OutOfMemoryError from a length
 * field or a hang. The two OTLP protobuf decoders must decide every body alike, and a body protobuf
 * parses must decode to the same spans when it comes as OTLP/JSON.
 *
 * <p>{@code mvn verify} replays the seed and crash inputs in {@code DecoderCoverageFuzzTestInputs/<method>/};
 * {@code scripts/fuzz} fuzzes each method for as long as it is told ({@code JAZZER_FUZZ=1}).
 */
class DecoderCoverageFuzzTest {

    /** The receivers' bound is 64 MB; a small one here lets the fuzzer reach the 413 path too. */
    private static final long MAX_BODY_BYTES = 64 * 1024;

    @FuzzTest
    void otlpProtobuf(byte[] body) {
        AcceptedSpans decoded = decodesOrRefuses(body, () -> OtlpProtobufDecoderEquivalenceTest.assertDecodesAsToday(body));
        if (decoded != null) {
            assertThat(decoded.chunk().spanCount()).as(() -> base64(body)).isEqualTo(decoded.acceptedSpans());
        }
    }

    @FuzzTest
    void otlpJson(byte[] body) {
        DecodedSpans decoded = decodesOrRefuses(body, () -> OtlpDecoder.decodeJson(body));
        if (decoded != null) {
            assertKeepsWhatItAccepted(body, decoded);
        }
    }

    /**
     * A body protobuf parses, re-sent as the OTLP/JSON an exporter would write, is decided alike. Unknown
     * fields are left out of both: JSON has no way to carry them (protobuf keeps them inside the events and
     * links it stores as bytes).
     */
    @FuzzTest
    void otlpProtobufAndJsonAgree(byte[] input) throws Exception {
        ExportTraceServiceRequest parsed = decodesOrRefuses(input, () -> OtlpDecoder.parseRequest(input));
        if (parsed == null) {
            return;
        }
        // Protobuf's JSON mapping drops unknown fields and keeps everything else.
        ExportTraceServiceRequest.Builder known = ExportTraceServiceRequest.newBuilder();
        JsonFormat.parser().merge(JsonFormat.printer().print(parsed), known);
        ExportTraceServiceRequest request = known.build();
        byte[] body = request.toByteArray();
        DecodedSpans fromProtobuf = OtlpDecoder.decodeProtobuf(body);
        byte[] json = OtlpJsonText.of(request).getBytes(StandardCharsets.UTF_8);
        DecodedSpans fromJson = decodesOrRefuses(json, () -> OtlpDecoder.decodeJson(json));
        assertThat(fromJson).as("OTLP/JSON refused what protobuf accepts: %s", base64(body)).isNotNull();
        assertThat(fromJson.acceptedSpans()).as(() -> base64(body)).isEqualTo(fromProtobuf.acceptedSpans());
        assertThat(fromJson.rejectedSpans()).as(() -> base64(body)).isEqualTo(fromProtobuf.rejectedSpans());
        assertThat(SpanChunkBuilder.fromTraces(fromJson.traces()).toTraces()).as(() -> base64(body))
                .isEqualTo(SpanChunkBuilder.fromTraces(fromProtobuf.traces()).toTraces());
    }

    @FuzzTest
    void zipkinJson(byte[] body) {
        DecodedSpans decoded = decodesOrRefuses(body, () -> ZipkinDecoder.decodeJsonV2(body));
        if (decoded != null) {
            assertKeepsWhatItAccepted(body, decoded);
        }
    }

    /** A gzip'd body as the receivers read it ({@link RequestBody#receive}), then decoded as OTLP protobuf. */
    @FuzzTest
    void gzipBody(byte[] wire) {
        decodesOrRefuses(wire, () -> {
            try {
                RequestBody.Received received = RequestBody.receive(new ByteArrayInputStream(wire), "gzip", MAX_BODY_BYTES);
                assertThat(received.body().length).isLessThanOrEqualTo((int) MAX_BODY_BYTES);
                return OtlpProtobufDecoder.decode(received.body());
            } catch (IOException e) {
                throw new AssertionError("an in-memory stream cannot fail to be read", e);
            }
        });
    }

    /** The spans kept are as many as the spans counted accepted, and rejections come with their message. */
    private static void assertKeepsWhatItAccepted(byte[] body, DecodedSpans decoded) {
        int kept = decoded.traces().getResourceSpansList().stream()
                .flatMap(resource -> resource.getScopeSpansList().stream())
                .mapToInt(scope -> scope.getSpansCount()).sum();
        assertThat(kept).as(() -> base64(body)).isEqualTo(decoded.acceptedSpans());
        assertThat(decoded.rejectedByCause().values().stream().mapToInt(Integer::intValue).sum())
                .as(() -> base64(body)).isIn(0, decoded.rejectedSpans());
    }

    /** The decoder's answer, or null when it refused {@code input} as a client error (400 or 413) with a message. */
    private static <T> T decodesOrRefuses(byte[] input, Supplier<T> decoder) {
        try {
            return decoder.get();
        } catch (IngestException refused) {
            assertThat(refused.httpStatus()).as(() -> base64(input)).isIn(400, 413);
            assertThat(refused.getMessage()).as(() -> base64(input)).isNotBlank();
            return null;
        }
    }

    private static String base64(byte[] input) {
        return "input (base64) " + Base64.getEncoder().encodeToString(input);
    }
}
