package io.contrail.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Whatever bytes arrive, a decoder either decodes them or throws {@link IngestException} with a
 * client status; never another exception, which a receiver would answer with a 500. Seeded, so a
 * failure names the seed and input that reproduce it.
 */
class DecoderFuzzTest {

    private static final long SEED = 0x5EED_C0FFEEL;
    private static final int RANDOM_INPUTS = 3_000;
    private static final int MUTATIONS = 3_000;
    /** Bytes that steer mutations of a text body into near-valid JSON. */
    private static final byte[] JSON_BYTES =
            "{}[]\",:0123456789-+.eEtrufalsn \\\"abcdefABCDEF".getBytes(StandardCharsets.US_ASCII);

    @Test
    void randomBytesNeverEscapeAsAnythingButIngestException() {
        var random = new Random(SEED);
        for (int i = 0; i < RANDOM_INPUTS; i++) {
            byte[] input = new byte[random.nextInt(300)];
            random.nextBytes(input);
            decodeEverywhere("random #" + i, input);
        }
    }

    @Test
    void mutatedProtobufBodiesNeverEscapeAsAnythingButIngestException() {
        byte[] valid = OtlpProtobufDecodingTest.richRequest().toByteArray();
        mutate(valid, new Random(SEED + 1), false,
                input -> expectOnlyIngestException("protobuf", input, OtlpDecoder::decodeProtobuf));
    }

    @Test
    void mutatedOtlpJsonBodiesNeverEscapeAsAnythingButIngestException() throws Exception {
        byte[] valid = OtlpJsonText.of(OtlpProtobufDecodingTest.richRequest())
                .getBytes(StandardCharsets.UTF_8);
        assertThat(OtlpDecoder.decodeJson(valid).acceptedSpans()).isEqualTo(4);
        mutate(valid, new Random(SEED + 2), true,
                input -> expectOnlyIngestException("OTLP/JSON", input, OtlpDecoder::decodeJson));
        byte[] exporterJson = OtlpJsonDecodingTest.EXPORTER_JSON.getBytes(StandardCharsets.UTF_8);
        mutate(exporterJson, new Random(SEED + 3), true,
                input -> expectOnlyIngestException("OTLP/JSON", input, OtlpDecoder::decodeJson));
    }

    @Test
    void mutatedZipkinBodiesNeverEscapeAsAnythingButIngestException() {
        byte[] valid = ZipkinDecoderTest.encode(
                ZipkinDecoderTest.SHARED_SERVER_SPAN, ZipkinDecoderTest.CLIENT_SPAN);
        assertThat(ZipkinDecoder.decodeJsonV2(valid).acceptedSpans()).isEqualTo(2);
        mutate(valid, new Random(SEED + 4), true,
                input -> expectOnlyIngestException("Zipkin", input, ZipkinDecoder::decodeJsonV2));
    }

    @Test
    void mutatedGzipBodiesNeverEscapeAsAnythingButIngestException() throws Exception {
        byte[] valid = RequestBodyTest.gzip(OtlpProtobufDecodingTest.richRequest().toByteArray());
        mutate(valid, new Random(SEED + 5), false, input -> expectOnlyIngestException("gzip",
                input, body -> {
                    try {
                        OtlpDecoder.decodeProtobuf(
                                RequestBody.read(new ByteArrayInputStream(body), "gzip", 64 * 1024));
                    } catch (IOException e) {
                        throw new UncheckedIOException("an in-memory stream cannot fail to be read", e);
                    }
                }));
    }

    @Test
    void deeplyNestedBodiesAreRefusedBeforeTheyExhaustTheStack() {
        String deep = "[".repeat(100_000);
        byte[] otlpJson = ("{\"someFutureField\": " + deep).getBytes(StandardCharsets.UTF_8);
        byte[] zipkin = ("[{\"traceId\": \"463ac35c9f6413ad\", \"id\": \"72485a3953bb6124\", "
                + "\"x\": " + deep).getBytes(StandardCharsets.UTF_8);
        var deepValue = AnyValue.newBuilder().setStringValue("leaf").build();
        for (int i = 0; i < 1_000; i++) {
            deepValue = AnyValue.newBuilder()
                    .setArrayValue(ArrayValue.newBuilder().addValues(deepValue)).build();
        }
        byte[] protobuf = OtlpProtobufDecodingTest.richRequest().toBuilder()
                .addResourceSpans(SpanFixtures.resource("deep", SpanFixtures.scope("s",
                        SpanFixtures.validSpan("deep", 9)
                                .addAttributes(SpanFixtures.attribute("deep", deepValue)).build())))
                .build().toByteArray();

        assertThat(expectOnlyIngestException("OTLP/JSON", otlpJson, OtlpDecoder::decodeJson))
                .isFalse();
        assertThat(expectOnlyIngestException("Zipkin", zipkin, ZipkinDecoder::decodeJsonV2))
                .isFalse();
        assertThat(expectOnlyIngestException("protobuf", protobuf, OtlpDecoder::decodeProtobuf))
                .isFalse();
    }

    private static void decodeEverywhere(String label, byte[] input) {
        expectOnlyIngestException(label + " as protobuf", input, OtlpDecoder::decodeProtobuf);
        expectOnlyIngestException(label + " as OTLP/JSON", input, OtlpDecoder::decodeJson);
        expectOnlyIngestException(label + " as Zipkin", input, ZipkinDecoder::decodeJsonV2);
    }

    /** Decodes; true when the input was accepted, false when refused with IngestException. */
    private static boolean expectOnlyIngestException(String label, byte[] input,
            Consumer<byte[]> decoder) {
        try {
            decoder.accept(input);
            return true;
        } catch (IngestException e) {
            assertThat(e.httpStatus()).isIn(400, 413);
            assertThat(e.getMessage()).isNotBlank();
            return false;
        } catch (RuntimeException | StackOverflowError e) {
            throw new AssertionError(label + " threw " + e + " for base64 input "
                    + Base64.getEncoder().encodeToString(input), e);
        }
    }

    /**
     * Checks {@link #MUTATIONS} copies of {@code valid} with one to three random edits each, and
     * that the edits are neither all harmless nor all fatal (else the test would prove little).
     */
    private static void mutate(byte[] valid, Random random, boolean text, Predicate<byte[]> check) {
        int accepted = 0;
        for (int i = 0; i < MUTATIONS; i++) {
            byte[] input = valid;
            int edits = 1 + random.nextInt(3);
            for (int e = 0; e < edits; e++) {
                input = editOnce(input, random, text);
            }
            if (check.test(input)) {
                accepted++;
            }
        }
        assertThat(accepted).as("mutated bodies that still decoded").isBetween(1, MUTATIONS - 1);
    }

    private static byte[] editOnce(byte[] input, Random random, boolean text) {
        if (input.length == 0) {
            return new byte[] {randomByte(random, text)};
        }
        int at = random.nextInt(input.length);
        return switch (random.nextInt(5)) {
            case 0 -> { // replace one byte
                byte[] out = input.clone();
                out[at] = randomByte(random, text);
                yield out;
            }
            case 1 -> { // flip one bit
                byte[] out = input.clone();
                out[at] ^= (byte) (1 << random.nextInt(8));
                yield out;
            }
            case 2 -> Arrays.copyOf(input, at); // truncate
            case 3 -> { // delete a run
                int length = Math.min(1 + random.nextInt(16), input.length - at);
                byte[] out = new byte[input.length - length];
                System.arraycopy(input, 0, out, 0, at);
                System.arraycopy(input, at + length, out, at, input.length - at - length);
                yield out;
            }
            default -> { // duplicate a run in place
                int length = Math.min(1 + random.nextInt(32), input.length - at);
                byte[] out = new byte[input.length + length];
                System.arraycopy(input, 0, out, 0, at + length);
                System.arraycopy(input, at, out, at + length, input.length - at);
                yield out;
            }
        };
    }

    private static byte randomByte(Random random, boolean text) {
        return text && random.nextInt(4) != 0
                ? JSON_BYTES[random.nextInt(JSON_BYTES.length)]
                : (byte) random.nextInt(256);
    }
}
