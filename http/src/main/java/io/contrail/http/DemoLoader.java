package io.contrail.http;

import io.contrail.query.QueryException;
import io.contrail.workload.Workload;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * Sends demo traces — the seeded shop workload, spread over the last hour — to a server through
 * its real OTLP/HTTP endpoint, as an instrumented service would.
 */
final class DemoLoader {

    static final int DEFAULT_TRACES = 3_000;
    private static final int TRACES_PER_REQUEST = 50;

    private final URI baseUrl;
    private final PrintStream progress;
    /** Null when the server checks no tokens. */
    private final String bearerToken;
    private final HttpClient client;

    record Result(boolean skipped, long existingSpans, long traces, long spans) {
        String describe() {
            return skipped
                    ? "Demo data not loaded: the data folder already holds " + existingSpans + " spans."
                    : "Loaded " + traces + " demo traces (" + spans + " spans) through OTLP/HTTP.";
        }
    }

    DemoLoader(URI baseUrl, PrintStream progress) {
        this(baseUrl, progress, null, null);
    }

    /**
     * Sends with {@code Authorization: Bearer bearerToken} (a server with --auth; null sends none), over
     * HTTPS with {@code tls} (a server with --tls-cert; null: the JDK's default trust).
     */
    DemoLoader(URI baseUrl, PrintStream progress, String bearerToken, SSLContext tls) {
        this.baseUrl = baseUrl;
        this.progress = progress;
        this.bearerToken = bearerToken;
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        this.client = (tls == null ? client : client.sslContext(tls)).build();
    }

    Result loadIfEmpty(ContrailServer server, int traces) throws IOException, InterruptedException, QueryException {
        List<List<Object>> rows = server.engine().query("SELECT count(*) FROM spans").rows();
        long existing = ((Number) rows.get(0).get(0)).longValue();
        if (existing > 0) {
            return new Result(true, existing, 0, 0);
        }
        Result result = load(traces);
        server.store().flush();
        return result;
    }

    Result load(int traces) throws IOException, InterruptedException {
        long now = System.currentTimeMillis() * 1_000_000L;
        double perSecond = traces / 3600.0;
        Workload workload = Workload.builder().startTimeUnixNano(now - 3_600_000_000_000L)
                .tracesPerSecond(perSecond).build();
        long sent = 0;
        int lastPercent = -1;
        while (sent < traces) {
            int batch = (int) Math.min(TRACES_PER_REQUEST, traces - sent);
            send(workload.nextRequest(batch));
            sent += batch;
            int percent = (int) (100 * sent / traces);
            if (percent / 10 != lastPercent / 10) {
                progress.printf("  sending demo traces: %d%% (%d spans)%n", percent, workload.spansGenerated());
                lastPercent = percent;
            }
        }
        return new Result(false, 0, sent, workload.spansGenerated());
    }

    private void send(ExportTraceServiceRequest request) throws IOException, InterruptedException {
        HttpRequest.Builder building = HttpRequest.newBuilder(baseUrl.resolve("/v1/traces"))
                .header("Content-Type", "application/x-protobuf")
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(request.toByteArray()));
        if (bearerToken != null) {
            building.header("Authorization", "Bearer " + bearerToken);
        }
        HttpRequest post = building.build();
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> response = client.send(post, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                return;
            }
            if ((response.statusCode() == 429 || response.statusCode() == 503) && attempt < 10) {
                long retryAfter = response.headers().firstValueAsLong("Retry-After").orElse(1);
                Thread.sleep(retryAfter * 1000);
                continue;
            }
            throw new IOException("the server answered " + response.statusCode() + ": " + response.body());
        }
    }
}
