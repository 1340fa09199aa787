package io.contrail.http;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hand-built OTLP export requests for tests that need exact control of IDs and times (the OTel
 * SDK tests use a real SDK instead). Each resource is one service with one scope.
 */
final class OtlpSpans {

    static final String PROTOBUF = "application/x-protobuf";
    private static final HexFormat HEX = HexFormat.of();

    private OtlpSpans() {
    }

    static ByteString hex(String hex) {
        return ByteString.copyFrom(HEX.parseHex(hex));
    }

    /** A 32-hex-digit trace ID ending in {@code n}, so tests can order IDs at a glance. */
    static String traceId(int n) {
        return String.format("5b8efff798038103d269b6338130%04x", n);
    }

    /** A 16-hex-digit span ID ending in {@code n}. */
    static String spanId(int n) {
        return String.format("eee19b7ec3c1%04x", n);
    }

    static long unixNanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    /** A valid span of {@code duration} from {@code start}, without parent. */
    static Span.Builder span(String traceId, String spanId, String name, Span.SpanKind kind, Instant start,
                             Duration duration) {
        long startNanos = unixNanos(start);
        return Span.newBuilder()
                .setTraceId(hex(traceId))
                .setSpanId(hex(spanId))
                .setName(name)
                .setKind(kind)
                .setStartTimeUnixNano(startNanos)
                .setEndTimeUnixNano(startNanos + duration.toNanos());
    }

    static KeyValue attribute(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    /** Builds one request; spans are grouped by service in the order the services first appear. */
    static final class Request {
        private final Map<String, ScopeSpans.Builder> scopeByService = new LinkedHashMap<>();

        Request add(String service, Span.Builder... spans) {
            ScopeSpans.Builder scope = scopeByService.computeIfAbsent(service, s -> ScopeSpans.newBuilder()
                    .setScope(InstrumentationScope.newBuilder().setName("contrail-http-test")));
            for (Span.Builder span : spans) {
                scope.addSpans(span);
            }
            return this;
        }

        ExportTraceServiceRequest build() {
            ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
            scopeByService.forEach((service, scope) -> request.addResourceSpans(ResourceSpans.newBuilder()
                    .setResource(Resource.newBuilder().addAttributes(attribute("service.name", service)))
                    .addScopeSpans(scope)));
            return request.build();
        }

        byte[] toByteArray() {
            return build().toByteArray();
        }
    }

    static Request request() {
        return new Request();
    }

    /** POSTs {@code request} as OTLP/HTTP protobuf and fails unless every span was accepted. */
    static void export(RunningServer server, Request request) {
        var response = server.post("/v1/traces", request.toByteArray(), "Content-Type", PROTOBUF);
        if (response.statusCode() != 200 || response.body().length != 0) {
            throw new AssertionError("export not fully accepted: HTTP " + response.statusCode() + " "
                    + RunningServer.text(response));
        }
    }
}
