package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Jaeger query API under {@code /jaeger}, over two checkouts recorded by real OTel SDKs in
 * three services ({@link ShopTraffic}): the second fails, and each has an email span in a trace of
 * its own that follows from the payment; plus, a day earlier, one span whose parent never arrived. Answers are checked field by field against Jaeger's JSON
 * model (v2.20.0 {@code model/json/model.go}), and the URLs are the ones Grafana's Jaeger data
 * source calls with {@code http://host:port/jaeger} as its URL.
 */
class JaegerApiTest {

    @RegisterExtension
    static final RunningServer server = RunningServer.withDefaults();

    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    /** Grafana sends its time range as Unix microseconds. */
    private static final String GRAFANA_RANGE = "&start=" + T0.toEpochMilli() * 1000
            + "&end=" + T0.plusSeconds(600).toEpochMilli() * 1000 + "&lookback=custom";

    // Field names of Jaeger's JSON model, model/json/model.go and the handler's structuredResponse.
    private static final Set<String> RESPONSE_FIELDS = Set.of("data", "total", "limit", "offset", "errors");
    private static final Set<String> TRACE_FIELDS = Set.of("traceID", "spans", "processes", "warnings");
    private static final Set<String> SPAN_FIELDS = Set.of("traceID", "spanID", "flags", "operationName", "references",
            "startTime", "duration", "tags", "logs", "processID", "warnings");
    private static final Set<String> REFERENCE_FIELDS = Set.of("refType", "traceID", "spanID");
    private static final Set<String> PROCESS_FIELDS = Set.of("serviceName", "tags");
    private static final Set<String> LOG_FIELDS = Set.of("timestamp", "fields");
    private static final Set<String> KEY_VALUE_FIELDS = Set.of("key", "type", "value");
    private static final Set<String> KEY_VALUE_TYPES = Set.of("string", "bool", "int64", "float64", "binary");

    private static final String ORPHAN_TRACE = "0000000000000000" + OtlpSpans.spanId(0x77);

    private static ShopTraffic.Checkout paid;
    private static ShopTraffic.Checkout failed;
    private static List<SpanData> exported;

    @BeforeAll
    static void recordCheckouts() {
        ShopTraffic shop = new ShopTraffic(server);
        paid = shop.checkout(T0, Duration.ofMillis(120), "visa", "u-1");
        failed = shop.checkout(T0.plusSeconds(60), Duration.ofMillis(480), "amex", "u-2");
        shop.close();
        exported = shop.spans();
        // A day earlier, outside the searches below: a span whose parent never arrived, in a 64-bit trace ID.
        OtlpSpans.export(server, OtlpSpans.request().add("frontend", OtlpSpans.span(ORPHAN_TRACE, OtlpSpans.spanId(2),
                        "GET /checkout", io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER,
                        T0.minus(Duration.ofDays(1)), Duration.ofMillis(3))
                .setParentSpanId(OtlpSpans.hex(OtlpSpans.spanId(1)))));
        server.flush();
    }

    @Test
    void aTraceAnswersInJaegersModelFieldByField() {
        String traceId = failed.root().getSpanContext().getTraceId();
        JsonNode response = server.getJson("/jaeger/api/traces/" + traceId);

        assertThat(names(response)).isEqualTo(RESPONSE_FIELDS);
        assertThat(response.get("errors").isNull()).isTrue();
        assertThat(response.get("total").asInt()).as("Jaeger sets total for listings only").isZero();
        assertThat(response.get("data")).hasSize(1);
        JsonNode trace = response.get("data").get(0);
        assertThat(TRACE_FIELDS).containsAll(names(trace));
        assertThat(trace.get("traceID").asText()).isEqualTo(traceId);
        assertThat(trace.get("spans")).hasSize(4);
        assertThat(trace.get("processes")).hasSize(2);

        for (JsonNode span : trace.get("spans")) {
            SpanData sent = sent(span.get("spanID").asText());
            assertThat(SPAN_FIELDS).containsAll(names(span));
            assertThat(span.get("traceID").asText()).isEqualTo(traceId);
            assertThat(span.get("operationName").asText()).isEqualTo(sent.getName());
            assertThat(span.get("startTime").asLong()).isEqualTo(sent.getStartEpochNanos() / 1000);
            assertThat(span.get("duration").asLong())
                    .isEqualTo((sent.getEndEpochNanos() - sent.getStartEpochNanos()) / 1000);
            JsonNode process = trace.get("processes").get(span.get("processID").asText());
            assertThat(PROCESS_FIELDS).containsAll(names(process));
            assertThat(process.get("serviceName").asText()).isEqualTo(sent.getResource().getAttribute(
                    io.opentelemetry.api.common.AttributeKey.stringKey("service.name")));
            assertThat(tag(process.get("tags"), "host.name")).isEqualTo(typed("string",
                    process.get("serviceName").asText() + "-1"));
            assertThat(keys(process.get("tags"))).doesNotContain("service.name");
            checkKeyValues(span.get("tags"));
            checkKeyValues(process.get("tags"));
            if (sent.getParentSpanContext().isValid()) {
                assertThat(span.get("references")).hasSize(1);
                JsonNode reference = span.get("references").get(0);
                assertThat(names(reference)).isEqualTo(REFERENCE_FIELDS);
                assertThat(reference.get("refType").asText()).isEqualTo("CHILD_OF");
                assertThat(reference.get("traceID").asText()).isEqualTo(traceId);
                assertThat(reference.get("spanID").asText()).isEqualTo(sent.getParentSpanId());
            } else {
                assertThat(span.has("references")).as("omitempty").isFalse();
            }
        }

        JsonNode root = span(trace, failed.root());
        assertThat(tag(root.get("tags"), "span.kind")).isEqualTo(typed("string", "server"));
        assertThat(tag(root.get("tags"), "http.response.status_code")).isEqualTo(typed("int64", "500"));
        assertThat(tag(root.get("tags"), "app.cart.total")).isEqualTo(typed("float64", "42.5"));
        assertThat(tag(root.get("tags"), "otel.scope.name")).isEqualTo(typed("string", "io.contrail.shop"));
        assertThat(tag(root.get("tags"), "otel.scope.version")).isEqualTo(typed("string", "1.0.0"));

        JsonNode payment = span(trace, failed.payServer());
        assertThat(tag(payment.get("tags"), "error")).isEqualTo(typed("bool", "true"));
        assertThat(tag(payment.get("tags"), "otel.status_code")).isEqualTo(typed("string", "ERROR"));
        assertThat(tag(payment.get("tags"), "otel.status_description")).isEqualTo(typed("string", "card declined"));
        assertThat(tag(payment.get("tags"), "payment.card")).isEqualTo(typed("string", "amex"));
        EventData exception = sent(failed.payServer().getSpanContext().getSpanId()).getEvents().get(0);
        assertThat(payment.get("logs")).hasSize(1);
        JsonNode log = payment.get("logs").get(0);
        assertThat(names(log)).isEqualTo(LOG_FIELDS);
        assertThat(log.get("timestamp").asLong()).isEqualTo(exception.getEpochNanos() / 1000);
        checkKeyValues(log.get("fields"));
        assertThat(tag(log.get("fields"), "event")).isEqualTo(typed("string", "exception"));
        assertThat(tag(log.get("fields"), "exception.type")).isEqualTo(typed("string", "java.lang.IllegalStateException"));
        assertThat(tag(log.get("fields"), "exception.message")).isEqualTo(typed("string", "card declined"));
        assertThat(tag(log.get("fields"), "payment.gateway")).isEqualTo(typed("string", "gw-2"));

        JsonNode cache = span(trace, failed.cacheClient());
        assertThat(tag(cache.get("tags"), "span.kind")).isEqualTo(typed("string", "client"));
        assertThat(keys(cache.get("tags"))).doesNotContain("error", "otel.status_code");
        assertThat(cache.has("logs")).as("omitempty").isFalse();
        assertThat(root.get("processID").asText()).isEqualTo(cache.get("processID").asText())
                .isNotEqualTo(payment.get("processID").asText());
    }

    @Test
    void aLinkBecomesAFollowsFromReference() {
        Span receipt = failed.receipt();
        JsonNode trace = server.getJson("/jaeger/api/traces/" + receipt.getSpanContext().getTraceId())
                .get("data").get(0);

        JsonNode span = trace.get("spans").get(0);
        assertThat(span.get("references")).hasSize(1);
        JsonNode reference = span.get("references").get(0);
        assertThat(reference.get("refType").asText()).isEqualTo("FOLLOWS_FROM");
        assertThat(reference.get("traceID").asText()).isEqualTo(failed.payServer().getSpanContext().getTraceId());
        assertThat(reference.get("spanID").asText()).isEqualTo(failed.payServer().getSpanContext().getSpanId());
        assertThat(tag(span.get("tags"), "span.kind")).isEqualTo(typed("string", "consumer"));
        assertThat(trace.get("processes").get(span.get("processID").asText()).get("serviceName").asText())
                .isEqualTo("email");
    }

    @Test
    void grafanasCallsAnswerAtTheDocumentedUrls() {
        JsonNode services = server.getJson("/jaeger/api/services");
        assertThat(names(services)).isEqualTo(RESPONSE_FIELDS);
        assertThat(texts(services.get("data"))).containsExactly("email", "frontend", "payment");
        assertThat(services.get("total").asInt()).isEqualTo(3);

        assertThat(texts(server.getJson("/jaeger/api/services/frontend/operations").get("data")))
                .containsExactly("GET /checkout", "GET cart", "POST /pay");
        JsonNode operations = server.getJson("/jaeger/api/operations?service=frontend&spanKind=server").get("data");
        assertThat(operations).hasSize(1);
        assertThat(names(operations.get(0))).isEqualTo(Set.of("name", "spanKind"));
        assertThat(operations.get(0).get("name").asText()).isEqualTo("GET /checkout");
        assertThat(operations.get(0).get("spanKind").asText()).isEqualTo("server");

        assertThat(searchedTraceIds("service=frontend&operation=" + RunningServer.urlEncode("GET /checkout")
                + "&limit=20" + GRAFANA_RANGE)).containsExactly(traceId(failed), traceId(paid));
        assertThat(searchedTraceIds("service=frontend&minDuration=300ms&maxDuration=1s&limit=20" + GRAFANA_RANGE))
                .containsExactly(traceId(failed));
        assertThat(searchedTraceIds("service=payment&tags=" + RunningServer.urlEncode("{\"payment.card\":\"visa\"}")
                + "&limit=20" + GRAFANA_RANGE)).containsExactly(traceId(paid));
        assertThat(searchedTraceIds("service=frontend&tags=" + RunningServer.urlEncode("{\"error\":\"true\"}")
                + "&limit=20" + GRAFANA_RANGE)).containsExactly(traceId(failed));
        assertThat(searchedTraceIds("service=frontend&limit=20&start=1000000&end=2000000&lookback=custom")).isEmpty();
        JsonNode found = server.getJson("/jaeger/api/traces?service=frontend&limit=1" + GRAFANA_RANGE);
        assertThat(found.get("data")).hasSize(1);
        assertThat(found.get("data").get(0).get("spans")).hasSize(4);

        JsonNode dependencies = server.getJson("/jaeger/api/dependencies?endTs="
                + T0.plusSeconds(600).toEpochMilli() + "&lookback=3600000");
        List<String> links = new ArrayList<>();
        for (JsonNode link : dependencies.get("data")) {
            assertThat(names(link)).isEqualTo(Set.of("parent", "child", "callCount"));
            links.add(link.get("parent").asText() + " -> " + link.get("child").asText() + " x" + link.get("callCount").asLong());
        }
        assertThat(links).containsExactlyInAnyOrder("frontend -> payment x2", "frontend -> redis x2");
    }

    @Test
    void aSpanWhoseParentIsMissingCarriesJaegersWarning() {
        String trace = ORPHAN_TRACE;
        JsonNode trace64 = server.getJson("/jaeger/api/traces/" + trace).get("data").get(0);
        assertThat(trace64.get("traceID").asText()).as("Jaeger drops a zero high half").isEqualTo(trace.substring(16));
        JsonNode span = trace64.get("spans").get(0);
        assertThat(texts(span.get("warnings")))
                .containsExactly("invalid parent span IDs=" + OtlpSpans.spanId(1) + "; skipping clock skew adjustment");
        assertThat(server.getJson("/jaeger/api/traces/" + trace.substring(16)).get("data").get(0).get("spans"))
                .as("a 16-digit ID finds the trace too").hasSize(1);
    }

    @Test
    void searchByTraceIdsAnswersTheFoundOnesAndAnErrorPerMissingOne() {
        JsonNode response = server.getJson("/jaeger/api/traces?traceID=" + traceId(paid) + "&traceID=" + traceId(failed)
                + "&traceID=abcdef");

        List<String> found = new ArrayList<>();
        response.get("data").forEach(t -> found.add(t.get("traceID").asText()));
        assertThat(found).containsExactly(traceId(paid), traceId(failed));
        assertThat(response.get("errors")).hasSize(1);
        assertThat(names(response.get("errors").get(0))).isEqualTo(Set.of("msg", "traceID"));
        assertThat(response.get("errors").get(0).get("traceID").asText()).as("Jaeger prints 16 digits at least")
                .isEqualTo("0000000000abcdef");
    }

    @Test
    void badParametersAndUnknownTracesAnswerInJaegersErrorEnvelope() {
        HttpResponse<byte[]> noService = server.get("/jaeger/api/traces?limit=20" + GRAFANA_RANGE);
        assertThat(noService.statusCode()).isEqualTo(400);
        JsonNode error = RunningServer.json(noService);
        assertThat(names(error)).isEqualTo(RESPONSE_FIELDS);
        assertThat(error.get("data").isNull()).isTrue();
        assertThat(error.get("errors").get(0).get("code").asInt()).isEqualTo(400);
        assertThat(error.get("errors").get(0).get("msg").asText()).isEqualTo("parameter 'service' is required");

        HttpResponse<byte[]> badDuration = server.get("/jaeger/api/traces?service=frontend&minDuration=fast");
        assertThat(badDuration.statusCode()).isEqualTo(400);
        assertThat(RunningServer.json(badDuration).get("errors").get(0).get("msg").asText()).contains("minDuration");

        HttpResponse<byte[]> unknown = server.get("/jaeger/api/traces/00000000000000000000000000abcdef");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(RunningServer.json(unknown).get("errors").get(0).get("msg").asText()).isEqualTo("trace not found");

        HttpResponse<byte[]> notHex = server.get("/jaeger/api/traces/xyz");
        assertThat(notHex.statusCode()).isEqualTo(400);

        // Days and milliseconds beyond 2⁶³ nanoseconds are refused naming the parameter, not wrapped around.
        for (String beyond : List.of("/jaeger/api/traces?service=frontend&lookback=106752d",
                "/jaeger/api/dependencies?lookback=9223372036854775",
                "/jaeger/api/dependencies?endTs=9223372036855")) {
            HttpResponse<byte[]> refused = server.get(beyond);
            assertThat(refused.statusCode()).as(beyond).isEqualTo(400);
            assertThat(RunningServer.json(refused).get("errors").get(0).get("msg").asText()).as(beyond)
                    .contains(beyond.contains("endTs") ? "'endTs'" : "'lookback'").contains("out of range");
        }
        // A lookback reaching before the earliest time there is searches from then.
        assertThat(server.get("/jaeger/api/traces?service=frontend&lookback=106751d").statusCode()).isEqualTo(200);
    }

    private static List<String> searchedTraceIds(String query) {
        JsonNode response = server.getJson("/jaeger/api/traces?" + query);
        assertThat(names(response)).isEqualTo(RESPONSE_FIELDS);
        List<String> ids = new ArrayList<>();
        response.get("data").forEach(t -> ids.add(t.get("traceID").asText()));
        return ids;
    }

    private static String traceId(ShopTraffic.Checkout checkout) {
        return checkout.root().getSpanContext().getTraceId();
    }

    private static SpanData sent(String spanId) {
        return exported.stream().filter(s -> s.getSpanId().equals(spanId)).findFirst()
                .orElseThrow(() -> new AssertionError("no exported span " + spanId));
    }

    private static JsonNode span(JsonNode trace, Span span) {
        for (JsonNode candidate : trace.get("spans")) {
            if (candidate.get("spanID").asText().equals(span.getSpanContext().getSpanId())) {
                return candidate;
            }
        }
        throw new AssertionError("span " + span.getSpanContext().getSpanId() + " not in " + trace);
    }

    /** Every key/value has exactly Jaeger's fields, a known type, and a JSON value of that type. */
    private static void checkKeyValues(JsonNode keyValues) {
        for (JsonNode keyValue : keyValues) {
            assertThat(names(keyValue)).isEqualTo(KEY_VALUE_FIELDS);
            String type = keyValue.get("type").asText();
            assertThat(KEY_VALUE_TYPES).contains(type);
            JsonNode value = keyValue.get("value");
            switch (type) {
                case "bool" -> assertThat(value.isBoolean()).as("%s", keyValue).isTrue();
                case "int64" -> assertThat(value.isIntegralNumber()).as("%s", keyValue).isTrue();
                case "float64" -> assertThat(value.isNumber()).as("%s", keyValue).isTrue();
                default -> assertThat(value.isTextual()).as("%s", keyValue).isTrue();
            }
        }
    }

    /** The type and value (as text) of the key/value named {@code key}. */
    private static String tag(JsonNode keyValues, String key) {
        for (JsonNode keyValue : keyValues) {
            if (keyValue.get("key").asText().equals(key)) {
                return typed(keyValue.get("type").asText(), keyValue.get("value").asText());
            }
        }
        throw new AssertionError("no " + key + " in " + keyValues);
    }

    private static String typed(String type, String value) {
        return type + ":" + value;
    }

    private static List<String> keys(JsonNode keyValues) {
        List<String> keys = new ArrayList<>();
        keyValues.forEach(k -> keys.add(k.get("key").asText()));
        return keys;
    }

    private static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    private static Set<String> names(JsonNode object) {
        Set<String> names = new HashSet<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }
}
