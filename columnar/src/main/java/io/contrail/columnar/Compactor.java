package io.contrail.columnar;

import io.contrail.columnar.CompactionPlanner.PlannedMerge;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
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
 *   <li>level 2 ("final"): once a partition's level-0 and level-1 files reach
 *       {@link StoreConfig.Compaction#targetSpans()} spans, once the partition has had no flush for {@link StoreConfig.Compaction#closeAfterIdle()}, once it holds
 *       {@link CompactionPlanner#MAX_GATHERED_FILES} level-1 files, or on demand ({@link #compactOnce(Progress)}),
 *       they are merged into a file of at most the target (in row groups of
 *       {@link StoreConfig.Compaction#rowGroupSpans()}, or the inputs' own when they are copied). A level-2 file is never merged again.</li>
 * </ul>
 * Neither level sorts: a merge is a union of its inputs in flush order, each input's rows as they
 * were flushed, so a span is rewritten once at full rate (level 2 straight from the flush files) and
 * at most twice otherwise. A trace's spans sit where they arrived: in the one or few flush files of
 * the seconds they came in. Sorting the merged rows trace by trace, as level 2 did before, cost about
 * 30 µs of CPU per span on the bench workload against 7–8 µs for the union, for a file 4% larger
 * (bench/results/compaction-order/).
 * The level is in the file's Parquet key/value metadata ({@link CompactionPlanner#LEVEL_METADATA_KEY}, written
 * with the file, so it is published with it); a compacted file without one (written before levels) counts as
 * final. When the inputs have the same columns and row groups of a quarter of
 * {@link StoreConfig.Compaction#rowGroupSpans()} or more on average — at full rate, the flush files of an hour — a merge copies their row groups as they
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
 * spans were flushed, which is what {@link StoreConfig.Compaction#closeAfterIdle()} is measured from.
 *
 * <p>One compactor per data folder: it runs under the folder's {@link DataFolderLock}. Runs in
 * the background every {@link StoreConfig.Compaction#interval()} on one DuckDB thread, pausing between merges so
 * that it is busy at most {@link StoreConfig.Compaction#maxBusyFraction()} of the time — unless it has fallen
 * behind the flushes, when it merges back to back until it has caught up — or on demand with
 * {@link #compactOnce}.
 *
 * <p>The parts: {@link CompactionPlanner} decides which files to merge (levels, runs, footer facts);
 * {@link MergeWriter} makes one merge (row-group copy or DuckDB {@code COPY}, sidecar, publication). This
 * class runs the passes — in the background or on demand, one at a time — and throttles them.
 */
final class Compactor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Compactor.class);
    /** A background plan with at least this many level-2 merges is behind: it runs unthrottled (see {@link #compactOnce}). */
    static final int BEHIND_MERGES = 2;
    /** Told before and after each merge of a pass, e.g. to show progress. */
    public interface Progress {
        void planned(int merges);

        void merged(int done, int of, Store.Merge merge);
    }

    private static final Progress SILENT = new Progress() {
        @Override
        public void planned(int merges) {
        }

        @Override
        public void merged(int done, int of, Store.Merge merge) {
        }
    };

    private final StoreConfig.Compaction config;
    private final CompactionPlanner planner;
    private final MergeWriter mergeWriter;
    /** The claim on the data folder this compactor took itself (released on close); null when its opener holds it. */
    private final DataFolderLock ownFolderLock;
    private final Connection duckdb;
    private final Object passLock = new Object();
    private ScheduledExecutorService background;
    private volatile boolean closed;
    private final AtomicLong throttledMillis = new AtomicLong();
    private volatile String lastError;

    public Store.CompactionStats stats() {
        return new Store.CompactionStats(mergeWriter.mergesDone(), mergeWriter.spansMerged(),
                mergeWriter.flushedSpansMerged(), throttledMillis.get(), lastError);
    }

    private Compactor(DataLayout layout, StoreConfig.Compaction config, FileReaper reaper, DataFolderLock ownFolderLock,
                      Connection duckdb) {
        this.config = config;
        this.planner = new CompactionPlanner(layout, config);
        this.mergeWriter = new MergeWriter(layout, config, reaper, duckdb);
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
    static Compactor open(DataLayout layout, StoreConfig.Compaction config, FileReaper reaper) throws IOException {
        DataFolderLock folderLock = DataFolderLock.acquire(layout.root(), DataFolderLock.DEFAULT_HOLDER);
        try {
            return start(layout, config, reaper, folderLock);
        } catch (IOException | RuntimeException e) {
            folderLock.close();
            throw e;
        }
    }

    /** Like {@link #open(DataLayout, StoreConfig.Compaction, FileReaper)} in a folder its caller has claimed (and releases). */
    static Compactor open(DataLayout layout, StoreConfig.Compaction config, FileReaper reaper, DataFolderLock folderLock)
            throws IOException {
        if (!folderLock.covers(layout.root())) {
            throw new IllegalArgumentException("the data folder " + layout.root() + " is not the one claimed, "
                    + folderLock.folder());
        }
        return start(layout, config, reaper, null);
    }

    private static Compactor start(DataLayout layout, StoreConfig.Compaction config, FileReaper reaper,
                                   DataFolderLock ownFolderLock) throws IOException {
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

    public StoreConfig.Compaction config() {
        return config;
    }

    /** Runs {@code listener} after each merge published a file (readers should re-list). */
    public void onFilesChanged(Runnable listener) {
        mergeWriter.onFilesChanged(listener);
    }

    /** Starts background passes every {@link StoreConfig.Compaction#interval()}; does nothing when it is zero. */
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
    public Store.CompactionPass compactOnce(Progress progress) throws IOException {
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
    Store.CompactionPass compactOnce(Progress progress, boolean throttled, boolean closeAll) throws IOException {
        synchronized (passLock) {
            List<Store.Merge> merges = new ArrayList<>();
            int partitionsLooked = 0;
            int done = 0;
            int total = 0;
            while (!closed) {
                List<PlannedMerge> plan = planner.plan(() -> duckdb, closeAll);
                total += plan.size();
                if (!plan.isEmpty() || merges.isEmpty()) {
                    progress.planned(total);
                }
                if (plan.isEmpty()) {
                    break;
                }
                partitionsLooked = Math.max(partitionsLooked,
                        (int) plan.stream().map(PlannedMerge::partition).distinct().count());
                boolean behind = plan.stream().filter(m -> m.level() == CompactionPlanner.LEVEL_FINAL).count()
                        >= BEHIND_MERGES;
                for (PlannedMerge planned : plan) {
                    if (closed) {
                        return new Store.CompactionPass(merges, partitionsLooked);
                    }
                    Store.Merge merge = mergeWriter.merge(planned);
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
            return new Store.CompactionPass(merges, partitionsLooked);
        }
    }

    /**
     * How many merges a background pass would make now (0 once compaction has caught up), e.g. for
     * {@code /health}. Footers not read before are read through an in-memory DuckDB of its own, opened
     * only then: opening one cost ~20 ms of CPU, which every {@code /health} paid while nothing changed.
     */
    public int pendingMerges() throws IOException {
        return planner.pendingMerges();
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
