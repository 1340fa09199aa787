package io.contrail.bench.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import zipkin2.codec.SpanBytesEncoder;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The peer "a real tracing backend that runs here": the Zipkin server (its exec jar from Maven
 * Central) on its MySQL storage, backed by a throwaway MariaDB server (Debian's
 * {@code mariadb-server}), fed Zipkin JSON v2 over HTTP and asked the questions its HTTP API can
 * answer.
 *
 * <p>Loading converts the corpus's OTLP spans as OpenTelemetry's Zipkin exporters do (see
 * {@link ZipkinSpanConverter}) and posts one JSON v2 body per OTLP request to
 * {@code /api/v2/spans} from {@value #DEFAULT_CLIENTS} concurrent clients. Two clocks: Zipkin's
 * 202 means "accepted in memory" — the server answers before it writes to MySQL — so the ack
 * figure is not durable. Zipkin's MySQL storage then writes through one thread (a Spring executor
 * with its defaults: one thread, an unbounded queue in the heap), one INSERT per span and one per
 * tag or annotation; the stored figure runs until the rows of {@code zipkin_spans} (counted over
 * JDBC) reach the number acknowledged, stop growing for {@value #STORED_STALL_SECONDS} s, or the
 * wait reaches its bound ({@link #DEFAULT_MAX_STORED_WAIT} unless configured). When not everything
 * was stored, the Zipkin server is restarted before the queries, so they run on a quiet server; the
 * acknowledged spans it still held in memory are lost, as a crash would lose them, and the load
 * notes say how many.
 *
 * <p>Queries go through the API a Zipkin user has: trace by ID, trace search, tag equality through
 * {@code annotationQuery}, and the dependency links (which MySQL storage computes at query time
 * from the spans, as long as no batch job has filled {@code zipkin_dependencies}). Everything else
 * needs aggregation the API does not have and is answered {@link QueryOutcome#unsupported}. The
 * API always needs a time window; the needle searches and the links get one that holds all the
 * loaded data, because the other peers search every span. A timed run covers the HTTP request and reading the whole response; counting the answer's rows is
 * not timed.
 *
 * <p>What a caller must know: the peer loads only a share of the corpus, its first whole requests
 * holding {@link #DEFAULT_SPAN_SHARE} spans unless configured ({@link SpanCorpus#prefix}). Zipkin
 * acknowledges into memory and stores ~130 spans/s here, so a whole corpus of millions of spans
 * would never be stored in a run and would fill its heap first (at 1M spans it held 527k unstored
 * spans in a 5.9 GB heap after an hour). {@link LoadResult#shareReason()} says so beside its figures.
 * The suite's probes lie within the share ({@link SpanCorpus#holdsProbes()}); when they do not,
 * the needle questions are not asked, with that reason.
 */
public final class ZipkinPeer implements Peer {

    public static final String NAME = "zipkin-mysql";
    /** Concurrent HTTP clients posting spans. */
    static final int DEFAULT_CLIENTS = 4;
    /** Encoded POST bodies held between the converter thread and the clients. */
    static final int DEFAULT_QUEUED_POSTS = 32;
    /** The stored clock stops when {@code zipkin_spans} has not grown for this long. */
    static final long STORED_STALL_SECONDS = 30;
    /**
     * Spans of the corpus Zipkin gets unless configured (whole requests from the start, so a few
     * more): Zipkin on MySQL stored 100–130 spans/s here, so these are stored in 6–9 minutes.
     */
    public static final long DEFAULT_SPAN_SHARE = 50_000;
    /**
     * The stored clock stops after this long in any case: about twice what {@link #DEFAULT_SPAN_SHARE}
     * takes at 100 spans/s. A larger share gets a longer bound ({@link #maxStoredWaitFor}).
     */
    static final Duration DEFAULT_MAX_STORED_WAIT = Duration.ofMinutes(20);
    /** Half the slowest rate Zipkin on MySQL stored here: the bound gives a share twice its expected time. */
    private static final long BOUND_SPANS_PER_SECOND = 50;
    /** Questions that ask about a probe value; not asked when the share does not hold the probes. */
    private static final Set<BenchQuery> PROBE_QUESTIONS = EnumSet.of(BenchQuery.TRACE_BY_ID,
            BenchQuery.SEARCH_SERVICE_OPERATION_WINDOW, BenchQuery.HIGH_CARDINALITY_EQUALITY,
            BenchQuery.EVENT_FIELD_SEARCH);
    /** {@code count(*)} of {@code zipkin_spans} scans an index, so it is not run more often than this. */
    static final long STORED_POLL_MILLIS = 1_000;
    static final long PROGRESS_INTERVAL_SECONDS = 10;
    /** Longest wait for the converter to fill the queue before the clock starts anyway. */
    static final long PREFILL_TIMEOUT_SECONDS = 120;
    /** The suite's search asks for the 20 newest traces. */
    static final int SEARCH_LIMIT = 20;
    /**
     * Traces asked for by the needle searches (user.id, exception.type), which the other peers
     * answer with every matching span; Zipkin answers whole traces, at most {@code limit} of them.
     */
    static final int NEEDLE_TRACE_LIMIT = 1_000;

    private static final long MICROS_PER_MILLI = 1_000L;
    private static final long NANOS_PER_MILLI = 1_000_000L;
    private static final double NANOS_PER_SECOND = 1e9;
    /** Longer than the server's own limit, so a slow query ends with Zipkin's answer, not ours. */
    private static final Duration REQUEST_TIMEOUT = ZipkinServer.QUERY_TIMEOUT.plusMinutes(1);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Map<BenchQuery, String> UNSUPPORTED = unsupportedReasons();

    private final long spanShare;
    private final Duration maxStoredWait;
    private final ZipkinSpanConverter converter = new ZipkinSpanConverter();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private PrintStream progress = System.out;
    private Path folder;
    private String zipkinVersion;
    private Path jar;
    private ZipkinMariaDb mariaDb;
    private ZipkinServer server;
    /** Earliest and latest span start of the loaded data, in epoch milliseconds, for the needle searches. */
    private long dataStartMillis = -1;
    private long dataEndMillis = -1;
    /** Whether the loaded share holds the suite's probe values. */
    private boolean holdsProbes = true;

    public ZipkinPeer() {
        this(DEFAULT_SPAN_SHARE, DEFAULT_MAX_STORED_WAIT);
    }

    /** @param maxStoredWait how long {@link #load} waits at most for MySQL to hold the acknowledged spans */
    public ZipkinPeer(Duration maxStoredWait) {
        this(DEFAULT_SPAN_SHARE, maxStoredWait);
    }

    /**
     * @param spanShare     spans of the corpus to load: its first whole requests holding at least this many
     * @param maxStoredWait how long {@link #load} waits at most for MySQL to hold the acknowledged spans
     */
    public ZipkinPeer(long spanShare, Duration maxStoredWait) {
        if (spanShare <= 0) {
            throw new IllegalArgumentException("spanShare must be positive: " + spanShare);
        }
        if (maxStoredWait.isNegative() || maxStoredWait.isZero()) {
            throw new IllegalArgumentException("maxStoredWait must be positive: " + maxStoredWait);
        }
        this.spanShare = spanShare;
        this.maxStoredWait = maxStoredWait;
    }

    /** How long to wait at most for MySQL to store a share of {@code spanShare} spans. */
    static Duration maxStoredWaitFor(long spanShare) {
        Duration scaled = Duration.ofSeconds(spanShare / BOUND_SPANS_PER_SECOND);
        return scaled.compareTo(DEFAULT_MAX_STORED_WAIT) > 0 ? scaled : DEFAULT_MAX_STORED_WAIT;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start(BenchContext context) throws Exception {
        progress = context.progress();
        folder = context.workDir().resolve(name());
        zipkinVersion = ZipkinServer.version();
        Files.createDirectories(folder);
        jar = ZipkinServer.locateJar(zipkinVersion, folder, context.repositoryRoot(), progress);
        String schema = ZipkinServer.mysqlSchema(jar);
        mariaDb = ZipkinMariaDb.start(folder.resolve("mariadb"), progress);
        mariaDb.runScript(schema);
        server = ZipkinServer.start(folder.resolve("server"), jar, mariaDb, progress);
    }

    /** One POST: a JSON v2 list of spans. */
    private record Post(byte[] body, int spans) {
        static final Post END = new Post(new byte[0], 0);
    }

    @Override
    public LoadResult load(SpanCorpus whole) throws Exception {
        SpanCorpus corpus = whole.prefix(spanShare);
        boolean partial = corpus.spanCount() < whole.spanCount();
        holdsProbes = corpus.holdsProbes();
        if (partial) {
            progress.printf(Locale.ROOT, "  zipkin-mysql: loading its share, the first %,d of %,d spans (%,d requests)%n",
                    corpus.spanCount(), whole.spanCount(), corpus.requestCount());
        }
        BlockingQueue<Post> queue = new ArrayBlockingQueue<>(DEFAULT_QUEUED_POSTS);
        AtomicReference<Throwable> converterFailure = new AtomicReference<>();
        AtomicLong earliestMicros = new AtomicLong(Long.MAX_VALUE);
        AtomicLong latestMicros = new AtomicLong(Long.MIN_VALUE);
        AtomicLong converterBusyNanos = new AtomicLong();
        Thread converterThread = new Thread(() -> convertAll(corpus, queue, earliestMicros, latestMicros,
                converterBusyNanos, converterFailure), "zipkin-peer-converter");
        converterThread.setDaemon(true);
        converterThread.start();
        long prefillDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PREFILL_TIMEOUT_SECONDS);
        while (queue.remainingCapacity() > 0 && converterThread.isAlive() && System.nanoTime() < prefillDeadline) {
            Thread.sleep(10);
        }

        ProcessResources serverResources = new ProcessResources(server.pid(), true);
        ProcessResources databaseResources = new ProcessResources(mariaDb.pid(), false);
        long startNanos = System.nanoTime();
        Posting posting = postAll(queue, corpus.spanCount());
        converterThread.join();
        if (converterFailure.get() != null) {
            serverResources.close();
            databaseResources.close();
            throw new IllegalStateException("converting the corpus to Zipkin spans failed", converterFailure.get());
        }
        long acked = posting.acknowledgedSpans();
        double ackSeconds = posting.lastAckNanos() == 0 ? 0 : (posting.lastAckNanos() - startNanos) / NANOS_PER_SECOND;
        progress.printf("  zipkin-mysql: %,d spans acknowledged in %.1f s (%,.0f spans/s); waiting for MySQL%n",
                acked, ackSeconds, ackSeconds > 0 ? acked / ackSeconds : 0);

        StoredProgress stored = awaitStored(acked, startNanos);
        ProcessResources.Usage serverUsage = serverResources.usage();
        ProcessResources.Usage databaseUsage = databaseResources.usage();
        serverResources.close();
        databaseResources.close();
        String serverLogAtEnd = stored.rows() < acked ? server.logTail() : "";
        if (stored.rows() < acked) {
            progress.printf("  zipkin-mysql: restarting the Zipkin server, which still holds %,d acknowledged spans"
                    + " in memory, so the queries run on a quiet server%n", acked - stored.rows());
            server.close();
            server = ZipkinServer.start(folder.resolve("server-restarted"), jar, mariaDb, progress);
        }
        long storedRows = countRows("zipkin_spans");
        dataStartMillis = earliestMicros.get() / MICROS_PER_MILLI;
        dataEndMillis = latestMicros.get() / MICROS_PER_MILLI + 1;

        Map<String, Long> bytesByTable = mariaDb.tableBytes();
        long tableBytes = bytesByTable.values().stream().mapToLong(Long::longValue).sum();
        long fileBytes = mariaDb.databaseFileBytes();
        long annotationRows = countRows("zipkin_annotations");
        double storedSeconds = (stored.lastGrowthNanos() - startNanos) / NANOS_PER_SECOND;
        String shareReason = partial ? shareReason(whole, corpus, storedSeconds <= 0 ? 0 : stored.rows() / storedSeconds)
                : null;
        StringBuilder notes = new StringBuilder();
        if (shareReason != null) {
            notes.append(shareReason).append(' ');
        }
        notes.append(String.format(Locale.ROOT, "Zipkin server %s (exec jar) on MySQL storage, %s, Zipkin's mysql.sql"
                        + " schema (InnoDB ROW_FORMAT=COMPRESSED). Sent %,d spans as Zipkin JSON v2 in %,d POSTs (one per"
                        + " OTLP request) from %d clients. ack = Zipkin's 202, which means accepted in memory: the server"
                        + " answers before it writes to MySQL, so acknowledged spans are not durable",
                zipkinVersion, mariaDb.describe(), corpus.spanCount(), posting.posts(), DEFAULT_CLIENTS));
        if (posting.refusedSpans() > 0) {
            notes.append(String.format(Locale.ROOT, "; %,d spans refused, the first refusal: %s",
                    posting.refusedSpans(), posting.firstRefusal()));
        }
        notes.append(String.format(Locale.ROOT, ". stored = rows in zipkin_spans, counted over JDBC every %d s:"
                        + " reached %,d of %,d acknowledged (%.1f%%) %.1f s after the first POST",
                STORED_POLL_MILLIS / 1_000, stored.rows(), acked, acked == 0 ? 0 : 100.0 * stored.rows() / acked,
                storedSeconds));
        notes.append(" (Zipkin's MySQL storage writes through one thread, its Spring executor's default, with an"
                + " unbounded queue in the heap: one INSERT per span and one per tag or annotation)");
        if (stored.rows() < acked) {
            notes.append(switch (stored.end()) {
                case SERVER_DIED -> ", then the Zipkin server died; the end of its log: " + serverLogAtEnd;
                case STALLED -> String.format(Locale.ROOT, ", then did not grow for %d s", STORED_STALL_SECONDS);
                case TIME_LIMIT -> ", when the wait reached its bound of " + maxStoredWait;
                case COMPLETE -> "";
            });
            notes.append(String.format(Locale.ROOT, "; the Zipkin server was then restarted for the queries, losing"
                    + " the %,d acknowledged spans it still held in memory (%,d rows stored in the end)",
                    acked - storedRows, storedRows));
        }
        notes.append(String.format(Locale.ROOT, ". bytes = data_length + index_length of the zipkin tables in"
                        + " information_schema after ANALYZE TABLE (%s; %,d rows in zipkin_annotations, one per tag or"
                        + " annotation, %.1f per stored span; the tables' .ibd files: %,d bytes; InnoDB's shared redo"
                        + " log and system tablespace not counted)",
                tableSizes(bytesByTable), annotationRows, storedRows == 0 ? 0.0 : (double) annotationRows / storedRows,
                fileBytes));
        notes.append(String.format(Locale.ROOT, ". During the load Zipkin used %s, MariaDB %s; the clients waited"
                        + " %.1f s in all for the converter (one thread, %.1f s busy)",
                usageText(serverUsage, true), usageText(databaseUsage, false),
                posting.clientWaitNanos() / NANOS_PER_SECOND, converterBusyNanos.get() / NANOS_PER_SECOND));
        notes.append(". Conversion as OpenTelemetry's Zipkin exporters do: resource attributes and the exception"
                + " event's exception.* attributes become tags, events annotations, links are dropped. Zipkin's"
                + " QUERY_TIMEOUT is raised from 11 s to " + ZipkinServer.QUERY_TIMEOUT.toSeconds()
                + " s so slow queries are timed, not refused");
        return new LoadResult(acked, stored.rows(), ackSeconds, storedSeconds, tableBytes, notes.toString(),
                corpus.spanCount(), shareReason);
    }

    /** Which share Zipkin got, why, and how to read its figures; {@code storedPerSecond} is this run's rate. */
    private String shareReason(SpanCorpus whole, SpanCorpus share, double storedPerSecond) {
        String wholeTime = storedPerSecond <= 0 ? "more time than any run has"
                : "about " + RunEstimate.duration(whole.spanCount() / storedPerSecond);
        return String.format(Locale.ROOT, "Zipkin's figures are on the first %,d of the corpus's %,d spans (%,d whole"
                        + " OTLP requests; `bench/run --zipkin-spans` sets the share, %,d unless told): it acknowledges"
                        + " into memory and its MySQL storage writes through one thread, %,.0f spans/s in this run, so"
                        + " all %,d spans would take %s to store, and the spans waiting meanwhile fill its heap. Its"
                        + " rates and bytes per span are per span and compare with the other peers'; its query times"
                        + " are on this smaller store, %.2f%% of the others' spans, and its answers to needle"
                        + " questions hold only the matching spans among these.", share.spanCount(), whole.spanCount(),
                share.requestCount(), DEFAULT_SPAN_SHARE, storedPerSecond, whole.spanCount(), wholeTime,
                100.0 * share.spanCount() / whole.spanCount());
    }

    /** Reads, converts and encodes every request onto {@code queue}, then {@link Post#END}. */
    private void convertAll(SpanCorpus corpus, BlockingQueue<Post> queue, AtomicLong earliestMicros,
                            AtomicLong latestMicros, AtomicLong busyNanos, AtomicReference<Throwable> failure) {
        try {
            try {
                for (ExportTraceServiceRequest request : corpus.requests()) {
                    long start = System.nanoTime();
                    List<zipkin2.Span> spans = converter.convert(request);
                    for (zipkin2.Span span : spans) {
                        earliestMicros.accumulateAndGet(span.timestampAsLong(), Math::min);
                        latestMicros.accumulateAndGet(span.timestampAsLong(), Math::max);
                    }
                    Post post = new Post(SpanBytesEncoder.JSON_V2.encodeList(spans), spans.size());
                    busyNanos.addAndGet(System.nanoTime() - start);
                    queue.put(post);
                }
            } catch (RuntimeException e) {
                failure.set(e);
            }
            queue.put(Post.END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the clients got back; times are {@link System#nanoTime()}. */
    private record Posting(long acknowledgedSpans, long refusedSpans, long posts, long lastAckNanos,
                           long clientWaitNanos, String firstRefusal) {
    }

    /** Posts everything on {@code queue} from {@value #DEFAULT_CLIENTS} client threads until {@link Post#END}. */
    private Posting postAll(BlockingQueue<Post> queue, long totalSpans) throws InterruptedException {
        LongAdder acknowledged = new LongAdder();
        LongAdder refused = new LongAdder();
        LongAdder posts = new LongAdder();
        LongAdder clientWaitNanos = new LongAdder();
        AtomicLong lastAckNanos = new AtomicLong();
        AtomicReference<String> firstRefusal = new AtomicReference<>();
        URI spansUri = URI.create(server.baseUri() + "/api/v2/spans");
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < DEFAULT_CLIENTS; i++) {
            Thread client = new Thread(() -> {
                try {
                    while (true) {
                        long waitStart = System.nanoTime();
                        Post post = queue.take();
                        clientWaitNanos.add(System.nanoTime() - waitStart);
                        if (post == Post.END) {
                            queue.put(Post.END);
                            return;
                        }
                        String refusal = send(spansUri, post.body());
                        posts.increment();
                        if (refusal == null) {
                            acknowledged.add(post.spans());
                            lastAckNanos.accumulateAndGet(System.nanoTime(), Math::max);
                        } else {
                            refused.add(post.spans());
                            firstRefusal.compareAndSet(null, refusal);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "zipkin-peer-client-" + i);
            client.start();
            clients.add(client);
        }
        long nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(PROGRESS_INTERVAL_SECONDS);
        for (Thread client : clients) {
            while (client.isAlive()) {
                client.join(TimeUnit.SECONDS.toMillis(1));
                if (System.nanoTime() >= nextReport) {
                    progress.printf("  zipkin-mysql: %,d of %,d spans acknowledged (202)%n", acknowledged.sum(),
                            totalSpans);
                    nextReport += TimeUnit.SECONDS.toNanos(PROGRESS_INTERVAL_SECONDS);
                }
            }
        }
        return new Posting(acknowledged.sum(), refused.sum(), posts.sum(), lastAckNanos.get(), clientWaitNanos.sum(),
                firstRefusal.get());
    }

    /** Posts one body; null when Zipkin answered 202, else what went wrong. */
    private String send(URI uri, byte[] body) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 202) {
                return null;
            }
            String text = response.body();
            return "HTTP " + response.statusCode() + " " + (text.length() > 300 ? text.substring(0, 300) + "…" : text);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Why the wait for MySQL ended. */
    private enum StoredEnd { COMPLETE, STALLED, TIME_LIMIT, SERVER_DIED }

    /** How far {@code zipkin_spans} got and when it last grew. */
    private record StoredProgress(long rows, long lastGrowthNanos, StoredEnd end) {
    }

    private long countRows(String table) throws SQLException {
        try (Connection connection = mariaDb.connect(); Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT count(*) FROM " + table)) {
            result.next();
            return result.getLong(1);
        }
    }

    private StoredProgress awaitStored(long target, long startNanos) throws SQLException, InterruptedException {
        long rows = -1;
        long lastGrowthNanos = startNanos;
        long nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(PROGRESS_INTERVAL_SECONDS);
        try (Connection connection = mariaDb.connect(); Statement statement = connection.createStatement()) {
            while (true) {
                long count;
                try (ResultSet result = statement.executeQuery("SELECT count(*) FROM zipkin_spans")) {
                    result.next();
                    count = result.getLong(1);
                }
                long now = System.nanoTime();
                if (count != rows) {
                    rows = count;
                    lastGrowthNanos = now;
                }
                if (rows >= target) {
                    return new StoredProgress(rows, lastGrowthNanos, StoredEnd.COMPLETE);
                }
                if (now - lastGrowthNanos >= TimeUnit.SECONDS.toNanos(STORED_STALL_SECONDS)) {
                    return new StoredProgress(rows, lastGrowthNanos, StoredEnd.STALLED);
                }
                if (now - startNanos >= maxStoredWait.toNanos()) {
                    return new StoredProgress(rows, lastGrowthNanos, StoredEnd.TIME_LIMIT);
                }
                if (!server.isAlive()) {
                    return new StoredProgress(rows, lastGrowthNanos, StoredEnd.SERVER_DIED);
                }
                if (now >= nextReport) {
                    progress.printf("  zipkin-mysql: %,d of %,d acknowledged spans stored in MySQL (%.0f s)%n", rows,
                            target, (now - startNanos) / NANOS_PER_SECOND);
                    nextReport += TimeUnit.SECONDS.toNanos(PROGRESS_INTERVAL_SECONDS);
                }
                Thread.sleep(STORED_POLL_MILLIS);
            }
        }
    }

    private static String tableSizes(Map<String, Long> bytesByTable) {
        List<String> sizes = new ArrayList<>();
        bytesByTable.forEach((table, bytes) -> sizes.add(String.format(Locale.ROOT, "%s %,d", table, bytes)));
        return String.join(", ", sizes);
    }

    private static String usageText(ProcessResources.Usage usage, boolean java) {
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "%.0f%% of a core, peak RSS %,d MiB",
                usage.serverCpuPercent(), usage.peakRssBytes() >> 20));
        if (java && usage.peakHeapUsedBytes() >= 0) {
            text.append(String.format(Locale.ROOT, ", peak heap %,d MiB", usage.peakHeapUsedBytes() >> 20));
        }
        return text.toString();
    }

    @Override
    public QueryOutcome query(BenchQuery query, SpanCorpus.Probes probes) throws Exception {
        String reason = UNSUPPORTED.get(query);
        if (reason != null) {
            return QueryOutcome.unsupported(reason);
        }
        if (!holdsProbes && PROBE_QUESTIONS.contains(query)) {
            return QueryOutcome.unsupported("not asked: the probe values lie beyond the share of the corpus Zipkin"
                    + " loaded (raise `--zipkin-spans`)");
        }
        if (dataEndMillis < 0) {
            throw new IllegalStateException("load the corpus before querying");
        }
        long windowEndMillis = probes.windowEndUnixNano() / NANOS_PER_MILLI;
        long windowMillis = (probes.windowEndUnixNano() - probes.windowStartUnixNano()) / NANOS_PER_MILLI;
        long allLookbackMillis = dataEndMillis - dataStartMillis + 1;
        URI uri = switch (query) {
            case TRACE_BY_ID -> api("/api/v2/trace/" + probes.traceId(), Map.of());
            case SEARCH_SERVICE_OPERATION_WINDOW -> api("/api/v2/traces", ordered(
                    "serviceName", probes.service().toLowerCase(Locale.ROOT),
                    "spanName", probes.operation().toLowerCase(Locale.ROOT),
                    "endTs", windowEndMillis, "lookback", windowMillis, "limit", SEARCH_LIMIT));
            // The other peers search every span; Zipkin needs a window, so it gets one that holds all the data.
            case HIGH_CARDINALITY_EQUALITY -> api("/api/v2/traces", ordered(
                    "annotationQuery", "user.id=" + probes.userId(),
                    "endTs", dataEndMillis, "lookback", allLookbackMillis, "limit", NEEDLE_TRACE_LIMIT));
            case EVENT_FIELD_SEARCH -> api("/api/v2/traces", ordered(
                    "annotationQuery", "exception.type=" + probes.exceptionType(),
                    "endTs", dataEndMillis, "lookback", allLookbackMillis, "limit", NEEDLE_TRACE_LIMIT));
            case CROSS_SERVICE_EDGES -> api("/api/v2/dependencies", ordered(
                    "endTs", dataEndMillis, "lookback", allLookbackMillis));
            default -> throw new IllegalStateException("no Zipkin API call for " + query);
        };
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).GET().build();
        long start = System.nanoTime();
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        long elapsed = System.nanoTime() - start;
        if (query == BenchQuery.TRACE_BY_ID && response.statusCode() == 404) {
            return QueryOutcome.timed(elapsed, 0); // Zipkin's answer for a trace it does not hold
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException(query + ": GET " + uri + " answered " + response.statusCode() + " "
                    + new String(response.body(), StandardCharsets.UTF_8));
        }
        JsonNode answer = JSON.readTree(response.body());
        long rows = switch (query) {
            case TRACE_BY_ID, CROSS_SERVICE_EDGES, SEARCH_SERVICE_OPERATION_WINDOW -> answer.size();
            case HIGH_CARDINALITY_EQUALITY -> spansWithTag(answer, "user.id", probes.userId());
            case EVENT_FIELD_SEARCH -> spansWithTag(answer, "exception.type", probes.exceptionType());
            default -> throw new IllegalStateException("no row count for " + query);
        };
        return QueryOutcome.timed(elapsed, rows);
    }

    /** Spans of the answered traces that carry the tag: the rows the other peers answer. */
    static long spansWithTag(JsonNode traces, String key, String value) {
        long rows = 0;
        for (JsonNode trace : traces) {
            for (JsonNode span : trace) {
                if (value.equals(span.path("tags").path(key).asText(null))) {
                    rows++;
                }
            }
        }
        return rows;
    }

    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            parameters.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return parameters;
    }

    private URI api(String path, Map<String, Object> parameters) {
        StringBuilder uri = new StringBuilder(server.baseUri().toString()).append(path);
        char separator = '?';
        for (Map.Entry<String, Object> parameter : parameters.entrySet()) {
            uri.append(separator).append(parameter.getKey()).append('=')
                    .append(URLEncoder.encode(String.valueOf(parameter.getValue()), StandardCharsets.UTF_8));
            separator = '&';
        }
        return URI.create(uri.toString());
    }

    private static Map<BenchQuery, String> unsupportedReasons() {
        Map<BenchQuery, String> reasons = new EnumMap<>(BenchQuery.class);
        reasons.put(BenchQuery.FILTER_ONE_GROUP_BY_ANOTHER, "Zipkin's API has no aggregation: /api/v2/traces can"
                + " filter on http.request.method=POST, but it answers whole traces (at most `limit`), and no endpoint"
                + " counts spans by another tag such as http.route");
        reasons.put(BenchQuery.PERCENTILES_PER_OPERATION_PER_MINUTE, "Zipkin's API has no aggregation: it answers"
                + " traces and dependency links, never duration statistics (minDuration/maxDuration only filter"
                + " traces)");
        reasons.put(BenchQuery.ERROR_RATE_PER_SERVICE, "Zipkin's API has no aggregation: nothing counts spans per"
                + " service; /api/v2/dependencies counts errors per caller→callee link, not a service's error rate");
        reasons.put(BenchQuery.SLOWEST_TRACES_IN_HOUR, "Zipkin's API cannot rank by duration: /api/v2/traces answers"
                + " the newest matching traces (minDuration filters, nothing sorts by duration), so a top 10 by root"
                + " duration needs every trace of the hour fetched and sorted by the client");
        reasons.put(BenchQuery.DISTINCT_TRACES_PER_ROUTE, "Zipkin's API has no aggregation: no endpoint counts traces"
                + " per tag value (/api/v2/autocompleteValues lists the values of keys configured in"
                + " AUTOCOMPLETE_KEYS, without counts)");
        reasons.put(BenchQuery.FULL_COUNT, "Zipkin's API has no count: no endpoint answers how many spans are stored"
                + " (the load figures count zipkin_spans rows over JDBC, outside the API)");
        reasons.put(BenchQuery.RESOURCE_ATTRIBUTE, "Zipkin's API has no aggregation, and Zipkin has no resource:"
                + " k8s.pod.name becomes a tag on every span, and no endpoint counts spans per tag value");
        return reasons;
    }

    /** Stops the Zipkin server, then MariaDB, and deletes the peer's folder; safe to call more than once. */
    @Override
    public void close() throws IOException {
        try {
            if (server != null) {
                server.close();
                server = null;
            }
        } finally {
            try {
                if (mariaDb != null) {
                    mariaDb.close();
                    mariaDb = null;
                }
            } finally {
                if (folder != null) {
                    ZipkinMariaDb.deleteRecursively(folder);
                }
            }
        }
    }
}
