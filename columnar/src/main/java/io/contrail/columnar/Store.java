package io.contrail.columnar;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One data folder, kept: the columnar module's entry type. It claims the folder ({@link DataFolderLock})
 * before anything in it is read, recovers the write-ahead log, and runs the folder's lifecycle in the
 * background: flushes to Parquet, compaction, retention, and the deletion of replaced files once no read
 * can still be using them. The rest of the system sees two boundaries:
 * <ul>
 *   <li>{@link #sink()}: the durable span sink receivers append to (acknowledge after it returns);</li>
 *   <li>{@link #files()}: the live span files, their generation and read leases, for the query side.</li>
 * </ul>
 * {@link #check()} says whether the store is healthy and why not; {@link #stats()} counts what it did;
 * {@link #close()} flushes and releases the folder. Thread-safe.
 */
public final class Store implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Store.class);
    /**
     * How long a replaced file is kept at least: the grace for readers in other processes
     * ({@code contrail sql}, notebooks), which this store cannot see.
     */
    static final Duration REAPER_MIN_DELAY = Duration.ofSeconds(2);
    /** How much longer than the longest read a replaced file is kept at most. */
    static final Duration REAPER_MARGIN = Duration.ofSeconds(10);

    private final StoreConfig config;
    private final DataFolderLock folderLock;
    private final LiveFiles files;
    private final SpanSampler sampler;
    private final Warehouse warehouse;
    private final FileReaper reaper;
    private final Compactor compactor;
    private final Retention retention;

    /** How a store is opened: its settings, and what the caller plugs in. */
    public static final class Builder {
        private final StoreConfig config;
        private String holder = DataFolderLock.DEFAULT_HOLDER;
        private SamplerOpener sampler = dataDir -> SpanSampler.KEEP_ALL;
        private SpanSink.RequestDecoder decoder = SpanSink.RequestDecoder.TRACES_DATA_ONLY;
        private Duration longestRead = Duration.ofSeconds(30);

        private Builder(StoreConfig config) {
            this.config = config;
        }

        /** How the store describes itself to a second process refused the folder, e.g. {@code contrail serve}. */
        public Builder holder(String holder) {
            this.holder = holder;
            return this;
        }

        /**
         * Opens, in the claimed data folder, the sampler that decides which logged spans reach Parquet
         * (tail sampling; {@link SpanSampler#KEEP_ALL} by default). The store closes it.
         */
        public Builder sampler(SamplerOpener open) {
            this.sampler = open;
            return this;
        }

        /** Turns logged requests of formats other than {@link SpanSink#TRACES_DATA} back into spans on recovery. */
        public Builder decoder(SpanSink.RequestDecoder decoder) {
            this.decoder = decoder;
            return this;
        }

        /** The longest a read of the files may take (the query timeout): replaced files are kept that long at most. */
        public Builder longestRead(Duration longestRead) {
            this.longestRead = longestRead;
            return this;
        }

        /**
         * Claims the folder, recovers the log and starts the background work.
         *
         * @throws DataFolderLock.InUseException when another process holds the folder; nothing in it was touched
         */
        public Store open() throws IOException {
            // Loaded at once so that their copies in the temp folder can be deleted: a server may end by kill -9.
            NativeLibraries.load();
            // The claim comes first: nothing in the folder is read or changed before it (log recovery,
            // leftover files), so a second process on the folder is refused without touching it.
            DataFolderLock lock = DataFolderLock.acquire(config.dataDir(), holder);
            try {
                return new Store(this, lock);
            } catch (IOException | RuntimeException e) {
                lock.close();
                throw e;
            }
        }
    }

    /** Opens a sampler in a data folder the store has claimed (it may read its saved state there). */
    @FunctionalInterface
    public interface SamplerOpener {
        SpanSampler open(Path dataDir) throws IOException;
    }

    public static Builder builder(StoreConfig config) {
        return new Builder(config);
    }

    private Store(Builder builder, DataFolderLock folderLock) throws IOException {
        this.config = builder.config;
        this.folderLock = folderLock;
        this.sampler = builder.sampler.open(config.dataDir());
        try {
            this.warehouse = Warehouse.open(config.writes(), sampler, builder.decoder, folderLock);
        } catch (IOException | RuntimeException e) {
            sampler.close();
            throw e;
        }
        this.files = new LiveFiles(warehouse.layout());
        warehouse.onFilesPublished(files::changed);
        // Replaced files are deleted once no read that may have listed them is running.
        this.reaper = new FileReaper(warehouse.layout(), REAPER_MIN_DELAY, builder.longestRead.plus(REAPER_MARGIN),
                files::oldestReadStartNanos);
        try {
            this.compactor = Compactor.open(warehouse.layout(), config.compaction(), reaper, folderLock);
        } catch (IOException | RuntimeException e) {
            reaper.close();
            warehouse.close();
            sampler.close();
            throw e;
        }
        compactor.onFilesChanged(files::changed);
        compactor.startBackground();
        this.retention = new Retention(warehouse.layout(), config.retention(), reaper);
        retention.onFilesChanged(files::changed);
        retention.startBackground();
    }

    /**
     * Compacts the folder of {@code config} now, in this process, printing each merge and a summary to
     * {@code progress} ({@code contrail compact}). Replaced files are deleted at once: no reader of this
     * process uses them.
     *
     * @throws DataFolderLock.InUseException when another process (a server) holds the folder
     */
    public static void compact(StoreConfig config, String holder, PrintStream progress) throws IOException {
        DataLayout layout = new DataLayout(config.dataDir());
        try (DataFolderLock folder = DataFolderLock.acquire(config.dataDir(), holder);
             FileReaper reaper = new FileReaper(layout, Duration.ZERO);
             Compactor compactor = Compactor.open(layout, config.compaction(), reaper, folder)) {
            CompactionProgress printer = new CompactionProgress(progress);
            printer.done(compactor.compactOnce(printer));
        }
    }

    public StoreConfig config() {
        return config;
    }

    /** The sampler this store was opened with, as {@code type}; empty when it is of another type. */
    public <S extends SpanSampler> java.util.Optional<S> sampler(Class<S> type) {
        return type.isInstance(sampler) ? java.util.Optional.of(type.cast(sampler)) : java.util.Optional.empty();
    }

    /** Where receivers append spans; durable when {@link SpanSink#append} returns. */
    public SpanSink sink() {
        return warehouse;
    }

    /** The live span files, for readers: follows every flush, merge and retirement of this store. */
    public LiveFiles files() {
        return files;
    }

    /**
     * The oldest write-ahead-log segment still on disk. A span file whose flush number
     * ({@link SpanFiles.SpanFile#lastFlush()}) is below it holds no span recovery could replay: once
     * its spans are kept elsewhere (a shared table), the file may be deleted without a restart writing
     * them again.
     */
    public long oldestLogSegment() throws IOException {
        return warehouse.oldestLogSegment();
    }

    /** Writes {@code address} into the folder's lock file, for a second process refused the folder to name. */
    public void describe(String address) throws IOException {
        folderLock.describe(address);
    }

    /** Writes every buffered span to Parquet now, waiting as long as that takes. */
    public void flush() throws IOException {
        warehouse.flush();
    }

    /** Writes every buffered span to Parquet now; false when it did not finish within {@code timeoutMillis}. */
    public boolean flush(long timeoutMillis) throws IOException {
        return warehouse.flush(timeoutMillis);
    }

    /** Runs one compaction pass now (the background passes keep running), telling {@code progress} of each merge. */
    public CompactionPass compactOnce(PrintStream progress) throws IOException {
        CompactionProgress printer = new CompactionProgress(progress);
        CompactionPass pass = compactor.compactOnce(printer);
        printer.done(pass);
        return pass;
    }

    /**
     * Applies {@code policy} once at {@code now}, beside the configured retention (which keeps running):
     * a one-off cleanup. Retired files go the way of every replaced file.
     */
    public RetentionPass retireOnce(StoreConfig.Retention policy, Instant now) throws IOException {
        Retention once = new Retention(warehouse.layout(), policy, reaper);
        once.onFilesChanged(files::changed);
        return once.applyOnce(now);
    }

    /**
     * Whether acknowledged spans are reaching Parquet and none were set aside.
     *
     * @param reasons why not, for an operator, empty when healthy
     */
    public record Health(boolean ok, List<String> reasons) {
    }

    public Health check() {
        return healthOf(warehouse.stats());
    }

    private static Health healthOf(WriteStats w) {
        List<String> reasons = new ArrayList<>();
        if (w.flushFailing()) {
            reasons.add("writing spans to Parquet fails (they wait in the write-ahead log): " + w.lastFlushError());
        }
        if (!w.quarantinedFiles().isEmpty()) {
            reasons.add(w.quarantinedFiles().size() + " quarantine file(s) hold spans that could not be written to "
                    + "Parquet; resend them once fixed, then remove them (docs/schema.md, \"Quarantine\")");
        }
        return new Health(reasons.isEmpty(), List.copyOf(reasons));
    }

    /**
     * What the store did and holds.
     *
     * @param writes          the write side: appends, buffer, log, flushes, quarantine, attribute columns
     * @param compaction      merges since start
     * @param pendingMerges   merges a compaction pass would make now; null when a footer cannot be read
     * @param liveFiles       span files readers see
     * @param retentionCutoff the oldest partition kept, null when retention never retired one
     * @param health          {@link #check()}'s answer, from the same {@code writes}
     */
    public record Stats(WriteStats writes, CompactionStats compaction, Integer pendingMerges, int liveFiles,
                        String retentionCutoff, Health health) {
    }

    public Stats stats() throws IOException {
        Integer pending;
        try {
            pending = compactor.pendingMerges();
        } catch (IOException e) {
            LOG.warn("cannot plan a compaction for the store's statistics: {}", e.getMessage());
            pending = null;
        }
        PartitionPath cutoff = SpanFiles.retentionCutoff(warehouse.layout());
        WriteStats writes = warehouse.stats();
        return new Stats(writes, compactor.stats(), pending, files.snapshot().size(),
                cutoff == null ? null : cutoff.toString(), healthOf(writes));
    }

    /** Stops the background work, writes buffered spans to Parquet and releases the folder. */
    @Override
    public void close() {
        retention.close();
        try {
            compactor.close();
        } catch (IOException e) {
            LOG.warn("closing the compactor: {}", e.getMessage());
        }
        reaper.close();
        try {
            warehouse.close();
        } catch (IOException e) {
            LOG.warn("closing the warehouse: {}", e.getMessage());
        }
        sampler.close();
        try {
            folderLock.close();
        } catch (IOException e) {
            LOG.warn("releasing the data folder: {}", e.getMessage());
        }
    }

    /**
     * The write side's counters, for {@code /health}: appends, buffer, log, flushes, quarantine, attribute columns.
     *
     * @param flushFailing      whether the last attempt to write Parquet failed (spans wait in the log)
     * @param spansQuarantined  spans set aside since start because they failed to write even alone
     * @param quarantinedFiles  every file in the quarantine folder, relative to the data folder
     * @param attributeColumns  attribute columns the span files have, span and resource keys together
     * @param attributeKeysOverflowed keys written to an overflow column since start, because the files had
     *                          {@link StoreConfig.Writes#maxAttributeColumns} attribute columns (once per file
     *                          that holds one)
     */
    public record WriteStats(long spansAppended, long spansReplayed, long spansSkippedOnReplay, long bufferedSpans,
                             long heldForSampling, long filesWritten, long parquetBytesWritten, long walBytes,
                             long walFsyncs, Instant lastFlush, long flushFailures, String lastFlushError,
                             boolean flushFailing, long spansQuarantined, List<String> quarantinedFiles,
                             int attributeColumns, long attributeKeysOverflowed) {
    }

    /**
     * Compaction's counters, for {@code /health}: merges since start, spans they wrote (every rewrite counted), spans
     * of flush files they took in (each flushed span once), time paused by the throttle, the last
     * pass's failure (null after a good pass). {@link #rewritesPerFlushedSpan} is at most 2.
     */
    public record CompactionStats(long merges, long spansMerged, long flushedSpansMerged, long throttledMillis,
                                  String lastError) {
        /** How many times compaction wrote each flushed span it took in, on average; 0 before any merge. */
        public double rewritesPerFlushedSpan() {
            return flushedSpansMerged == 0 ? 0 : (double) spansMerged / flushedSpansMerged;
        }
    }

    /** One compaction merge: its partition, inputs and output, and the output's level (1 or 2). */
    public record Merge(PartitionPath partition, int inputFiles, long spans, long bytesBefore, long bytesAfter,
                        Path output, long millis, int level, boolean rowGroupsCopied) {
    }

    /** What one compaction pass did. */
    public record CompactionPass(List<Merge> merges, int partitionsLooked) {
        public long spans() {
            return merges.stream().mapToLong(Merge::spans).sum();
        }

        public int inputFiles() {
            return merges.stream().mapToInt(Merge::inputFiles).sum();
        }
    }

    /** What one retention pass retired. */
    public record RetentionPass(PartitionPath cutoff, int partitions, int files, long bytes) {
    }
}
