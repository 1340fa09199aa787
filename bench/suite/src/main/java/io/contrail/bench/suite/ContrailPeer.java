package io.contrail.bench.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Contrail as its users run it: {@code contrail serve} in a child JVM ({@link ContrailServerProcess}),
 * fed the corpus over OTLP/HTTP protobuf by {@link OtlpSender}'s concurrent clients, queried
 * through {@code POST /api/sql} (JSON), the way a dashboard would. Query times are wall times of
 * the HTTP exchange, including parsing the JSON answer.
 */
public final class ContrailPeer implements DuckDbDialectPeer {

    public static final String NAME = "contrail";
    static final Duration VISIBILITY_TIMEOUT = Duration.ofMinutes(10);
    static final long VISIBILITY_POLL_MILLIS = 250;
    static final Duration COMPACTION_TIMEOUT = Duration.ofMinutes(60);
    static final long COMPACTION_POLL_MILLIS = 2_000;
    static final int FRESHNESS_PROBES = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * How to run the server and the load.
     *
     * @param classpath    classpath of the server JVM (holds contrail-http and its dependencies)
     * @param maxHeap      the server's -Xmx
     * @param clients      concurrent OTLP/HTTP clients
     * @param gzip         send request bodies gzipped
     * @param extraJvmArgs more server JVM options (e.g. -XX:StartFlightRecording=…)
     * @param serveArgs    more options of {@code contrail serve} (e.g. --query-timeout=600)
     */
    public record Settings(String classpath, String maxHeap, int clients, boolean gzip, List<String> extraJvmArgs,
                           List<String> serveArgs) {
        public static Settings defaults() {
            return new Settings(BenchClasspath.current(), ContrailServerProcess.DEFAULT_MAX_HEAP,
                    OtlpSender.DEFAULT_CLIENTS, false, List.of(), List.of());
        }
    }

    /**
     * How the load went, beyond {@link LoadResult}: what the clients saw, what the server used.
     *
     * @param drainSeconds      from the last acknowledgement to all spans visible to SQL
     * @param filesWhenVisible  span files when every span was visible (compaction may be behind)
     * @param compactionSeconds from then until the background compaction had nothing left to merge
     * @param parquetFiles      span files after that, as the queries find them
     * @param dataFolderBytes   the whole data folder (Parquet plus any write-ahead log left)
     * @param healthAfterLoad   the server's GET /health once compaction had caught up
     */
    public record IngestDetail(int clients, boolean gzip, String serverMaxHeap, OtlpSender.Result sender,
                               ProcessResources.Usage usage, double drainSeconds, long filesWhenVisible,
                               double compactionSeconds, long parquetFiles, long dataFolderBytes,
                               JsonNode healthAfterLoad) {
    }

    /** Acknowledged → visible to SQL, for single spans sent to an idle server. */
    public record Freshness(List<Double> seconds, String method) {
        public double median() {
            List<Double> sorted = new ArrayList<>(seconds);
            sorted.sort(Double::compare);
            return sorted.isEmpty() ? -1 : sorted.get(sorted.size() / 2);
        }

        public double max() {
            return seconds.stream().mapToDouble(Double::doubleValue).max().orElse(-1);
        }
    }

    private final Settings settings;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private ContrailServerProcess server;
    private PrintStream progress = System.out;
    private Path dataDir;
    private IngestDetail ingest;

    public ContrailPeer() {
        this(Settings.defaults());
    }

    public ContrailPeer(Settings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start(BenchContext context) throws Exception {
        dataDir = context.workDir().resolve("data");
        progress = context.progress();
        context.progress().printf("  contrail: starting the server (child JVM, -Xmx%s)%s%n", settings.maxHeap(),
                settings.serveArgs().isEmpty() ? "" : " with " + String.join(" ", settings.serveArgs()));
        server = ContrailServerProcess.start(dataDir, context.workDir().resolve("server.log"), settings.classpath(),
                settings.maxHeap(), settings.extraJvmArgs(), settings.serveArgs());
        context.progress().printf("  contrail: pid %d listening on %s%n", server.pid(), server.baseUrl());
    }

    @Override
    public LoadResult load(SpanCorpus corpus) throws Exception {
        OtlpSender sender = new OtlpSender(server.baseUrl(), settings.clients(), settings.gzip());
        ProcessResources resources = new ProcessResources(server.pid(), true);
        OtlpSender.Result sent;
        long loadStarted = System.nanoTime();
        double visibleSeconds;
        try {
            sent = sender.send(corpus, NAME, progress, () -> {
                ProcessResources.Usage now = resources.usage();
                return String.format(Locale.ROOT, ", server CPU %.0f%%, RSS %,d MB", now.serverCpuPercent(),
                        now.peakRssBytes() >> 20);
            });
            visibleSeconds = awaitVisible(sent.spansAcknowledged(), loadStarted);
        } finally {
            resources.close();
        }
        if (!server.isAlive()) {
            throw new IOException("the Contrail server died during the load; its log:\n" + server.logTail());
        }
        long filesWhenVisible = spanFiles().size();
        double compactionSeconds = awaitCompaction();
        List<Path> spanFiles = spanFiles();
        long files = spanFiles.size();
        long parquetBytes = 0;
        for (Path file : spanFiles) {
            parquetBytes += Files.size(file);
        }
        long stored = count("SELECT count(*) FROM spans");
        ingest = new IngestDetail(settings.clients(), settings.gzip(), settings.maxHeap(), sent, resources.usage(),
                visibleSeconds - sent.ackSeconds(), filesWhenVisible, compactionSeconds, files, folderBytes(dataDir),
                health());
        String notes = String.format(Locale.ROOT, "%d clients, OTLP protobuf%s over HTTP/1.1; a 200 means fsynced in the "
                        + "write-ahead log; %,d Parquet files when all spans were visible, %,d once the background "
                        + "compaction had caught up %.0f s later (bytes and queries are measured then); %d×429, %d×503 "
                        + "answered%s", settings.clients(), settings.gzip() ? " (gzip)" : "", filesWhenVisible, files,
                compactionSeconds, sent.refused429(), sent.refused503(),
                sent.errors().isEmpty() ? "" : "; errors: " + sent.errors());
        ProcessResources.Usage usage = resources.usage();
        return LoadResult.whole(corpus.spanCount(), sent.spansAcknowledged(), stored, sent.ackSeconds(), visibleSeconds,
                parquetBytes, notes).withServerCpuSeconds(usage.serverCpuPercent() < 0 ? -1
                : usage.serverCpuPercent() / 100 * usage.seconds());
    }

    /** The span files under data/spans (no sidecars, no temp files). */
    private List<Path> spanFiles() throws IOException {
        try (Stream<Path> walk = Files.walk(dataDir.resolve("spans"))) {
            return walk.filter(file -> Files.isRegularFile(file) && file.getFileName().toString().endsWith(".parquet")
                    && !file.getFileName().toString().startsWith(".")).toList();
        }
    }

    /**
     * Polls {@code /health} until the background compaction has no merge left to make (its
     * {@code compactionPending}), printing progress; the seconds that took. Bytes per span are
     * measured "after compaction", and a store that has finished loading is compacted before long.
     */
    private double awaitCompaction() throws IOException, InterruptedException {
        long started = System.nanoTime();
        long deadline = started + COMPACTION_TIMEOUT.toNanos();
        long lastReport = started;
        while (true) {
            JsonNode health = health();
            long pending = health.path("compactionPending").asLong(-1);
            double seconds = (System.nanoTime() - started) / 1e9;
            if (pending == 0) {
                progress.printf(Locale.ROOT, "  contrail: compaction caught up %.0f s after the load (%,d files)%n",
                        seconds, health.path("files").asLong());
                return seconds;
            }
            if (pending < 0) {
                throw new IOException("the server's /health does not say how many merges are pending: " + health);
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the background compaction did not catch up within " + COMPACTION_TIMEOUT.toMinutes()
                        + " minutes of the load; /health: " + health);
            }
            if (System.nanoTime() - lastReport > 30_000_000_000L) {
                lastReport = System.nanoTime();
                progress.printf(Locale.ROOT, "  contrail: waiting for compaction: %,d merges pending, %,d files, %.0f s%n",
                        pending, health.path("files").asLong(), seconds);
            }
            Thread.sleep(COMPACTION_POLL_MILLIS);
        }
    }

    /** Polls {@code count(*)} until it reaches {@code expected}; seconds since {@code startedNanos}. */
    private double awaitVisible(long expected, long startedNanos) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + VISIBILITY_TIMEOUT.toNanos();
        long seen = -1;
        while (System.nanoTime() < deadline) {
            seen = count("SELECT count(*) FROM spans");
            if (seen >= expected) {
                return (System.nanoTime() - startedNanos) / 1e9;
            }
            Thread.sleep(VISIBILITY_POLL_MILLIS);
        }
        throw new IOException("only " + seen + " of " + expected + " acknowledged spans were visible to SQL after "
                + VISIBILITY_TIMEOUT.toMinutes() + " minutes");
    }

    public IngestDetail ingestDetail() {
        return ingest;
    }

    /**
     * Sends single-span requests with a fresh trace ID to the idle server and times each from its
     * acknowledgement until {@code SELECT count(*) … WHERE trace_id = …} finds it. Run after the
     * query rounds: the probe spans are extra rows the other peers do not have.
     */
    public Freshness measureFreshness() throws IOException, InterruptedException {
        List<Double> seconds = new ArrayList<>();
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < FRESHNESS_PROBES; i++) {
            byte[] traceId = new byte[16];
            byte[] spanId = new byte[8];
            random.nextBytes(traceId);
            random.nextBytes(spanId);
            long now = Instant.now().toEpochMilli() * 1_000_000L;
            ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder().addResourceSpans(
                    ResourceSpans.newBuilder().setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder()
                                    .setKey("service.name").setValue(AnyValue.newBuilder().setStringValue("bench-freshness"))))
                            .addScopeSpans(ScopeSpans.newBuilder().addSpans(Span.newBuilder()
                                    .setTraceId(ByteString.copyFrom(traceId)).setSpanId(ByteString.copyFrom(spanId))
                                    .setName("freshness probe").setKind(Span.SpanKind.SPAN_KIND_SERVER)
                                    .setStartTimeUnixNano(now).setEndTimeUnixNano(now + 1_000_000L)))).build();
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/traces"))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/x-protobuf")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(request.toByteArray())).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            long acknowledged = System.nanoTime();
            if (response.statusCode() != 200) {
                throw new IOException("freshness probe answered HTTP " + response.statusCode());
            }
            ZonedDateTime start = Instant.ofEpochMilli(now / 1_000_000L).atZone(ZoneOffset.UTC);
            String sql = "SELECT count(*) FROM spans WHERE trace_id = '" + HexFormat.of().formatHex(traceId)
                    + "' AND \"date\" = DATE '" + start.toLocalDate() + "' AND \"hour\" = " + start.getHour();
            long deadline = acknowledged + Duration.ofSeconds(60).toNanos();
            while (count(sql) < 1) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("a freshness probe span was not visible 60 s after its acknowledgement");
                }
                Thread.sleep(10);
            }
            seconds.add((System.nanoTime() - acknowledged) / 1e9);
        }
        return new Freshness(seconds, FRESHNESS_PROBES + " single-span requests to the idle server, each timed from "
                + "its 200 until SELECT count(*) over spans (pruned to its date/hour) found it, polling every 10 ms");
    }

    @Override
    public QueryOutcome sql(String sql) throws IOException, InterruptedException {
        long started = System.nanoTime();
        JsonNode answer = post(sql);
        long elapsed = System.nanoTime() - started;
        if (answer.path("truncated").asBoolean(false)) {
            throw new IOException("the answer was cut at Contrail's row cap (" + answer.path("rows").size()
                    + " rows): the suite's queries must stay under it");
        }
        return QueryOutcome.timed(elapsed, answer.path("rows").size());
    }

    @Override
    public String explainAnalyze(String sql) throws IOException, InterruptedException {
        JsonNode answer = post("EXPLAIN ANALYZE " + sql);
        StringBuilder text = new StringBuilder();
        for (JsonNode row : answer.path("rows")) {
            text.append(row.get(row.size() - 1).asText()).append('\n');
        }
        return text.toString();
    }

    private long count(String sql) throws IOException, InterruptedException {
        return post(sql).path("rows").path(0).path(0).asLong();
    }

    private JsonNode post(String sql) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode().put("sql", sql);
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/sql"))
                        .timeout(Duration.ofMinutes(5)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new IOException("POST /api/sql answered " + response.statusCode() + ": "
                    + new String(response.body(), StandardCharsets.UTF_8));
        }
        return JSON.readTree(response.body());
    }

    private JsonNode health() {
        try {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health"))
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            return JSON.readTree(response.body());
        } catch (IOException e) {
            return JSON.createObjectNode().put("error", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return JSON.createObjectNode().put("error", "interrupted");
        }
    }

    static long folderBytes(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        long bytes = 0;
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path file : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(file)) {
                    bytes += Files.size(file);
                }
            }
        }
        return bytes;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
