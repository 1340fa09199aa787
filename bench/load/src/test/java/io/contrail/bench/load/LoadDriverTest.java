package io.contrail.bench.load;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The driver against a real HTTP server on a free port that parses every body with the OTLP
 * protobuf classes and answers like Contrail: 200 with an ExportTraceServiceResponse, or 503 with
 * Retry-After. Only what the server acknowledged may be counted.
 */
class LoadDriverTest {

    private HttpServer server;
    private final AtomicLong spansReceived = new AtomicLong();
    private final AtomicLong spansAccepted = new AtomicLong();
    private final AtomicInteger exports = new AtomicInteger();

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void refusedRequestsAreRetriedAfterRetryAfterAndOnlyAcknowledgedSpansCount() throws Exception {
        URI url = startServer(exchange -> {
            ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body(exchange));
            int spans = spans(request);
            int n = exports.incrementAndGet();
            if (n % 3 == 0) {
                exchange.getResponseHeaders().add("Retry-After", "0");
                respond(exchange, 503, new byte[0]);
                return;
            }
            // Every fifth answered export rejects one span inside a 200 (OTLP partial success).
            int rejected = n % 5 == 0 ? 1 : 0;
            spansReceived.addAndGet(spans);
            spansAccepted.addAndGet(spans - rejected);
            ExportTraceServiceResponse response = rejected == 0 ? ExportTraceServiceResponse.getDefaultInstance()
                    : ExportTraceServiceResponse.newBuilder().setPartialSuccess(ExportTracePartialSuccess.newBuilder()
                            .setRejectedSpans(rejected).setErrorMessage("one span was invalid")).build();
            respond(exchange, 200, response.toByteArray());
        });

        LoadOptions options = LoadOptions.parse(new String[] {"--url", url.toString(), "--clients", "3",
                "--spans", "5000", "--traces-per-request", "10"});
        LoadReport report = LoadDriver.run(options, ServerHealth.fetch(url));

        assertThat(report.throughput().acknowledgedSpans()).isEqualTo(spansAccepted.get());
        assertThat(report.throughput().acknowledgedSpans() + report.refusals().partiallyRejectedSpans())
                .isEqualTo(report.generation().spans()).isEqualTo(spansReceived.get()).isGreaterThanOrEqualTo(5000);
        assertThat(report.refusals().http503()).isPositive().isEqualTo(exports.get() / 3);
        assertThat(report.refusals().otherErrors()).isZero();
        assertThat(report.serverDelta().spansAccepted()).isEqualTo(spansAccepted.get());
        assertThat(report.latency().requests()).isEqualTo(report.throughput().acknowledgedRequests());
        assertThat(report.latency().p50Millis()).isLessThanOrEqualTo(report.latency().p99Millis());
    }

    @Test
    void gzipBodiesAreTheSameSeededRequestsCompressed() throws Exception {
        URI url = startServer(exchange -> {
            assertThat(exchange.getRequestHeaders().getFirst("Content-Encoding")).isEqualTo("gzip");
            ExportTraceServiceRequest request =
                    ExportTraceServiceRequest.parseFrom(new GZIPInputStream(exchange.getRequestBody()));
            spansReceived.addAndGet(spans(request));
            spansAccepted.addAndGet(spans(request));
            respond(exchange, 200, ExportTraceServiceResponse.getDefaultInstance().toByteArray());
        });

        LoadReport report = LoadDriver.run(LoadOptions.parse(new String[] {"--url", url.toString(), "--gzip",
                "--spans", "2000", "--seed", "7"}), ServerHealth.fetch(url));

        assertThat(report.throughput().acknowledgedSpans()).isEqualTo(spansReceived.get());
        assertThat(report.throughput().wireBytesPerSpan()).isEqualTo(report.generation().gzipBytesPerSpan())
                .isLessThan(report.generation().otlpBytesPerSpan() / 3);
    }

    @Test
    void errorsOtherThanRefusalsAreCountedAndNotRetried() throws Exception {
        URI url = startServer(exchange -> {
            body(exchange);
            exports.incrementAndGet();
            respond(exchange, 400, "bad".getBytes(StandardCharsets.UTF_8));
        });

        LoadReport report = LoadDriver.run(LoadOptions.parse(new String[] {"--url", url.toString(),
                "--spans", "500"}), ServerHealth.fetch(url));

        assertThat(report.throughput().acknowledgedSpans()).isZero();
        assertThat(report.refusals().errorsByKind()).containsEntry("HTTP 400", (long) exports.get());
        assertThat(report.refusals().failedSpans()).isEqualTo(report.generation().spans());
    }

    @Test
    void retryAfterIsReadAsSecondsOrAnHttpDate() {
        assertThat(ExportClient.retryAfter("3")).isEqualTo(Duration.ofSeconds(3));
        assertThat(ExportClient.retryAfter(null)).isEqualTo(ExportClient.DEFAULT_RETRY_AFTER);
        assertThat(ExportClient.retryAfter("soon")).isEqualTo(ExportClient.DEFAULT_RETRY_AFTER);
        assertThat(ExportClient.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).isEqualTo(Duration.ZERO);
        assertThat(ExportClient.retryAfter("86400")).isEqualTo(ExportClient.MAX_RETRY_AFTER);
    }

    @Test
    void percentilesAreNearestRankOfTheSortedLatencies() {
        LatencyLog log = new LatencyLog();
        for (long i = 100; i >= 1; i--) {
            log.record(i);
        }
        long[] sorted = LatencyLog.mergeSorted(java.util.List.of(log));
        assertThat(LatencyLog.percentile(sorted, 0.50)).isEqualTo(50);
        assertThat(LatencyLog.percentile(sorted, 0.99)).isEqualTo(99);
        assertThat(LatencyLog.percentile(sorted, 1.0)).isEqualTo(100);
        assertThat(LatencyLog.percentile(new long[0], 0.5)).isZero();
    }

    private interface Exporter {
        void handle(HttpExchange exchange) throws IOException;
    }

    private URI startServer(Exporter exporter) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/v1/traces", exchange -> {
            try {
                exporter.handle(exchange);
            } catch (IOException | RuntimeException | AssertionError e) {
                respond(exchange, 500, String.valueOf(e).getBytes(StandardCharsets.UTF_8));
            }
        });
        server.createContext("/health", exchange -> respond(exchange, 200,
                ("{\"status\":\"ok\",\"spansAccepted\":" + spansAccepted.get() + "}").getBytes(StandardCharsets.UTF_8)));
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private static byte[] body(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            return in.readAllBytes();
        }
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
        exchange.close();
    }

    private static int spans(ExportTraceServiceRequest request) {
        int spans = 0;
        for (ResourceSpans resource : request.getResourceSpansList()) {
            for (ScopeSpans scope : resource.getScopeSpansList()) {
                spans += scope.getSpansCount();
            }
        }
        return spans;
    }
}
