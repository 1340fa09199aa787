package io.contrail.http;

import static io.contrail.http.OtlpSpans.span;
import static io.contrail.http.OtlpSpans.spanId;
import static io.contrail.http.OtlpSpans.traceId;
import static io.contrail.http.RunningServer.urlEncode;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The trace API over six stored traces: service and operation listings, trace search with every
 * filter, and the errors for parameters it cannot read. {@link Health} covers {@code /health}.
 */
class TraceApiTest {

    @RegisterExtension
    static final RunningServer server = RunningServer.withDefaults();

    static final Instant T0 = Instant.parse("2026-01-10T10:00:00Z");

    // Traces by start: A at T0, B at +60 s, C at +120 s, D at +180 s, E and F both at +240 s.
    static final String A = traceId(0xA), B = traceId(0xB), C = traceId(0xC), D = traceId(0xD),
            E = traceId(0xE), F = traceId(0xF);

    @BeforeAll
    static void storeSixTraces() {
        OtlpSpans.export(server, OtlpSpans.request()
                .add("frontend",
                        span(A, spanId(0xA0), "GET /checkout", SpanKind.SPAN_KIND_SERVER, T0, Duration.ofMillis(250))
                                .addAttributes(OtlpSpans.attribute("customer.tier", "gold"))
                                .addAttributes(OtlpSpans.attribute("http.route", "/checkout")),
                        span(B, spanId(0xB0), "GET /cart", SpanKind.SPAN_KIND_SERVER, T0.plusSeconds(60),
                                Duration.ofMillis(40))
                                .addAttributes(OtlpSpans.attribute("customer.tier", "gold"))
                                .addAttributes(KeyValue.newBuilder().setKey("retry.count")
                                        .setValue(AnyValue.newBuilder().setIntValue(2)))
                                .addAttributes(OtlpSpans.attribute("http.route", "/cart")),
                        span(C, spanId(0xC0), "GET /checkout", SpanKind.SPAN_KIND_SERVER, T0.plusSeconds(120),
                                Duration.ofMillis(900))
                                .addAttributes(OtlpSpans.attribute("customer.tier", "silver"))
                                .addAttributes(OtlpSpans.attribute("http.route", "/checkout")),
                        span(E, spanId(0xE0), "GET /health", SpanKind.SPAN_KIND_SERVER, T0.plusSeconds(240),
                                Duration.ofMillis(100)),
                        span(F, spanId(0xF0), "GET /health", SpanKind.SPAN_KIND_SERVER, T0.plusSeconds(240),
                                Duration.ofMillis(100)))
                .add("payments",
                        span(A, spanId(0xA1), "Charge", SpanKind.SPAN_KIND_SERVER, T0.plusMillis(10),
                                Duration.ofMillis(200))
                                .setParentSpanId(OtlpSpans.hex(spanId(0xA0)))
                                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
                                        .setMessage("card declined")))
                .add("inventory",
                        span(C, spanId(0xC1), "Reserve", SpanKind.SPAN_KIND_SERVER, T0.plusSeconds(120).plusMillis(5),
                                Duration.ofMillis(30))
                                .setParentSpanId(OtlpSpans.hex(spanId(0xC0))),
                        span(D, spanId(0xD0), "Restock", SpanKind.SPAN_KIND_INTERNAL, T0.plusSeconds(180),
                                Duration.ofMillis(5))));
        server.flush();
    }

    /** The trace IDs a search answers, in the order given. */
    private static List<String> search(String query) {
        JsonNode traces = server.getJson("/api/search" + query).get("traces");
        List<String> ids = new ArrayList<>();
        traces.forEach(t -> ids.add(t.get("traceId").asText()));
        return ids;
    }

    @Test
    void servicesAreListedAlphabetically() {
        assertThat(server.getJson("/api/services").toString())
                .isEqualTo("{\"services\":[\"frontend\",\"inventory\",\"payments\"]}");
    }

    @Test
    void operationsOfAServiceAreItsSpanNamesWithTheirKinds() {
        JsonNode operations = server.getJson("/api/services/inventory/operations").get("operations");

        assertThat(operations).extracting(o -> o.get("name").asText() + " " + o.get("spanKind").asText())
                .containsExactly("Reserve SERVER", "Restock INTERNAL");
        assertThat(server.getJson("/api/services/frontend/operations").get("operations"))
                .extracting(o -> o.get("name").asText())
                .containsExactly("GET /cart", "GET /checkout", "GET /health");
        assertThat(server.getJson("/api/services/nobody/operations").get("operations")).isEmpty();
    }

    @Test
    void searchListsTracesNewestFirstWithEqualStartsOrderedByTraceId() {
        List<String> first = search("");

        assertThat(first).containsExactly(E, F, D, C, B, A);
        assertThat(search("")).as("the same answer every time").isEqualTo(first);
    }

    @Test
    void searchSummarizesEachTrace() {
        JsonNode a = server.getJson("/api/search?service=payments").get("traces").get(0);

        assertThat(a.get("traceId").asText()).isEqualTo(A);
        assertThat(a.get("startTimeUnixNano").asLong()).isEqualTo(OtlpSpans.unixNanos(T0));
        assertThat(a.get("durationNanos").asLong()).isEqualTo(Duration.ofMillis(250).toNanos());
        assertThat(a.get("rootServiceName").asText()).isEqualTo("frontend");
        assertThat(a.get("rootName").asText()).isEqualTo("GET /checkout");
        assertThat(a.get("spanCount").asLong()).isEqualTo(2);
        assertThat(a.get("errorCount").asLong()).isEqualTo(1);
        assertThat(a.get("services").toString()).isEqualTo("[\"frontend\",\"payments\"]");
    }

    @Test
    void searchByServiceFindsTracesWithASpanOfThatService() {
        assertThat(search("?service=payments")).containsExactly(A);
        assertThat(search("?service=inventory")).containsExactly(D, C);
        assertThat(search("?service=nobody")).isEmpty();
    }

    @Test
    void searchByOperationMatchesTheSpanName() {
        assertThat(search("?operation=" + urlEncode("GET /checkout"))).containsExactly(C, A);
        assertThat(search("?service=frontend&operation=" + urlEncode("GET /cart"))).containsExactly(B);
    }

    @Test
    void searchByAttributeMatchesAllGivenAttributesOnOneSpan() {
        assertThat(search("?attr=" + urlEncode("customer.tier=gold"))).containsExactly(B, A);
        assertThat(search("?attr=" + urlEncode("customer.tier=gold") + "&attr=" + urlEncode("http.route=/checkout")))
                .containsExactly(A);
        assertThat(search("?attr=" + urlEncode("no.such.key=1"))).isEmpty();
    }

    @Test
    void searchByAttributeComparesTypedColumnsByValueAndFallsBackToResourceAttributes() {
        assertThat(search("?attr=" + urlEncode("retry.count=2"))).containsExactly(B);
        assertThat(search("?attr=" + urlEncode("retry.count=3"))).isEmpty();
        assertThat(search("?attr=" + urlEncode("service.name=payments"))).containsExactly(A);
    }

    @Test
    void searchByDurationBoundsAnySpanOfTheTrace() {
        assertThat(search("?minDuration=500ms")).containsExactly(C);
        assertThat(search("?minDuration=0.5s")).containsExactly(C);
        assertThat(search("?maxDuration=50ms")).containsExactly(D, C, B);
        assertThat(search("?minDuration=20ms&maxDuration=50ms")).containsExactly(C, B);
    }

    @Test
    void searchByStatusErrorFindsTracesWithAFailedSpan() {
        assertThat(search("?status=error")).containsExactly(A);
        assertThat(search("?status=ok")).isEmpty();
    }

    @Test
    void searchByTimeWindowTakesRfc3339OrEpochMilliseconds() {
        Instant from = T0.plusSeconds(30);
        Instant to = T0.plusSeconds(150);

        assertThat(search("?start=" + urlEncode(from.toString()) + "&end=" + urlEncode(to.toString())))
                .containsExactly(C, B);
        assertThat(search("?start=" + from.toEpochMilli() + "&end=" + to.toEpochMilli())).containsExactly(C, B);
        assertThat(search("?start=" + urlEncode("2026-01-10T11:00:00+01:00") + "&end=" + to.toEpochMilli()))
                .as("an offset is honoured: 11:00+01:00 is T0").containsExactly(C, B, A);
    }

    @Test
    void searchWithTraceQlAnswersAsTheFiltersDoSummarizingTheWholeTrace() {
        // A trace with a span of payments that failed, and a gold customer's span: A only, summarized whole.
        String q = "{ resource.service.name = \"payments\" && status = error } && { span.customer.tier = \"gold\" }";
        assertThat(search("?q=" + RunningServer.urlEncode(q))).containsExactly(A);
        assertThat(server.getJson("/api/search?q=" + RunningServer.urlEncode(q)).get("traces").get(0).toString())
                .isEqualTo(server.getJson("/api/search?status=error").get("traces").get(0).toString());
        assertThat(search("?q=" + RunningServer.urlEncode("{ duration > 500ms } || { name = \"Restock\" }")))
                .containsExactly(D, C);
        assertThat(search("?q=" + RunningServer.urlEncode("{ name = \"GET /health\" }") + "&limit=1")).containsExactly(E);
    }

    @Test
    void aTraceQlSearchThatCannotRunIs400SayingWhy() {
        for (String[] bad : new String[][] {
                {"q=" + RunningServer.urlEncode("{ name = }"), "parse error at line 1, col"},
                {"q=" + RunningServer.urlEncode("{} | rate()"), "metrics query (rate())"},
                {"q=" + RunningServer.urlEncode("{}") + "&service=frontend", "q (a TraceQL query) and service do not go together"}}) {
            HttpResponse<byte[]> response = server.get("/api/search?" + bad[0]);
            assertThat(response.statusCode()).as(bad[0]).isEqualTo(400);
            assertThat(RunningServer.json(response).get("error").asText()).as(bad[0]).contains(bad[1]);
        }
    }

    @Test
    void searchLimitKeepsTheNewestTraces() {
        assertThat(search("?limit=2")).containsExactly(E, F);
        assertThat(search("?limit=3")).containsExactly(E, F, D);
    }

    @ParameterizedTest(name = "{0} → 400 naming {1}")
    @CsvSource({
            "minDuration=abc, minDuration=abc",
            "maxDuration=5, maxDuration=5",
            "limit=0, limit=0",
            "limit=1001, limit=1001",
            "limit=many, limit=many",
            "start=yesterday, start=yesterday",
            "end=2026-13-45T00:00:00Z, end=2026-13-45T00:00:00Z",
            "status=broken, status=broken",
            "attr=novalue, attr=novalue"})
    void searchParametersItCannotReadAre400NamingTheParameter(String query, String named) {
        HttpResponse<byte[]> response = server.get("/api/search?" + query);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(RunningServer.json(response).get("error").asText()).startsWith(named + ":");
    }

    @Test
    void anUnknownTraceIs404() {
        String unknown = traceId(0x999);

        HttpResponse<byte[]> response = server.get("/api/traces/" + unknown);

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(RunningServer.json(response).get("error").asText()).isEqualTo("trace " + unknown + " not found");
    }

    @Test
    void aTraceIdThatIsNotHexIs400() {
        HttpResponse<byte[]> response = server.get("/api/traces/not-hex");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(RunningServer.json(response).get("error").asText())
                .isEqualTo("trace ID 'not-hex' must be 32 (or 16) hex digits");
    }

    @Test
    void aStoredTraceIsFoundInAnyCase() {
        JsonNode trace = server.getJson("/api/traces/" + A.toUpperCase(Locale.ROOT));

        assertThat(trace.get("traceId").asText()).isEqualTo(A);
        assertThat(trace.get("spanCount").asInt()).isEqualTo(2);
        assertThat(trace.get("roots").get(0).get("children").get(0).get("name").asText()).isEqualTo("Charge");
    }

    /** On a server of its own, whose spans wait in the buffer until the test flushes them. */
    @Nested
    class Health {

        @RegisterExtension
        final RunningServer fresh = RunningServer.configured(c -> c.withStore(
                store -> store.withWrites(writes -> writes.withMaxBufferAge(Duration.ofHours(1)))));

        @Test
        void healthIsOkAndItsCountersFollowIngestAndFlush() {
            JsonNode empty = fresh.health();
            assertThat(empty.get("status").asText()).isEqualTo("ok");
            assertThat(empty.get("spansAccepted").asLong()).isZero();
            assertThat(empty.get("files").asLong()).isZero();
            assertThat(empty.get("lastFlush").isNull()).isTrue();

            OtlpSpans.export(fresh, OtlpSpans.request().add("frontend",
                    span(A, spanId(1), "GET /a", SpanKind.SPAN_KIND_SERVER, T0, Duration.ofMillis(1)),
                    span(A, spanId(2), "GET /b", SpanKind.SPAN_KIND_SERVER, T0, Duration.ofMillis(1))));
            JsonNode ingested = fresh.health();

            assertThat(ingested.get("status").asText()).isEqualTo("ok");
            assertThat(ingested.get("spansAccepted").asLong()).isEqualTo(2);
            assertThat(ingested.get("spansBuffered").asLong()).isEqualTo(2);
            assertThat(ingested.get("walBytes").asLong()).isGreaterThan(empty.get("walBytes").asLong());
            assertThat(ingested.get("walFsyncs").asLong()).isGreaterThan(empty.get("walFsyncs").asLong());
            assertThat(ingested.get("files").asLong()).isZero();

            fresh.flush();
            JsonNode flushed = fresh.health();

            assertThat(flushed.get("spansBuffered").asLong()).isZero();
            assertThat(flushed.get("files").asLong()).isEqualTo(1);
            assertThat(flushed.get("filesWritten").asLong()).isEqualTo(1);
            assertThat(flushed.get("parquetBytesWritten").asLong()).isPositive();
            assertThat(flushed.get("lastFlush").isTextual()).isTrue();
            assertThat(flushed.get("flushFailures").asLong()).isZero();
        }
    }
}
