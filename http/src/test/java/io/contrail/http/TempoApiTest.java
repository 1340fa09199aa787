package io.contrail.http;

import static io.contrail.http.OtlpSpans.attribute;
import static io.contrail.http.OtlpSpans.hex;
import static io.contrail.http.OtlpSpans.span;
import static io.contrail.http.OtlpSpans.spanId;
import static io.contrail.http.OtlpSpans.traceId;
import static io.contrail.http.OtlpSpans.unixNanos;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tempo's HTTP API under {@code /tempo}, driven with the requests Grafana's Tempo data source sends when its URL is
 * {@code http://host:port/tempo} (grafana/grafana {@code pkg/tsdb/tempo/trace.go} for traces,
 * {@code public/app/plugins/datasource/tempo/datasource.ts} for search, {@code language_provider.ts} for tags),
 * and read the way it reads them: the protobuf trace with OTLP's own classes, JSON field by field against
 * grafana/tempo {@code pkg/tempopb/tempo.proto}.
 *
 * <p>Three traces of the default tenant: a checkout whose payment failed (two services, typed attributes, a
 * resource attribute, an event, a link), a cart view a minute later, and a health check two minutes later under a
 * 64-bit trace ID; and one trace of tenant {@code team-a}, sent with {@code X-Scope-OrgID} as Grafana sends it.
 */
class TempoApiTest {

    @RegisterExtension
    static final RunningServer server = RunningServer.withDefaults();

    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    /** Grafana's time range as Tempo takes it: Unix seconds ({@code options.range.from.unix()}). */
    private static final String RANGE = "start=" + T0.minusSeconds(60).getEpochSecond() + "&end="
            + T0.plusSeconds(600).getEpochSecond();
    private static final String CHECKOUT = traceId(1);
    private static final String CART = traceId(2);
    /** A 64-bit trace ID; Tempo writes it without the leading zeros. */
    private static final String HEALTH = "0000000000000000" + spanId(0x77);
    private static final String TEAM_A = traceId(3);
    private static final String TEAM_A_SERVICE = "team-a-only";

    // Field names of grafana/tempo pkg/tempopb/tempo.proto, as jsonpb writes them.
    private static final Set<String> SEARCH_RESPONSE_FIELDS = Set.of("traces", "metrics");
    private static final Set<String> TRACE_SEARCH_METADATA_FIELDS = Set.of("traceID", "rootServiceName",
            "rootTraceName", "startTimeUnixNano", "durationMs", "spanSet", "spanSets", "serviceStats");
    private static final Set<String> SPAN_FIELDS = Set.of("spanID", "name", "startTimeUnixNano", "durationNanos",
            "attributes");
    private static final Set<String> BUILD_INFO_FIELDS = Set.of("version", "revision", "branch", "buildUser",
            "buildDate", "goVersion");

    @BeforeAll
    static void storeTraces() {
        Span.Builder checkout = span(CHECKOUT, spanId(1), "POST /checkout", Span.SpanKind.SPAN_KIND_SERVER, T0,
                Duration.ofMillis(120))
                .addAttributes(attribute("http.method", "POST"))
                .addAttributes(integer("http.status_code", 500));
        Span.Builder charge = span(CHECKOUT, spanId(2), "charge", Span.SpanKind.SPAN_KIND_CLIENT, T0.plusMillis(10),
                Duration.ofMillis(80))
                .setParentSpanId(hex(spanId(1)))
                .addAttributes(attribute("payment.method", "visa"))
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("card declined"))
                .addEvents(Span.Event.newBuilder().setName("retry").setTimeUnixNano(unixNanos(T0.plusMillis(50)))
                        .addAttributes(integer("attempt", 2)))
                .addLinks(Span.Link.newBuilder().setTraceId(hex(CART)).setSpanId(hex(spanId(3))));
        Span.Builder cart = span(CART, spanId(3), "GET /cart", Span.SpanKind.SPAN_KIND_SERVER, T0.plusSeconds(60),
                Duration.ofMillis(30))
                .addAttributes(attribute("http.method", "GET"))
                .addAttributes(integer("http.status_code", 200));
        Span.Builder health = span(HEALTH, spanId(4), "GET /health", Span.SpanKind.SPAN_KIND_SERVER,
                T0.plusSeconds(120), Duration.ofMillis(1));
        export(null, resourceSpans("checkout", checkout, cart, health), resourceSpans("payment", charge));
        export("team-a", resourceSpans(TEAM_A_SERVICE, span(TEAM_A, spanId(5), "GET /a", Span.SpanKind.SPAN_KIND_SERVER,
                T0.plusSeconds(30), Duration.ofMillis(5))));
        server.flush();
        server.flush("team-a");
    }

    private static KeyValue integer(String key, long value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
    }

    /** One service's spans, with a resource attribute besides {@code service.name}. */
    private static ResourceSpans resourceSpans(String service, Span.Builder... spans) {
        ScopeSpans.Builder scope = ScopeSpans.newBuilder()
                .setScope(InstrumentationScope.newBuilder().setName("io.contrail.shop").setVersion("1.0.0"));
        for (Span.Builder span : spans) {
            scope.addSpans(span);
        }
        return ResourceSpans.newBuilder().setResource(Resource.newBuilder()
                        .addAttributes(attribute("service.name", service))
                        .addAttributes(attribute("deployment.environment", "prod")))
                .addScopeSpans(scope).build();
    }

    private static void export(String tenant, ResourceSpans... resources) {
        ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
        for (ResourceSpans resource : resources) {
            request.addResourceSpans(resource);
        }
        HttpResponse<byte[]> response = tenant == null
                ? server.post("/v1/traces", request.build().toByteArray(), "Content-Type", OtlpSpans.PROTOBUF)
                : server.post("/v1/traces", request.build().toByteArray(), "Content-Type", OtlpSpans.PROTOBUF,
                Tenants.HEADER, tenant);
        assertThat(response.statusCode()).as(RunningServer.text(response)).isEqualTo(200);
    }

    private static HttpResponse<byte[]> get(String pathAndQuery, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(pathAndQuery)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return server.send(request);
    }

    // ---- status: Grafana's "Save & test" (datasource.ts testDatasource) and the version it decides features by

    @Test
    void echoAnswersAsTempoDoesForGrafanasSaveAndTest() {
        HttpResponse<byte[]> echo = get("/tempo/api/echo");
        assertThat(echo.statusCode()).isEqualTo(200);
        assertThat(RunningServer.text(echo)).isEqualTo("echo\n");
    }

    @Test
    void buildInfoHasTempoFieldsAndAVersionGrafanaDoesNotStreamFrom() {
        JsonNode info = server.getJson("/tempo/api/status/buildinfo");
        assertThat(names(info)).isEqualTo(BUILD_INFO_FIELDS);
        // datasource.ts featuresToTempoVersion: gRPC streaming from 2.2.0, which Contrail does not serve.
        assertThat(info.get("version").asText()).isEqualTo("2.1.0");
        assertThat(info.get("revision").asText()).startsWith("contrail-");
    }

    // ---- trace by ID: pkg/tsdb/tempo/trace.go asks /api/v2/traces/{id}?start=&end= with Accept: application/protobuf

    @Test
    void aTraceByIdV2InProtobufIsTempoTraceByIdResponseHoldingTheWholeTrace() throws IOException {
        HttpResponse<byte[]> response = get("/tempo/api/v2/traces/" + CHECKOUT + "?" + RANGE,
                "Accept", "application/protobuf");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/protobuf"));

        Map<Integer, ByteString> fields = fields(response.body());
        assertThat(fields.keySet()).as("trace = 1 only: status COMPLETE (0) and no message are not written")
                .containsExactly(1);
        TracesData trace = TracesData.parseFrom(fields.get(1));

        assertThat(trace.getResourceSpansCount()).isEqualTo(2);
        Map<String, Span> spans = new HashMap<>();
        for (ResourceSpans resource : trace.getResourceSpansList()) {
            assertThat(attributes(resource.getResource().getAttributesList()))
                    .containsEntry("deployment.environment", AnyValue.newBuilder().setStringValue("prod").build());
            String service = attributes(resource.getResource().getAttributesList()).get("service.name").getStringValue();
            for (ScopeSpans scope : resource.getScopeSpansList()) {
                assertThat(scope.getScope().getName()).isEqualTo("io.contrail.shop");
                assertThat(scope.getScope().getVersion()).isEqualTo("1.0.0");
                scope.getSpansList().forEach(span -> spans.put(service + " " + span.getName(), span));
            }
        }
        assertThat(spans.keySet()).containsExactlyInAnyOrder("checkout POST /checkout", "payment charge");

        Span root = spans.get("checkout POST /checkout");
        assertThat(root.getTraceId()).isEqualTo(hex(CHECKOUT));
        assertThat(root.getSpanId()).isEqualTo(hex(spanId(1)));
        assertThat(root.getParentSpanId()).isEmpty();
        assertThat(root.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
        assertThat(root.getStartTimeUnixNano()).isEqualTo(unixNanos(T0));
        assertThat(root.getEndTimeUnixNano()).isEqualTo(unixNanos(T0.plusMillis(120)));
        assertThat(attributes(root.getAttributesList())).containsEntry("http.status_code",
                AnyValue.newBuilder().setIntValue(500).build());
        assertThat(root.hasStatus()).as("unset, as it was sent").isFalse();

        Span charge = spans.get("payment charge");
        assertThat(charge.getParentSpanId()).isEqualTo(hex(spanId(1)));
        assertThat(charge.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
        assertThat(charge.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
        assertThat(charge.getStatus().getMessage()).isEqualTo("card declined");
        assertThat(charge.getEventsList()).hasSize(1);
        assertThat(charge.getEvents(0).getName()).isEqualTo("retry");
        assertThat(charge.getEvents(0).getTimeUnixNano()).isEqualTo(unixNanos(T0.plusMillis(50)));
        assertThat(attributes(charge.getEvents(0).getAttributesList())).containsEntry("attempt",
                AnyValue.newBuilder().setIntValue(2).build());
        assertThat(charge.getLinksList()).hasSize(1);
        assertThat(charge.getLinks(0).getTraceId()).isEqualTo(hex(CART));
        assertThat(charge.getLinks(0).getSpanId()).isEqualTo(hex(spanId(3)));
    }

    @Test
    void aTraceByIdV1InProtobufIsTempoTraceWhichOtlpTracesDataReads() throws IOException {
        // trace.go falls back to /api/traces/{id} when v2 answers 404 (an older Tempo); the body is tempopb.Trace.
        HttpResponse<byte[]> response = get("/tempo/api/traces/" + CART + "?" + RANGE, "Accept", "application/protobuf");
        assertThat(response.statusCode()).isEqualTo(200);
        TracesData trace = TracesData.parseFrom(response.body());
        assertThat(trace.getResourceSpansCount()).isEqualTo(1);
        Span cart = trace.getResourceSpans(0).getScopeSpans(0).getSpans(0);
        assertThat(cart.getName()).isEqualTo("GET /cart");
        assertThat(cart.getTraceId()).isEqualTo(hex(CART));
    }

    @Test
    void aTraceByIdInJsonIsBatchesForV1AndTraceResourceSpansForV2() {
        // Tempo's JSON, what curl and Tempo's own client read; Grafana's trace upload (datasource.ts) reads batches.
        JsonNode v1 = server.getJson("/tempo/api/traces/" + CHECKOUT);
        assertThat(names(v1)).isEqualTo(Set.of("batches"));
        assertThat(v1.get("batches")).hasSize(2);
        JsonNode span = v1.get("batches").get(0).get("scopeSpans").get(0).get("spans").get(0);
        // jsonpb: bytes in base64, fixed64 as a string, enums by name.
        assertThat(span.get("traceId").asText()).isEqualTo(Base64.getEncoder().encodeToString(hex(CHECKOUT).toByteArray()));
        assertThat(span.get("startTimeUnixNano").isTextual()).isTrue();
        assertThat(span.get("startTimeUnixNano").asText()).isEqualTo(Long.toString(unixNanos(T0)));
        assertThat(span.get("kind").asText()).isEqualTo("SPAN_KIND_SERVER");

        JsonNode v2 = server.getJson("/tempo/api/v2/traces/" + CHECKOUT);
        assertThat(names(v2)).as("status COMPLETE is the default value, left out").isEqualTo(Set.of("trace"));
        assertThat(names(v2.get("trace"))).isEqualTo(Set.of("resourceSpans"));
        assertThat(v2.get("trace").get("resourceSpans")).hasSize(2);
    }

    @Test
    void aTraceIdIsReadAsTempoReadsOneShortAndInAnyCase() {
        String shortForm = HEALTH.replaceFirst("^0+", "");
        assertThat(get("/tempo/api/v2/traces/" + shortForm.toUpperCase()).statusCode()).isEqualTo(200);
    }

    @Test
    void anUnknownTraceIs404WithAnEmptyBodyOnBothVersions() {
        for (String path : List.of("/tempo/api/traces/", "/tempo/api/v2/traces/")) {
            HttpResponse<byte[]> response = get(path + traceId(999), "Accept", "application/protobuf");
            assertThat(response.statusCode()).as(path).isEqualTo(404);
            assertThat(response.body()).as(path).isEmpty();
        }
    }

    @Test
    void aBadTraceIdOrRangeIs400SayingWhy() {
        assertBadRequest("/tempo/api/v2/traces/xyz", "trace IDs can only contain hex characters: invalid character 'x'");
        assertBadRequest("/tempo/api/traces/" + "a".repeat(33), "trace IDs can't be larger than 128 bits");
        assertBadRequest("/tempo/api/v2/traces/" + CHECKOUT + "?start=20&end=10", "start must be before end");
        assertBadRequest("/tempo/api/v2/traces/" + CHECKOUT + "?start=soon", "invalid start");
        assertBadRequest("/tempo/api/v2/traces/" + CHECKOUT + "?q=" + RunningServer.urlEncode("{ span.a = 1 }"),
                "a trace by ID filtered by TraceQL is not supported yet");
        assertThat(get("/tempo/api/v2/traces/" + CHECKOUT + "?q=%7B%7D").statusCode()).as("every span: the whole trace")
                .isEqualTo(200);
    }

    // ---- search: datasource.ts handleTraceQlQuery sends q, limit, spss, start, end; the legacy editor tags=

    @Test
    void aSearchForEverySpanAnswersTempoSearchResponseNewestFirst() {
        // The TraceQL search editor with no filters: generateQueryFromFilters gives {}.
        JsonNode response = server.getJson("/tempo/api/search?q=" + RunningServer.urlEncode("{}")
                + "&limit=20&spss=3&" + RANGE);
        assertThat(SEARCH_RESPONSE_FIELDS).containsAll(names(response));
        List<String> ids = new ArrayList<>();
        for (JsonNode trace : response.get("traces")) {
            assertThat(TRACE_SEARCH_METADATA_FIELDS).containsAll(names(trace));
            ids.add(trace.get("traceID").asText());
            assertThat(trace.get("startTimeUnixNano").isTextual()).as("uint64 in jsonpb").isTrue();
            assertThat(trace.get("spanSet")).as("the deprecated form, still read by older Grafana")
                    .isEqualTo(trace.get("spanSets").get(0));
        }
        assertThat(ids).containsExactly(HEALTH.replaceFirst("^0+", ""), CART.replaceFirst("^0+", ""),
                CHECKOUT.replaceFirst("^0+", ""));

        JsonNode checkout = response.get("traces").get(2);
        assertThat(checkout.get("rootServiceName").asText()).isEqualTo("checkout");
        assertThat(checkout.get("rootTraceName").asText()).isEqualTo("POST /checkout");
        assertThat(checkout.get("startTimeUnixNano").asText()).isEqualTo(Long.toString(unixNanos(T0)));
        assertThat(checkout.get("durationMs").asLong()).isEqualTo(120);
        assertThat(checkout.get("serviceStats").toString()).as("jsonpb leaves an error count of 0 out")
                .isEqualTo("{\"checkout\":{\"spanCount\":1},\"payment\":{\"spanCount\":1,\"errorCount\":1}}");
        JsonNode spanSet = checkout.get("spanSets").get(0);
        assertThat(spanSet.get("matched").asLong()).isEqualTo(2);
        assertThat(spanSet.get("spans")).hasSize(2);
        JsonNode first = spanSet.get("spans").get(0);
        assertThat(SPAN_FIELDS).containsAll(names(first));
        assertThat(first.get("spanID").asText()).isEqualTo(spanId(1));
        assertThat(first.get("name").asText()).isEqualTo("POST /checkout");
        assertThat(first.get("startTimeUnixNano").asText()).isEqualTo(Long.toString(unixNanos(T0)));
        assertThat(first.get("durationNanos").asText()).isEqualTo(Long.toString(Duration.ofMillis(120).toNanos()));

        assertThat(response.get("traces").get(0).has("durationMs")).as("1 ms").isTrue();
        JsonNode limited = server.getJson("/tempo/api/search?q=%7B%7D&limit=1&spss=1&" + RANGE);
        assertThat(limited.get("traces")).hasSize(1);
        assertThat(limited.get("traces").get(0).get("spanSets").get(0).get("spans")).hasSize(1);
    }

    @Test
    void aSearchWithTheQueryUnencodedAsGrafanasBackendSendsItIsAnswered() throws IOException {
        // pkg/tsdb/tempo/search.go createSearchRequest writes q=%s with the query as typed: {} unencoded, which
        // java.net.URI refuses to send, so the request line goes over a socket as Go's client writes it.
        try (Socket socket = new Socket("127.0.0.1", server.server().port())) {
            socket.getOutputStream().write(("GET /tempo/api/search?q={}&limit=20&spss=3&" + RANGE + " HTTP/1.1\r\n"
                    + "Host: 127.0.0.1\r\nAccept: application/json\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(response).startsWith("HTTP/1.1 200");
            JsonNode body = RunningServer.JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
            assertThat(body.get("traces")).hasSize(3);
        }
    }

    @Test
    void aSearchWithTagsMatchesSpansByServiceNameAttributeAndDuration() {
        // The legacy search editor's request (datasource.ts buildSearchQuery): tags in logfmt, Go durations.
        JsonNode payment = server.getJson("/tempo/api/search?tags=" + RunningServer.urlEncode("service.name=\"payment\"")
                + "&minDuration=50ms&limit=20&" + RANGE);
        assertThat(payment.get("traces")).hasSize(1);
        JsonNode hit = payment.get("traces").get(0);
        assertThat(hit.get("traceID").asText()).isEqualTo(CHECKOUT.replaceFirst("^0+", ""));
        assertThat(hit.get("rootServiceName").asText()).as("the trace's root, not the matching span")
                .isEqualTo("checkout");
        JsonNode spanSet = hit.get("spanSets").get(0);
        assertThat(spanSet.get("matched").asLong()).isEqualTo(1);
        assertThat(spanSet.get("spans").get(0).get("name").asText()).isEqualTo("charge");
        assertThat(spanSet.get("spans").get(0).get("attributes").get(0).get("key").asText()).isEqualTo("service.name");

        assertThat(searchIds("tags=" + RunningServer.urlEncode("http.status_code=200"))).containsExactly(
                CART.replaceFirst("^0+", ""));
        assertThat(searchIds("tags=" + RunningServer.urlEncode("name=\"GET /cart\""))).containsExactly(
                CART.replaceFirst("^0+", ""));
        assertThat(searchIds("tags=" + RunningServer.urlEncode("status.code=error"))).containsExactly(
                CHECKOUT.replaceFirst("^0+", ""));
        assertThat(searchIds("tags=" + RunningServer.urlEncode("service.name=payment") + "&minDuration=90ms")).isEmpty();
        assertThat(searchIds("tags=" + RunningServer.urlEncode("service.name=checkout") + "&maxDuration=2ms"))
                .containsExactly(HEALTH.replaceFirst("^0+", ""));
    }

    private static List<String> searchIds(String query) {
        List<String> ids = new ArrayList<>();
        server.getJson("/tempo/api/search?" + query + "&" + RANGE).get("traces")
                .forEach(trace -> ids.add(trace.get("traceID").asText()));
        return ids;
    }

    @Test
    void aTraceQlSearchAnswersTheTracesWithTheSpansThatMatch() {
        // datasource.ts handleTraceQlQuery: q as typed in the TraceQL editor, limit, spss, start, end.
        JsonNode errors = server.getJson("/tempo/api/search?q=" + RunningServer.urlEncode(
                "{ resource.service.name = \"payment\" && status = error } | select(span.payment.method)")
                + "&limit=20&spss=3&" + RANGE);
        assertThat(errors.get("traces")).hasSize(1);
        JsonNode hit = errors.get("traces").get(0);
        assertThat(hit.get("traceID").asText()).isEqualTo(CHECKOUT.replaceFirst("^0+", ""));
        assertThat(hit.get("rootServiceName").asText()).isEqualTo("checkout");
        assertThat(hit.get("rootTraceName").asText()).isEqualTo("POST /checkout");
        assertThat(hit.get("durationMs").asLong()).isEqualTo(120);
        JsonNode spanSet = hit.get("spanSets").get(0);
        assertThat(hit.get("spanSet")).as("the deprecated single form, for older Grafana").isEqualTo(spanSet);
        assertThat(spanSet.get("matched").asLong()).isEqualTo(1);
        JsonNode charge = spanSet.get("spans").get(0);
        assertThat(charge.get("spanID").asText()).isEqualTo(spanId(2));
        assertThat(charge.get("name").asText()).isEqualTo("charge");
        assertThat(charge.get("attributes").findValuesAsText("key")).contains("payment.method");
        assertThat(charge.get("attributes").findValuesAsText("stringValue")).contains("visa");

        assertThat(searchIds("q=" + RunningServer.urlEncode("{ span.http.status_code >= 200 && duration < 50ms }")))
                .containsExactly(CART.replaceFirst("^0+", ""));
        assertThat(searchIds("q=" + RunningServer.urlEncode("{ kind = server } >> { status = error }")))
                .containsExactly(CHECKOUT.replaceFirst("^0+", ""));
        assertThat(searchIds("q=" + RunningServer.urlEncode("{ name =~ \"GET .*\" } | count() > 0")))
                .containsExactlyInAnyOrder(CART.replaceFirst("^0+", ""), HEALTH.replaceFirst("^0+", ""));
    }

    @Test
    void aTraceQlQueryContrailCannotRunIs400WithTheCompilersMessage() {
        HttpResponse<byte[]> syntax = get("/tempo/api/search?q=" + RunningServer.urlEncode("{ span.a = }") + "&" + RANGE);
        assertThat(syntax.statusCode()).isEqualTo(400);
        assertThat(syntax.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain"));
        assertThat(RunningServer.text(syntax)).contains("parse error at line 1, col");
        assertBadRequest("/tempo/api/search?q=" + RunningServer.urlEncode("{ event:name = \"retry\" }") + "&" + RANGE,
                "event:name");
        assertBadRequest("/tempo/api/search?q=" + RunningServer.urlEncode("{ name =~ \"[\" }") + "&" + RANGE,
                "missing ]");
        assertBadRequest("/tempo/api/search?q=" + RunningServer.urlEncode("{ span.a = 1 }") + "&minDuration=1s&" + RANGE,
                "minDuration and maxDuration go with tags, not q");
    }

    // ---- TraceQL metrics: Grafana's backend (pkg/tsdb/tempo/traceql_query.go createMetricsQuery) sends q, start and
    // end in Unix seconds, step as the panel has it, exemplars; it reads the answer with jsonpb
    // (traceql/metrics.go TransformMetricsResponse, TransformInstantMetricsResponse).

    @Test
    void aMetricsRangeQueryAnswersTempoQueryRangeResponseWithRightClosedIntervals() {
        JsonNode response = server.getJson("/tempo/api/metrics/query_range?q=" + RunningServer.urlEncode(
                "{ } | rate() by (resource.service.name)") + "&" + RANGE + "&step=60s&exemplars=100");
        assertThat(names(response)).isEqualTo(Set.of("series", "metrics"));
        JsonNode series = response.get("series");
        // checkout's three spans outweigh payment's one; team-a's spans are another tenant's.
        assertThat(series).hasSize(2);
        JsonNode checkout = series.get(0);
        assertThat(names(checkout)).isEqualTo(Set.of("labels", "samples"));
        assertThat(checkout.get("labels").toString())
                .isEqualTo("[{\"key\":\"resource.service.name\",\"value\":{\"stringValue\":\"checkout\"}}]");
        assertThat(series.get(1).get("labels").get(0).get("value").get("stringValue").asText()).isEqualTo("payment");
        // AlignRequest: from a step before start (T0 - 120 s) to end (T0 + 600 s), twelve 60-s intervals, each
        // stamped with its end; a span at exactly T0 is in the interval ending at T0.
        JsonNode samples = checkout.get("samples");
        assertThat(samples).hasSize(12);
        assertThat(names(samples.get(0))).isEqualTo(Set.of("timestampMs", "value"));
        long t0 = T0.toEpochMilli();
        Map<Long, Double> rate = new java.util.TreeMap<>();
        samples.forEach(sample -> rate.put(Long.parseLong(sample.get("timestampMs").asText()),
                sample.get("value").asDouble()));
        assertThat(rate.keySet()).startsWith(t0 - 60_000, t0, t0 + 60_000);
        assertThat(rate.get(t0)).isCloseTo(1 / 60.0, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(rate.get(t0 + 60_000)).isCloseTo(1 / 60.0, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(rate.get(t0 - 60_000)).isZero();
        assertThat(samples.get(2).get("timestampMs").isTextual()).as("int64 as jsonpb writes it").isTrue();
    }

    @Test
    void anInstantMetricsQueryAnswersOneTypedValuePerSeries() {
        JsonNode errors = server.getJson("/tempo/api/metrics/query?q=" + RunningServer.urlEncode(
                "{ status = error } | count_over_time()") + "&" + RANGE);
        assertThat(errors.get("series").toString()).isEqualTo("[{\"labels\":[{\"key\":\"__name__\",\"value\":"
                + "{\"stringValue\":\"count_over_time\"}}],\"value\":1.0}]");
        JsonNode quantiles = server.getJson("/tempo/api/metrics/query?q=" + RunningServer.urlEncode(
                "{ kind = server } | quantile_over_time(duration, 0.5) by (span.http.status_code)") + "&" + RANGE);
        Map<String, Double> byLabels = new HashMap<>();
        quantiles.get("series").forEach(s -> byLabels.put(s.get("labels").toString(), s.get("value").asDouble()));
        // http.status_code is an int: an intValue (int64, a string); p a doubleValue; the health check has none, and
        // with a p label no "nil" is forced (labelsFor).
        assertThat(byLabels).containsOnlyKeys(
                "[{\"key\":\"span.http.status_code\",\"value\":{\"intValue\":\"500\"}},{\"key\":\"p\",\"value\":{\"doubleValue\":0.5}}]",
                "[{\"key\":\"span.http.status_code\",\"value\":{\"intValue\":\"200\"}},{\"key\":\"p\",\"value\":{\"doubleValue\":0.5}}]",
                "[{\"key\":\"p\",\"value\":{\"doubleValue\":0.5}}]");
        assertThat(byLabels.values()).containsExactlyInAnyOrder(0.12, 0.03, 0.001);
    }

    @Test
    void metricsCountWhatSampledSpansStandFor() {
        // Kept with probability 1/4 upstream (tracestate ot=th:c): that 7-ms span stands for 4, the 1-ms one for 1.
        export("sampled", resourceSpans("sampled", span(traceId(9), spanId(9), "GET /sampled",
                Span.SpanKind.SPAN_KIND_SERVER, T0, Duration.ofMillis(7)).setTraceState("ot=th:c"),
                span(traceId(10), spanId(10), "GET /kept", Span.SpanKind.SPAN_KIND_SERVER, T0.plusMillis(1),
                        Duration.ofMillis(1))));
        server.flush("sampled");
        Map<String, Double> expected = Map.of(
                "{ } | count_over_time()", 5.0,
                "{ } | sum_over_time(duration)", 4 * 0.007 + 0.001,
                "{ } | avg_over_time(duration)", (4 * 0.007 + 0.001) / 5,
                // Cumulative weights in duration order: 1 ms → 1, 7 ms → 5; half of 5 is reached at 7 ms (unweighted: 1 ms).
                "{ } | quantile_over_time(duration, 0.5)", 0.007);
        expected.forEach((query, value) -> {
            HttpResponse<byte[]> response = get("/tempo/api/metrics/query?q=" + RunningServer.urlEncode(query) + "&"
                    + RANGE, Tenants.HEADER, "sampled");
            assertThat(response.statusCode()).as(RunningServer.text(response)).isEqualTo(200);
            assertThat(RunningServer.json(response).get("series").get(0).get("value").asDouble()).as(query)
                    .isCloseTo(value, org.assertj.core.api.Assertions.within(1e-12));
        });
    }

    @Test
    void badMetricsRequestsAre400SayingWhy() {
        String range = "/tempo/api/metrics/query_range?";
        String rate = "q=" + RunningServer.urlEncode("{} | rate()");
        assertBadRequest(range + RANGE, "q, a TraceQL metrics query, is required");
        assertBadRequest(range + "q=" + RunningServer.urlEncode("{ status = error }") + "&" + RANGE,
                "not a TraceQL metrics query");
        assertBadRequest(range + rate + "&" + RANGE + "&step=1ms", "step of 1ms is too small, minimum step for given "
                + "range is 66ms");
        assertBadRequest(range + rate + "&start=2000&end=1000", "end must be greater than start");
        // Past 2262 or before 1970, as Tempo reads times (unsigned): a 400, never an overflow.
        assertBadRequest(range + rate + "&start=8000000000000000000&end=9000000000000000000&step=5000000000",
                "end must be greater than start");
        assertBadRequest("/tempo/api/metrics/query?" + rate + "&start=-9000000000000000000&end=9000000000000000000",
                "is before 1970");
        assertBadRequest(range + rate + "&" + RANGE + "&step=-60", "cannot parse \"-60\": step must be positive");
        assertBadRequest(range + rate + "&start=1e300", "could not parse 'start' parameter");
        assertBadRequest(range + rate + "&start=yesterday", "could not parse 'start' parameter");
        assertBadRequest(range + rate + "&since=an%20hour", "could not parse 'since' parameter");
        assertBadRequest(range + rate + "&" + RANGE + "&step=often", "cannot parse \"often\" to a valid duration");
        assertBadRequest(range + "q=" + RunningServer.urlEncode("({} | rate()) * 100") + "&" + RANGE,
                "not arithmetic on series) is not supported");
        assertBadRequest("/tempo/api/search?q=" + RunningServer.urlEncode("{} | rate()") + "&" + RANGE,
                "metrics query (rate())");
    }

    @Test
    void badSearchParametersAre400NamingTheParameter() {
        String search = "/tempo/api/search?";
        assertBadRequest(search + "limit=0", "invalid limit: must be a positive number");
        assertBadRequest(search + "limit=ten", "invalid limit");
        assertBadRequest(search + "limit=1001", "invalid limit");
        assertBadRequest(search + "spss=101&" + RANGE, "invalid spss");
        assertBadRequest(search + "start=yesterday&end=10", "invalid start");
        assertBadRequest(search + "start=20&end=10", "http parameter start must be before end. received start=20 end=10");
        assertBadRequest(search + "minDuration=5x&" + RANGE, "invalid minDuration: time: invalid duration \"5x\"");
        assertBadRequest(search + "minDuration=2s&maxDuration=1s&" + RANGE, "invalid maxDuration");
        assertBadRequest(search + "q=%7B%7D&tags=a%3Db&" + RANGE, "can't specify tags and q in the same query");
        assertBadRequest(search + "tags=" + RunningServer.urlEncode("a=\"unterminated") + "&" + RANGE,
                "invalid tags: unterminated quoted value");
        assertBadRequest(search + "tags=" + RunningServer.urlEncode("a=1 a=2") + "&" + RANGE,
                "invalid tags: tag a has been set twice");
        assertBadRequest(search + "tags=" + RunningServer.urlEncode("status.code=broken") + "&" + RANGE, "invalid tags");
    }

    // ---- tags: language_provider.ts fetchTags asks v2 first, then v1; getOptionsV2 / getOptionsV1 the values

    @Test
    void tagsV2ListSpanResourceAndIntrinsicScopes() {
        JsonNode response = server.getJson("/tempo/api/v2/search/tags?" + RANGE);
        assertThat(names(response)).isEqualTo(Set.of("scopes"));
        Map<String, Set<String>> scopes = scopes(response);
        assertThat(scopes.keySet()).containsExactlyInAnyOrder("span", "resource", "intrinsic");
        assertThat(scopes.get("span")).contains("http.method", "http.status_code", "payment.method");
        assertThat(scopes.get("resource")).contains("service.name", "deployment.environment");
        assertThat(scopes.get("intrinsic")).contains("name", "status", "kind", "duration", "rootServiceName");

        assertThat(scopes(server.getJson("/tempo/api/v2/search/tags?scope=span")).keySet()).containsExactly("span");
        assertThat(scopes(server.getJson("/tempo/api/v2/search/tags?scope=intrinsic")).keySet())
                .containsExactly("intrinsic");
        assertBadRequest("/tempo/api/v2/search/tags?scope=spans", "invalid scope: spans");
    }

    @Test
    void tagsV2WithATraceQlQueryAreThoseOfTheSpansItMatches() {
        // Tempo's /api/v2/search/tags takes q, the query being written, and answers the tags of the spans it matches.
        Map<String, Set<String>> payment = scopes(server.getJson("/tempo/api/v2/search/tags?" + RANGE + "&q="
                + RunningServer.urlEncode("{ resource.service.name = \"payment\" }")));
        assertThat(payment.get("span")).containsExactly("payment.method");
        assertThat(payment.get("resource")).containsExactlyInAnyOrder("service.name", "deployment.environment");
        assertThat(payment.get("intrinsic")).contains("name", "status");
        assertThat(scopes(server.getJson("/tempo/api/v2/search/tags?" + RANGE + "&q="
                + RunningServer.urlEncode("{ span.http.status_code = 200 }"))).get("span"))
                .containsExactlyInAnyOrder("http.method", "http.status_code");
        assertThat(scopes(server.getJson("/tempo/api/v2/search/tags?" + RANGE + "&q="
                + RunningServer.urlEncode("{span.a=\"b\"}"))).keySet()).as("no span matches: the intrinsics only")
                .containsExactly("intrinsic");
        Map<String, Set<String>> all = scopes(server.getJson("/tempo/api/v2/search/tags?" + RANGE));
        assertThat(scopes(server.getJson("/tempo/api/v2/search/tags?" + RANGE + "&q="
                + RunningServer.urlEncode("{ span.http.method = ")))).as("a query still being typed narrows nothing")
                .isEqualTo(all);
        assertThat(scopes(server.getJson("/tempo/api/v2/search/tags?start=" + T0.plusSeconds(3600).getEpochSecond()
                + "&end=" + T0.plusSeconds(7200).getEpochSecond() + "&q=" + RunningServer.urlEncode("{ kind = server }")))
                .keySet()).as("no span in the window").containsExactly("intrinsic");
    }

    @Test
    void tagsV1AreAttributeNamesWithoutScope() {
        JsonNode response = server.getJson("/tempo/api/search/tags");
        assertThat(names(response)).isEqualTo(Set.of("tagNames"));
        List<String> names = new ArrayList<>();
        response.get("tagNames").forEach(name -> names.add(name.asText()));
        assertThat(names).contains("http.method", "service.name", "deployment.environment").doesNotHaveDuplicates();
    }

    @Test
    void tagValuesV2AreTypedAsTempoTypesThem() {
        assertThat(tagValues("span.http.method")).containsExactly("string GET", "string POST");
        assertThat(tagValues("span.http.status_code")).containsExactly("int 200", "int 500");
        assertThat(tagValues(".http.method")).containsExactly("string GET", "string POST");
        assertThat(tagValues("resource.service.name")).containsExactly("string checkout", "string payment");
        assertThat(tagValues("resource.deployment.environment")).containsExactly("string prod");
        assertThat(tagValues("name")).containsExactly("string GET /cart", "string GET /health",
                "string POST /checkout", "string charge");
        assertThat(tagValues("status")).containsExactly("keyword error", "keyword unset");
        assertThat(tagValues("kind")).containsExactly("keyword client", "keyword server");
        assertThat(tagValues("rootServiceName")).containsExactly("string checkout");
        assertThat(tagValues("span.no.such.key")).isEmpty();
        assertThat(tagValues("duration")).as("an intrinsic without listed values").isEmpty();
        assertThat(tagValues("span.http.method", "&limit=1")).containsExactly("string GET");
        JsonNode sinceStart = server.getJson("/tempo/api/v2/search/tag/resource.service.name/values?start="
                + T0.minusSeconds(60).getEpochSecond());
        assertThat(sinceStart.get("tagValues")).as("from start until now").hasSize(2);
        assertBadRequest("/tempo/api/v2/search/tag/method/values", "please provide a valid tagName");
        assertBadRequest("/tempo/api/v2/search/tag/name/values?start=now", "invalid start");
    }

    @Test
    void tagValuesV2WithATraceQlQueryAreThoseOfTheSpansItMatches() {
        // language_provider.ts getOptionsV2 sends the query being written as q, to narrow the values offered.
        assertThat(tagValues("name", "&q=" + RunningServer.urlEncode("{ resource.service.name = \"payment\" }")))
                .containsExactly("string charge");
        assertThat(tagValues("span.http.status_code", "&q=" + RunningServer.urlEncode("{ span.http.method = \"GET\" }")))
                .containsExactly("int 200");
        assertThat(tagValues("resource.service.name", "&q=" + RunningServer.urlEncode("{ kind = client } | rate()")))
                .as("a metrics query narrows nothing").containsExactly("string checkout", "string payment");
        assertThat(tagValues("resource.service.name", "&q=" + RunningServer.urlEncode("{ span.http.method = ")))
                .as("an unfinished query, as Grafana sends it while it is typed, narrows nothing")
                .containsExactly("string checkout", "string payment");
    }

    @Test
    void tagValuesV1AreTextsOfTheUnscopedAttribute() {
        JsonNode response = server.getJson("/tempo/api/search/tag/http.method/values?" + RANGE);
        assertThat(names(response)).isEqualTo(Set.of("tagValues"));
        assertThat(response.get("tagValues").toString()).isEqualTo("[\"GET\",\"POST\"]");
        assertThat(server.getJson("/tempo/api/search/tag/service.name/values?" + RANGE).get("tagValues").toString())
                .isEqualTo("[\"checkout\",\"payment\"]");
    }

    private static List<String> tagValues(String tag) {
        return tagValues(tag, "");
    }

    /** {@code type value} of each value; Grafana encodes the tag twice, its proxy decodes once (getOptionsV2). */
    private static List<String> tagValues(String tag, String extra) {
        JsonNode response = server.getJson("/tempo/api/v2/search/tag/" + RunningServer.urlEncode(tag) + "/values?"
                + RANGE + extra);
        assertThat(names(response)).isEqualTo(Set.of("tagValues"));
        List<String> values = new ArrayList<>();
        for (JsonNode value : response.get("tagValues")) {
            assertThat(names(value)).isEqualTo(Set.of("type", "value"));
            values.add(value.get("type").asText() + " " + value.get("value").asText());
        }
        return values;
    }

    // ---- tenants: Grafana's Tempo data source sends X-Scope-OrgID when its tenant is set

    @Test
    void eachTenantSeesOnlyItsOwnTracesThroughTheTempoRoutes() {
        String[] teamA = {Tenants.HEADER, "team-a"};
        JsonNode teamASearch = RunningServer.json(get("/tempo/api/search?q=%7B%7D&" + RANGE, teamA));
        assertThat(teamASearch.get("traces")).hasSize(1);
        assertThat(teamASearch.get("traces").get(0).get("rootServiceName").asText()).isEqualTo(TEAM_A_SERVICE);
        assertThat(get("/tempo/api/v2/traces/" + TEAM_A, teamA).statusCode()).isEqualTo(200);
        assertThat(get("/tempo/api/v2/traces/" + CHECKOUT, teamA).statusCode()).isEqualTo(404);
        assertThat(RunningServer.text(get("/tempo/api/v2/search/tag/resource.service.name/values?" + RANGE, teamA)))
                .contains(TEAM_A_SERVICE).doesNotContain("checkout");

        assertThat(get("/tempo/api/v2/traces/" + TEAM_A).statusCode()).isEqualTo(404);
        assertThat(RunningServer.text(get("/tempo/api/search?q=%7B%7D&" + RANGE))).doesNotContain(TEAM_A_SERVICE);
        assertThat(RunningServer.text(get("/tempo/api/v2/search/tag/resource.service.name/values?" + RANGE)))
                .doesNotContain(TEAM_A_SERVICE);
    }

    // ---- helpers

    private static void assertBadRequest(String pathAndQuery, String reason) {
        HttpResponse<byte[]> response = get(pathAndQuery);
        assertThat(response.statusCode()).as("GET %s: %s", pathAndQuery, RunningServer.text(response)).isEqualTo(400);
        assertThat(RunningServer.text(response)).as(pathAndQuery).contains(reason);
    }

    private static Set<String> names(JsonNode object) {
        Set<String> names = new TreeSet<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }

    private static Map<String, Set<String>> scopes(JsonNode response) {
        Map<String, Set<String>> scopes = new HashMap<>();
        for (JsonNode scope : response.get("scopes")) {
            assertThat(names(scope)).isEqualTo(Set.of("name", "tags"));
            Set<String> tags = new TreeSet<>();
            scope.get("tags").forEach(tag -> tags.add(tag.asText()));
            scopes.put(scope.get("name").asText(), tags);
        }
        return scopes;
    }

    private static Map<String, AnyValue> attributes(List<KeyValue> keyValues) {
        Map<String, AnyValue> attributes = new HashMap<>();
        keyValues.forEach(kv -> attributes.put(kv.getKey(), kv.getValue()));
        return attributes;
    }

    /**
     * The length-delimited fields of a protobuf message by number: how {@code tempopb.TraceByIDResponse} is read
     * without its generated class ({@code trace = 1}, {@code status = 3}, {@code message = 4}).
     */
    private static Map<Integer, ByteString> fields(byte[] message) {
        Map<Integer, ByteString> fields = new HashMap<>();
        CodedInputStream in = CodedInputStream.newInstance(message);
        try {
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    fields.put(WireFormat.getTagFieldNumber(tag), in.readBytes());
                } else {
                    fields.put(WireFormat.getTagFieldNumber(tag), ByteString.EMPTY);
                    in.skipField(tag);
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("not a protobuf message", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fields;
    }
}
