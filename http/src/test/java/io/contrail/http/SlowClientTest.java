package io.contrail.http;

import io.contrail.ingest.IngestPermits;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Clients that send their request bodies slowly, or stop half-way, over raw sockets: they never hold
 * the ingest capacity other clients need (bodies are read before a permit is taken), they are
 * answered 408 once the body timeout passes, and a stalled body is the client's fault, never
 * reported as a storage failure.
 */
class SlowClientTest {

    private static final Duration BODY_TIMEOUT = Duration.ofSeconds(5);
    /** Jetty's own idle timeout, after which a stalled client was answered before. */
    private static final Duration CONNECTION_IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** More than there are ingest permits, so on a server that takes the permit first none is left. */
    private static final int SLOW_CLIENTS = io.contrail.ingest.Admission.DEFAULT_MAX_CONCURRENT_REQUESTS + 4;
    private static final long TRICKLE_MILLIS = 250;
    private static final int DECLARED_BODY_BYTES = 1_000;

    @RegisterExtension
    final RunningServer server = RunningServer.configured(config -> config.withBodies(
            new ServerConfig.IngestBodyLimits(BODY_TIMEOUT, ServerConfig.IngestBodyLimits.defaults().maxBytesInFlight())));

    private final ScheduledExecutorService trickler = Executors.newScheduledThreadPool(2);
    private final List<SlowClient> clients = new ArrayList<>();

    @AfterEach
    void closeClients() throws IOException {
        trickler.shutdownNow();
        for (SlowClient client : clients) {
            client.socket().close();
        }
    }

    @Test
    void slowBodiesDoNotBlockOtherExportersAndAreAnswered408AfterTheBodyTimeout() throws Exception {
        for (int i = 0; i < SLOW_CLIENTS; i++) {
            SlowClient client = SlowClient.open(server, "/v1/traces", "application/x-protobuf", DECLARED_BODY_BYTES);
            clients.add(client);
            trickler.scheduleAtFixedRate(client::sendOneByte, 0, TRICKLE_MILLIS, TimeUnit.MILLISECONDS);
        }
        awaitEachSentAtLeast(3);

        long started = System.nanoTime();
        CompletableResultCode exported = exportOneSpanWithTheSdk();
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(exported.isSuccess()).as("a normal export while %d clients trickle", SLOW_CLIENTS).isTrue();
        assertThat(took).as("the export was not held up by the slow clients").isLessThan(BODY_TIMEOUT);
        for (SlowClient client : clients) {
            String response = client.response(BODY_TIMEOUT.multipliedBy(4));
            assertThat(response).startsWith("HTTP/1.1 408").contains("did not arrive in time").contains("--body-timeout");
            assertThat(client.bytesSent().get()).as("the client was still sending").isLessThan(DECLARED_BODY_BYTES);
        }
    }

    @Test
    void aClientThatStopsMidBodyIsAnswered408WithoutAStorageErrorOrAnErrorLog() throws Exception {
        PrintStream stderr = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            for (String path : List.of("/v1/traces", "/api/v2/spans")) {
                SlowClient client = SlowClient.open(server, path,
                        path.equals("/v1/traces") ? "application/json" : "application/json; charset=utf-8",
                        DECLARED_BODY_BYTES);
                clients.add(client);
                for (int i = 0; i < 10; i++) {
                    client.sendOneByte();
                }
                long started = System.nanoTime();
                String response = client.response(BODY_TIMEOUT.multipliedBy(4));
                Duration took = Duration.ofNanos(System.nanoTime() - started);

                assertThat(response).as(path).startsWith("HTTP/1.1 408")
                        .contains("10 of " + DECLARED_BODY_BYTES + " bytes")
                        .doesNotContain("could not be stored");
                assertThat(took).as("%s answered at the body timeout, not the connection's idle timeout", path)
                        .isLessThan(CONNECTION_IDLE_TIMEOUT);
            }
        } finally {
            System.setErr(stderr);
        }
        String logged = log.toString(StandardCharsets.UTF_8);
        stderr.print(logged);
        assertThat(logged).doesNotContain("ERROR").doesNotContain("storing spans failed");
        assertThat(server.health().get("flushFailures").asLong()).isZero();
    }

    private void awaitEachSentAtLeast(int bytes) {
        long deadline = System.nanoTime() + BODY_TIMEOUT.toNanos();
        while (clients.stream().anyMatch(c -> c.bytesSent().get() < bytes)) {
            assertThat(System.nanoTime()).as("every slow client started sending").isLessThan(deadline);
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
    }

    private CompletableResultCode exportOneSpanWithTheSdk() {
        var recorder = new RecordingSpanExporter(SpanExporter.noop());
        try (SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.builder().put("service.name", "prompt").build()))
                .addSpanProcessor(SimpleSpanProcessor.create(recorder))
                .build()) {
            provider.get("io.contrail.slow").spanBuilder("GET /prompt").setSpanKind(SpanKind.SERVER).startSpan().end();
        }
        SpanData span = recorder.span("GET /prompt");
        try (SpanExporter exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint(server.baseUrl() + "/v1/traces").setTimeout(BODY_TIMEOUT.multipliedBy(2)).build()) {
            return exporter.export(List.of(span)).join(30, TimeUnit.SECONDS);
        }
    }
}
