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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Merges the small files that flushes leave, per hour partition, in two tiers, so that compaction
 * rewrites each span at most twice in its life:
 * <ul>
 *   <li>level 0: the flush files;</li>
 *   <li>level 1 ("gathered"): while an hour still fills, each pass unites the flush files that came since
 *       the last one into one file, in arrival order (a plain union, no sort); only level-0 files go into
 *       a level-1 merge;</li>
 *   <li>level 2 ("final"): once a partition's level-0 and level-1 files reach {@link Config#targetSpans()}
 *       spans, once the partition has had no flush for {@link Config#closeAfterIdle()}, once it holds
 *       {@link #MAX_GATHERED_FILES} level-1 files, or on demand ({@link #compactOnce(Progress)}), they are
 *       merged into a file of at most the target (in row groups of {@link Config#rowGroupSpans()}, or the
 *       inputs' own when they are copied). A level-2 file is never merged again.</li>
 * </ul>
 * Neither level sorts: a merge is a union of its inputs in flush order, each input's rows as they
 * were flushed, so a span is rewritten once at full rate (level 2 straight from the flush files) and
 * at most twice otherwise. A trace's spans sit where they arrived: in the one or few flush files of
 * the seconds they came in. Sorting the merged rows trace by trace, as level 2 did before, cost about
 * 30 µs of CPU per span on the bench workload against 7–8 µs for the union, for a file 4% larger
 * (bench/results/compaction-order/).
 * The level is in the file's Parquet key/value metadata ({@link #LEVEL_METADATA_KEY}, written with the
 * file, so it is published with it); a compacted file without one (written before levels) counts as
 * final. When the inputs have the same columns and row groups of a quarter of {@link Config#rowGroupSpans()}
 * or more on average — at full rate, the flush files of an hour — a merge copies their row groups as they
 * are ({@link RowGroupCopy}: no span is decoded or encoded again); otherwise it is written through DuckDB's
 * {@code COPY} with the options of a flush file (but DuckDB's dictionary limit) plus Parquet's v2
 * encodings ({@link ParquetSpanWriter#merge}). A lookup by trace ID finds the file through the
 * {@link TraceIdIndex} and the row group through the file's bloom filter on {@code trace_id}, which
 * every merged row group has either way.
 *
 * <p>A merge writes the current {@linkplain SpanSchema#VERSION schema version}: inputs of an older one are
 * re-encoded, never copied, and a file of an older version that planning would leave alone (a level-2
 * file, a lone file of a closed partition) is rewritten by itself. The rewrite of a compacted file has its
 * input's flush range and a name that sorts below the input's, which is how {@link SpanFiles} tells which
 * of two files of one range to read.
 *
 * <p>Steps of one merge, each crash-safe: the merged file is written under a temp name, its row
 * count checked against the inputs, its trace-ID sidecar written, then it is fsynced and renamed
 * to {@code part-<lastFlush>-c<firstFlush>-….parquet}. From that rename on, readers see it instead
 * of its inputs ({@link SpanFiles}), never both and never neither; the inputs are deleted later by
 * the {@link FileReaper}. Only files of flushes that completed (flush number below the oldest
 * write-ahead-log segment) are merged, a merge's inputs are every such file of the partition in its
 * flush range, and the merged file keeps the highest flush number of its inputs, so recovery's skip
 * rule is unchanged. The merged file's modification time is its newest input's: when its newest
 * spans were flushed, which is what {@link Config#closeAfterIdle()} is measured from.
 *
 * <p>One compactor per data folder: it runs under the folder's {@link DataFolderLock}. Runs in
 * the background every {@link Config#interval()} on one DuckDB thread, pausing between merges so
 * that it is busy at most {@link Config#maxBusyFraction()} of the time — unless it has fallen
 * behind the flushes, when it merges back to back until it has caught up — or on demand with
 * {@link #compactOnce}.
 */
public final class Compactor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Compactor.class);
    /** A background plan with at least this many level-2 merges is behind: it runs unthrottled (see {@link #compactOnce}). */
    static final int BEHIND_MERGES = 2;
    /** The key of a merged file's level in its Parquet key/value metadata: "1" or "2". */
    static final String LEVEL_METADATA_KEY = "contrail.compaction_level";
    /** A flush file. */
    static final int LEVEL_FLUSHED = 0;
    /** A union of flush files in arrival order, merged once more into a level-2 file later. */
    static final int LEVEL_GATHERED = 1;
    /** Sorted trace by trace, never merged again. */
    static final int LEVEL_FINAL = 2;
    /**
     * A partition still filling is merged into a level-2 file, below the target, once it holds this
     * many level-1 files: bounds the files of an hour that fills slowly (one level-1 file per pass, so
     * about an hour of passes at the default interval) or never stops filling.
     */
    static final int MAX_GATHERED_FILES = 16;

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
     * @param closeAfterIdle  a partition none of whose files was flushed for this long is closed: a
     *                        background pass merges its level-1 files into level-2 files
     */
    public record Config(int targetSpans, int rowGroupSpans, Duration interval, double maxBusyFraction,
                         int threads, String memoryLimit, Duration closeAfterIdle) {
        public static final int DEFAULT_TARGET_SPANS = 1_000_000;
        public static final int DEFAULT_ROW_GROUP_SPANS = 65_536;
        public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);
        public static final double DEFAULT_MAX_BUSY_FRACTION = 0.5;
        public static final String DEFAULT_MEMORY_LIMIT = "1GB";
        /** Spans of an hour arrive up to a few export intervals (5 s each) plus retries after it ends. */
        public static final Duration DEFAULT_CLOSE_AFTER_IDLE = Duration.ofMinutes(5);

        public static Config defaults() {
            return new Config(DEFAULT_TARGET_SPANS, DEFAULT_ROW_GROUP_SPANS, DEFAULT_INTERVAL,
                    DEFAULT_MAX_BUSY_FRACTION, 1, DEFAULT_MEMORY_LIMIT, DEFAULT_CLOSE_AFTER_IDLE);
        }

        public Config withTargetSpans(int spans) {
            return new Config(spans, rowGroupSpans, interval, maxBusyFraction, threads, memoryLimit, closeAfterIdle);
        }

        public Config withRowGroupSpans(int spans) {
            return new Config(targetSpans, spans, interval, maxBusyFraction, threads, memoryLimit, closeAfterIdle);
        }

        public Config withInterval(Duration every) {
            return new Config(targetSpans, rowGroupSpans, every, maxBusyFraction, threads, memoryLimit, closeAfterIdle);
        }

        public Config withMaxBusyFraction(double fraction) {
            return new Config(targetSpans, rowGroupSpans, interval, fraction, threads, memoryLimit, closeAfterIdle);
        }

        public Config withThreads(int count) {
            return new Config(targetSpans, rowGroupSpans, interval, maxBusyFraction, count, memoryLimit, closeAfterIdle);
        }

        public Config withCloseAfterIdle(Duration idle) {
            return new Config(targetSpans, rowGroupSpans, interval, maxBusyFraction, threads, memoryLimit, idle);
        }
    }

    /** One merge: its partition, inputs and output, and the output's level (1 or 2). */
    public record Merge(PartitionPath partition, int inputFiles, long spans, long bytesBefore, long bytesAfter,
                        Path output, long millis, int level, boolean rowGroupsCopied) {
    }

    /**
     * A merge a plan asks for: every input of one partition's flush range, the level of the output, and whether
     * an input is of an older schema version.
     */
    record PlannedMerge(PartitionPath partition, List<SpanFiles.SpanFile> inputs, int level, boolean outdated) {
    }

    /** What a span file's footer says: its rows, its level, and whether it is of an older schema version. */
    private record FileFacts(long rows, int level, boolean outdated) {
    }

    /**
     * The files of one flush range (one file, or the files of one flush), with their rows and level, and
     * whether any is of an older schema version.
     */
    private record Run(List<SpanFiles.SpanFile> files, long rows, int level, boolean outdated) {
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
    private final AtomicLong mergesDone = new AtomicLong();
    private final AtomicLong spansMerged = new AtomicLong();
    private final AtomicLong flushedSpansMerged = new AtomicLong();
    private final AtomicLong throttledMillis = new AtomicLong();
    private volatile String lastError;
    /** Footer facts of span files seen, by path: files never change once published. */
    private final Map<Path, FileFacts> facts = new ConcurrentHashMap<>();

    /**
     * Counters for {@code /health}: merges since start, spans they wrote (every rewrite counted), spans
     * of flush files they took in (each flushed span once), time paused by the throttle, the last
     * pass's failure (null after a good pass). {@link #rewritesPerFlushedSpan} is at most 2.
     */
    public record Stats(long merges, long spansMerged, long flushedSpansMerged, long throttledMillis, String lastError) {
        /** How many times compaction wrote each flushed span it took in, on average; 0 before any merge. */
        public double rewritesPerFlushedSpan() {
            return flushedSpansMerged == 0 ? 0 : (double) spansMerged / flushedSpansMerged;
        }
    }

    public Stats stats() {
        return new Stats(mergesDone.get(), spansMerged.get(), flushedSpansMerged.get(), throttledMillis.get(), lastError);
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
                compactOnce(SILENT, true, false);
                lastError = null;
            } catch (Throwable t) {
                lastError = t.getMessage();
                LOG.error("compaction pass failed (the files are unchanged; next pass in {} s): {}",
                        config.interval().toSeconds(), t.toString());
            }
        }, config.interval().toMillis(), config.interval().toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * One pass over every partition, unthrottled, that closes them all: every partition's level-0 and
     * level-1 files are merged into level-2 files ({@code contrail compact}, which runs on a stopped
     * server's folder). A partition that receives spans afterwards starts a new set of files.
     */
    public Pass compactOnce(Progress progress) throws IOException {
        return compactOnce(progress, false, true);
    }

    /**
     * One pass. A background pass ({@code throttled}) pauses after each merge ({@link #pause}) only
     * while it is keeping up, i.e. its plan holds fewer than {@link #BEHIND_MERGES} level-2 merges;
     * when flushes arrive faster than throttled merges can take them, the file count — and every
     * query's cost with it — would grow without bound, so a pass that finds itself behind merges back
     * to back, and plans again as soon as it ends, until a plan is small again. Planning again at once
     * rewrites nothing twice: level-1 files only go into level-2 merges.
     *
     * @param closeAll merge every partition as if it were closed (on demand)
     */
    Pass compactOnce(Progress progress, boolean throttled, boolean closeAll) throws IOException {
        synchronized (passLock) {
            List<Merge> merges = new ArrayList<>();
            int partitionsLooked = 0;
            int done = 0;
            int total = 0;
            while (!closed) {
                List<PlannedMerge> plan = plan(() -> duckdb, closeAll);
                total += plan.size();
                if (!plan.isEmpty() || merges.isEmpty()) {
                    progress.planned(total);
                }
                if (plan.isEmpty()) {
                    break;
                }
                partitionsLooked = Math.max(partitionsLooked,
                        (int) plan.stream().map(PlannedMerge::partition).distinct().count());
                boolean behind = plan.stream().filter(m -> m.level() == LEVEL_FINAL).count() >= BEHIND_MERGES;
                for (PlannedMerge planned : plan) {
                    if (closed) {
                        return new Pass(merges, partitionsLooked);
                    }
                    Merge merge = merge(planned);
                    merges.add(merge);
                    progress.merged(++done, total, merge);
                    LOG.info("compacted {}: {} files, {} spans, {} → {} kB, level {}, {} in {} ms ({}/{}{})",
                            merge.partition(), merge.inputFiles(), merge.spans(), merge.bytesBefore() / 1024,
                            merge.bytesAfter() / 1024, merge.level(),
                            merge.rowGroupsCopied() ? "row groups copied" : "re-encoded", merge.millis(), done, total,
                            behind ? ", behind: not throttled" : "");
                    if (throttled && !behind) {
                        pause(merge.millis());
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
     * How many merges a background pass would make now (0 once compaction has caught up), e.g. for
     * {@code /health}. Footers not read before are read through an in-memory DuckDB of its own, opened
     * only then: opening one cost ~20 ms of CPU, which every {@code /health} paid while nothing changed.
     */
    public int pendingMerges() throws IOException {
        try (DuckDbOnDemand footers = new DuckDbOnDemand()) {
            return plan(footers, false).size();
        }
    }

    /** Where planning gets a DuckDB to read footers with, when it needs one. */
    @FunctionalInterface
    interface FooterReader {
        Connection connection() throws SQLException;
    }

    /** An in-memory DuckDB opened on first use and closed with this. */
    private static final class DuckDbOnDemand implements FooterReader, AutoCloseable {
        private Connection connection;

        @Override
        public Connection connection() throws SQLException {
            if (connection == null) {
                connection = DriverManager.getConnection("jdbc:duckdb:");
            }
            return connection;
        }

        @Override
        public void close() {
            if (connection != null) {
                try {
                    connection.close();
                } catch (SQLException e) {
                    LOG.warn("closing the DuckDB that planned pending merges: {}", e.getMessage());
                }
            }
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
     * The merges to make now, partition by partition. A partition's files of completed flushes, in
     * flush order, are cut at each level-2 file and at each file already at the target (never merged
     * again); each stretch between is packed, whole flush ranges at a time (so a merged file's range
     * supersedes exactly its inputs), into groups of up to the target. A group becomes one level-2
     * file when it is full (the target reached, or the next range would pass it), when the partition
     * is closed, or when it holds {@link #MAX_GATHERED_FILES} level-1 files; a lone file is left as it
     * is (a merge of one file would have the same flush range as its input). Otherwise the group's flush files after its last level-1 file, two or more, become one
     * level-1 file.
     *
     * @param closeAll treat every partition as closed
     */
    List<PlannedMerge> plan(FooterReader footers, boolean closeAll) throws IOException {
        List<Long> segments = WriteAheadLog.segments(layout.walDir());
        long completedBelow = segments.isEmpty() ? Long.MAX_VALUE : segments.get(0);
        long idleBeforeMillis = System.currentTimeMillis() - config.closeAfterIdle().toMillis();
        Map<PartitionPath, List<SpanFiles.SpanFile>> byPartition = new TreeMap<>();
        Map<PartitionPath, Long> newestFlushMillis = new HashMap<>();
        List<SpanFiles.SpanFile> live = SpanFiles.select(layout).live();
        for (SpanFiles.SpanFile file : live) {
            if (file.foreign()) {
                continue;
            }
            long modified;
            try {
                modified = Files.getLastModifiedTime(file.path()).toMillis();
            } catch (java.nio.file.NoSuchFileException e) {
                continue; // retired meanwhile
            }
            newestFlushMillis.merge(file.partition(), modified, Math::max);
            if (file.lastFlush() < completedBelow) {
                byPartition.computeIfAbsent(file.partition(), p -> new ArrayList<>()).add(file);
            }
        }
        facts.keySet().retainAll(live.stream().map(SpanFiles.SpanFile::path).collect(java.util.stream.Collectors.toSet()));
        Map<Path, FileFacts> known = factsOf(footers, byPartition.values().stream().flatMap(List::stream).toList());
        List<PlannedMerge> plan = new ArrayList<>();
        for (Map.Entry<PartitionPath, List<SpanFiles.SpanFile>> partition : byPartition.entrySet()) {
            boolean closedPartition = closeAll || newestFlushMillis.get(partition.getKey()) < idleBeforeMillis;
            Map<String, List<SpanFiles.SpanFile>> ranges = new LinkedHashMap<>();
            partition.getValue().stream()
                    .sorted(Comparator.comparingLong(SpanFiles.SpanFile::firstFlush)
                            .thenComparing(SpanFiles.SpanFile::path))
                    .forEach(f -> ranges.computeIfAbsent(f.firstFlush() + "-" + f.lastFlush(), k -> new ArrayList<>()).add(f));
            List<Run> stretch = new ArrayList<>();
            for (List<SpanFiles.SpanFile> files : ranges.values()) {
                Run run = new Run(files, files.stream().mapToLong(f -> known.get(f.path()).rows()).sum(),
                        files.stream().mapToInt(f -> known.get(f.path()).level()).max().orElseThrow(),
                        files.stream().anyMatch(f -> known.get(f.path()).outdated()));
                if (run.level() == LEVEL_FINAL || (files.size() == 1 && run.rows() >= config.targetSpans())) {
                    planStretch(partition.getKey(), stretch, closedPartition, plan);
                    stretch = new ArrayList<>();
                    if (run.outdated()) {
                        planRewrite(partition.getKey(), run.files(), plan);
                    }
                } else {
                    stretch.add(run);
                }
            }
            planStretch(partition.getKey(), stretch, closedPartition, plan);
        }
        return plan;
    }

    private void planStretch(PartitionPath partition, List<Run> stretch, boolean closedPartition,
                             List<PlannedMerge> plan) {
        List<Run> group = new ArrayList<>();
        long groupRows = 0;
        for (Run run : stretch) {
            if (!group.isEmpty() && groupRows + run.rows() > config.targetSpans()) {
                planGroup(partition, group, true, plan);
                group = new ArrayList<>();
                groupRows = 0;
            }
            group.add(run);
            groupRows += run.rows();
        }
        if (!group.isEmpty()) {
            planGroup(partition, group, closedPartition || groupRows >= config.targetSpans(), plan);
        }
    }

    private static void planGroup(PartitionPath partition, List<Run> group, boolean complete, List<PlannedMerge> plan) {
        List<SpanFiles.SpanFile> files = group.stream().flatMap(r -> r.files().stream()).toList();
        long gathered = group.stream().filter(r -> r.level() == LEVEL_GATHERED).count();
        if (complete || gathered >= MAX_GATHERED_FILES) {
            // A lone level-1 file stays as it is: merging it alone would give the same file again, unless
            // it is of an older schema version.
            if (files.size() >= 2) {
                plan.add(new PlannedMerge(partition, files, LEVEL_FINAL, group.stream().anyMatch(Run::outdated)));
            } else if (group.get(0).outdated()) {
                planRewrite(partition, files, plan);
            }
            return;
        }
        int firstFlushed = group.size();
        while (firstFlushed > 0 && group.get(firstFlushed - 1).level() == LEVEL_FLUSHED) {
            firstFlushed--;
        }
        List<SpanFiles.SpanFile> flushed = group.subList(firstFlushed, group.size()).stream()
                .flatMap(r -> r.files().stream()).toList();
        if (flushed.size() >= 2) {
            plan.add(new PlannedMerge(partition, flushed, LEVEL_GATHERED,
                    group.subList(firstFlushed, group.size()).stream().anyMatch(Run::outdated)));
        }
    }

    /**
     * Plans {@code files} (one flush range) to be written again, alone, in the current schema version; a
     * lone compacted file only when {@link SpanFiles#rewriteName} can name its rewrite.
     */
    private static void planRewrite(PartitionPath partition, List<SpanFiles.SpanFile> files, List<PlannedMerge> plan) {
        if (files.size() > 1 || !files.get(0).compacted() || SpanFiles.rewriteName(files.get(0)) != null) {
            plan.add(new PlannedMerge(partition, files, LEVEL_FINAL, true));
        }
    }

    /** Rows, level and schema version of each file, from its footer (cached: a published file never changes). */
    private Map<Path, FileFacts> factsOf(FooterReader footers, List<SpanFiles.SpanFile> files) throws IOException {
        Map<Path, FileFacts> known = new HashMap<>();
        List<SpanFiles.SpanFile> unknown = new ArrayList<>();
        for (SpanFiles.SpanFile file : files) {
            FileFacts cached = facts.get(file.path());
            if (cached == null) {
                unknown.add(file);
            } else {
                known.put(file.path(), cached);
            }
        }
        if (unknown.isEmpty()) {
            return known;
        }
        Connection connection;
        try {
            connection = footers.connection();
        } catch (SQLException e) {
            throw new IOException("cannot open a DuckDB to read span files' footers: " + e.getMessage(), e);
        }
        Map<Path, Long> rows = rowCounts(connection, unknown);
        Map<Path, Integer> levels = new HashMap<>();
        Map<Path, Integer> versions = new HashMap<>();
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT file_name, decode(key), decode(value) FROM parquet_kv_metadata("
                     + pathList(unknown.stream().map(SpanFiles.SpanFile::path).toList()) + ") WHERE decode(key) IN ('"
                     + LEVEL_METADATA_KEY + "', '" + SpanSchema.VERSION_METADATA_KEY + "')")) {
            while (rs.next()) {
                (rs.getString(2).equals(LEVEL_METADATA_KEY) ? levels : versions)
                        .put(Path.of(rs.getString(1)), Integer.parseInt(rs.getString(3).strip()));
            }
        } catch (SQLException | NumberFormatException e) {
            throw new IOException("cannot read the compaction levels and schema versions of span files: "
                    + e.getMessage(), e);
        }
        for (SpanFiles.SpanFile file : unknown) {
            // A compacted file with no level was merged before levels existed: sorted already, final.
            int level = file.compacted() ? levels.getOrDefault(file.path(), LEVEL_FINAL) : LEVEL_FLUSHED;
            FileFacts fileFacts = new FileFacts(rows.getOrDefault(file.path(), 0L), level,
                    versions.getOrDefault(file.path(), 1) < SpanSchema.VERSION);
            facts.put(file.path(), fileFacts);
            known.put(file.path(), fileFacts);
        }
        return known;
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

    private Merge merge(PlannedMerge planned) throws IOException {
        long started = System.nanoTime();
        PartitionPath partition = planned.partition();
        List<SpanFiles.SpanFile> inputs = planned.inputs();
        long firstFlush = inputs.stream().mapToLong(SpanFiles.SpanFile::firstFlush).min().orElseThrow();
        long lastFlush = inputs.stream().mapToLong(SpanFiles.SpanFile::lastFlush).max().orElseThrow();
        Path target = partition.resolveUnder(layout.spansDir()).resolve(inputs.size() == 1 && inputs.get(0).compacted()
                ? SpanFiles.rewriteName(inputs.get(0)) : SpanFiles.compactedFileName(firstFlush, lastFlush));
        Path temp = DataLayout.tempFor(target);
        List<Path> inputPaths = inputs.stream().map(SpanFiles.SpanFile::path).toList();
        long bytesBefore = 0;
        java.nio.file.attribute.FileTime newestInput = java.nio.file.attribute.FileTime.fromMillis(0);
        for (Path input : inputPaths) {
            bytesBefore += Files.size(input);
            java.nio.file.attribute.FileTime modified = Files.getLastModifiedTime(input);
            newestInput = modified.compareTo(newestInput) > 0 ? modified : newestInput;
        }
        long spans;
        long flushedSpans = 0;
        boolean copied;
        try {
            Map<Path, Long> inputRows = rowCounts(duckdb, inputs);
            long expected = inputRows.values().stream().mapToLong(Long::longValue).sum();
            for (SpanFiles.SpanFile input : inputs) {
                flushedSpans += input.compacted() ? 0 : inputRows.getOrDefault(input.path(), 0L);
            }
            Map<String, String> metadata = Map.of(LEVEL_METADATA_KEY, Integer.toString(planned.level()));
            copied = copyRowGroups(inputPaths, temp, metadata, partition);
            if (!copied) {
                ParquetSpanWriter.merge(duckdb, inputPaths, temp, config.rowGroupSpans(), metadata, planned.outdated());
            }
            spans = rowCounts(duckdb, List.of(new SpanFiles.SpanFile(temp, partition, firstFlush, lastFlush))).values()
                    .stream().mapToLong(Long::longValue).sum();
            if (spans != expected) {
                throw new IOException("merged file holds " + spans + " spans, its inputs " + expected);
            }
            long[] traceKeys = TraceIdIndex.unionOfSidecars(inputPaths);
            TraceIdIndex.writeSidecar(target, traceKeys != null ? traceKeys : TraceIdIndex.keysOf(duckdb, temp));
            Files.setLastModifiedTime(temp, newestInput);
        } catch (SQLException | IOException e) {
            Files.deleteIfExists(temp);
            Files.deleteIfExists(SpanFiles.traceIdSidecar(target));
            throw new IOException("merging " + inputs.size() + " files of " + partition + " failed: "
                    + e.getMessage(), e);
        }
        Durability.publish(temp, target);
        mergesDone.incrementAndGet();
        spansMerged.addAndGet(spans);
        flushedSpansMerged.addAndGet(flushedSpans);
        for (Runnable listener : listeners) {
            listener.run();
        }
        reaper.deleteLater(inputs);
        return new Merge(partition, inputs.size(), spans, bytesBefore, Files.size(target), target,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), planned.level(), copied);
    }

    /**
     * Writes the merge of {@code inputs} to {@code temp} by copying their row groups, when {@link RowGroupCopy}
     * applies, and checks that DuckDB reads every span of it; false when it does not apply, or when the copy
     * failed or did not read back (logged: the caller re-encodes instead, so a file parquet-java cannot copy
     * does not stop compaction).
     */
    private boolean copyRowGroups(List<Path> inputs, Path temp, Map<String, String> metadata, PartitionPath partition)
            throws IOException {
        try {
            RowGroupCopy copy = RowGroupCopy.plan(inputs, config.rowGroupSpans() / 4);
            if (copy == null) {
                return false;
            }
            Map<String, String> withVersion = new java.util.LinkedHashMap<>(metadata);
            withVersion.put(SpanSchema.VERSION_METADATA_KEY, String.valueOf(SpanSchema.VERSION));
            copy.writeTo(temp, withVersion, duckdb);
            // DuckDB reads the copy back — its footer, and one column's pages — before it replaces anything.
            try (Statement statement = duckdb.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT count(*), count(span_id) FROM read_parquet("
                         + pathList(List.of(temp)) + ")")) {
                rows.next();
                if (rows.getLong(1) != copy.rows() || rows.getLong(2) != copy.rows()) {
                    throw new IOException("DuckDB reads " + rows.getLong(1) + " spans and " + rows.getLong(2)
                            + " span IDs in the copy, " + copy.rows() + " expected");
                }
            }
            return true;
        } catch (IOException | SQLException | RuntimeException e) {
            LOG.warn("copying the row groups of {} files of {} failed, re-encoding them instead: {}",
                    inputs.size(), partition, e.toString());
            Files.deleteIfExists(temp);
            return false;
        }
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
