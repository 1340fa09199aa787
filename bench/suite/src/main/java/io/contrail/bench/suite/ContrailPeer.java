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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

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
    /** Longest wait for a merge's inputs to be deleted after compaction caught up ({@link #awaitInputsDeleted}). */
    static final Duration REAP_TIMEOUT = Duration.ofSeconds(60);
    static final int FRESHNESS_PROBES = 5;
    static final long RESTART_POLL_MILLIS = 50;
    /** The share of its limit at which the server's buffer counts as full for the restart measure. */
    static final double FULL_BUFFER_SHARE = 0.95;
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
     * @param sustainedSeconds load for this long, the corpus over and over ({@link SustainedRequests}); 0 loads
     *                     the corpus once
     */
    public record Settings(String classpath, String maxHeap, int clients, boolean gzip, List<String> extraJvmArgs,
                           List<String> serveArgs, long sustainedSeconds) {
        public static Settings defaults() {
            return new Settings(BenchClasspath.current(), ContrailServerProcess.DEFAULT_MAX_HEAP,
                    OtlpSender.DEFAULT_CLIENTS, false, List.of(), List.of(), 0);
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
     * @param healthAtLoadEnd   the server's GET /health right after the last acknowledgement: the backlog then
     *                          (spans buffered, merges pending, files)
     * @param secondsToCompacted from the first request until the compaction had caught up (every span acknowledged,
     *                          in Parquet, and no merge left to make)
     * @param serverCpuSecondsToCompacted the server process's CPU time (user + system) over that time; -1 when
     *                          /proc could not say
     * @param gcDuringLoad      the server's GC pauses from the first request to the last acknowledgement; null when
     *                          not measured ({@code gcError} says why)
     * @param gcToCompacted     its GC pauses from the first request until the compaction had caught up
     * @param sustainedSeconds  the load's time bound ({@code --sustained}); 0 when the corpus was sent once
     * @param passes            times the corpus was sent (the last one cut at the time bound)
     */
    public record IngestDetail(int clients, boolean gzip, String serverMaxHeap, OtlpSender.Result sender,
                               ProcessResources.Usage usage, double drainSeconds, long filesWhenVisible,
                               double compactionSeconds, long parquetFiles, long dataFolderBytes,
                               JsonNode healthAfterLoad, JsonNode healthAtLoadEnd, double secondsToCompacted,
                               double serverCpuSecondsToCompacted, GcPauses gcDuringLoad, GcPauses gcToCompacted,
                               String gcError, long sustainedSeconds, long passes) {

        /** Server CPU µs per acknowledged span, from the request to compacted Parquet; -1 when not measured. */
        public double cpuMicrosPerSpanToCompacted() {
            return serverCpuSecondsToCompacted < 0 || sender.spansAcknowledged() == 0 ? -1
                    : serverCpuSecondsToCompacted * 1e6 / sender.spansAcknowledged();
        }

        /** Acknowledged spans ÷ seconds from the first request until the compaction had caught up. */
        public double compactedSpansPerSecond() {
            return secondsToCompacted <= 0 ? 0 : sender.spansAcknowledged() / secondsToCompacted;
        }
    }

    /**
     * A {@code kill -9} of the server while it was taking a full-rate load, and its restart on the same
     * data folder. Seconds are counted from the moment the killed process was gone.
     *
     * @param spansBeforeLoad         {@code count(*)} before this load began
     * @param spansAcknowledged       spans of this load acknowledged before the kill
     * @param spansBufferedAtKill     the server's {@code spansBuffered} at its last /health before the kill
     *                                (acknowledged, not yet in Parquet: what the restart must recover)
     * @param peakSpansBuffered       the most {@code spansBuffered} any /health showed during this load
     * @param refusedBeforeKill       429/503 answers the clients had received: the buffer (or the body budget) full
     * @param trigger                 why the kill came when it did
     * @param bufferFull              whether the buffer was full at the kill (at its limit, or refusing)
     * @param loadSeconds             from the first request of this load to the kill
     * @param secondsToListening      until the new server printed that it listens
     * @param secondsToHealth         until its GET /health answered 200
     * @param secondsToQueryable      until {@code count(*)} held every acknowledged span
     * @param spansRecoveredOnStart   what the new server's /health says it replayed from the write-ahead log
     * @param spansAfter              {@code count(*)} when every acknowledged span was queryable
     * @param method                  how it was measured, in a sentence for RESULTS.md
     */
    public record Restart(long spansBeforeLoad, long spansAcknowledged, long spansBufferedAtKill, long peakSpansBuffered,
                          long refusedBeforeKill, String trigger, boolean bufferFull, double loadSeconds,
                          double secondsToListening,
                          double secondsToHealth, double secondsToQueryable, long spansRecoveredOnStart,
                          long spansAfter, String method) {
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
    private Path workDir;
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
        workDir = context.workDir();
        dataDir = workDir.resolve("data");
        progress = context.progress();
        context.progress().printf("  contrail: starting the server (child JVM, -Xmx%s)%s%n", settings.maxHeap(),
                settings.serveArgs().isEmpty() ? "" : " with " + String.join(" ", settings.serveArgs()));
        server = ContrailServerProcess.start(dataDir, workDir.resolve("server.log"), gcLog(), settings.classpath(),
                settings.maxHeap(), settings.extraJvmArgs(), settings.serveArgs());
        context.progress().printf("  contrail: pid %d listening on %s%n", server.pid(), server.baseUrl());
    }

    /** Where the first server logs its GC pauses. */
    private Path gcLog() {
        return workDir.resolve("gc.log");
    }

    @Override
    public LoadResult load(SpanCorpus corpus) throws Exception {
        OtlpSender sender = new OtlpSender(server.baseUrl(), settings.clients(), settings.gzip());
        ProcessResources resources = new ProcessResources(server.pid(), true);
        Path serverStat = Path.of("/proc", Long.toString(server.pid()), "stat");
        OtlpSender.Result sent;
        long loadStarted = System.nanoTime();
        long loadStartedMillis = System.currentTimeMillis();
        long ticksAtStart = ProcessResources.processTicks(serverStat);
        SustainedRequests sustained = settings.sustainedSeconds() > 0 ? new SustainedRequests(corpus,
                loadStarted + settings.sustainedSeconds() * 1_000_000_000L) : null;
        double visibleSeconds;
        JsonNode healthAtLoadEnd;
        try {
            Supplier<String> status = () -> {
                ProcessResources.Usage now = resources.usage();
                return String.format(Locale.ROOT, ", server CPU %.0f%%, RSS %,d MB", now.serverCpuPercent(),
                        now.peakRssBytes() >> 20);
            };
            if (sustained != null) {
                progress.printf("  contrail: sending the corpus over and over for %d s (--sustained), each pass with "
                        + "new trace IDs%n", settings.sustainedSeconds());
                sent = sender.send(sustained, 0, NAME, progress, status);
            } else {
                sent = sender.send(corpus, NAME, progress, status);
            }
            healthAtLoadEnd = health();
            visibleSeconds = awaitVisible(sent.spansAcknowledged(), loadStarted);
        } finally {
            resources.close();
        }
        if (!server.isAlive()) {
            throw new IOException("the Contrail server died during the load; its log:\n" + server.logTail());
        }
        long filesWhenVisible = spanFiles().size();
        double compactionSeconds = awaitCompaction();
        double secondsToCompacted = (System.nanoTime() - loadStarted) / 1e9;
        long compactedMillis = System.currentTimeMillis();
        long ticksAtCompacted = ProcessResources.processTicks(serverStat);
        double cpuSecondsToCompacted = ticksAtStart < 0 || ticksAtCompacted < 0 ? -1
                : (ticksAtCompacted - ticksAtStart) / (double) ProcessResources.TICKS_PER_SECOND;
        GcPauses gcDuringLoad = null;
        GcPauses gcToCompacted = null;
        String gcError = null;
        try {
            gcDuringLoad = GcPauses.read(gcLog(), loadStartedMillis, loadStartedMillis + Math.round(sent.ackSeconds() * 1000));
            gcToCompacted = GcPauses.read(gcLog(), loadStartedMillis, compactedMillis);
        } catch (IOException e) {
            gcError = "the server's GC log could not be read: " + e.getMessage();
        }
        awaitInputsDeleted();
        Map<Path, Long> spanFiles = spanFileSizes();
        long files = spanFiles.size();
        long parquetBytes = 0;
        for (long size : spanFiles.values()) {
            parquetBytes += size;
        }
        long stored = count("SELECT count(*) FROM spans");
        ingest = new IngestDetail(settings.clients(), settings.gzip(), settings.maxHeap(), sent, resources.usage(),
                visibleSeconds - sent.ackSeconds(), filesWhenVisible, compactionSeconds, files, folderBytes(dataDir),
                health(), healthAtLoadEnd, secondsToCompacted, cpuSecondsToCompacted, gcDuringLoad, gcToCompacted,
                gcError, settings.sustainedSeconds(), sustained == null ? 1 : sustained.passes());
        String notes = String.format(Locale.ROOT, "%d clients, OTLP protobuf%s over HTTP/1.1; a 200 means fsynced in the "
                        + "write-ahead log; %,d Parquet files when all spans were visible, %,d once the background "
                        + "compaction had caught up %.0f s later (bytes and queries are measured then, once its merges' "
                        + "inputs were deleted); %d×429, %d×503 "
                        + "answered%s%s", settings.clients(), settings.gzip() ? " (gzip)" : "", filesWhenVisible, files,
                compactionSeconds, sent.refused429(), sent.refused503(),
                sent.errors().isEmpty() ? "" : "; errors: " + sent.errors(), sustained == null ? ""
                        : String.format(Locale.ROOT, "; a sustained load of %d s (--sustained): the corpus sent %d times "
                        + "(the last pass cut at the time bound), each pass after the first with new trace IDs",
                        settings.sustainedSeconds(), sustained.passes()));
        ProcessResources.Usage usage = resources.usage();
        long offered = sustained == null ? corpus.spanCount() : sustained.spansOffered();
        return LoadResult.whole(offered, sent.spansAcknowledged(), stored, sent.ackSeconds(), visibleSeconds,
                parquetBytes, notes).withServerCpuSeconds(usage.serverCpuPercent() < 0 ? -1
                : usage.serverCpuPercent() / 100 * usage.seconds());
    }

    /** The span files under data/spans (no sidecars, no temp files). */
    private List<Path> spanFiles() throws IOException {
        return new io.contrail.columnar.DataLayout(dataDir).spanFiles();
    }

    /** The span files under data/spans (as the server counts them: no sidecars, no temp files) with their sizes. */
    private Map<Path, Long> spanFileSizes() throws IOException {
        Map<Path, Long> sizes = new java.util.LinkedHashMap<>();
        for (Path file : new io.contrail.columnar.DataLayout(dataDir).spanFiles()) {
            try {
                sizes.put(file, Files.size(file));
            } catch (java.nio.file.NoSuchFileException reaped) {
                // Deleted since it was listed (a merge's input): not on disk any more.
            }
        }
        return sizes;
    }

    /**
     * Every regular file under {@code folder} with its size, leaving out those deleted while the folder is
     * walked: the server deletes a merge's inputs a few seconds after the merge, and a file listed and
     * then gone is not on disk any more ({@link Files#walk} fails on it instead).
     */
    static Map<Path, Long> fileSizesUnder(Path folder) throws IOException {
        Map<Path, Long> files = new java.util.LinkedHashMap<>();
        if (Files.isDirectory(folder)) {
            io.contrail.columnar.DataLayout.walkSkippingDeleted(folder, Integer.MAX_VALUE, (file, attrs) -> {
                if (attrs.isRegularFile()) {
                    files.put(file, attrs.size());
                }
            });
        }
        return files;
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

    /**
     * Polls until the span files on disk are the live ones {@code /health} counts: a merge's inputs stay on
     * disk for a few seconds after it (until no query that could read them runs), and bytes per span count
     * what is kept, not a merge caught halfway. Gives up after {@link #REAP_TIMEOUT} (the server's reaper
     * waits at most its query timeout plus 10 s) and says so.
     */
    private void awaitInputsDeleted() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + REAP_TIMEOUT.toNanos();
        long live = -1;
        long onDisk = -1;
        while (System.nanoTime() < deadline) {
            live = health().path("files").asLong(-1);
            onDisk = spanFiles().size();
            if (onDisk <= live) {
                return;
            }
            Thread.sleep(COMPACTION_POLL_MILLIS);
        }
        progress.printf(Locale.ROOT, "  contrail: %,d span files on disk, %,d live, %d s after compaction caught up;"
                + " measuring bytes anyway%n", onDisk, live, REAP_TIMEOUT.toSeconds());
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

    /**
     * Restart after {@code kill -9} with a full buffer: sends new spans (a corpus of its own, {@code spans}
     * spans from {@code seed}, so none is already stored) at full rate while polling /health every
     * {@value #RESTART_POLL_MILLIS} ms, and kills the server with SIGKILL as soon as its buffer is full
     * ({@code spansBuffered} at {@value #FULL_BUFFER_SHARE} of {@code spansBufferLimit} or more: appends then wait
     * for room) or it refuses a request (429/503), or, should neither happen, once 90% of those spans are
     * acknowledged.
     * Then starts a new server on the same data folder and times, from the moment the killed process
     * is gone, until the new one listens, until /health answers 200, and until {@code count(*)} holds
     * every span stored before plus every span acknowledged before the kill. Run last: it adds spans,
     * and the peer's server is the new one afterwards.
     */
    public Restart measureRestart(long spans, long seed)
            throws IOException, InterruptedException, PeerUnavailableException {
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        SpanCorpus restartCorpus = SpanCorpus.generate(workDir.resolve("restart-corpus"), spans, seed, quiet);
        long before = count("SELECT count(*) FROM spans");
        OtlpSender sender = new OtlpSender(server.baseUrl(), settings.clients(), settings.gzip());
        AtomicReference<OtlpSender.Result> result = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread sending = new Thread(() -> {
            try {
                result.set(sender.send(restartCorpus, NAME, quiet, () -> ""));
            } catch (InterruptedException | RuntimeException e) {
                failure.set(e);
            }
        }, "bench-restart-load");
        sending.setDaemon(true);
        long loadStarted = System.nanoTime();
        sending.start();
        long peakBuffered = 0;
        long bufferedAtKill = -1;
        String trigger;
        boolean bufferFull = true;
        while (true) {
            JsonNode health = health();
            long buffered = health.path("spansBuffered").asLong(-1);
            if (buffered >= 0) {
                bufferedAtKill = buffered;
                peakBuffered = Math.max(peakBuffered, buffered);
            }
            long limit = health.path("spansBufferLimit").asLong(-1);
            if (buffered >= 0 && limit > 0 && buffered >= FULL_BUFFER_SHARE * limit) {
                trigger = String.format(Locale.ROOT, "its buffer was full: %,d spans of its limit of %,d", buffered, limit);
                break;
            }
            if (sender.refusals() > 0) {
                trigger = "the server refused a request (429/503): its buffer was full";
                break;
            }
            if (sender.spansAcknowledged() >= 0.9 * restartCorpus.spanCount()) {
                bufferFull = false;
                trigger = String.format(Locale.ROOT, "its buffer never filled nor did it refuse: 90%% of the %,d spans "
                        + "sent for this were acknowledged", restartCorpus.spanCount());
                break;
            }
            if (!sending.isAlive()) {
                bufferFull = false;
                trigger = "the load ended before the buffer filled";
                break;
            }
            Thread.sleep(RESTART_POLL_MILLIS);
        }
        // What the restart must recover, as close to the kill as can be read.
        long lastBuffered = health().path("spansBuffered").asLong(-1);
        if (lastBuffered >= 0) {
            bufferedAtKill = lastBuffered;
            peakBuffered = Math.max(peakBuffered, lastBuffered);
        }
        sender.stop();
        long refused = sender.refusals();
        progress.printf(Locale.ROOT, "  contrail: kill -9 with %,d spans buffered (%s)%n", bufferedAtKill, trigger);
        server.kill();
        long killed = System.nanoTime();
        double loadSeconds = (killed - loadStarted) / 1e9;
        server = ContrailServerProcess.start(dataDir, workDir.resolve("server-restart.log"), null, settings.classpath(),
                settings.maxHeap(), settings.extraJvmArgs(), settings.serveArgs());
        double listening = (System.nanoTime() - killed) / 1e9;
        long deadline = System.nanoTime() + VISIBILITY_TIMEOUT.toNanos();
        while (healthStatus() != 200) {
            if (System.nanoTime() > deadline) {
                throw new IOException("the restarted server's /health did not answer 200 within "
                        + VISIBILITY_TIMEOUT.toMinutes() + " minutes");
            }
            Thread.sleep(RESTART_POLL_MILLIS);
        }
        double healthy = (System.nanoTime() - killed) / 1e9;
        sending.join(TimeUnit.MINUTES.toMillis(5));
        if (result.get() == null) {
            throw new IOException("the load before the kill did not end: " + failure.get());
        }
        long expected = before + result.get().spansAcknowledged();
        long seen;
        while ((seen = count("SELECT count(*) FROM spans")) < expected) {
            if (System.nanoTime() > deadline) {
                throw new IOException(String.format(Locale.ROOT, "after the restart only %,d of %,d spans (%,d stored "
                        + "before, %,d acknowledged before the kill) were queryable after %d minutes", seen, expected,
                        before, result.get().spansAcknowledged(), VISIBILITY_TIMEOUT.toMinutes()));
            }
            Thread.sleep(RESTART_POLL_MILLIS);
        }
        double queryable = (System.nanoTime() - killed) / 1e9;
        long recovered = health().path("spansRecoveredOnStart").asLong(-1);
        progress.printf(Locale.ROOT, "  contrail: restarted: listening after %.2f s, /health 200 after %.2f s, every "
                + "acknowledged span queryable after %.2f s (%,d recovered from the write-ahead log)%n", listening,
                healthy, queryable, recovered);
        return new Restart(before, result.get().spansAcknowledged(), bufferedAtKill, peakBuffered, refused, trigger,
                bufferFull, loadSeconds, listening, healthy, queryable, recovered, seen, String.format(Locale.ROOT,
                "%d clients sent new spans (seed %d) at full rate while /health was polled every %d ms; SIGKILL when %s; "
                        + "a new `contrail serve` on the same data folder and options; times from the moment the killed "
                        + "process was gone; queryable = SELECT count(*) FROM spans (polled every %d ms) reached the spans "
                        + "stored before plus those acknowledged before the kill", settings.clients(), seed,
                RESTART_POLL_MILLIS, trigger, RESTART_POLL_MILLIS));
    }

    /** The HTTP status of GET /health, or -1 when it does not answer. */
    private int healthStatus() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health"))
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
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
        long bytes = 0;
        for (long size : fileSizesUnder(folder).values()) {
            bytes += size;
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
