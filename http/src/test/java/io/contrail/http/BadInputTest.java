package io.contrail.http;

import static io.contrail.http.OtlpSpans.PROTOBUF;
import static io.contrail.http.OtlpSpans.hex;
import static io.contrail.http.OtlpSpans.span;
import static io.contrail.http.OtlpSpans.spanId;
import static io.contrail.http.OtlpSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Code;
import com.google.rpc.Status;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the receivers answer to bodies they cannot take. A request that fails as a whole stores
 * nothing and says what was wrong: for OTLP as a google.rpc.Status in the request's encoding,
 * for Zipkin as {@code {"error": …}}. Invalid spans in a valid body are rejected one by one.
 */
class BadInputTest {

    static final long MAX_BODY_BYTES = 1024 * 1024;

    @RegisterExtension
    static final RunningServer server = RunningServer.configured(c -> c.withMaxBodyBytes(MAX_BODY_BYTES));

    static final Instant START = Instant.parse("2026-01-10T10:00:00Z");

    /** What the store holds and the receiver counted, to show a refused request changed neither. */
    record Stored(long spansInParquet, long spansAccepted) {
    }

    private static Stored stored() {
        return new Stored(server.storedSpanCount(), server.health().get("spansAccepted").asLong());
    }

    private static byte[] validRequest(int n) {
        return OtlpSpans.request()
                .add("checkout", span(traceId(n), spanId(n), "GET /cart", SpanKind.SPAN_KIND_SERVER, START,
                        Duration.ofMillis(5)))
                .toByteArray();
    }

    private static Status protobufStatus(HttpResponse<byte[]> response) throws IOException {
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith(PROTOBUF));
        return Status.parseFrom(response.body());
    }

    private static HttpResponse<byte[]> postOtlp(byte[] body, String... headers) {
        return server.post("/v1/traces", body, headers);
    }

    @Test
    void malformedProtobufIs400WithAStatusNamingTheProtobufProblem() throws IOException {
        Stored before = stored();
        // Field 1 with wire type 7, which protobuf does not define.
        byte[] garbage = {0x0f, 0x01, 0x02, 0x03};

        HttpResponse<byte[]> response = postOtlp(garbage, "Content-Type", PROTOBUF);

        assertThat(response.statusCode()).isEqualTo(400);
        Status status = protobufStatus(response);
        assertThat(status.getCode()).isEqualTo(Code.INVALID_ARGUMENT_VALUE);
        assertThat(status.getMessage()).startsWith("malformed OTLP protobuf ExportTraceServiceRequest")
                .containsIgnoringCase("wire type");
        assertThat(stored()).isEqualTo(before);
    }

    @Test
    void truncatedProtobufIs400AndStoresNothing() throws IOException {
        Stored before = stored();
        byte[] valid = validRequest(1);

        HttpResponse<byte[]> response = postOtlp(Arrays.copyOf(valid, valid.length / 2), "Content-Type", PROTOBUF);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(protobufStatus(response).getMessage()).startsWith("malformed OTLP protobuf")
                .contains("ended unexpectedly");
        assertThat(stored()).isEqualTo(before);
    }

    @Test
    void malformedJsonIs400WithAJsonStatusMessage() {
        Stored before = stored();

        HttpResponse<byte[]> response = postOtlp("{\"resourceSpans\": [{\"scopeSpans\": ".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");

        assertThat(response.statusCode()).isEqualTo(400);
        var body = RunningServer.json(response);
        assertThat(body.get("code").asInt()).isEqualTo(Code.INVALID_ARGUMENT_VALUE);
        assertThat(body.get("message").asText()).startsWith("malformed OTLP/JSON");
        assertThat(stored()).isEqualTo(before);
    }

    @Test
    void unknownContentTypeIs415NamingTheType() {
        Stored before = stored();

        HttpResponse<byte[]> response = postOtlp(validRequest(2), "Content-Type", "text/plain");

        assertThat(response.statusCode()).isEqualTo(415);
        assertThat(RunningServer.json(response).get("message").asText())
                .contains("unsupported Content-Type 'text/plain'")
                .contains("application/x-protobuf");
        assertThat(stored()).isEqualTo(before);
    }

    @Test
    void unsupportedContentEncodingIs415NamingTheEncoding() throws IOException {
        Stored before = stored();

        HttpResponse<byte[]> response = postOtlp(validRequest(3), "Content-Type", PROTOBUF, "Content-Encoding", "br");

        assertThat(response.statusCode()).isEqualTo(415);
        assertThat(protobufStatus(response).getMessage()).contains("unsupported Content-Encoding 'br'");
        assertThat(stored()).isEqualTo(before);
    }

    @Test
    void bodyOverTheLimitIs413BeforeItIsRead() throws IOException {
        Stored before = stored();

        HttpResponse<byte[]> response = postOtlp(new byte[2 * 1024 * 1024], "Content-Type", PROTOBUF);

        assertThat(response.statusCode()).isEqualTo(413);
        Status status = protobufStatus(response);
        assertThat(status.getCode()).isEqualTo(Code.RESOURCE_EXHAUSTED_VALUE);
        assertThat(status.getMessage()).contains("exceeds the limit of " + MAX_BODY_BYTES + " bytes");
        assertThat(stored()).isEqualTo(before);
    }

    @Test
    void chunkedBodyOverTheLimitIs413() throws IOException {
        Stored before = stored();
        byte[] twoMiB = new byte[2 * 1024 * 1024];

        // No Content-Length: the limit must hold while the body streams in.
        HttpResponse<byte[]> response = server.post("/v1/traces",
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(twoMiB)),
                "Content-Type", PROTOBUF);

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(protobufStatus(response).getMessage()).contains("exceeds the limit of " + MAX_BODY_BYTES + " bytes");
        assertThat(stored()).isEqualTo(before);
    }

    @Test
    void gzipBombIs413() throws IOException {
        Stored before = stored();
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
            gzip.write(new byte[8 * 1024 * 1024]);
        }
        assertThat(compressed.size()).as("the bomb is small on the wire").isLessThan(64 * 1024);

        HttpResponse<byte[]> response = postOtlp(compressed.toByteArray(),
                "Content-Type", PROTOBUF, "Content-Encoding", "gzip");

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(protobufStatus(response).getMessage())
                .contains("decompressed request body exceeds the limit of " + MAX_BODY_BYTES + " bytes");
        assertThat(stored()).isEqualTo(before);
    }

    @Test
    void invalidSpansAreRejectedOneByOneWithAPartialSuccess() throws IOException {
        Stored before = stored();
        long rejectedBefore = server.health().get("spansRejected").asLong();
        var valid = span(traceId(10), spanId(10), "valid", SpanKind.SPAN_KIND_SERVER, START, Duration.ofMillis(3));
        var shortTraceId = span(traceId(11), spanId(11), "short trace id", SpanKind.SPAN_KIND_SERVER, START,
                Duration.ofMillis(3)).setTraceId(hex("0102030405060708"));
        var zeroTraceId = span(traceId(12), spanId(12), "zero trace id", SpanKind.SPAN_KIND_SERVER, START,
                Duration.ofMillis(3)).setTraceId(hex("0".repeat(32)));
        var shortSpanId = span(traceId(13), spanId(13), "short span id", SpanKind.SPAN_KIND_SERVER, START,
                Duration.ofMillis(3)).setSpanId(hex("01020304"));
        var endsFirst = span(traceId(14), spanId(14), "ends before it starts", SpanKind.SPAN_KIND_SERVER, START,
                Duration.ofMillis(3));
        endsFirst.setEndTimeUnixNano(endsFirst.getStartTimeUnixNano() - 1);
        byte[] body = OtlpSpans.request()
                .add("checkout", valid, shortTraceId, zeroTraceId, shortSpanId, endsFirst)
                .toByteArray();

        HttpResponse<byte[]> response = postOtlp(body, "Content-Type", PROTOBUF);

        assertThat(response.statusCode()).isEqualTo(200);
        ExportTracePartialSuccess partial = ExportTraceServiceResponse.parseFrom(response.body()).getPartialSuccess();
        assertThat(partial.getRejectedSpans()).isEqualTo(4);
        assertThat(partial.getErrorMessage())
                .startsWith("4 spans rejected")
                .contains("\"short trace id\": traceId must be 16 bytes, got 8")
                .contains("\"zero trace id\": traceId must not be all zeros")
                .contains("\"short span id\": spanId must be 8 bytes, got 4")
                .contains("\"ends before it starts\": endTimeUnixNano");
        assertThat(stored()).isEqualTo(new Stored(before.spansInParquet() + 1, before.spansAccepted() + 1));
        assertThat(server.health().get("spansRejected").asLong()).isEqualTo(rejectedBefore + 4);
        assertThat(server.rows("SELECT span_id, trace_id FROM spans WHERE name IN ('valid', 'short trace id', "
                + "'zero trace id', 'short span id', 'ends before it starts')").toString())
                .isEqualTo("[[\"" + spanId(10) + "\",\"" + traceId(10) + "\"]]");
    }

    @Test
    void invalidSpansInOtlpJsonAreRejectedWithAJsonPartialSuccess() {
        Stored before = stored();
        String body = """
                {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "checkout"}}]},
                  "scopeSpans": [{"spans": [
                    {"traceId": "%s", "spanId": "%s", "name": "valid json", "startTimeUnixNano": "1768039200000000000",
                     "endTimeUnixNano": "1768039200001000000"},
                    {"traceId": "not-a-hex-trace-id", "spanId": "%s", "name": "not hex", "startTimeUnixNano": "1768039200000000000",
                     "endTimeUnixNano": "1768039200001000000"}]}]}]}
                """.formatted(traceId(30), spanId(30), spanId(31));

        HttpResponse<byte[]> response = postOtlp(body.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");

        assertThat(response.statusCode()).isEqualTo(200);
        var partial = RunningServer.json(response).get("partialSuccess");
        assertThat(partial.get("rejectedSpans").asLong()).isEqualTo(1);
        assertThat(partial.get("errorMessage").asText()).isEqualTo(
                "1 span rejected: resourceSpans[0].scopeSpans[0].spans[1] \"not hex\": traceId is not hex");
        assertThat(stored()).isEqualTo(new Stored(before.spansInParquet() + 1, before.spansAccepted() + 1));
    }

    @Test
    void corruptGzipIs400() throws IOException {
        Stored before = stored();
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
            gzip.write(validRequest(4));
        }
        byte[] corrupt = compressed.toByteArray();
        corrupt[corrupt.length / 2] ^= 0x55;

        HttpResponse<byte[]> response = postOtlp(corrupt, "Content-Type", PROTOBUF, "Content-Encoding", "gzip");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(protobufStatus(response).getMessage()).startsWith("gzip request body is corrupt");
        assertThat(stored()).isEqualTo(before);
    }

    @Test
    void missingContentTypeIs415() {
        Stored before = stored();

        HttpResponse<byte[]> response = postOtlp(validRequest(5));

        assertThat(response.statusCode()).isEqualTo(415);
        assertThat(RunningServer.json(response).get("message").asText()).startsWith("missing Content-Type");
        assertThat(stored()).isEqualTo(before);
    }

    @Test
    void zipkinWithAnotherContentTypeIs415() {
        Stored before = stored();

        HttpResponse<byte[]> response = server.post("/api/v2/spans", "[]".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/x-thrift");

        assertThat(response.statusCode()).isEqualTo(415);
        assertThat(RunningServer.json(response).get("error").asText())
                .startsWith("unsupported Content-Type 'application/x-thrift'");
        assertThat(stored()).isEqualTo(before);
    }

    @Test
    void malformedZipkinJsonIs400WithAnErrorMessage() {
        Stored before = stored();

        HttpResponse<byte[]> response = server.post("/api/v2/spans",
                "[{\"traceId\": \"463ac35c9f6413ad\", \"id\": ".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(RunningServer.json(response).get("error").asText()).startsWith("malformed Zipkin v2 JSON");
        assertThat(stored()).isEqualTo(before);
    }

    /** The control for every "stored nothing" above: a valid request does move what they compare. */
    @Test
    void aValidRequestChangesBothStoredCounts() {
        Stored before = stored();

        OtlpSpans.export(server, OtlpSpans.request().add("checkout",
                span(traceId(20), spanId(20), "after", SpanKind.SPAN_KIND_SERVER, START, Duration.ofMillis(1))));

        assertThat(stored()).isEqualTo(new Stored(before.spansInParquet() + 1, before.spansAccepted() + 1));
    }
}
