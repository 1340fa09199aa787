package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.net.InetAddress;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An OpenTelemetry SDK exporting over gRPC on every default — {@code OtlpGrpcSpanExporter.getDefault()},
 * which sends to http://localhost:4317 — reaches Contrail on its default OTLP/gRPC address:
 * {@code contrail serve} and {@code demo} without options listen there, and the exporter, with only its
 * port swapped for the free one this test's server took, stores its span. The test never binds 4317
 * itself, so it passes while {@code ./contrail demo} (or a Collector) holds the port.
 */
class GrpcDefaultSettingsTest {

    @RegisterExtension
    final RunningServer server = RunningServer.withDefaults();

    @Test
    void serveAndDemoWithoutOptionsListenWhereTheSdksDefaultGrpcExporterSends() throws Exception {
        URI sdkDefault = sdkDefaultEndpoint();
        assertThat(sdkDefault).isEqualTo(URI.create("http://localhost:4317"));
        for (String command : new String[] {"serve", "demo"}) {
            ServerConfig config = DefaultEndpoints.commandWithoutOptions(command);
            assertThat(config.grpcPort()).as(command + "'s gRPC port").isEqualTo(sdkDefault.getPort());
            assertThat(InetAddress.getAllByName(sdkDefault.getHost())).as(command + "'s host is one of localhost's")
                    .contains(InetAddress.getByName(config.host()));
        }
    }

    @Test
    void anSdkGrpcExporterOnDefaultSettingsButItsPortReachesTheServer() {
        assertThat(server.server().grpcPort()).as("the test's server took a free gRPC port").isPositive();
        var recorder = new RecordingSpanExporter(defaultExporterButThePort(server.server().grpcPort()));
        try (SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.builder().put("service.name", "grpc-defaults").build()))
                .addSpanProcessor(BatchSpanProcessor.builder(recorder).build())
                .build()) {
            provider.get("io.contrail.defaults").spanBuilder("GET /grpc-defaults").setSpanKind(SpanKind.SERVER)
                    .startSpan().end();
            assertThat(provider.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
        }
        assertThat(recorder.results()).isNotEmpty().allMatch(CompletableResultCode::isSuccess);
        assertThat(server.storedSpanCount()).isEqualTo(1);
        assertThat(server.value("SELECT service_name FROM spans WHERE name = 'GET /grpc-defaults'").asText())
                .isEqualTo("grpc-defaults");
    }

    /** The SDK's default exporter with its endpoint's port, and nothing else, changed to {@code port}. */
    private static OtlpGrpcSpanExporter defaultExporterButThePort(int port) {
        try (OtlpGrpcSpanExporter defaults = OtlpGrpcSpanExporter.getDefault()) {
            URI endpoint = DefaultEndpoints.withPort(DefaultEndpoints.endpointOf(defaults), port);
            return defaults.toBuilder().setEndpoint(endpoint.toString()).build();
        }
    }

    private static URI sdkDefaultEndpoint() {
        try (OtlpGrpcSpanExporter exporter = OtlpGrpcSpanExporter.getDefault()) {
            return DefaultEndpoints.endpointOf(exporter);
        }
    }
}
