package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An OpenTelemetry SDK left on every default — {@code OtlpHttpSpanExporter.getDefault()}, which
 * sends protobuf to http://localhost:4318/v1/traces — reaches a server on its default address.
 */
class DefaultSettingsTest {

    @RegisterExtension
    final RunningServer server = RunningServer.configured(config -> {
        assertDefaultPortIsFree();
        return config.withAddress(ServerConfig.DEFAULT_HOST, ServerConfig.DEFAULT_PORT);
    });

    @Test
    void anSdkOnDefaultSettingsReachesTheDefaultServer() {
        var recorder = new RecordingSpanExporter(OtlpHttpSpanExporter.getDefault());
        try (SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.builder().put("service.name", "defaults").build()))
                .addSpanProcessor(BatchSpanProcessor.builder(recorder).build())
                .build()) {
            provider.get("io.contrail.defaults").spanBuilder("GET /defaults").setSpanKind(SpanKind.SERVER)
                    .startSpan().end();
            assertThat(provider.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
        }
        assertThat(recorder.results()).isNotEmpty().allMatch(CompletableResultCode::isSuccess);
        assertThat(server.server().port()).isEqualTo(4318);
        assertThat(server.storedSpanCount()).isEqualTo(1);
        assertThat(server.value("SELECT service_name FROM spans WHERE name = 'GET /defaults'").asText())
                .isEqualTo("defaults");
    }

    private static void assertDefaultPortIsFree() {
        try (ServerSocket probe = new ServerSocket(ServerConfig.DEFAULT_PORT, 1, InetAddress.getByName(ServerConfig.DEFAULT_HOST))) {
            probe.setReuseAddress(true);
        } catch (IOException e) {
            throw new AssertionError("port 4318 is taken on this machine (is a Contrail or a Collector running?); "
                    + "this test needs it to prove the SDK's defaults reach Contrail's", e);
        }
    }
}
