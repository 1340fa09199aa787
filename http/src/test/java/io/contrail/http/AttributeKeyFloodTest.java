package io.contrail.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application that puts IDs into attribute keys — 100,000 distinct keys over 10 requests — must not make
 * the store unusable (issue 17): the files get no more attribute columns than the bound, the keys past it are
 * stored in the overflow map and stay reachable through SQL, {@code span_attributes}, search and the trace
 * API, the server says so, and spans sent afterwards are stored and read as usual, compaction included.
 */
class AttributeKeyFloodTest {

    static final int REQUESTS = 10;
    static final int SPANS_PER_REQUEST = 100;
    static final int KEYS_PER_SPAN = 100;
    static final Instant HOUR = Instant.now().truncatedTo(ChronoUnit.HOURS);

    @RegisterExtension
    final RunningServer server = RunningServer.withDefaults();

    @Test
    void distinctKeysPastTheBoundGoToTheOverflowMapAndStayReachable() throws Exception {
        int span = 0;
        for (int r = 0; r < REQUESTS; r++) {
            OtlpSpans.Request request = OtlpSpans.request();
            for (int s = 0; s < SPANS_PER_REQUEST; s++, span++) {
                Span.Builder flooded = OtlpSpans.span(OtlpSpans.traceId(span + 1), OtlpSpans.spanId(span + 1), "GET /cart",
                        Span.SpanKind.SPAN_KIND_SERVER, HOUR.plusMillis(span), Duration.ofMillis(3))
                        .addAttributes(OtlpSpans.attribute("http.route", "/cart"));
                for (int k = 0; k < KEYS_PER_SPAN; k++) {
                    flooded.addAttributes(OtlpSpans.attribute(itemKey(span, k), "qty-" + k));
                }
                request.add("cart", flooded);
            }
            OtlpSpans.export(server, request);
        }
        server.flush();

        JsonNode health = server.health();
        int bound = health.get("attributeColumnsLimit").asInt();
        assertThat(bound).isEqualTo(1024);
        assertThat(health.get("attributeColumns").asInt()).isEqualTo(bound);
        int keys = REQUESTS * SPANS_PER_REQUEST * KEYS_PER_SPAN;
        // service.name and http.route have columns; every key past the bound is counted, once per file.
        assertThat(health.get("attributeKeysOverflowed").asLong()).isGreaterThanOrEqualTo(keys + 2 - bound);

        assertThat(server.value("SELECT count(*) FROM spans").asLong()).isEqualTo(REQUESTS * SPANS_PER_REQUEST);
        assertThat(server.value("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'spans' "
                + "AND (starts_with(column_name, 'attr.') OR starts_with(column_name, 'resource.'))").asInt())
                .isEqualTo(bound);

        // The last span's keys came after the bound was reached: in the map, and reachable every way.
        int last = span - 1;
        String key = itemKey(last, 7);
        String traceId = OtlpSpans.traceId(last + 1);
        assertThat(server.value("SELECT attr_overflow['" + key + "'] FROM spans WHERE trace_id = '" + traceId + "'")
                .asText()).isEqualTo("qty-7");
        assertThat(server.rows("SELECT scope, \"value\" FROM span_attributes WHERE \"key\" = '" + key + "'"))
                .hasSize(1).first().satisfies(row -> assertThat(row.toString()).isEqualTo("[\"span\",\"qty-7\"]"));
        JsonNode found = server.getJson("/api/search?attr=" + RunningServer.urlEncode(key + "=qty-7"));
        assertThat(found.toString()).contains(traceId);
        assertThat(server.getJson("/api/search?attr=" + RunningServer.urlEncode(key + "=qty-8")).toString())
                .doesNotContain(traceId);
        JsonNode trace = server.getJson("/api/traces/" + traceId);
        assertThat(trace.toString()).contains("\"" + key + "\":\"qty-7\"").contains("\"http.route\":\"/cart\"");

        // A normal span afterwards is stored and read as usual.
        OtlpSpans.export(server, OtlpSpans.request().add("checkout", OtlpSpans.span(OtlpSpans.traceId(5_000),
                OtlpSpans.spanId(5_000), "POST /pay", Span.SpanKind.SPAN_KIND_SERVER, HOUR.plusSeconds(5),
                Duration.ofMillis(40)).addAttributes(OtlpSpans.attribute("http.route", "/pay"))));
        server.flush();
        assertThat(server.value("SELECT \"attr.http.route\" FROM spans WHERE trace_id = '"
                + OtlpSpans.traceId(5_000) + "'").asText()).isEqualTo("/pay");

        // Compaction merges the files, maps and all, and every answer stays the same.
        List<JsonNode> before = answers(key, traceId);
        server.server().store().compactOnce(System.out);
        assertThat(server.health().get("files").asInt()).isEqualTo(1);
        assertThat(answers(key, traceId)).isEqualTo(before);
    }

    private List<JsonNode> answers(String key, String traceId) {
        List<JsonNode> answers = new ArrayList<>();
        answers.add(server.rows("SELECT count(*), count(attr_overflow), count(\"attr.http.route\") FROM spans"));
        answers.add(server.rows("SELECT count(*) FROM span_attributes"));
        answers.add(server.getJson("/api/search?attr=" + RunningServer.urlEncode(key + "=qty-7")).get("traces"));
        answers.add(server.getJson("/api/traces/" + traceId));
        return answers;
    }

    /** The key an application that puts IDs into keys would send: one per cart item. */
    private static String itemKey(int span, int k) {
        return String.format("cart.item.%05d-%03d", span, k);
    }
}
