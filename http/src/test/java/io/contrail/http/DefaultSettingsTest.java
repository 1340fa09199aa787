package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
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
 * An OpenTelemetry SDK left on every default — {@code OtlpHttpSpanExporter.getDefault()}, protobuf to
 * http://localhost:4318/v1/traces — reaches Contrail on its default address: {@code contrail serve}
 * and {@code demo} without options listen where that exporter sends, and the exporter, with only its
 * port swapped for the free one this test's server took, stores its span. The test never binds 4318
 * itself, so it passes while {@code ./contrail demo} (or a Collector) holds the port.
 */
class DefaultSettingsTest {

    @RegisterExtension
    final RunningServer server = RunningServer.withDefaults();

    @Test
    void serveAndDemoWithoutOptionsListenWhereTheSdksDefaultExporterSends() throws Exception {
        URI sdkDefault = sdkDefaultEndpoint();
        assertThat(sdkDefault).isEqualTo(URI.create("http://localhost:4318/v1/traces"));
        for (String command : new String[] {"serve", "demo"}) {
            ServerConfig config = DefaultEndpoints.commandWithoutOptions(command);
            assertThat(config.port()).as(command + "'s port").isEqualTo(sdkDefault.getPort());
            assertThat(InetAddress.getAllByName(sdkDefault.getHost())).as(command + "'s host is one of localhost's")
                    .contains(InetAddress.getByName(config.host()));
        }
    }

    @Test
    void anSdkExporterOnDefaultSettingsButItsPortReachesTheServer() {
        var recorder = new RecordingSpanExporter(defaultExporterButThePort(server.server().port()));
        try (SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.builder().put("service.name", "defaults").build()))
                .addSpanProcessor(BatchSpanProcessor.builder(recorder).build())
                .build()) {
            provider.get("io.contrail.defaults").spanBuilder("GET /defaults").setSpanKind(SpanKind.SERVER)
                    .startSpan().end();
            assertThat(provider.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
        }
        assertThat(recorder.results()).isNotEmpty().allMatch(CompletableResultCode::isSuccess);
        assertThat(server.storedSpanCount()).isEqualTo(1);
        assertThat(server.value("SELECT service_name FROM spans WHERE name = 'GET /defaults'").asText())
                .isEqualTo("defaults");
    }

    /** The SDK's default exporter with its endpoint's port, and nothing else, changed to {@code port}. */
    private static OtlpHttpSpanExporter defaultExporterButThePort(int port) {
        try (OtlpHttpSpanExporter defaults = OtlpHttpSpanExporter.getDefault()) {
            URI endpoint = DefaultEndpoints.withPort(DefaultEndpoints.endpointOf(defaults), port);
            return defaults.toBuilder().setEndpoint(endpoint.toString()).build();
        }
    }

    private static URI sdkDefaultEndpoint() {
        try (OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.getDefault()) {
            return DefaultEndpoints.endpointOf(exporter);
        }
    }
}
