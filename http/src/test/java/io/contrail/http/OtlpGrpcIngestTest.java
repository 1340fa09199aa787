package io.contrail.http;

import io.contrail.ingest.IngestPermits;
import static io.contrail.http.OtlpSpans.span;
import static io.contrail.http.OtlpSpans.spanId;
import static io.contrail.http.OtlpSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * OTLP/gRPC ({@code TraceService/Export} on the server's gRPC port): a real OpenTelemetry SDK
 * gRPC exporter's spans become queryable through SQL; bad, partial and refused requests get the
 * status codes the OTLP specification gives them. Raw calls go through a real gRPC channel.
 */
class OtlpGrpcIngestTest {

    @RegisterExtension
    static final RunningServer server = RunningServer.withDefaults();

    private static final Instant START = Instant.parse("2026-11-20T10:00:00Z");

    private GrpcExportClient client;

    @AfterEach
    void closeClient() {
        if (client != null) {
            client.close();
        }
    }

    @ParameterizedTest(name = "compression {0}")
    @ValueSource(strings = {"none", "gzip"})
    void sdkGrpcExporterSpansAreQueryableThroughSql(String compression) {
        String service = "grpc-" + compression;
        var exporter = OtlpGrpcSpanExporter.builder()
                .setEndpoint("http://127.0.0.1:" + server.server().grpcPort())
                .setCompression(compression)
                .build();
        var recorder = new RecordingSpanExporter(exporter);
        try (SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.builder().put("service.name", service).build()))
                .addSpanProcessor(BatchSpanProcessor.builder(recorder).build())
                .build()) {
            var tracer = provider.get("io.contrail.grpc");
            var root = tracer.spanBuilder("GET /orders").setSpanKind(SpanKind.SERVER)
                    .setAttribute(AttributeKey.stringKey("http.route"), "/orders").startSpan();
            tracer.spanBuilder("SELECT orders").setSpanKind(SpanKind.CLIENT).setParent(Context.root().with(root))
                    .setAttribute(AttributeKey.longKey("db.rows"), 42L).startSpan()
                    .setStatus(StatusCode.ERROR, "timeout").end();
            root.end();
            assertThat(provider.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
        }
        assertThat(recorder.results()).isNotEmpty().allMatch(CompletableResultCode::isSuccess);
        String traceId = recorder.spans().get(0).getTraceId();

        server.flush();
        var rows = server.records("SELECT name, kind, status_code, parent_span_id IS NULL AS is_root, "
                + "\"attr.http.route\" AS route FROM spans WHERE service_name = '" + service
                + "' AND trace_id = '" + traceId + "' ORDER BY name");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0)).containsEntry("name", "GET /orders").containsEntry("kind", "SERVER")
                .containsEntry("is_root", true).containsEntry("route", "/orders");
        assertThat(rows.get(1)).containsEntry("name", "SELECT orders").containsEntry("kind", "CLIENT")
                .containsEntry("status_code", "ERROR").containsEntry("is_root", false);
    }

    @Test
    void invalidSpansAreRejectedInPartialSuccessAndTheValidOnesStored() {
        String trace = traceId(601);
        var request = OtlpSpans.request().add("grpc-partial",
                span(trace, spanId(1), "valid", Span.SpanKind.SPAN_KIND_SERVER, START, Duration.ofMillis(5)),
                span(trace, spanId(2), "no trace id", Span.SpanKind.SPAN_KIND_CLIENT, START, Duration.ofMillis(1))
                        .setTraceId(ByteString.EMPTY));

        ExportTraceServiceResponse response = client().export(request.toByteArray());

        assertThat(response.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
        assertThat(response.getPartialSuccess().getErrorMessage()).contains("no trace id").contains("traceId");
        server.flush();
        assertThat(server.rows("SELECT name FROM spans WHERE service_name = 'grpc-partial'").toString())
                .isEqualTo("[[\"valid\"]]");
    }

    @Test
    void aMessageThatIsNotAnExportRequestIsInvalidArgumentNamingTheProblem() {
        byte[] garbage = {0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01, 0x02};

        var error = catchThrowableOfType(StatusRuntimeException.class, () -> client().export(garbage));

        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(error.getStatus().getDescription()).contains("malformed OTLP protobuf ExportTraceServiceRequest");
    }

    @Test
    void whenNoIngestPermitIsFreeTheAnswerIsUnavailableWithRetryInfo() throws InterruptedException {
        IngestPermits permits = server.server().ingestPermits();
        int held = permits.drain();
        StatusRuntimeException error;
        try {
            var request = OtlpSpans.request().add("grpc-busy", span(traceId(602), spanId(1), "refused",
                    Span.SpanKind.SPAN_KIND_SERVER, START, Duration.ofMillis(5)));
            error = catchThrowableOfType(StatusRuntimeException.class, () -> client().export(request.toByteArray()));
        } finally {
            permits.release(held);
        }
        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(error.getStatus().getDescription()).contains("too many ingest requests in progress");
        assertThat(retryDelaySeconds(error)).isEqualTo(IngestPermits.RETRY_AFTER_SECONDS_WHEN_BUSY);
        server.flush();
        assertThat(server.value("SELECT count(*) FROM spans WHERE service_name = 'grpc-busy'").asLong()).isZero();
    }

    @Test
    void aTakenGrpcPortIsAnErrorNamingThePortAndTheOption(@TempDir Path data) throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            var config = ServerConfig.defaults(data).withAddress("127.0.0.1", 0).withGrpcPort(taken.getLocalPort());

            var error = catchThrowableOfType(IOException.class, () -> ContrailServer.start(config).close());

            assertThat(error).hasMessageContaining("127.0.0.1:" + taken.getLocalPort())
                    .hasMessageContaining("--grpc-port");
        }
    }

    @Test
    void grpcCanBeTurnedOffWhileHttpKeepsServing(@TempDir Path data) throws IOException {
        var config = ServerConfig.defaults(data).withAddress("127.0.0.1", 0).withGrpcPort(ServerConfig.GRPC_DISABLED);
        try (ContrailServer off = ContrailServer.start(config)) {
            assertThat(off.grpcPort()).isEqualTo(ServerConfig.GRPC_DISABLED);
            assertThat(off.grpcAddress()).isNull();
            assertThat(off.port()).isPositive();
        }
    }

    private GrpcExportClient client() {
        if (client == null) {
            client = new GrpcExportClient(server.server().grpcPort());
        }
        return client;
    }

    /** The retry delay in the status's RetryInfo detail, which OTLP exporters wait before retrying. */
    static long retryDelaySeconds(StatusRuntimeException error) {
        com.google.rpc.Status status = StatusProto.fromThrowable(error);
        assertThat(status).as("google.rpc.Status in the trailers").isNotNull();
        List<RetryInfo> retries = status.getDetailsList().stream().filter(any -> any.is(RetryInfo.class))
                .map(any -> {
                    try {
                        return any.unpack(RetryInfo.class);
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        throw new AssertionError(e);
                    }
                }).toList();
        assertThat(retries).as("RetryInfo details").hasSize(1);
        return retries.get(0).getRetryDelay().getSeconds();
    }
}
