package io.contrail.bench.suite;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * ClickHouse as the systems a team would pick instead store traces in it: the OpenTelemetry Collector's
 * ClickHouse exporter schema ({@code otel_traces}, what ClickStack reads; peer "clickhouse"), the same with
 * every insert fsynced ({@code fsync_after_insert=1}; peer "clickhouse-fsync"), and Jaeger v2's ClickHouse
 * schema (peer "clickhouse-jaeger"). ClickHouse is chDB (embedded ClickHouse) in a Node.js child process,
 * see {@link ClickHouseEngine}; the schemas and the questions in ClickHouse SQL are {@link ClickHouseSchema}.
 *
 * <p>Ingest as those exporters ingest: the spans of consecutive OTLP requests gathered into batches of
 * {@value #BATCH_SPANS} spans (the Collector batch processor's default send_batch_size) and each batch
 * inserted as one INSERT, {@value #INSERT_CONCURRENCY} at a time. The exporters send clickhouse-go's
 * native protocol; here each batch goes as JSONEachRow text (which ClickHouse parses, in its CPU) through
 * the driver's loopback HTTP. The rows are made in this JVM (the collector's work, not ClickHouse's; its
 * CPU is reported apart). Acknowledged = the INSERT returned: the part is written, and by default not
 * fsynced (MergeTree's fsync_after_insert is 0), unlike Contrail's 200 which means fsynced.
 */
public final class ClickHousePeer implements Peer {

    /** The Collector batch processor's default send_batch_size. */
    static final int BATCH_SPANS = 8192;
    /** INSERTs in flight at once (the exporter's sending queue runs several consumers). */
    static final int INSERT_CONCURRENCY = 2;
    /** How long to wait for background merges to finish after the load before measuring bytes. */
    static final long MERGE_WAIT_MILLIS = 10 * 60_000L;
    private static final long POLL_MILLIS = 250;
    private static final double NANOS_PER_SECOND = 1e9;

    private final String name;
    private final ClickHouseSchema schema;
    private final boolean fsync;
    private ClickHouseEngine engine;
    private Path workDir;
    private PrintStream progress = System.out;

    ClickHousePeer(String name, ClickHouseSchema schema, boolean fsync) {
        this.name = name;
        this.schema = schema;
        this.fsync = fsync;
    }

    /** The peers by name: clickhouse, clickhouse-fsync, clickhouse-jaeger. */
    static ClickHousePeer named(String name) {
        return switch (name) {
            case "clickhouse" -> new ClickHousePeer(name, ClickHouseSchema.OTEL_TRACES, false);
            case "clickhouse-fsync" -> new ClickHousePeer(name, ClickHouseSchema.OTEL_TRACES, true);
            case "clickhouse-jaeger" -> new ClickHousePeer(name, ClickHouseSchema.JAEGER, false);
            default -> throw new IllegalArgumentException("no ClickHouse peer is called " + name);
        };
    }

    static final List<String> NAMES = List.of("clickhouse", "clickhouse-fsync", "clickhouse-jaeger");

    @Override
    public String name() {
        return name;
    }

    ClickHouseSchema schema() {
        return schema;
    }

    @Override
    public void start(BenchContext context) throws Exception {
        progress = context.progress();
        workDir = context.workDir();
        engine = ClickHouseEngine.start(context.repositoryRoot(), workDir.resolve("data"), workDir.resolve("driver.log"));
        progress.printf("  %s: ClickHouse %s (chDB, embedded) in a Node.js process, pid %d%n", name, engine.version(),
                engine.pid());
        for (String statement : schema.ddl()) {
            engine.execute(statement);
        }
        if (fsync) {
            for (String table : schema.tables()) {
                engine.execute("ALTER TABLE " + table + " MODIFY SETTING fsync_after_insert = 1");
            }
        }
    }

    @Override
    public LoadResult load(SpanCorpus corpus) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        AtomicLong converterNanos = new AtomicLong();
        AtomicLong acknowledged = new AtomicLong();
        AtomicLong lastAck = new AtomicLong();
        AtomicLong inserts = new AtomicLong();
        Path stat = Path.of("/proc", Long.toString(engine.pid()), "stat");
        long ticksAtStart = ProcessResources.processTicks(stat);
        ProcessResources watch = new ProcessResources(engine.pid(), false);
        long start = System.nanoTime();
        ExecutorService inserters = Executors.newFixedThreadPool(INSERT_CONCURRENCY, r -> {
            Thread thread = new Thread(r, "bench-clickhouse-insert");
            thread.setDaemon(true);
            return thread;
        });
        Semaphore inFlight = new Semaphore(INSERT_CONCURRENCY + 1);
        List<Future<?>> pending = new ArrayList<>();
        long converted = 0;
        try {
            long cpuBefore = threads.getCurrentThreadCpuTime();
            ByteArrayOutputStream batch = new ByteArrayOutputStream(BATCH_SPANS * 2048);
            ClickHouseSpanRows rows = new ClickHouseSpanRows(schema, batch);
            long inBatch = 0;
            long reportEvery = Math.max(1, corpus.spanCount() / 10);
            long nextReport = reportEvery;
            for (ExportTraceServiceRequest request : corpus.requests()) {
                inBatch += rows.write(request);
                if (inBatch >= BATCH_SPANS) {
                    converted += inBatch;
                    pending.add(submit(inserters, inFlight, batch.toByteArray(), inBatch, acknowledged, lastAck, inserts));
                    batch.reset();
                    rows = new ClickHouseSpanRows(schema, batch);
                    inBatch = 0;
                    if (converted >= nextReport) {
                        progress.printf("  %s: sent %,d of %,d spans%n", name, converted, corpus.spanCount());
                        while (nextReport <= converted) {
                            nextReport += reportEvery;
                        }
                    }
                }
                checkFailed(pending);
            }
            if (inBatch > 0) {
                converted += inBatch;
                pending.add(submit(inserters, inFlight, batch.toByteArray(), inBatch, acknowledged, lastAck, inserts));
            }
            converterNanos.set(threads.getCurrentThreadCpuTime() - cpuBefore);
            for (Future<?> future : pending) {
                future.get();
            }
        } finally {
            inserters.shutdownNow();
        }
        double ackSeconds = (lastAck.get() - start) / NANOS_PER_SECOND;
        long ticksAtAck = ProcessResources.processTicks(stat);
        long stored = engine.singleLong("SELECT count() FROM " + schema.table());
        double storedSeconds = (System.nanoTime() - start) / NANOS_PER_SECOND;
        int partsAfterLoad = activeParts();

        // Bytes once the background merges that the load set off have finished (ClickHouse merges parts on its own).
        long mergeStart = System.nanoTime();
        long deadline = mergeStart + MERGE_WAIT_MILLIS * 1_000_000L;
        while (engine.singleLong("SELECT count() FROM system.merges") > 0 && System.nanoTime() < deadline) {
            Thread.sleep(POLL_MILLIS);
        }
        double mergeSeconds = (System.nanoTime() - mergeStart) / NANOS_PER_SECOND;
        long ticksAtEnd = ProcessResources.processTicks(stat);
        watch.close();
        ProcessResources.Usage usage = watch.usage();

        long bytes = engine.singleLong("SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = "
                + "currentDatabase() AND table IN (" + tableList() + ")");
        String byTable = engine.query("SELECT table, sum(bytes_on_disk), sum(data_compressed_bytes),"
                + " sum(data_uncompressed_bytes), sum(secondary_indices_compressed_bytes), sum(primary_key_bytes_in_memory),"
                + " count() FROM system.parts WHERE active AND database = currentDatabase() AND table IN (" + tableList()
                + ") GROUP BY table ORDER BY table", "TabSeparated").lines().map(line -> {
                    String[] f = line.split("\t");
                    return String.format(Locale.ROOT, "%s %,d bytes on disk in %s parts (columns %,d compressed from %,d,"
                            + " skip indexes %,d)", f[0], Long.parseLong(f[1]), f[6], Long.parseLong(f[2]),
                            Long.parseLong(f[3]), Long.parseLong(f[4]));
                }).collect(Collectors.joining("; "));
        double cpuAtAck = (ticksAtAck - ticksAtStart) / 100.0;
        double cpuAll = (ticksAtEnd - ticksAtStart) / 100.0;
        String notes = String.format(Locale.ROOT, "ClickHouse %s (chDB 3.4.0, embedded, in a Node.js process), %s;"
                        + " %,d INSERTs of %,d spans (the Collector batch processor's default send_batch_size) as JSONEachRow,"
                        + " %d in flight, through the driver's loopback HTTP (the exporters send clickhouse-go's native"
                        + " protocol); ack = the INSERT returned (the side table filled by its materialized view in the"
                        + " same INSERT), %s; stored = count() after the last ack (%.1f s); bytes = sum(bytes_on_disk) of"
                        + " the active parts in system.parts (columns, marks, primary and skip indexes) after the background"
                        + " merges finished (%.1f s after the load; %d active parts of %s right after the load): %s;"
                        + " ClickHouse process CPU %.1f s until the last ack (%.1f µs/span), %.1f s with the merges"
                        + " (%.1f µs/span), peak RSS %,d MiB; rows made in the benchmark JVM in %.1f s of one thread's"
                        + " CPU (%.1f µs/span, the collector's work, not counted as ClickHouse's)",
                engine.version(), schema.describe(), inserts.get(), BATCH_SPANS, INSERT_CONCURRENCY,
                fsync ? "every part fsynced before the INSERT returns (fsync_after_insert = 1 on both tables)"
                        : "not fsynced: MergeTree's default fsync_after_insert = 0 leaves the part in the page cache",
                storedSeconds, mergeSeconds, partsAfterLoad, schema.table(), byTable, cpuAtAck,
                cpuAtAck / Math.max(1, acknowledged.get()) * 1e6, cpuAll, cpuAll / Math.max(1, acknowledged.get()) * 1e6,
                usage.peakRssBytes() >> 20, converterNanos.get() / NANOS_PER_SECOND,
                converterNanos.get() / 1e3 / Math.max(1, converted));
        return LoadResult.whole(corpus.spanCount(), acknowledged.get(), stored, ackSeconds, storedSeconds, bytes, notes)
                .withServerCpuSeconds(cpuAtAck);
    }

    private Future<?> submit(ExecutorService inserters, Semaphore inFlight, byte[] rows, long spans, AtomicLong acknowledged,
                             AtomicLong lastAck, AtomicLong inserts) throws InterruptedException {
        inFlight.acquire();
        return inserters.submit(() -> {
            try {
                // ClickHouse's written rows count the materialized view's rows too: acknowledge the spans sent.
                engine.insert(schema.table(), "JSONEachRow", rows);
                acknowledged.addAndGet(spans);
                inserts.incrementAndGet();
                lastAck.accumulateAndGet(System.nanoTime(), Math::max);
                return null;
            } finally {
                inFlight.release();
            }
        });
    }

    /** Stops the load at the first failed INSERT instead of converting the rest of the corpus. */
    private static void checkFailed(List<Future<?>> pending) throws InterruptedException, ExecutionException {
        for (Future<?> future : pending) {
            if (future.isDone()) {
                future.get();
            }
        }
        pending.removeIf(Future::isDone);
    }

    private int activeParts() throws IOException, InterruptedException {
        return (int) engine.singleLong("SELECT count() FROM system.parts WHERE active AND database = currentDatabase()"
                + " AND table = " + ClickHouseSchema.literal(schema.table()));
    }

    private String tableList() {
        return schema.tables().stream().map(ClickHouseSchema::literal).collect(Collectors.joining(", "));
    }

    @Override
    public QueryOutcome query(BenchQuery query, SpanCorpus.Probes probes) throws Exception {
        return sql(schema.sql(query, probes));
    }

    /** Runs one statement once: its time (HTTP round trip included, as Contrail's /api/sql) and its rows. */
    QueryOutcome sql(String sql) throws IOException, InterruptedException {
        long start = System.nanoTime();
        String answer = engine.query(sql, "TabSeparated");
        long elapsed = System.nanoTime() - start;
        return QueryOutcome.timed(elapsed, answer.lines().count());
    }

    @Override
    public void close() throws Exception {
        try {
            if (engine != null) {
                engine.close();
                engine = null;
            }
        } finally {
            if (workDir != null) {
                DuckDbLimitPeer.deleteTree(workDir.resolve("data"));
            }
        }
    }
}
