package io.contrail.columnar;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Merges the small files that flushes leave, per hour partition, into files of up to
 * {@link Config#targetSpans()} spans, a trace's spans together and traces in the order they
 * started ({@link #SORT_ORDER}), in row groups of {@link Config#rowGroupSpans()}. Written through
 * DuckDB's {@code COPY} with the options of every span file plus Parquet's v2 encodings
 * ({@link ParquetSpanWriter#merge}). A lookup by trace ID finds the file through the
 * {@link TraceIdIndex} and the row group through the file's bloom filter on {@code trace_id}.
 *
 * <p>Steps of one merge, each crash-safe: the merged file is written under a temp name, its row
 * count checked against the inputs, its trace-ID sidecar written, then it is fsynced and renamed
 * to {@code part-<lastFlush>-c<firstFlush>-….parquet}. From that rename on, readers see it instead
 * of its inputs ({@link SpanFiles}), never both and never neither; the inputs are deleted later by
 * the {@link FileReaper}. Only files of flushes that completed (flush number below the oldest
 * write-ahead-log segment) are merged, and the merged file keeps the highest flush number of its
 * inputs, so recovery's skip rule is unchanged.
 *
 * <p>One compactor per data folder: it runs under the folder's {@link DataFolderLock}. Runs in
 * the background every {@link Config#interval()} on one DuckDB thread, pausing between merges so
 * that it is busy at most {@link Config#maxBusyFraction()} of the time — unless it has fallen
 * behind the flushes, when it merges back to back until it has caught up — or on demand with
 * {@link #compactOnce}.
 */
public final class Compactor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Compactor.class);
    /**
     * Each trace's spans together (one row group holds a trace), traces by their first start, and a
     * trace's spans by service, then start: times stay close to their neighbours and a resource's
     * attributes repeat in runs. Measured on 12 flush files of the shop workload
     * (bench/results/trace-lookup.md): 2% above the flush files' bytes with row groups of 122,880,
     * against 15% for the earlier order by trace ID with row groups of 16,384.
     */
    static final String SORT_ORDER = "min(start_time) OVER (PARTITION BY trace_id), trace_id, service_name, "
            + "start_time, span_id";
    /** A background plan with at least this many merges is behind: it runs unthrottled (see {@link #compactOnce}). */
    static final int BEHIND_MERGES = 2;

    /**
     * Compaction settings.
     *
     * @param targetSpans     merge a partition's files into files of at most this many spans
     * @param rowGroupSpans   rows per Parquet row group of a merged file: DuckDB's default; smaller
     *                        groups compress worse and cost every query more footer statistics, and a
     *                        trace lookup decodes one group's ~150 column chunks whatever its size
     * @param interval        time between background passes; zero runs none (on demand only)
     * @param maxBusyFraction the share of time a background pass may spend merging (throttle)
     * @param threads         DuckDB threads for a merge
     * @param memoryLimit     DuckDB memory limit for a merge (it spills beyond), e.g. "1GB"
     */
    public record Config(int targetSpans, int rowGroupSpans, Duration interval, double maxBusyFraction,
                         int threads, String memoryLimit) {
        public static final int DEFAULT_TARGET_SPANS = 1_000_000;
        public static final int DEFAULT_ROW_GROUP_SPANS = 65_536;
        public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);
        public static final double DEFAULT_MAX_BUSY_FRACTION = 0.5;
        public static final String DEFAULT_MEMORY_LIMIT = "1GB";

        public static Config defaults() {
            return new Config(DEFAULT_TARGET_SPANS, DEFAULT_ROW_GROUP_SPANS, DEFAULT_INTERVAL,
                    DEFAULT_MAX_BUSY_FRACTION, 1, DEFAULT_MEMORY_LIMIT);
        }

        public Config withTargetSpans(int spans) {
            return new Config(spans, rowGroupSpans, interval, maxBusyFraction, threads, memoryLimit);
        }

        public Config withRowGroupSpans(int spans) {
            return new Config(targetSpans, spans, interval, maxBusyFraction, threads, memoryLimit);
        }

        public Config withInterval(Duration every) {
            return new Config(targetSpans, rowGroupSpans, every, maxBusyFraction, threads, memoryLimit);
        }

        public Config withMaxBusyFraction(double fraction) {
            return new Config(targetSpans, rowGroupSpans, interval, fraction, threads, memoryLimit);
        }

        public Config withThreads(int count) {
            return new Config(targetSpans, rowGroupSpans, interval, maxBusyFraction, count, memoryLimit);
        }
    }

    /** One merge: its partition, inputs and output. */
    public record Merge(PartitionPath partition, int inputFiles, long spans, long bytesBefore, long bytesAfter,
                        Path output, long millis) {
    }

    /** What one pass did. */
    public record Pass(List<Merge> merges, int partitionsLooked) {
        public long spans() {
            return merges.stream().mapToLong(Merge::spans).sum();
        }

        public int inputFiles() {
            return merges.stream().mapToInt(Merge::inputFiles).sum();
        }
    }

    /** Told before and after each merge of a pass, e.g. to show progress. */
    public interface Progress {
        void planned(int merges);

        void merged(int done, int of, Merge merge);
    }

    private static final Progress SILENT = new Progress() {
        @Override
        public void planned(int merges) {
        }

        @Override
        public void merged(int done, int of, Merge merge) {
        }
    };

    private final DataLayout layout;
    private final Config config;
    private final FileReaper reaper;
    /** The claim on the data folder this compactor took itself (released on close); null when its opener holds it. */
    private final DataFolderLock ownFolderLock;
    private final Connection duckdb;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final Object passLock = new Object();
    private ScheduledExecutorService background;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicLong mergesDone = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong spansMerged = new java.util.concurrent.atomic.AtomicLong();
    private volatile String lastError;

    private final java.util.concurrent.atomic.AtomicLong throttledMillis = new java.util.concurrent.atomic.AtomicLong();

    /**
     * Counters for {@code /health}: merges and spans merged since start, time paused by the throttle,
     * the last pass's failure (null after a good pass).
     */
    public record Stats(long merges, long spansMerged, long throttledMillis, String lastError) {
    }

    public Stats stats() {
        return new Stats(mergesDone.get(), spansMerged.get(), throttledMillis.get(), lastError);
    }

    private Compactor(DataLayout layout, Config config, FileReaper reaper, DataFolderLock ownFolderLock,
                      Connection duckdb) {
        this.layout = layout;
        this.config = config;
        this.reaper = reaper;
        this.ownFolderLock = ownFolderLock;
        this.duckdb = duckdb;
    }

    /**
     * Opens the compactor of a data folder, claiming the folder first ({@link DataFolderLock}) until
     * {@link #close()}, and deletes what a crash left behind (superseded or retired files, orphan
     * sidecars, temp files).
     *
     * @throws DataFolderLock.InUseException when another process (a server, {@code contrail compact})
     *                                       holds the folder; nothing in it was touched
     */
    public static Compactor open(DataLayout layout, Config config, FileReaper reaper) throws IOException {
        DataFolderLock folderLock = DataFolderLock.acquire(layout.root(), DataFolderLock.DEFAULT_HOLDER);
        try {
            return start(layout, config, reaper, folderLock);
        } catch (IOException | RuntimeException e) {
            folderLock.close();
            throw e;
        }
    }

    /** Like {@link #open(DataLayout, Config, FileReaper)} in a data folder its caller has claimed (and releases). */
    public static Compactor open(DataLayout layout, Config config, FileReaper reaper, DataFolderLock folderLock)
            throws IOException {
        if (!folderLock.covers(layout.root())) {
            throw new IllegalArgumentException("the data folder " + layout.root() + " is not the one claimed, "
                    + folderLock.folder());
        }
        return start(layout, config, reaper, null);
    }

    private static Compactor start(DataLayout layout, Config config, FileReaper reaper, DataFolderLock ownFolderLock)
            throws IOException {
        Files.createDirectories(layout.spansDir());
        try {
            Connection connection = DriverManager.getConnection("jdbc:duckdb:");
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET threads = " + Math.max(1, config.threads()));
                statement.execute("SET memory_limit = '" + config.memoryLimit().replace("'", "") + "'");
                statement.execute("SET preserve_insertion_order = false");
            }
            layout.deleteAbandonedTempFiles();
            int leftovers = SpanFiles.deleteLeftovers(layout);
            if (leftovers > 0) {
                LOG.info("deleted {} span files that a compaction or retention had already replaced", leftovers);
            }
            return new Compactor(layout, config, reaper, ownFolderLock, connection);
        } catch (SQLException | IOException | RuntimeException e) {
            throw e instanceof IOException io ? io : new IOException("cannot start the compactor: " + e.getMessage(), e);
        }
    }

    public Config config() {
        return config;
    }

    /** Runs {@code listener} after each merge published a file (readers should re-list). */
    public void onFilesChanged(Runnable listener) {
        listeners.add(listener);
    }

    /** Starts background passes every {@link Config#interval()}; does nothing when it is zero. */
    public synchronized void startBackground() {
        if (config.interval().isZero() || background != null) {
            return;
        }
        background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "contrail-compactor");
            thread.setDaemon(true);
            thread.setPriority(Thread.MIN_PRIORITY);
            return thread;
        });
        background.scheduleWithFixedDelay(() -> {
            try {
                compactOnce(SILENT, true);
                lastError = null;
            } catch (Throwable t) {
                lastError = t.getMessage();
                LOG.error("compaction pass failed (the files are unchanged; next pass in {} s): {}",
                        config.interval().toSeconds(), t.toString());
            }
        }, config.interval().toMillis(), config.interval().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One pass over every partition, unthrottled. */
    public Pass compactOnce(Progress progress) throws IOException {
        return compactOnce(progress, false);
    }

    /**
     * One pass. A background pass ({@code throttled}) pauses after each merge ({@link #pause}) only
     * while it is keeping up, i.e. its plan holds fewer than {@link #BEHIND_MERGES} merges; when
     * flushes arrive faster than throttled merges can take them, the file count — and every query's
     * cost with it — would grow without bound, so a pass that finds itself behind merges back to
     * back, and plans again as soon as it ends, until a plan is small again. (Planning again at once
     * when not behind would merge every few new flush files and rewrite the same spans often.)
     */
    private Pass compactOnce(Progress progress, boolean throttled) throws IOException {
        synchronized (passLock) {
            List<Merge> merges = new ArrayList<>();
            int partitionsLooked = 0;
            int done = 0;
            int total = 0;
            while (!closed) {
                Map<PartitionPath, List<List<SpanFiles.SpanFile>>> plan = plan(duckdb);
                int planned = plan.values().stream().mapToInt(List::size).sum();
                total += planned;
                if (planned > 0 || merges.isEmpty()) {
                    progress.planned(total);
                }
                if (planned == 0) {
                    break;
                }
                partitionsLooked = Math.max(partitionsLooked, plan.size());
                boolean behind = planned >= BEHIND_MERGES;
                for (Map.Entry<PartitionPath, List<List<SpanFiles.SpanFile>>> partition : plan.entrySet()) {
                    for (List<SpanFiles.SpanFile> group : partition.getValue()) {
                        if (closed) {
                            return new Pass(merges, partitionsLooked);
                        }
                        Merge merge = merge(partition.getKey(), group);
                        merges.add(merge);
                        mergesDone.incrementAndGet();
                        spansMerged.addAndGet(merge.spans());
                        progress.merged(++done, total, merge);
                        LOG.info("compacted {}: {} files, {} spans, {} → {} kB in {} ms ({}/{}{})", merge.partition(),
                                merge.inputFiles(), merge.spans(), merge.bytesBefore() / 1024, merge.bytesAfter() / 1024,
                                merge.millis(), done, total, behind ? ", behind: not throttled" : "");
                        if (throttled && !behind) {
                            pause(merge.millis());
                        }
                    }
                }
                if (!throttled || !behind) {
                    break;
                }
            }
            return new Pass(merges, partitionsLooked);
        }
    }

    /**
     * How many merges a pass would make now (0 once compaction has caught up), e.g. for
     * {@code /health}; reads the files' footers through a DuckDB of its own.
     */
    public int pendingMerges() throws IOException {
        try (Connection connection = DriverManager.getConnection("jdbc:duckdb:")) {
            return plan(connection).values().stream().mapToInt(List::size).sum();
        } catch (SQLException e) {
            throw new IOException("cannot plan a compaction: " + e.getMessage(), e);
        }
    }

    private void pause(long busyMillis) {
        double fraction = Math.min(1, Math.max(0.01, config.maxBusyFraction()));
        long pauseMillis = (long) (busyMillis * (1 / fraction - 1));
        if (pauseMillis <= 0) {
            return;
        }
        throttledMillis.addAndGet(pauseMillis);
        try {
            Thread.sleep(pauseMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * For each partition, the groups of files to merge. A group holds whole runs of files of the
     * same flush range (so the merged file's range supersedes exactly its inputs), packed in flush
     * order up to the target; a file already at the target stands alone; a group of one is left.
     */
    Map<PartitionPath, List<List<SpanFiles.SpanFile>>> plan(Connection connection) throws IOException {
        List<Long> segments = WriteAheadLog.segments(layout.walDir());
        long completedBelow = segments.isEmpty() ? Long.MAX_VALUE : segments.get(0);
        Map<PartitionPath, List<SpanFiles.SpanFile>> byPartition = new TreeMap<>();
        for (SpanFiles.SpanFile file : SpanFiles.select(layout).live()) {
            if (!file.foreign() && file.lastFlush() < completedBelow) {
                byPartition.computeIfAbsent(file.partition(), p -> new ArrayList<>()).add(file);
            }
        }
        byPartition.values().removeIf(files -> files.size() < 2);
        Map<Path, Long> rows = rowCounts(connection, byPartition.values().stream().flatMap(List::stream).toList());
        Map<PartitionPath, List<List<SpanFiles.SpanFile>>> plan = new TreeMap<>();
        for (Map.Entry<PartitionPath, List<SpanFiles.SpanFile>> partition : byPartition.entrySet()) {
            Map<String, List<SpanFiles.SpanFile>> runs = new LinkedHashMap<>();
            partition.getValue().stream()
                    .sorted(Comparator.comparingLong(SpanFiles.SpanFile::firstFlush)
                            .thenComparing(SpanFiles.SpanFile::path))
                    .forEach(f -> runs.computeIfAbsent(f.firstFlush() + "-" + f.lastFlush(), k -> new ArrayList<>()).add(f));
            List<List<SpanFiles.SpanFile>> groups = new ArrayList<>();
            List<SpanFiles.SpanFile> group = new ArrayList<>();
            long groupRows = 0;
            for (List<SpanFiles.SpanFile> run : runs.values()) {
                long runRows = run.stream().mapToLong(f -> rows.getOrDefault(f.path(), 0L)).sum();
                boolean full = run.size() == 1 && runRows >= config.targetSpans();
                if (full || groupRows + runRows > config.targetSpans()) {
                    addIfWorthMerging(groups, group);
                    group = new ArrayList<>();
                    groupRows = 0;
                }
                if (!full) {
                    group.addAll(run);
                    groupRows += runRows;
                }
            }
            addIfWorthMerging(groups, group);
            if (!groups.isEmpty()) {
                plan.put(partition.getKey(), groups);
            }
        }
        return plan;
    }

    private static void addIfWorthMerging(List<List<SpanFiles.SpanFile>> groups, List<SpanFiles.SpanFile> group) {
        if (group.size() >= 2) {
            groups.add(group);
        }
    }

    private static Map<Path, Long> rowCounts(Connection connection, List<SpanFiles.SpanFile> files) throws IOException {
        Map<Path, Long> rows = new HashMap<>();
        if (files.isEmpty()) {
            return rows;
        }
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT file_name, num_rows FROM parquet_file_metadata("
                     + pathList(files.stream().map(SpanFiles.SpanFile::path).toList()) + ")")) {
            while (rs.next()) {
                rows.put(Path.of(rs.getString(1)), rs.getLong(2));
            }
        } catch (SQLException e) {
            throw new IOException("cannot read the row counts of span files: " + e.getMessage(), e);
        }
        return rows;
    }

    static String pathList(List<Path> paths) {
        StringBuilder list = new StringBuilder("[");
        for (Path p : paths) {
            list.append(list.length() > 1 ? ", " : "").append('\'').append(p.toString().replace("'", "''")).append('\'');
        }
        return list.append(']').toString();
    }

    private Merge merge(PartitionPath partition, List<SpanFiles.SpanFile> inputs) throws IOException {
        long started = System.nanoTime();
        long firstFlush = inputs.stream().mapToLong(SpanFiles.SpanFile::firstFlush).min().orElseThrow();
        long lastFlush = inputs.stream().mapToLong(SpanFiles.SpanFile::lastFlush).max().orElseThrow();
        Path target = partition.resolveUnder(layout.spansDir()).resolve(SpanFiles.compactedFileName(firstFlush, lastFlush));
        Path temp = DataLayout.tempFor(target);
        List<Path> inputPaths = inputs.stream().map(SpanFiles.SpanFile::path).toList();
        long bytesBefore = 0;
        for (Path input : inputPaths) {
            bytesBefore += Files.size(input);
        }
        long spans;
        try {
            long expected = rowCounts(duckdb, inputs).values().stream().mapToLong(Long::longValue).sum();
            ParquetSpanWriter.merge(duckdb, inputPaths, temp, SORT_ORDER, config.rowGroupSpans());
            spans = rowCounts(duckdb, List.of(new SpanFiles.SpanFile(temp, partition, firstFlush, lastFlush))).values()
                    .stream().mapToLong(Long::longValue).sum();
            if (spans != expected) {
                throw new IOException("merged file holds " + spans + " spans, its inputs " + expected);
            }
            TraceIdIndex.writeSidecar(target, TraceIdIndex.keysOf(duckdb, temp));
        } catch (SQLException | IOException e) {
            Files.deleteIfExists(temp);
            Files.deleteIfExists(SpanFiles.traceIdSidecar(target));
            throw new IOException("merging " + inputs.size() + " files of " + partition + " failed: "
                    + e.getMessage(), e);
        }
        Durability.publish(temp, target);
        for (Runnable listener : listeners) {
            listener.run();
        }
        reaper.deleteLater(inputs);
        return new Merge(partition, inputs.size(), spans, bytesBefore, Files.size(target), target,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    /** Stops background passes (a merge in progress finishes first) and releases its claim on the folder. */
    @Override
    public void close() throws IOException {
        closed = true;
        synchronized (this) {
            if (background != null) {
                background.shutdownNow();
                try {
                    background.awaitTermination(5, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        synchronized (passLock) {
            try {
                duckdb.close();
            } catch (SQLException e) {
                LOG.warn("closing the compactor's DuckDB: {}", e.getMessage());
            }
            if (ownFolderLock != null) {
                ownFolderLock.close();
            }
        }
    }
}
