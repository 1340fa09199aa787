package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span.Event;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import zipkin2.DependencyLink;
import zipkin2.Endpoint;
import zipkin2.Span;
import zipkin2.codec.DependencyLinkBytesDecoder;
import zipkin2.codec.SpanBytesDecoder;
import zipkin2.reporter.AsyncReporter;
import zipkin2.reporter.urlconnection.URLConnectionSender;

/**
 * The Zipkin API at the URLs the README gives: a real zipkin-reporter (URLConnectionSender) posts
 * a checkout trace to {@code /zipkin/api/v2/spans}, and the routes Grafana's Zipkin data source and
 * the Zipkin UI call under {@code /zipkin} read it back, decoded with zipkin2's own decoders.
 */
class ZipkinApiTest {

    @RegisterExtension
    static final RunningServer server = RunningServer.withDefaults();

    static final long START_MICROS = Instant.now().minus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MILLIS)
            .toEpochMilli() * 1_000;
    static final String TRACE_ID = "7180c278b62e8f6a216a2aea45d08fc9";
    static final String OTHER_TRACE_ID = "00000000000000000000000000000bee";
    /** Sent over OTLP by an OpenTelemetry-instrumented service. */
    static final String OTLP_TRACE_ID = OtlpSpans.traceId(0x7a);
    static final Endpoint FRONTEND = Endpoint.newBuilder().serviceName("frontend").ip("10.0.0.1").port(8080).build();
    static final Endpoint PAYMENTS = Endpoint.newBuilder().serviceName("payments").ip("10.0.0.2")
            .ip("2001:db8::c001").port(8443).build();

    static final Span ROOT = Span.newBuilder().traceId(TRACE_ID).id("0000000000000001").name("get /checkout")
            .kind(Span.Kind.SERVER).localEndpoint(FRONTEND).timestamp(START_MICROS).duration(300_000L)
            .putTag("http.method", "GET").putTag("http.path", "/checkout").debug(true)
            .build();
    static final Span CHARGE = Span.newBuilder().traceId(TRACE_ID).parentId("0000000000000001")
            .id("0000000000000002").name("post /charge").kind(Span.Kind.CLIENT)
            .localEndpoint(FRONTEND).remoteEndpoint(PAYMENTS)
            .timestamp(START_MICROS + 10_000).duration(200_000L)
            .addAnnotation(START_MICROS + 11_000, "wire send").addAnnotation(START_MICROS + 205_000, "wire recv")
            .putTag("http.method", "POST").putTag("error", "card declined")
            .build();
    static final Span CHARGE_SERVER = Span.newBuilder().traceId(TRACE_ID).parentId("0000000000000001")
            .id("0000000000000002").name("post /charge").kind(Span.Kind.SERVER).shared(true)
            .localEndpoint(PAYMENTS).timestamp(START_MICROS + 12_000).duration(190_000L)
            .build();
    static final Span HEALTHCHECK = Span.newBuilder().traceId(OTHER_TRACE_ID).id("0000000000000003")
            .name("healthcheck").localEndpoint(FRONTEND).timestamp(START_MICROS + 1_000).duration(1_000L)
            .build();

    @BeforeAll
    static void reportWithZipkinReporter() {
        try (URLConnectionSender sender = URLConnectionSender.create(server.baseUrl() + "/zipkin/api/v2/spans");
             AsyncReporter<Span> reporter = AsyncReporter.create(sender)) {
            for (Span span : List.of(ROOT, CHARGE, CHARGE_SERVER, HEALTHCHECK)) {
                reporter.report(span);
            }
            reporter.flush();
        }
        OtlpSpans.export(server, OtlpSpans.request().add("Checkout-Service",
                OtlpSpans.span(OTLP_TRACE_ID, OtlpSpans.spanId(1), "GET /pay", SpanKind.SPAN_KIND_SERVER,
                                Instant.ofEpochSecond(0, START_MICROS * 1000), Duration.ofMillis(40))
                        .addAttributes(OtlpSpans.attribute("http.route", "/pay"))
                        .addAttributes(KeyValue.newBuilder().setKey("app.items")
                                .setValue(AnyValue.newBuilder().setIntValue(3)))
                        .addEvents(Event.newBuilder().setName("retry")
                                .setTimeUnixNano((START_MICROS + 5_000) * 1000)
                                .addAttributes(KeyValue.newBuilder().setKey("attempt")
                                        .setValue(AnyValue.newBuilder().setIntValue(2))))
                        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
                                .setMessage("no funds"))));
        awaitStored(5);
    }

    /** The reporter logs instead of throwing; poll (with a deadline) until the spans are queryable. */
    private static void awaitStored(long spans) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (server.storedSpanCount() < spans) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the reporter's spans were not stored: " + server.storedSpanCount());
            }
            server.flush();
        }
    }

    private static List<Span> spans(HttpResponse<byte[]> response) {
        assertThat(response.statusCode()).as(RunningServer.text(response)).isEqualTo(200);
        return SpanBytesDecoder.JSON_V2.decodeList(response.body());
    }

    private static List<List<Span>> traces(HttpResponse<byte[]> response) {
        assertThat(response.statusCode()).as(RunningServer.text(response)).isEqualTo(200);
        List<List<Span>> traces = new ArrayList<>();
        for (var trace : RunningServer.json(response)) {
            traces.add(SpanBytesDecoder.JSON_V2.decodeList(trace.toString().getBytes(StandardCharsets.UTF_8)));
        }
        return traces;
    }

    private static List<String> strings(String pathAndQuery) {
        HttpResponse<byte[]> response = server.get(pathAndQuery);
        assertThat(response.statusCode()).as(RunningServer.text(response)).isEqualTo(200);
        List<String> values = new ArrayList<>();
        RunningServer.json(response).forEach(value -> values.add(value.asText()));
        return values;
    }

    @Test
    void aReportedTraceReadsBackEqualByItsId() {
        List<Span> trace = spans(server.get("/zipkin/api/v2/trace/" + TRACE_ID));

        assertThat(trace).containsExactlyInAnyOrder(ROOT, CHARGE, CHARGE_SERVER);
    }

    @Test
    void servicesRemoteServicesAndSpanNamesAreListed() {
        assertThat(strings("/zipkin/api/v2/services")).containsExactly("checkout-service", "frontend", "payments");
        assertThat(strings("/zipkin/api/v2/remoteServices?serviceName=frontend")).containsExactly("payments");
        assertThat(strings("/zipkin/api/v2/spans?serviceName=frontend"))
                .containsExactly("get /checkout", "healthcheck", "post /charge");
    }

    @Test
    void traceSearchFiltersByServiceSpanNameTagAndDurationNewestFirst() {
        assertThat(traces(server.get("/zipkin/api/v2/traces?serviceName=frontend")))
                .extracting(trace -> trace.get(0).traceId())
                .containsExactly("0000000000000bee", TRACE_ID);
        assertThat(traces(server.get("/zipkin/api/v2/traces?serviceName=payments&spanName=post%20%2Fcharge")))
                .singleElement().satisfies(trace -> assertThat(trace).contains(CHARGE_SERVER));
        assertThat(traces(server.get("/zipkin/api/v2/traces?serviceName=frontend&annotationQuery="
                + RunningServer.urlEncode("error=card declined and wire send")))).hasSize(1);
        assertThat(traces(server.get("/zipkin/api/v2/traces?serviceName=frontend&minDuration=250000"))).hasSize(1);
        assertThat(traces(server.get("/zipkin/api/v2/traces?serviceName=frontend&limit=1"))).hasSize(1);
        assertThat(traces(server.get("/zipkin/api/v2/traces?serviceName=frontend&endTs="
                + (START_MICROS / 1000 - 1) + "&lookback=60000"))).isEmpty();
    }

    @Test
    void traceManyAnswersEveryTraceAsked() {
        assertThat(traces(server.get("/zipkin/api/v2/traceMany?traceIds=" + TRACE_ID + ",bee")))
                .hasSize(2);
    }

    @Test
    void dependenciesLinkTheClientToTheServerItCalled() {
        HttpResponse<byte[]> response = server.get("/zipkin/api/v2/dependencies?endTs="
                + (START_MICROS / 1000 + 60_000));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(DependencyLinkBytesDecoder.JSON_V1.decodeList(response.body())).containsExactly(
                // With client and server sharing one span ID, zipkin2's DependencyLinker counts the server side's error only.
                DependencyLink.newBuilder().parent("frontend").child("payments").callCount(1).build());
    }

    @Test
    void otlpSpansAreShownAsZipkinSpans() {
        Span span = spans(server.get("/zipkin/api/v2/trace/" + OTLP_TRACE_ID)).get(0);

        assertThat(span.localServiceName()).isEqualTo("checkout-service");
        assertThat(span.name()).isEqualTo("get /pay");
        assertThat(span.kind()).isEqualTo(Span.Kind.SERVER);
        assertThat(span.timestampAsLong()).isEqualTo(START_MICROS);
        assertThat(span.durationAsLong()).isEqualTo(40_000L);
        assertThat(span.tags()).containsEntry("http.route", "/pay").containsEntry("otel.status_code", "ERROR")
                .containsEntry("error", "no funds").containsEntry("otel.scope.name", "contrail-http-test")
                .containsEntry("app.items", "3");
        assertThat(span.annotations()).extracting(a -> a.timestamp() + " " + a.value())
                .containsExactly((START_MICROS + 5_000) + " retry {\"attempt\":2}");
    }

    @Test
    void badParametersAreAnswered400NamingTheParameter() {
        assertBadRequest("/zipkin/api/v2/spans", "serviceName parameter is required");
        assertBadRequest("/zipkin/api/v2/remoteServices", "serviceName parameter is required");
        assertBadRequest("/zipkin/api/v2/traces?limit=ten", "limit=ten: not a whole number");
        assertBadRequest("/zipkin/api/v2/traces?minDuration=0", "minDuration <= 0");
        assertBadRequest("/zipkin/api/v2/trace/not-hex", "traceId=not-hex: ");
        assertBadRequest("/zipkin/api/v2/traceMany", "traceIds parameter is required");
        assertBadRequest("/zipkin/api/v2/dependencies", "endTs parameter is required");
        assertBadRequest("/zipkin/api/v2/dependencies?endTs=1&lookback=0", "lookback <= 0");
        assertBadRequest("/zipkin/api/v2/autocompleteValues", "key parameter is required");
    }

    private static void assertBadRequest(String pathAndQuery, String messageStart) {
        HttpResponse<byte[]> response = server.get(pathAndQuery);
        assertThat(response.statusCode()).as(pathAndQuery).isEqualTo(400);
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).as(pathAndQuery).startsWith(messageStart);
    }

    @Test
    void anUnknownTraceIs404() {
        HttpResponse<byte[]> response = server.get("/zipkin/api/v2/trace/00000000000000000000000000000abc");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(RunningServer.text(response)).isEqualTo("00000000000000000000000000000abc not found");
    }

    @Test
    void noAutocompleteKeysAreConfiguredByDefault() {
        assertThat(strings("/zipkin/api/v2/autocompleteKeys")).isEmpty();
    }
}
