package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An OpenTelemetry SDK exporting over gRPC on every default — {@code OtlpGrpcSpanExporter.getDefault()},
 * which sends to http://localhost:4317 — reaches a server on its default OTLP/gRPC address. The
 * only test that binds 4317 (HTTP takes a free port here; {@link DefaultSettingsTest} covers 4318).
 */
class GrpcDefaultSettingsTest {

    @RegisterExtension
    final RunningServer server = RunningServer.configured(config -> {
        assertDefaultGrpcPortIsFree();
        return config.withAddress(ServerConfig.DEFAULT_HOST, 0).withGrpcPort(ServerConfig.DEFAULT_GRPC_PORT);
    });

    @Test
    void anSdkGrpcExporterOnDefaultSettingsReachesTheDefaultServer() {
        var recorder = new RecordingSpanExporter(OtlpGrpcSpanExporter.getDefault());
        try (SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.builder().put("service.name", "grpc-defaults").build()))
                .addSpanProcessor(BatchSpanProcessor.builder(recorder).build())
                .build()) {
            provider.get("io.contrail.defaults").spanBuilder("GET /grpc-defaults").setSpanKind(SpanKind.SERVER)
                    .startSpan().end();
            assertThat(provider.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
        }
        assertThat(recorder.results()).isNotEmpty().allMatch(CompletableResultCode::isSuccess);
        assertThat(server.server().grpcPort()).isEqualTo(4317);
        assertThat(server.storedSpanCount()).isEqualTo(1);
        assertThat(server.value("SELECT service_name FROM spans WHERE name = 'GET /grpc-defaults'").asText())
                .isEqualTo("grpc-defaults");
    }

    private static void assertDefaultGrpcPortIsFree() {
        try (ServerSocket probe = new ServerSocket(ServerConfig.DEFAULT_GRPC_PORT, 1,
                InetAddress.getByName(ServerConfig.DEFAULT_HOST))) {
            probe.setReuseAddress(true);
        } catch (IOException e) {
            throw new AssertionError("port 4317 is taken on this machine (is a Contrail or a Collector running?); "
                    + "this test needs it to prove the SDK's gRPC defaults reach Contrail's", e);
        }
    }
}
