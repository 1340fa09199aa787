package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import zipkin2.Endpoint;
import zipkin2.Span;
import zipkin2.codec.SpanBytesEncoder;

/**
 * Zipkin v2 JSON, encoded by zipkin2's own encoder, posted to {@code /api/v2/spans}: one checkout
 * trace with a 64-bit trace ID, a client call and the shared server span that reuses its ID.
 */
class ZipkinIngestTest {

    @RegisterExtension
    static final RunningServer server = RunningServer.withDefaults();

    static final String TRACE_ID = "463ac35c9f6413ad";
    static final String PADDED_TRACE_ID = "0000000000000000" + TRACE_ID;
    static final String ROOT_ID = "463ac35c9f6413ad";
    static final String CALL_ID = "a2fb4a1d1a96d312";
    static final long START_MICROS = Instant.parse("2026-01-10T10:20:00Z").toEpochMilli() * 1_000;

    static final Endpoint FRONTEND = Endpoint.newBuilder().serviceName("frontend").ip("10.0.0.1").build();
    static final Endpoint PAYMENTS = Endpoint.newBuilder().serviceName("payments").ip("10.0.0.2").port(8443).build();

    static final Span ROOT = Span.newBuilder().traceId(TRACE_ID).id(ROOT_ID)
            .kind(Span.Kind.SERVER).name("get /checkout").localEndpoint(FRONTEND)
            .timestamp(START_MICROS).duration(300_000L)
            .putTag("http.method", "GET").putTag("http.route", "/checkout")
            .build();
    static final Span CLIENT = Span.newBuilder().traceId(TRACE_ID).parentId(ROOT_ID).id(CALL_ID)
            .kind(Span.Kind.CLIENT).name("post /charge").localEndpoint(FRONTEND).remoteEndpoint(PAYMENTS)
            .timestamp(START_MICROS + 10_000).duration(200_000L)
            .addAnnotation(START_MICROS + 11_000, "wire send")
            .addAnnotation(START_MICROS + 205_000, "wire recv")
            .putTag("http.method", "POST").putTag("error", "card declined")
            .build();
    static final Span SHARED_SERVER = Span.newBuilder().traceId(TRACE_ID).parentId(ROOT_ID).id(CALL_ID)
            .kind(Span.Kind.SERVER).shared(true).name("post /charge").localEndpoint(PAYMENTS)
            .timestamp(START_MICROS + 12_000).duration(190_000L)
            .build();

    @BeforeAll
    static void postCheckoutTrace() {
        HttpResponse<byte[]> response = postZipkin(SpanBytesEncoder.JSON_V2.encodeList(List.of(ROOT, CLIENT, SHARED_SERVER)));
        assertThat(response.statusCode()).as(RunningServer.text(response)).isEqualTo(202);
        server.flush();
    }

    private static HttpResponse<byte[]> postZipkin(byte[] body) {
        return server.post("/api/v2/spans", body, "Content-Type", "application/json");
    }

    private static String where() {
        return " FROM spans WHERE trace_id = '" + PADDED_TRACE_ID + "'";
    }

    @Test
    void acceptedSpansAnswer202WithoutBodyAndBecomeQueryable() {
        Span lone = Span.newBuilder().traceId("00000000000000aa").id("00000000000000ab").name("healthcheck")
                .localEndpoint(FRONTEND).timestamp(START_MICROS).duration(1_000L).build();

        HttpResponse<byte[]> response = postZipkin(SpanBytesEncoder.JSON_V2.encodeList(List.of(lone)));
        server.flush();

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.body()).isEmpty();
        assertThat(server.record("SELECT trace_id, span_id, name, kind FROM spans WHERE span_id = '00000000000000ab'"))
                .containsExactly(Map.entry("trace_id", "000000000000000000000000000000aa"),
                        Map.entry("span_id", "00000000000000ab"), Map.entry("name", "healthcheck"),
                        Map.entry("kind", "INTERNAL"));
    }

    @Test
    void sixtyFourBitTraceIdsAreLeftPaddedTo32HexDigits() {
        assertThat(server.rows("SELECT DISTINCT trace_id FROM spans WHERE trace_id LIKE '%" + TRACE_ID + "'"))
                .extracting(JsonNode::toString)
                .containsExactly("[\"" + PADDED_TRACE_ID + "\"]");
        assertThat(server.value("SELECT count(*)" + where()).asLong()).isEqualTo(3);
    }

    @Test
    void serviceNameKindParentAndMicrosecondTimesMapToSpanColumns() {
        List<Map<String, Object>> rows = server.records("SELECT span_id, parent_span_id, service_name, name, kind, "
                + "epoch_ns(start_time) AS start_ns, duration_nanos" + where() + " ORDER BY start_time");

        assertThat(rows).containsExactly(
                row(ROOT_ID, null, "frontend", "get /checkout", "SERVER", START_MICROS * 1_000, 300_000_000L),
                row(CALL_ID, ROOT_ID, "frontend", "post /charge", "CLIENT", (START_MICROS + 10_000) * 1_000, 200_000_000L),
                row(CALL_ID, ROOT_ID, "payments", "post /charge", "SERVER", (START_MICROS + 12_000) * 1_000, 190_000_000L));
    }

    private static Map<String, Object> row(String spanId, String parentSpanId, String service, String name,
                                           String kind, long startNanos, long durationNanos) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("span_id", spanId);
        row.put("parent_span_id", parentSpanId);
        row.put("service_name", service);
        row.put("name", name);
        row.put("kind", kind);
        row.put("start_ns", startNanos);
        row.put("duration_nanos", durationNanos);
        return row;
    }

    @Test
    void annotationsBecomeEventsWithTheirTimestamps() {
        Map<String, Object> row = server.record("SELECT len(events) AS events, events[1].name AS first, "
                + "epoch_ns(events[1].\"time\") AS first_ns, events[2].name AS second, "
                + "epoch_ns(events[2].\"time\") AS second_ns" + where() + " AND kind = 'CLIENT'");

        assertThat(row).containsExactly(
                Map.entry("events", 2L),
                Map.entry("first", "wire send"),
                Map.entry("first_ns", (START_MICROS + 11_000) * 1_000),
                Map.entry("second", "wire recv"),
                Map.entry("second_ns", (START_MICROS + 205_000) * 1_000));
    }

    @Test
    void remoteEndpointBecomesPeerServiceAndNetworkPeerAttributes() {
        Map<String, Object> row = server.record("SELECT peer_service, \"attr.peer.service\", "
                + "\"attr.network.peer.address\", \"attr.network.peer.port\", \"attr.network.local.address\", "
                + "http_method" + where() + " AND kind = 'CLIENT'");

        assertThat(row).containsExactly(
                Map.entry("peer_service", "payments"),
                Map.entry("attr.peer.service", "payments"),
                Map.entry("attr.network.peer.address", "10.0.0.2"),
                Map.entry("attr.network.peer.port", 8443L),
                Map.entry("attr.network.local.address", "10.0.0.1"),
                Map.entry("http_method", "POST"));
    }

    @Test
    void errorTagMakesTheStatusErrorWithItsMessageAndStaysATag() {
        List<Map<String, Object>> rows = server.records("SELECT kind, service_name, status_code, status_message"
                + where() + " ORDER BY start_time");

        assertThat(rows).extracting(r -> Arrays.asList(r.get("kind"), r.get("service_name"), r.get("status_code"),
                r.get("status_message"))).containsExactly(
                Arrays.asList("SERVER", "frontend", "UNSET", null),
                Arrays.asList("CLIENT", "frontend", "ERROR", "card declined"),
                Arrays.asList("SERVER", "payments", "UNSET", null));
        assertThat(server.value("SELECT \"attr.error\"" + where() + " AND kind = 'CLIENT'").asText())
                .as("the tag stays, so that the span reads back as it was sent").isEqualTo("card declined");
    }

    @Test
    void sharedServerSpanKeepsTheClientsSpanIdAndIsMarkedShared() {
        List<Map<String, Object>> rows = server.records("SELECT kind, service_name, \"attr.zipkin.shared\" AS shared"
                + where() + " AND span_id = '" + CALL_ID + "' ORDER BY kind");

        assertThat(rows).extracting(r -> Arrays.asList(r.get("kind"), r.get("service_name"), r.get("shared")))
                .containsExactly(
                        Arrays.asList("CLIENT", "frontend", null),
                        Arrays.asList("SERVER", "payments", true));
    }

    @Test
    void traceApiFindsTheTraceBySixteenHexDigits() {
        JsonNode trace = server.getJson("/api/traces/" + TRACE_ID);

        assertThat(trace.get("traceId").asText()).isEqualTo(PADDED_TRACE_ID);
        assertThat(trace.get("spanCount").asInt()).isEqualTo(3);
        assertThat(trace.get("roots")).hasSize(1);
        JsonNode root = trace.get("roots").get(0);
        assertThat(root.get("spanId").asText()).isEqualTo(ROOT_ID);
        assertThat(root.get("children")).extracting(c -> c.get("serviceName").asText() + " " + c.get("spanId").asText())
                .containsExactlyInAnyOrder("frontend " + CALL_ID, "payments " + CALL_ID);
        assertThat(server.getJson("/api/traces/" + PADDED_TRACE_ID).get("spanCount").asInt()).isEqualTo(3);
    }

    @Test
    void gzipBodiesAreAccepted() throws IOException {
        Span gzipped = Span.newBuilder().traceId("00000000000000ba").id("00000000000000bb").name("gzipped")
                .localEndpoint(FRONTEND).timestamp(START_MICROS).duration(1_000L).build();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(body)) {
            gzip.write(SpanBytesEncoder.JSON_V2.encodeList(List.of(gzipped)));
        }

        HttpResponse<byte[]> response = server.post("/api/v2/spans", body.toByteArray(),
                "Content-Type", "application/json", "Content-Encoding", "gzip");
        server.flush();

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(server.value("SELECT name FROM spans WHERE span_id = '00000000000000bb'").asText())
                .isEqualTo("gzipped");
    }

    @Test
    void aSpanWhoseTimestampIsOutOfRangeIsRejectedAloneAndCounted() {
        Span timed = Span.newBuilder().traceId("00000000000000ca").id("00000000000000c1").name("timed")
                .localEndpoint(FRONTEND).timestamp(START_MICROS).duration(1_000L).build();
        Span farFuture = Span.newBuilder().traceId("00000000000000ca").id("00000000000000c2").name("far future")
                .localEndpoint(FRONTEND).timestamp(Long.MAX_VALUE / 10).build();

        HttpResponse<byte[]> response = postZipkin(SpanBytesEncoder.JSON_V2.encodeList(List.of(timed, farFuture)));
        server.flush();

        assertThat(response.statusCode()).isEqualTo(202);
        JsonNode body = RunningServer.json(response);
        assertThat(body.get("acceptedSpans").asInt()).isEqualTo(1);
        assertThat(body.get("rejectedSpans").asInt()).isEqualTo(1);
        assertThat(body.get("error").asText()).startsWith("1 span rejected: spans[1] \"far future\": timestamp ")
                .endsWith("is out of range");
        assertThat(server.rows("SELECT name FROM spans WHERE trace_id = '" + "0".repeat(30) + "ca'")
                .toString()).isEqualTo("[[\"timed\"]]");
    }

    @Test
    void aSpanWithoutTimestampIsKeptAtUnixTimeZero() {
        Span untimed = Span.newBuilder().traceId("00000000000000cb").id("00000000000000c3").name("untimed")
                .localEndpoint(FRONTEND).build();

        HttpResponse<byte[]> response = postZipkin(SpanBytesEncoder.JSON_V2.encodeList(List.of(untimed)));
        server.flush();

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(server.rows("SELECT name, epoch_ns(start_time), \"date\"::VARCHAR FROM spans WHERE trace_id = '"
                + "0".repeat(30) + "cb'").toString()).isEqualTo("[[\"untimed\",0,\"1970-01-01\"]]");
    }
}
