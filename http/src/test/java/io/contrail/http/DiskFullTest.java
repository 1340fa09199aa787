package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.contrail.query.QueryException;
import io.contrail.workload.Workload;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data folder on a real filesystem that fills up (a 3 MB tmpfs, mounted for the test): ingest
 * answers 503 with Retry-After and a message naming the cause, nothing acknowledged is lost or
 * stored twice, no file is corrupt, and ingest resumes without a restart once there is room again
 * — and the store still recovers exactly after a restart. Mounting needs root (CI runs as root); where
 * it is refused the test is skipped and says why.
 */
class DiskFullTest {

    @TempDir
    Path parent;

    private Path mountPoint;
    private boolean mounted;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            run("umount", "-l", mountPoint.toString());
        }
    }

    @Test
    void aFullDiskIsAnswered503AndIngestResumesWhenSpaceReturnsWithNothingLost() throws Exception {
        mountPoint = Files.createDirectories(parent.resolve("small-disk"));
        String mount = run("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mountPoint.toString());
        assumeThat(mount).as("mounting a 3 MB tmpfs (needs root)").isEmpty();
        mounted = true;
        Path data = mountPoint.resolve("data");

        Workload workload = Workload.builder().seed(31).build();
        Map<String, Integer> acknowledged = new HashMap<>();
        HttpResponse<String> refused = null;
        byte[] refusedBody = null;
        List<ExportTraceServiceRequest> refusedRequest = new ArrayList<>();
        try (ContrailServer server = ContrailServer.start(ServerConfig.defaults(data).withAddress("127.0.0.1", 0))) {
            for (int i = 0; i < 400 && refused == null; i++) {
                ExportTraceServiceRequest request = workload.nextRequest(20);
                HttpResponse<String> response = post(server, request.toByteArray());
                if (response.statusCode() == 200) {
                    count(request, acknowledged);
                } else {
                    refused = response;
                    refusedBody = request.toByteArray();
                    refusedRequest.add(request);
                }
            }
            assertThat(refused).as("the 3 MB disk filled up").isNotNull();
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).as("Retry-After").isPresent();
            assertThat(refused.body()).contains("No space left on device");

            // Room again: the same request is taken without a restart.
            assertThat(run("mount", "-o", "remount,size=256m", mountPoint.toString())).isEmpty();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (post(server, refusedBody).statusCode() != 200) {
                assertThat(System.nanoTime()).as("ingest resumed once there was room").isLessThan(deadline);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            }
            count(refusedRequest.get(0), acknowledged);
            for (int i = 0; i < 5; i++) {
                ExportTraceServiceRequest request = workload.nextRequest(20);
                assertThat(post(server, request.toByteArray()).statusCode()).isEqualTo(200);
                count(request, acknowledged);
            }
            assertThat(server.store().flush(120_000)).as("the flusher caught up").isTrue();
            assertThat(stored(server)).as("every acknowledged span exactly once").isEqualTo(acknowledged);
        }
        try (ContrailServer restarted = ContrailServer.start(ServerConfig.defaults(data).withAddress("127.0.0.1", 0))) {
            restarted.store().flush();
            assertThat(stored(restarted)).as("after a restart, every acknowledged span exactly once").isEqualTo(acknowledged);
        }
    }

    private HttpResponse<String> post(ContrailServer server, byte[] body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/traces"))
                .header("Content-Type", "application/x-protobuf").timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void count(ExportTraceServiceRequest request, Map<String, Integer> into) {
        for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
            for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
                for (Span span : scopeSpans.getSpansList()) {
                    into.merge(HexFormat.of().formatHex(span.getTraceId().toByteArray()) + "/"
                            + HexFormat.of().formatHex(span.getSpanId().toByteArray()), 1, Integer::sum);
                }
            }
        }
    }

    /** Every stored span's count, read by DuckDB from every Parquet file (a corrupt file fails here). */
    private static Map<String, Integer> stored(ContrailServer server) throws QueryException {
        return server.engine().run("SELECT trace_id || '/' || span_id, count(*) FROM spans GROUP BY 1", List.of(), rs -> {
            Map<String, Integer> counts = new HashMap<>();
            while (rs.next()) {
                counts.put(rs.getString(1), rs.getInt(2));
            }
            return counts;
        });
    }

    /** Runs a command; returns its output when it failed, "" when it succeeded. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return process.waitFor() == 0 ? "" : "exit " + process.exitValue() + ": " + output;
    }
}
