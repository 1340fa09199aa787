package io.contrail.bench.suite;

import io.contrail.http.ContrailServer;
import io.contrail.http.ServerConfig;
import io.contrail.ingest.sampling.SamplingConfig;
import io.contrail.query.QueryException;
import io.contrail.workload.GroundTruth;
import io.contrail.workload.Workload;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Issue 5's accuracy figures: the seeded shop workload sent over OTLP/HTTP (one request per
 * resource, so a trace's spans arrive apart) to an in-process Contrail with tail sampling — keep
 * errors, keep the slowest 3%, a base percentage of the rest — then what was stored is compared
 * with what was sent. Run with {@code bench/sampling/run [--spans N] [--percentage P] [--out FILE]}.
 */
public final class SamplingAccuracyRun {

    static final long DEFAULT_SPANS = 1_000_000;
    static final double DEFAULT_PERCENTAGE = 10;
    static final int CLIENTS = 4;
    static final int TRACES_PER_REQUEST = 50;

    private SamplingAccuracyRun() {
    }

    public static void main(String[] args) throws Exception {
        long spans = DEFAULT_SPANS;
        double percentage = DEFAULT_PERCENTAGE;
        Path out = Path.of("bench", "results", "sampling.md");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--spans" -> spans = Long.parseLong(args[++i].replace("_", ""));
                case "--percentage" -> percentage = Double.parseDouble(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--help", "-h" -> {
                    System.out.println("usage: bench/sampling/run [--spans N (default 1000000)] "
                            + "[--percentage P (default 10)] [--out FILE (default bench/results/sampling.md)]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; see --help");
            }
        }
        String report = run(spans, percentage, String.join(" ", args), System.err);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, report);
        System.out.println(report);
        System.err.println("written to " + out);
    }

    static String run(long targetSpans, double percentage, String arguments, PrintStream progress) throws Exception {
        // The corpus first: the "slow" threshold is the workload's own 97th percentile.
        Workload workload = Workload.builder().seed(42).build();
        GroundTruth truth = new GroundTruth();
        List<ExportTraceServiceRequest> requests = new ArrayList<>();
        while (truth.spans() < targetSpans) {
            ExportTraceServiceRequest request = workload.nextRequest(TRACES_PER_REQUEST);
            truth.add(request);
            requests.add(request);
        }
        long slowMillis = truth.rootMillisAtShare(0.03);
        progress.printf("generated %,d spans in %,d traces; slow = root >= %d ms%n", truth.spans(),
                truth.spansByTrace().size(), slowMillis);

        Path data = Files.createTempDirectory("contrail-sampling-bench-");
        Path file = data.resolveSibling(data.getFileName() + ".yaml");
        Files.writeString(file, """
                policies:
                  - {name: errors, type: error}
                  - {name: slow, type: latency, thresholdMillis: %d}
                  - {name: baseline, type: probabilistic, percentage: %s}
                """.formatted(slowMillis, percentage));
        SamplingConfig sampling = SamplingConfig.read(file);
        long started = System.nanoTime();
        try (ContrailServer server = ContrailServer.start(ServerConfig.defaults(data).withAddress("127.0.0.1", 0)
                .withSampling(sampling))) {
            send(requests, URI.create(server.baseUrl() + "/v1/traces"), progress);
            requests.clear();
            while (server.store().stats().writes().heldForSampling() > 0) {
                LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
            }
            server.store().flush();
            double seconds = (System.nanoTime() - started) / 1e9;
            return report(server, truth, slowMillis, percentage, file, arguments, seconds);
        } finally {
            DuckDbLimitPeer.deleteTree(data);
            Files.deleteIfExists(file);
        }
    }

    private static void send(List<ExportTraceServiceRequest> requests, URI endpoint, PrintStream progress)
            throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<?>> pending = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                ExportTraceServiceRequest request = requests.get(i);
                pending.add(clients.submit(() -> {
                    List<ResourceSpans> resources = request.getResourceSpansList();
                    for (int r = resources.size() - 1; r >= 0; r--) {
                        post(http, endpoint, ExportTraceServiceRequest.newBuilder().addResourceSpans(resources.get(r))
                                .build().toByteArray());
                    }
                    return null;
                }));
                if (pending.size() >= CLIENTS * 4) {
                    pending.remove(0).get();
                }
                if (i % Math.max(1, requests.size() / 10) == 0) {
                    progress.printf("sent %d%%%n", 100L * i / requests.size());
                }
            }
            for (Future<?> future : pending) {
                future.get();
            }
        } finally {
            clients.shutdown();
            clients.awaitTermination(1, TimeUnit.MINUTES);
        }
    }

    private static void post(HttpClient http, URI endpoint, byte[] body) throws IOException, InterruptedException {
        for (int attempt = 0; attempt < 120; attempt++) {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(endpoint)
                    .header("Content-Type", "application/x-protobuf")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() == 200) {
                return;
            }
            if (response.statusCode() != 503 && response.statusCode() != 429) {
                throw new IOException("HTTP " + response.statusCode() + " from " + endpoint);
            }
            Thread.sleep(1000);
        }
        throw new IOException("still refused after 120 attempts");
    }

    private static String report(ContrailServer server, GroundTruth truth, long slowMillis, double percentage,
                                 Path samplingFile, String arguments, double seconds) throws QueryException, IOException {
        Map<String, Integer> stored = server.engine().run("SELECT trace_id, count(*) FROM spans GROUP BY 1", List.of(), rs -> {
            Map<String, Integer> counts = new HashMap<>();
            while (rs.next()) {
                counts.put(rs.getString(1), rs.getInt(2));
            }
            return counts;
        });
        long storedSpans = stored.values().stream().mapToLong(Integer::longValue).sum();
        long errorWhole = truth.errorTraces().stream()
                .filter(t -> truth.spansByTrace().get(t).equals(stored.get(t))).count();
        var slow = truth.tracesSlowerThan(slowMillis);
        long slowWhole = slow.stream().filter(t -> truth.spansByTrace().get(t).equals(stored.get(t))).count();
        long incomplete = stored.entrySet().stream()
                .filter(e -> !e.getValue().equals(truth.spansByTrace().get(e.getKey()))).count();
        double weighted = server.engine().run("SELECT sum(sample_weight) FROM spans", List.of(),
                rs -> rs.next() ? rs.getDouble(1) : 0);
        StringBuilder services = new StringBuilder();
        double worstRate = 0;
        double worstErrorPp = 0;
        Map<String, double[]> perService = server.engine().run("SELECT service_name, sum(sample_weight), "
                + "coalesce(sum(sample_weight) FILTER (WHERE status_code = 'ERROR'), 0) FROM spans GROUP BY 1 ORDER BY 1",
                List.of(), rs -> {
                    Map<String, double[]> rows = new java.util.TreeMap<>();
                    while (rs.next()) {
                        rows.put(rs.getString(1), new double[] {rs.getDouble(2), rs.getDouble(3)});
                    }
                    return rows;
                });
        for (Map.Entry<String, double[]> row : perService.entrySet()) {
            long trueSpans = truth.spansByService().get(row.getKey());
            long trueErrors = truth.errorSpansByService().getOrDefault(row.getKey(), 0L);
            double rateError = row.getValue()[0] / trueSpans - 1;
            double trueErrorPct = 100.0 * trueErrors / trueSpans;
            double estimatedErrorPct = 100.0 * row.getValue()[1] / row.getValue()[0];
            worstRate = Math.max(worstRate, Math.abs(rateError));
            worstErrorPp = Math.max(worstErrorPp, Math.abs(estimatedErrorPct - trueErrorPct));
            services.append(String.format(Locale.ROOT, "| %s | %,d | %,.0f | %+.2f%% | %.3f%% | %.3f%% | %+.3f |%n",
                    row.getKey(), trueSpans, row.getValue()[0], 100 * rateError, trueErrorPct, estimatedErrorPct,
                    estimatedErrorPct - trueErrorPct));
        }
        long decidedEarly;
        try {
            HttpResponse<String> sampling = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(server.baseUrl() + "/api/sampling")).build(), HttpResponse.BodyHandlers.ofString());
            decidedEarly = new com.fasterxml.jackson.databind.ObjectMapper().readTree(sampling.body())
                    .get("tracesDecidedEarly").asLong();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return String.format(Locale.ROOT, """
                # Tail sampling: accuracy on the seeded workload

                Generated by `bench/sampling/run%s` on %s (git %s). Machine: %d cores, %s.
                The seeded shop workload (seed 42) was sent over OTLP/HTTP protobuf to an in-process Contrail,
                one request per resource (so a trace's spans arrive in several requests, root last), %d clients,
                with this sampling file:

                ```yaml
                %s```

                The "slow" threshold is the workload's own 97th percentile root duration. %.0f s from the first
                request until every trace was decided and written (default quiet period 2 s).

                | measure | goal (issue 5) | figure |
                |---|---|---|
                | spans sent / stored | — | %,d / %,d (%.1f%%) |
                | error traces kept whole | 100%% | %.2f%% (%,d of %,d) |
                | traces above the latency threshold kept whole | 100%% | %.2f%% (%,d of %,d) |
                | sum(sample_weight) vs the true span count | within ±2%% | %+.2f%% (%,.0f vs %,d) |
                | per-service span rate, worst service | within ±5%% | %.2f%% |
                | per-service error rate, worst service | within ±0.5 pp | %.3f pp |
                | kept traces missing a span | 0 | %,d |
                | traces decided early (memory bound) | — | %,d |

                Per service (weighted = sum(sample_weight)):

                | service | true spans | weighted | rate error | true error rate | estimated | difference (pp) |
                |---|---:|---:|---:|---:|---:|---:|
                %s""",
                arguments.isEmpty() ? "" : " " + arguments, Instant.now().truncatedTo(ChronoUnit.SECONDS), CompareBenchRun.git(),
                Runtime.getRuntime().availableProcessors(), MachineInfo.current().cpuModel(), CLIENTS,
                Files.readString(samplingFile, StandardCharsets.UTF_8), seconds,
                truth.spans(), storedSpans, 100.0 * storedSpans / truth.spans(),
                100.0 * errorWhole / truth.errorTraces().size(), errorWhole, truth.errorTraces().size(),
                100.0 * slowWhole / slow.size(), slowWhole, slow.size(),
                100 * (weighted / truth.spans() - 1), weighted, truth.spans(),
                100 * worstRate, worstErrorPp, incomplete, decidedEarly, services);
    }


}
