package io.contrail.http;

import static io.contrail.http.OtlpSpans.PROTOBUF;
import static io.contrail.http.OtlpSpans.attribute;
import static io.contrail.http.OtlpSpans.hex;
import static io.contrail.http.OtlpSpans.span;
import static io.contrail.http.OtlpSpans.spanId;
import static io.contrail.http.OtlpSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Spans the Parquet files cannot hold are refused at the door, one by one, over every receiver
 * (issue 14, point 0): nothing is acknowledged that cannot be written. A span that gets past the
 * door and still fails to write is set aside in quarantine, the others are written, and
 * {@code /health} says so.
 */
class UnstorableSpansTest {

    @RegisterExtension
    final RunningServer server = RunningServer.withDefaults();

    static final Instant START = Instant.parse("2026-01-10T10:00:00Z");

    private static Span.Builder validSpan(int n, String name) {
        return span(traceId(n), spanId(n), name, SpanKind.SPAN_KIND_SERVER, START, Duration.ofMillis(5));
    }

    private static ResourceSpans resource(Resource resource, Span.Builder... spans) {
        ScopeSpans.Builder scope = ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName("t"));
        for (Span.Builder span : spans) {
            scope.addSpans(span);
        }
        return ResourceSpans.newBuilder().setResource(resource).addScopeSpans(scope).build();
    }

    private static Resource service(String name) {
        return Resource.newBuilder().addAttributes(attribute("service.name", name)).build();
    }

    /** A NUL in a key of a span, an event, a link and a resource; and one valid span. */
    private static ExportTraceServiceRequest nulKeys() {
        return ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(resource(service("checkout"),
                        validSpan(1, "span key").addAttributes(attribute("a\u0000b", "x")),
                        validSpan(2, "event key").addEvents(Span.Event.newBuilder().setName("e")
                                .setTimeUnixNano(OtlpSpans.unixNanos(START)).addAttributes(attribute("\u0000", "x"))),
                        validSpan(3, "link key").addLinks(Span.Link.newBuilder().setTraceId(hex(traceId(9)))
                                .setSpanId(hex(spanId(9))).addAttributes(attribute("k\u0000", "x"))),
                        validSpan(4, "valid")))
                .addResourceSpans(resource(service("payments").toBuilder()
                        .addAttributes(attribute("host\u0000name", "h")).build(), validSpan(5, "resource key")))
                .build();
    }

    private void assertNulKeysRejected(int rejected, String message) {
        assertThat(rejected).isEqualTo(4);
        assertThat(message).startsWith("4 spans rejected: ")
                .contains("\"span key\": attributes[0].key \"a\\u0000b\" contains U+0000 (NUL)")
                .contains("\"event key\": events[0].attributes[0].key \"\\u0000\" contains U+0000 (NUL)")
                .contains("\"link key\": links[0].attributes[0].key \"k\\u0000\" contains U+0000 (NUL)")
                .contains("\"resource key\": resource.attributes[1].key \"host\\u0000name\" contains U+0000 (NUL)");
        assertOnlyTheValidSpanIsStoredAndTheStoreIsHealthy("valid");
    }

    private void assertOnlyTheValidSpanIsStoredAndTheStoreIsHealthy(String validName) {
        assertThat(server.storedSpanCount()).isEqualTo(1);
        assertThat(server.value("SELECT name FROM spans").asText()).isEqualTo(validName);
        JsonNode health = server.health();
        assertThat(health.get("status").asText()).as("health: %s", health).isEqualTo("ok");
        assertThat(health.get("flushFailures").asLong()).isZero();
        assertThat(health.get("quarantinedFiles")).isEmpty();
    }

    @Test
    void aNulInAnyAttributeKeyRejectsItsSpansOverOtlpProtobuf() throws IOException {
        HttpResponse<byte[]> response = server.post("/v1/traces", nulKeys().toByteArray(), "Content-Type", PROTOBUF);

        assertThat(response.statusCode()).isEqualTo(200);
        ExportTracePartialSuccess partial = ExportTraceServiceResponse.parseFrom(response.body()).getPartialSuccess();
        assertNulKeysRejected((int) partial.getRejectedSpans(), partial.getErrorMessage());
    }

    @Test
    void aNulInAnAttributeKeyRejectsItsSpanOverOtlpJson() {
        String body = """
                {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "checkout"}}]},
                  "scopeSpans": [{"spans": [
                    {"traceId": "%s", "spanId": "%s", "name": "valid", "startTimeUnixNano": "1768039200000000000",
                     "endTimeUnixNano": "1768039200001000000"},
                    {"traceId": "%s", "spanId": "%s", "name": "nul", "startTimeUnixNano": "1768039200000000000",
                     "endTimeUnixNano": "1768039200001000000",
                     "attributes": [{"key": "a\\u0000b", "value": {"stringValue": "x"}}]}]}]}]}
                """.formatted(traceId(1), spanId(1), traceId(2), spanId(2));

        HttpResponse<byte[]> response = server.post("/v1/traces", body.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode partial = RunningServer.json(response).get("partialSuccess");
        assertThat(partial.get("rejectedSpans").asLong()).isEqualTo(1);
        assertThat(partial.get("errorMessage").asText()).isEqualTo("1 span rejected: "
                + "resourceSpans[0].scopeSpans[0].spans[1] \"nul\": attributes[0].key \"a\\u0000b\" contains U+0000 (NUL)");
        assertOnlyTheValidSpanIsStoredAndTheStoreIsHealthy("valid");
    }

    @Test
    void aNulInAnyAttributeKeyRejectsItsSpansOverOtlpGrpc() {
        ExportTraceServiceResponse response;
        try (GrpcExportClient client = new GrpcExportClient(server.server().grpcPort())) {
            response = client.export(nulKeys().toByteArray());
        }

        assertNulKeysRejected((int) response.getPartialSuccess().getRejectedSpans(),
                response.getPartialSuccess().getErrorMessage());
    }

    @Test
    void aNulInATagKeyRejectsItsSpanOverZipkin() {
        String body = """
                [{"traceId": "%s", "id": "%s", "name": "valid", "timestamp": 1768039200000000, "duration": 5000,
                  "localEndpoint": {"serviceName": "checkout"}},
                 {"traceId": "%s", "id": "%s", "name": "nul", "timestamp": 1768039200000000, "duration": 5000,
                  "localEndpoint": {"serviceName": "checkout"}, "tags": {"a\\u0000b": "x"}}]
                """.formatted(traceId(1), spanId(1), traceId(2), spanId(2));

        HttpResponse<byte[]> response = server.post("/api/v2/spans", body.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");

        assertThat(response.statusCode()).isEqualTo(202);
        JsonNode answer = RunningServer.json(response);
        assertThat(answer.get("rejectedSpans").asLong()).isEqualTo(1);
        assertThat(answer.get("error").asText())
                .isEqualTo("1 span rejected: spans[1] \"nul\": attributes[0].key \"a\\u0000b\" contains U+0000 (NUL)");
        assertOnlyTheValidSpanIsStoredAndTheStoreIsHealthy("valid");
    }

    @Test
    void timesTheStoreCannotHoldRejectTheirSpanNamingTheField() throws IOException {
        long twoTo63 = Long.MIN_VALUE;
        ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(resource(service("checkout"),
                        validSpan(1, "start 2^63-1").setStartTimeUnixNano(Long.MAX_VALUE).setEndTimeUnixNano(Long.MAX_VALUE),
                        validSpan(2, "start 2^63+1").setStartTimeUnixNano(twoTo63 + 1).setEndTimeUnixNano(twoTo63 + 1),
                        validSpan(3, "end 2^64-2").setEndTimeUnixNano(-2L),
                        validSpan(4, "event 2^63+1").addEvents(Span.Event.newBuilder().setName("e")
                                .setTimeUnixNano(twoTo63 + 1)),
                        validSpan(5, "valid")))
                .build();

        HttpResponse<byte[]> response = server.post("/v1/traces", request.toByteArray(), "Content-Type", PROTOBUF);

        assertThat(response.statusCode()).isEqualTo(200);
        ExportTracePartialSuccess partial = ExportTraceServiceResponse.parseFrom(response.body()).getPartialSuccess();
        assertThat(partial.getRejectedSpans()).isEqualTo(4);
        String outside = " is outside the stored range (from 1970-01-01T00:00:00Z up to 2262-01-01T00:00:00Z)";
        assertThat(partial.getErrorMessage())
                .contains("\"start 2^63-1\": startTimeUnixNano 9223372036854775807" + outside)
                .contains("\"start 2^63+1\": startTimeUnixNano 9223372036854775809" + outside)
                .contains("\"end 2^64-2\": endTimeUnixNano 18446744073709551614" + outside)
                .contains("\"event 2^63+1\": events[0].timeUnixNano 9223372036854775809" + outside);
        assertOnlyTheValidSpanIsStoredAndTheStoreIsHealthy("valid");
    }

    @Test
    void jsonThatJacksonTakesForUtf32IsABadRequest() {
        byte[] body = {'{', 0, 0, 0, 0, 0, 0, 0, 'A', 'B', 'C', 'D'};

        HttpResponse<byte[]> response = server.post("/v1/traces", body, "Content-Type", "application/json");

        assertThat(response.statusCode()).as(RunningServer.text(response)).isEqualTo(400);
        assertThat(RunningServer.json(response).get("message").asText()).startsWith("malformed OTLP/JSON");
    }

    @Test
    void keysThatDifferOnlyInNonAsciiCaseAreEachQueryable() {
        // DuckDB folds ASCII letters only; Java's Unicode lower-casing merged these and lost values.
        String[] keys = {"k", "\u212A", "É", "é", "İ", "i\u0307", "K"};
        Span.Builder span = validSpan(1, "cases");
        for (String key : keys) {
            span.addAttributes(attribute(key, "v-" + key));
        }
        OtlpSpans.export(server, OtlpSpans.request().add("checkout", span));
        server.flush();

        for (String key : keys) {
            if (key.equals("K")) {
                continue; // ASCII case: shares "attr.k" with k, the later wins (docs/schema.md)
            }
            assertThat(server.value("SELECT \"attr." + key + "\" FROM spans").asText()).as("attr.%s", key)
                    .isEqualTo(key.equals("k") ? "v-K" : "v-" + key);
        }
    }

    @Test
    void aRepeatedServiceNameIsTheLastOneEverywhere() {
        Resource twice = Resource.newBuilder().addAttributes(attribute("service.name", "first"))
                .addAttributes(attribute("service.name", "last")).build();
        byte[] body = ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(resource(twice, validSpan(1, "root"))).build().toByteArray();
        assertThat(server.post("/v1/traces", body, "Content-Type", PROTOBUF).statusCode()).isEqualTo(200);
        server.flush();

        assertThat(server.rows("SELECT service_name, \"resource.service.name\" FROM spans").toString())
                .isEqualTo("[[\"last\",\"last\"]]");
        assertThat(server.rows("SELECT DISTINCT service_name FROM spans").toString()).isEqualTo("[[\"last\"]]");
    }

    @Test
    void aSpanThatFailsToWriteIsQuarantinedTheOthersWrittenAndHealthNamesTheFile() throws Exception {
        // Past the door (the validator refuses this key): appended to the store directly, as a log
        // written by an older version would be replayed.
        TracesData traces = TracesData.newBuilder()
                .addResourceSpans(resource(service("checkout"), validSpan(1, "before"),
                        validSpan(2, "poison").addAttributes(attribute("a\u0000b", "x")), validSpan(3, "after")))
                .build();
        server.server().store().sink().append(io.contrail.columnar.SpanChunk.fromTraces(traces),
                io.contrail.columnar.SpanSink.TRACES_DATA, traces.toByteArray());
        server.flush();

        assertThat(server.rows("SELECT name FROM spans ORDER BY name").toString())
                .isEqualTo("[[\"after\"],[\"before\"]]");
        JsonNode health = server.health();
        assertThat(health.get("status").asText()).isEqualTo("degraded");
        assertThat(health.get("spansQuarantined").asLong()).isEqualTo(1);
        assertThat(health.get("quarantinedFiles")).singleElement()
                .satisfies(file -> assertThat(file.asText()).startsWith("quarantine/spans-").endsWith(".otlp.json"));
        assertThat(health.get("reasons").toString()).contains("1 quarantine file(s)");
        assertThat(health.toString()).doesNotContain(server.dataDir().toString());

        // The file is OTLP/JSON a receiver reads: sent back, the span is refused with the reason.
        Path file = server.dataDir().resolve(health.get("quarantinedFiles").get(0).asText());
        HttpResponse<byte[]> resent = server.post("/v1/traces", Files.readAllBytes(file),
                "Content-Type", "application/json");
        assertThat(resent.statusCode()).isEqualTo(200);
        assertThat(RunningServer.json(resent).at("/partialSuccess/errorMessage").asText())
                .contains("\"poison\": attributes[0].key \"a\\u0000b\" contains U+0000 (NUL)");

        // New spans are not held up by it.
        OtlpSpans.export(server, OtlpSpans.request().add("checkout", validSpan(4, "later")));
        assertThat(server.storedSpanCount()).isEqualTo(3);

        Files.delete(file);
        assertThat(server.health().get("status").asText()).as("removed: healthy again").isEqualTo("ok");
    }

    @Test
    void healthIsDegradedWithTheReasonWhileFlushesFail() throws Exception {
        // A file where the span's partition folder must go: every write there fails until it is removed.
        Path day = server.dataDir().resolve("spans/date=2026-01-10");
        Files.createDirectories(day);
        Files.writeString(day.resolve("hour=10"), "in the way");
        OtlpSpans.export(server, OtlpSpans.request().add("checkout", validSpan(1, "waits")));

        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        JsonNode health = server.health();
        while (!health.get("status").asText().equals("degraded") && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
            health = server.health();
        }
        assertThat(health.get("status").asText()).as("health: %s", health).isEqualTo("degraded");
        assertThat(health.get("reasons").get(0).asText()).startsWith("writing spans to Parquet fails")
                .contains("spans/date=2026-01-10/hour=10").doesNotContain(server.dataDir().toString());
        assertThat(health.get("quarantinedFiles")).as("an unwritable folder quarantines nothing").isEmpty();

        Files.delete(day.resolve("hour=10"));
        assertThat(server.storedSpanCount()).isEqualTo(1);
        assertThat(server.health().get("status").asText()).isEqualTo("ok");
        assertThat(server.dataDir().resolve("quarantine")).doesNotExist();
    }
}
