package io.contrail.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static io.contrail.http.OtlpSpans.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /metrics} as a Prometheus server reads it: every scrape is parsed by the Prometheus client
 * library's own text-format parser ({@code prometheus_client.parser}, Python, Debian's
 * {@code python3-prometheus-client}), and what it parsed must count what the server was sent.
 */
class MetricsTest {

    /** Debian's Python, where its {@code python3-prometheus-client} is installed (not a user's own Python). */
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    /** Prints each sample the parser finds as one JSON object per line: family, type, sample name, labels, value. */
    private static final String PARSE = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(sys.stdin.read()):
                for sample in family.samples:
                    print(json.dumps({"family": family.name, "type": family.type, "name": sample.name,
                                      "labels": sample.labels, "value": sample.value}))
            """;

    @RegisterExtension
    final RunningServer server = RunningServer.withDefaults();

    /** One parsed sample. */
    record Sample(String family, String type, String name, Map<String, String> labels, double value) {
    }

    @Test
    void refusalsAndRejectedSpansAreCountedByCauseAndSpansAndQueriesAreCounted() throws Exception {
        List<Sample> before = scrape();
        Request request = request();
        for (int i = 1; i <= 3; i++) {
            request.add("checkout", span(traceId(1), spanId(i), "op", Span.SpanKind.SPAN_KIND_SERVER,
                    Instant.now(), Duration.ofMillis(5)));
        }
        export(server, request);
        Request partly = request();
        partly.add("checkout", span("00000000000000000000000000000000", spanId(9), "zero trace ID",
                Span.SpanKind.SPAN_KIND_SERVER, Instant.now(), Duration.ofMillis(5)));
        partly.add("checkout", span(traceId(2), spanId(10), "ends before it starts", Span.SpanKind.SPAN_KIND_SERVER,
                Instant.now(), Duration.ofMillis(-5)));
        assertThat(server.post("/v1/traces", partly.toByteArray(), "Content-Type", "application/x-protobuf")
                .statusCode()).as("a partial success is a 200").isEqualTo(200);
        assertThat(server.post("/v1/traces", "not protobuf".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/x-protobuf").statusCode()).isEqualTo(400);
        assertThat(server.post("/v1/traces", new byte[0], "Content-Type", "text/plain").statusCode()).isEqualTo(415);
        assertThat(server.post("/api/v2/spans", "[]".getBytes(StandardCharsets.UTF_8), "Content-Type", "text/xml")
                .statusCode()).isEqualTo(415);
        server.flush();
        assertThat(server.postSql("SELECT count(*) FROM spans").statusCode()).isEqualTo(200);

        List<Sample> after = scrape();
        assertThat(value(after, "contrail_ingest_requests_refused_total", Map.of("cause", "malformed"))
                - value(before, "contrail_ingest_requests_refused_total", Map.of("cause", "malformed"))).isEqualTo(1);
        assertThat(value(after, "contrail_ingest_requests_refused_total", Map.of("cause", "unsupported"))
                - value(before, "contrail_ingest_requests_refused_total", Map.of("cause", "unsupported"))).isEqualTo(2);
        assertThat(value(after, "contrail_ingest_requests_refused_total", Map.of("cause", "busy"))).isZero();
        assertThat(value(after, "contrail_ingest_spans_accepted_total", Map.of())
                - value(before, "contrail_ingest_spans_accepted_total", Map.of())).isEqualTo(3);
        for (String cause : List.of("invalid_id", "invalid_time")) {
            assertThat(value(after, "contrail_ingest_spans_rejected_total", Map.of("cause", cause))
                    - value(before, "contrail_ingest_spans_rejected_total", Map.of("cause", cause))).as(cause).isEqualTo(1);
        }
        assertThat(after).filteredOn(s -> s.family().equals("contrail_ingest_requests_refused"))
                .allMatch(s -> s.type().equals("counter"))
                .extracting(s -> s.labels().get("cause"))
                .contains("malformed", "too_large", "unsupported", "timed_out", "busy", "storage_failing");
        assertThat(value(after, "contrail_store_files_written_total", Map.of())).isPositive();
        assertThat(value(after, "contrail_store_healthy", Map.of())).isEqualTo(1);

        Map<String, String> sqlOk = Map.of("method", "POST", "route", "/api/sql", "code", "200");
        assertThat(after).filteredOn(s -> s.family().equals("contrail_http_request_duration_seconds"))
                .allMatch(s -> s.type().equals("histogram"));
        assertThat(value(after, "contrail_http_request_duration_seconds_count", sqlOk)
                - value(before, "contrail_http_request_duration_seconds_count", sqlOk)).isEqualTo(1);

        JsonNode health = RunningServer.json(server.get("/health"));
        assertThat(health.get("spansRejectedByCause").get("invalid_time").asLong())
                .isEqualTo((long) value(after, "contrail_ingest_spans_rejected_total", Map.of("cause", "invalid_time")));
        assertThat(health.get("requestsRefusedByCause").get("unsupported").asLong())
                .isEqualTo((long) value(after, "contrail_ingest_requests_refused_total", Map.of("cause", "unsupported")));
    }

    /** A sample's value, 0 when the scrape has no sample of that name with exactly those labels. */
    private static double value(List<Sample> samples, String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(new TreeMap<>(labels)))
                .mapToDouble(Sample::value).findFirst().orElse(0);
    }

    private List<Sample> scrape() throws IOException, InterruptedException {
        HttpResponse<byte[]> response = server.get("/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
        assertThat(Files.isExecutable(PYTHON)).as("Debian's python3 (scripts/test-prerequisites installs it)").isTrue();
        Process parser = new ProcessBuilder(PYTHON.toString(), "-c", PARSE).redirectErrorStream(true).start();
        try (OutputStream in = parser.getOutputStream()) {
            in.write(response.body());
        }
        String out = new String(parser.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(parser.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(parser.exitValue()).as("the Prometheus parser's verdict: %s", out).isZero();
        List<Sample> samples = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode sample = RunningServer.JSON.readTree(line);
            Map<String, String> labels = new TreeMap<>();
            sample.get("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            samples.add(new Sample(sample.get("family").asText(), sample.get("type").asText(),
                    sample.get("name").asText(), labels, sample.get("value").asDouble()));
        }
        assertThat(samples).as("samples parsed").isNotEmpty();
        return samples;
    }
}
