package io.contrail.http;

import static io.opentelemetry.api.common.AttributeKey.booleanArrayKey;
import static io.opentelemetry.api.common.AttributeKey.booleanKey;
import static io.opentelemetry.api.common.AttributeKey.doubleArrayKey;
import static io.opentelemetry.api.common.AttributeKey.doubleKey;
import static io.opentelemetry.api.common.AttributeKey.longArrayKey;
import static io.opentelemetry.api.common.AttributeKey.longKey;
import static io.opentelemetry.api.common.AttributeKey.stringArrayKey;
import static io.opentelemetry.api.common.AttributeKey.stringKey;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A real OpenTelemetry Java SDK exports to {@code /v1/traces}; SQL and the trace API give back
 * exactly what the SDK recorded. Every test runs once per wire format the SDK can send.
 */
class OtelSdkIngestTest {

    @RegisterExtension
    static final RunningServer server = RunningServer.withDefaults();

    /** How the SDK's spans travel to the server. */
    enum Transport {
        PROTOBUF {
            @Override
            SpanExporter exporter(String endpoint) {
                return OtlpHttpSpanExporter.builder().setEndpoint(endpoint).build();
            }
        },
        PROTOBUF_GZIP {
            @Override
            SpanExporter exporter(String endpoint) {
                return OtlpHttpSpanExporter.builder().setEndpoint(endpoint).setCompression("gzip").build();
            }
        },
        /** The SDK's OTLP/JSON body; see {@link OtlpJsonHttpSpanExporter} for why not OtlpHttpSpanExporter. */
        JSON {
            @Override
            SpanExporter exporter(String endpoint) {
                return new OtlpJsonHttpSpanExporter(endpoint);
            }
        };

        abstract SpanExporter exporter(String endpoint);
    }

    /** What one checkout request produced: root SERVER → child CLIENT → grandchild INTERNAL, plus a linked span. */
    private record CheckoutTrace(SpanData root, SpanData child, SpanData grandchild, SpanData linked) {
        String traceId() {
            return root.getTraceId();
        }
    }

    private static final Resource RESOURCE = Resource.getDefault().merge(Resource.create(Attributes.of(
            stringKey("service.name"), "checkout",
            stringKey("service.version"), "2.3.1",
            stringKey("deployment.region"), "eu-west-1")));

    /** Records the trace with the SDK, exports it through {@code transport} and flushes it to Parquet. */
    private static CheckoutTrace exportCheckoutTrace(Transport transport) {
        var exports = new RecordingSpanExporter(transport.exporter(server.baseUrl() + "/v1/traces"));
        try (SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(RESOURCE)
                .addSpanProcessor(BatchSpanProcessor.builder(exports).build())
                .build()) {
            Tracer tracer = provider.tracerBuilder("io.contrail.checkout").setInstrumentationVersion("1.0.0").build();

            Span linked = tracer.spanBuilder("enqueue order").setSpanKind(SpanKind.PRODUCER).setNoParent().startSpan();
            linked.end();

            Span root = tracer.spanBuilder("GET /checkout").setSpanKind(SpanKind.SERVER).setNoParent()
                    .addLink(linked.getSpanContext(), Attributes.of(stringKey("link.reason"), "resubmitted"))
                    .setAttribute(stringKey("app.customer"), "c-1042")
                    .setAttribute(longKey("app.count"), 3L)
                    .setAttribute(doubleKey("app.ratio"), 0.75)
                    .setAttribute(booleanKey("app.flag"), true)
                    .setAttribute(stringArrayKey("app.tags"), List.of("new", "mobile"))
                    .setAttribute(longArrayKey("app.sizes"), List.of(1L, 2L, 3L))
                    .setAttribute(doubleArrayKey("app.weights"), List.of(0.5, 1.5))
                    .setAttribute(booleanArrayKey("app.checks"), List.of(true, false))
                    .startSpan();
            Span child = tracer.spanBuilder("POST /reserve").setSpanKind(SpanKind.CLIENT)
                    .setParent(Context.root().with(root)).startSpan();
            Span grandchild = tracer.spanBuilder("SELECT stock").setSpanKind(SpanKind.INTERNAL)
                    .setParent(Context.root().with(child)).startSpan();
            grandchild.addEvent("cache.miss", Attributes.of(
                    stringKey("cache.key"), "sku:42", longKey("cache.attempt"), 2L));
            grandchild.recordException(new IllegalStateException("connection pool exhausted"));
            grandchild.setStatus(StatusCode.ERROR, "stock lookup failed");
            grandchild.end();
            child.end();
            root.end();

            CompletableResultCode flushed = provider.forceFlush().join(30, TimeUnit.SECONDS);
            assertThat(flushed.isSuccess()).as("SDK forceFlush").isTrue();
        }
        assertThat(exports.results()).as("export results").isNotEmpty()
                .allSatisfy(result -> assertThat(result.isSuccess())
                        .as("export acknowledged (%s)", result.getFailureThrowable()).isTrue());
        assertThat(exports.spans()).hasSize(4);
        server.flush();
        return new CheckoutTrace(exports.span("GET /checkout"), exports.span("POST /reserve"),
                exports.span("SELECT stock"), exports.span("enqueue order"));
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void idsParentsKindsTimesAndStatusAreStoredExactlyAsTheSdkRecordedThem(Transport transport) {
        CheckoutTrace trace = exportCheckoutTrace(transport);

        List<Map<String, Object>> rows = server.records("SELECT span_id, trace_id, parent_span_id, service_name, "
                + "name, kind, epoch_ns(start_time) AS start_ns, epoch_ns(end_time) AS end_ns, duration_nanos, "
                + "status_code, status_message, scope_name, scope_version FROM spans "
                + "WHERE trace_id = '" + trace.traceId() + "' ORDER BY span_id");

        assertThat(rows).containsExactlyInAnyOrder(
                expectedRow(trace.root(), null, "SERVER", "UNSET", null),
                expectedRow(trace.child(), trace.root().getSpanId(), "CLIENT", "UNSET", null),
                expectedRow(trace.grandchild(), trace.child().getSpanId(), "INTERNAL", "ERROR", "stock lookup failed"));
        assertThat(trace.traceId()).matches("[0-9a-f]{32}");
    }

    private static Map<String, Object> expectedRow(SpanData span, String parentSpanId, String kind,
                                                   String statusCode, String statusMessage) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("span_id", span.getSpanId());
        row.put("trace_id", span.getTraceId());
        row.put("parent_span_id", parentSpanId);
        row.put("service_name", "checkout");
        row.put("name", span.getName());
        row.put("kind", kind);
        row.put("start_ns", span.getStartEpochNanos());
        row.put("end_ns", span.getEndEpochNanos());
        row.put("duration_nanos", span.getEndEpochNanos() - span.getStartEpochNanos());
        row.put("status_code", statusCode);
        row.put("status_message", statusMessage);
        row.put("scope_name", "io.contrail.checkout");
        row.put("scope_version", "1.0.0");
        return row;
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void attributesOfEveryTypeGetColumnsOfTheirOwnType(Transport transport) {
        CheckoutTrace trace = exportCheckoutTrace(transport);

        JsonNode answer = server.sql("SELECT \"attr.app.customer\", \"attr.app.count\", \"attr.app.ratio\", "
                + "\"attr.app.flag\", \"attr.app.tags\", \"attr.app.sizes\", \"attr.app.weights\", \"attr.app.checks\" "
                + "FROM spans WHERE span_id = '" + trace.root().getSpanId() + "'");

        assertThat(answer.get("columns")).extracting(c -> c.get("name").asText() + " " + c.get("type").asText())
                .containsExactly("attr.app.customer VARCHAR", "attr.app.count BIGINT", "attr.app.ratio DOUBLE",
                        "attr.app.flag BOOLEAN", "attr.app.tags VARCHAR[]", "attr.app.sizes BIGINT[]",
                        "attr.app.weights DOUBLE[]", "attr.app.checks BOOLEAN[]");
        Map<String, Object> row = server.record("SELECT \"attr.app.customer\", \"attr.app.count\", "
                + "\"attr.app.ratio\", \"attr.app.flag\", \"attr.app.tags\", \"attr.app.sizes\", \"attr.app.weights\", "
                + "\"attr.app.checks\" FROM spans WHERE span_id = '" + trace.root().getSpanId() + "'");
        assertThat(row).containsExactly(
                Map.entry("attr.app.customer", "c-1042"),
                Map.entry("attr.app.count", 3L),
                Map.entry("attr.app.ratio", 0.75),
                Map.entry("attr.app.flag", true),
                Map.entry("attr.app.tags", List.of("new", "mobile")),
                Map.entry("attr.app.sizes", List.of(1L, 2L, 3L)),
                Map.entry("attr.app.weights", List.of(0.5, 1.5)),
                Map.entry("attr.app.checks", List.of(true, false)));
        assertThat(server.value("SELECT count(*) FROM spans WHERE trace_id = '" + trace.traceId()
                + "' AND \"attr.app.count\" = 3 AND \"attr.app.ratio\" > 0.5 AND \"attr.app.flag\" "
                + "AND list_contains(\"attr.app.tags\", 'mobile')").asLong()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void resourceAttributesBecomeResourceColumns(Transport transport) {
        CheckoutTrace trace = exportCheckoutTrace(transport);

        List<Map<String, Object>> rows = server.records("SELECT service_name, \"resource.service.name\", "
                + "\"resource.service.version\", \"resource.deployment.region\", \"resource.telemetry.sdk.language\" "
                + "FROM spans WHERE trace_id = '" + trace.traceId() + "'");

        assertThat(rows).hasSize(3).allSatisfy(row -> assertThat(row).containsExactly(
                Map.entry("service_name", "checkout"),
                Map.entry("resource.service.name", "checkout"),
                Map.entry("resource.service.version", "2.3.1"),
                Map.entry("resource.deployment.region", "eu-west-1"),
                Map.entry("resource.telemetry.sdk.language", "java")));
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void eventsWithTheirAttributesAndRecordedExceptionsAreStoredInOrder(Transport transport) {
        CheckoutTrace trace = exportCheckoutTrace(transport);
        SpanData grandchild = trace.grandchild();

        Map<String, Object> row = server.record("SELECT len(events) AS event_count, "
                + "events[1].name AS first_name, epoch_ns(events[1].\"time\") AS first_time_ns, "
                + "events[1].attributes->>'cache.key' AS cache_key, "
                + "(events[1].attributes->>'cache.attempt')::BIGINT AS cache_attempt, "
                + "events[2].name AS second_name, "
                + "events[2].attributes->>'exception.type' AS exception_type, "
                + "events[2].attributes->>'exception.message' AS exception_message "
                + "FROM spans WHERE span_id = '" + grandchild.getSpanId() + "'");

        assertThat(row).containsExactly(
                Map.entry("event_count", 2L),
                Map.entry("first_name", "cache.miss"),
                Map.entry("first_time_ns", grandchild.getEvents().get(0).getEpochNanos()),
                Map.entry("cache_key", "sku:42"),
                Map.entry("cache_attempt", 2L),
                Map.entry("second_name", "exception"),
                Map.entry("exception_type", "java.lang.IllegalStateException"),
                Map.entry("exception_message", "connection pool exhausted"));
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void linksPointAtTheLinkedSpan(Transport transport) {
        CheckoutTrace trace = exportCheckoutTrace(transport);

        Map<String, Object> row = server.record("SELECT len(links) AS link_count, links[1].trace_id AS trace_id, "
                + "links[1].span_id AS span_id, links[1].attributes->>'link.reason' AS reason "
                + "FROM spans WHERE span_id = '" + trace.root().getSpanId() + "'");

        assertThat(row).containsExactly(
                Map.entry("link_count", 1L),
                Map.entry("trace_id", trace.linked().getTraceId()),
                Map.entry("span_id", trace.linked().getSpanId()),
                Map.entry("reason", "resubmitted"));
        assertThat(trace.linked().getTraceId()).isNotEqualTo(trace.traceId());
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void traceApiReturnsTheThreeSpansAsATree(Transport transport) {
        CheckoutTrace trace = exportCheckoutTrace(transport);

        JsonNode body = server.getJson("/api/traces/" + trace.traceId());

        assertThat(body.get("traceId").asText()).isEqualTo(trace.traceId());
        assertThat(body.get("spanCount").asInt()).isEqualTo(3);
        assertThat(body.get("spans")).extracting(s -> s.get("spanId").asText()).containsExactlyInAnyOrder(
                trace.root().getSpanId(), trace.child().getSpanId(), trace.grandchild().getSpanId());
        assertThat(body.get("roots")).hasSize(1);
        JsonNode root = body.get("roots").get(0);
        assertThat(root.get("spanId").asText()).isEqualTo(trace.root().getSpanId());
        assertThat(root.get("orphan").asBoolean()).isFalse();
        assertThat(root.get("children")).hasSize(1);
        JsonNode child = root.get("children").get(0);
        assertThat(child.get("spanId").asText()).isEqualTo(trace.child().getSpanId());
        assertThat(child.get("children")).hasSize(1);
        JsonNode grandchild = child.get("children").get(0);
        assertThat(Arrays.asList(grandchild.get("spanId").asText(), grandchild.get("serviceName").asText(),
                grandchild.get("name").asText()))
                .containsExactly(trace.grandchild().getSpanId(), "checkout", "SELECT stock");
        assertThat(grandchild.get("children")).isEmpty();
    }
}
