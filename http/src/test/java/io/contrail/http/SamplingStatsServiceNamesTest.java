package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import zipkin2.Endpoint;
import zipkin2.codec.SpanBytesEncoder;

/**
 * {@code sampling_stats} counts spans under the service their {@code service_name} column holds, also
 * for resources without a usable {@code service.name}: none at all, an empty one, one that is not a
 * string, and Zipkin spans whose local endpoint names no service. Everything goes in over HTTP (OTLP
 * protobuf and Zipkin v2 JSON) to a server with a sampling policy file; the counts reach SQL from the
 * files the sampler saves when the server stops.
 */
class SamplingStatsServiceNamesTest {

    @RegisterExtension
    final RunningServer server = RunningServer.configured(config -> config.withSampling(RunningServer.samplingFile("""
            quietPeriodMillis: 100
            policies:
              - name: everything
                type: probabilistic
                percentage: 100
            """)));

    @Test
    void samplingStatsAndSpansNameTheSameServicesForResourcesWithoutServiceName() throws IOException {
        ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(resourceSpans(Resource.newBuilder()
                        .addAttributes(attribute("service.name", AnyValue.newBuilder().setStringValue("checkout"))), 1))
                .addResourceSpans(resourceSpans(Resource.newBuilder()
                        .addAttributes(attribute("host.name", AnyValue.newBuilder().setStringValue("pod-1"))), 2))
                .addResourceSpans(resourceSpans(Resource.newBuilder()
                        .addAttributes(attribute("service.name", AnyValue.newBuilder().setStringValue(""))), 3))
                .addResourceSpans(resourceSpans(Resource.newBuilder()
                        .addAttributes(attribute("service.name", AnyValue.newBuilder().setIntValue(7))), 4))
                .build();
        HttpResponse<byte[]> otlp = server.post("/v1/traces", request.toByteArray(),
                "Content-Type", "application/x-protobuf");
        assertThat(otlp.statusCode()).as(RunningServer.text(otlp)).isEqualTo(200);

        zipkin2.Span noLocalService = zipkin2.Span.newBuilder().traceId("00000000000000000000000000000005")
                .id("0000000000000005").name("get").timestamp(1_700_000_000_000_000L).duration(10)
                .localEndpoint(Endpoint.newBuilder().ip("10.0.0.5").build()).build();
        HttpResponse<byte[]> zipkin = server.post("/api/v2/spans",
                SpanBytesEncoder.JSON_V2.encodeList(List.of(noLocalService)),
                "Content-Type", "application/json");
        assertThat(zipkin.statusCode()).as(RunningServer.text(zipkin)).isEqualTo(202);

        server.awaitSamplingDecisions();
        // A clean stop saves the sampler's counts; the restarted server's sampling_stats reads them.
        server.restart();

        Map<String, Long> stored = countsByService("SELECT service_name, count(*) FROM spans GROUP BY 1");
        Map<String, Long> counted = countsByService("SELECT service_name, sum(spans) FROM sampling_stats GROUP BY 1");
        assertThat(stored).as("spans per service_name").containsExactlyEntriesOf(
                new TreeMap<>(Map.of("checkout", 1L, "unknown_service", 4L)));
        assertThat(counted).as("sampling_stats' spans per service against the spans' service_name")
                .containsExactlyEntriesOf(stored);
    }

    private Map<String, Long> countsByService(String sql) {
        Map<String, Long> counts = new TreeMap<>();
        for (JsonNode row : server.rows(sql)) {
            counts.put(row.get(0).asText(), row.get(1).asLong());
        }
        return counts;
    }

    /** A resource with one span, of a trace of its own ({@code n}). */
    private static ResourceSpans resourceSpans(Resource.Builder resource, int n) {
        long start = 1_700_000_000_000_000_000L + n;
        Span span = Span.newBuilder()
                .setTraceId(ByteString.copyFrom(id(16, n)))
                .setSpanId(ByteString.copyFrom(id(8, n)))
                .setName("op").setKind(Span.SpanKind.SPAN_KIND_SERVER)
                .setStartTimeUnixNano(start).setEndTimeUnixNano(start + 1_000)
                .build();
        return ResourceSpans.newBuilder().setResource(resource)
                .addScopeSpans(ScopeSpans.newBuilder().addSpans(span)).build();
    }

    /** An ID of {@code size} bytes, all zero but the last, which is {@code n}. */
    private static byte[] id(int size, int n) {
        byte[] id = new byte[size];
        id[size - 1] = (byte) n;
        return id;
    }

    private static KeyValue attribute(String key, AnyValue.Builder value) {
        return KeyValue.newBuilder().setKey(key).setValue(value).build();
    }
}
