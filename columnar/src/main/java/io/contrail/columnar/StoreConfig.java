package io.contrail.columnar;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * A {@link Store}'s settings: how spans are written ({@link Writes}), compacted
 * ({@link Compaction}) and retired ({@link Retention}), each with named defaults.
 * Change a part with its {@code with…} method, e.g.
 * {@code StoreConfig.defaults(dir).withWrites(w -> w.withMaxBufferAge(Duration.ofMillis(200)))}.
 */
public record StoreConfig(Writes writes, Compaction compaction, Retention retention) {

    /** The defaults for a store in {@code dataDir}: no retention, compaction every minute. */
    public static StoreConfig defaults(Path dataDir) {
        return new StoreConfig(Writes.defaults(dataDir), Compaction.defaults(), Retention.none());
    }

    public Path dataDir() {
        return writes.dataDir();
    }

    public StoreConfig withWrites(UnaryOperator<Writes> change) {
        return new StoreConfig(change.apply(writes), compaction, retention);
    }

    public StoreConfig withCompaction(UnaryOperator<Compaction> change) {
        return new StoreConfig(writes, change.apply(compaction), retention);
    }

    public StoreConfig withRetention(UnaryOperator<Retention> change) {
        return new StoreConfig(writes, compaction, change.apply(retention));
    }

    /**
     * Write-side settings.
     *
     * @param dataDir          the data folder
     * @param maxFileSpans     flush when this many spans are buffered; also the most spans per file
     * @param maxBufferAge     flush when the oldest buffered span has waited this long (freshness)
     * @param maxBufferedSpans refuse appends beyond this many spans not yet in Parquet
     * @param maxBufferedBytes refuse appends beyond this many bytes of heap held by spans not yet in Parquet
     * @param writerThreads    DuckDB threads used by the Parquet writer: 1 by default, as a second one
     *                         cost more CPU than it saved (the flushing thread polls for DuckDB's tasks
     *                         while the worker writes: 29% of its samples in a profile)
     * @param maxBufferWait    how long an append waits for room in a full buffer before it is refused
     * @param maxAttributeColumns how many attribute columns (span and resource keys together) the files may
     *                         have; keys past it go to an overflow column ({@link SpanSchema#SPAN_ATTRIBUTE_OVERFLOW})
     */
    public record Writes(Path dataDir, int maxFileSpans, Duration maxBufferAge, long maxBufferedSpans,
                         long maxBufferedBytes, int writerThreads, Duration maxBufferWait, int maxAttributeColumns) {
        public static final int DEFAULT_MAX_FILE_SPANS = 100_000;
        public static final Duration DEFAULT_MAX_BUFFER_AGE = Duration.ofSeconds(1);
        /**
         * 200,000 spans, about 2.3 s of a full-rate load on 2 cores: a restart after a crash decodes and
         * writes every buffered span before they are all queryable (~6 s for 200k, ~9 s for 400k, the
         * default before), and a bigger buffer did not raise the rate (the flusher sets it:
         * bench/results-engine/FINDINGS.md).
         */
        public static final long DEFAULT_MAX_BUFFERED_SPANS = 200_000;
        /**
         * 256 MiB of heap held by buffered chunks ({@link SpanChunk#retainedBytes()}): about 380k spans of
         * the bench workload, whose spans meet the span bound first. It keeps a server within a 1 GiB heap
         * with the flush's Arrow batch, the held traces of tail sampling and the requests being decoded beside it.
         */
        public static final long DEFAULT_MAX_BUFFERED_BYTES = 256L * 1024 * 1024;
        public static final int DEFAULT_WRITER_THREADS = 1;
        /**
         * One second, about two full-rate flushes: a client refused with 503 waits its Retry-After (1 s, the
         * header's smallest value) before it sends again, so a refusal costs it at least that; waiting up to the
         * same time in the server for the flush that makes room costs it less and keeps the writer busy.
         */
        public static final Duration DEFAULT_MAX_BUFFER_WAIT = Duration.ofSeconds(1);
        /** See {@link AttributeShapes#DEFAULT_MAX_COLUMNS}. */
        public static final int DEFAULT_MAX_ATTRIBUTE_COLUMNS = AttributeShapes.DEFAULT_MAX_COLUMNS;

        public static Writes defaults(Path dataDir) {
            return new Writes(dataDir, DEFAULT_MAX_FILE_SPANS, DEFAULT_MAX_BUFFER_AGE,
                    DEFAULT_MAX_BUFFERED_SPANS, DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_WRITER_THREADS, DEFAULT_MAX_BUFFER_WAIT,
                    DEFAULT_MAX_ATTRIBUTE_COLUMNS);
        }

        /** These settings for the data folder {@code folder}. */
        public Writes withDataDir(Path folder) {
            return new Writes(folder, maxFileSpans, maxBufferAge, maxBufferedSpans, maxBufferedBytes, writerThreads, maxBufferWait, maxAttributeColumns);
        }

        public Writes withMaxFileSpans(int spans) {
            return new Writes(dataDir, spans, maxBufferAge, maxBufferedSpans, maxBufferedBytes, writerThreads, maxBufferWait, maxAttributeColumns);
        }

        public Writes withMaxBufferAge(Duration age) {
            return new Writes(dataDir, maxFileSpans, age, maxBufferedSpans, maxBufferedBytes, writerThreads, maxBufferWait, maxAttributeColumns);
        }

        public Writes withMaxBufferedSpans(long spans) {
            return new Writes(dataDir, maxFileSpans, maxBufferAge, spans, maxBufferedBytes, writerThreads, maxBufferWait, maxAttributeColumns);
        }

        public Writes withMaxBufferWait(Duration wait) {
            if (wait.isNegative()) {
                throw new IllegalArgumentException("a buffer wait cannot be negative: " + wait);
            }
            return new Writes(dataDir, maxFileSpans, maxBufferAge, maxBufferedSpans, maxBufferedBytes, writerThreads, wait, maxAttributeColumns);
        }

        public Writes withMaxAttributeColumns(int columns) {
            if (columns < 0) {
                throw new IllegalArgumentException("a bound on attribute columns cannot be negative: " + columns);
            }
            return new Writes(dataDir, maxFileSpans, maxBufferAge, maxBufferedSpans, maxBufferedBytes, writerThreads,
                    maxBufferWait, columns);
        }

        public Writes withMaxBufferedBytes(long bytes) {
            return new Writes(dataDir, maxFileSpans, maxBufferAge, maxBufferedSpans, bytes, writerThreads, maxBufferWait, maxAttributeColumns);
        }
    }

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
    public record Compaction(int targetSpans, int rowGroupSpans, Duration interval, double maxBusyFraction,
                         int threads, String memoryLimit, Duration closeAfterIdle) {
        public static final int DEFAULT_TARGET_SPANS = 1_000_000;
        public static final int DEFAULT_ROW_GROUP_SPANS = 65_536;
        public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);
        public static final double DEFAULT_MAX_BUSY_FRACTION = 0.5;
        public static final String DEFAULT_MEMORY_LIMIT = "1GB";
        /** Spans of an hour arrive up to a few export intervals (5 s each) plus retries after it ends. */
        public static final Duration DEFAULT_CLOSE_AFTER_IDLE = Duration.ofMinutes(5);

        public static Compaction defaults() {
            return new Compaction(DEFAULT_TARGET_SPANS, DEFAULT_ROW_GROUP_SPANS, DEFAULT_INTERVAL,
                    DEFAULT_MAX_BUSY_FRACTION, 1, DEFAULT_MEMORY_LIMIT, DEFAULT_CLOSE_AFTER_IDLE);
        }

        public Compaction withTargetSpans(int spans) {
            return new Compaction(spans, rowGroupSpans, interval, maxBusyFraction, threads, memoryLimit, closeAfterIdle);
        }

        public Compaction withRowGroupSpans(int spans) {
            return new Compaction(targetSpans, spans, interval, maxBusyFraction, threads, memoryLimit, closeAfterIdle);
        }

        public Compaction withInterval(Duration every) {
            return new Compaction(targetSpans, rowGroupSpans, every, maxBusyFraction, threads, memoryLimit, closeAfterIdle);
        }

        public Compaction withMaxBusyFraction(double fraction) {
            return new Compaction(targetSpans, rowGroupSpans, interval, fraction, threads, memoryLimit, closeAfterIdle);
        }

        public Compaction withThreads(int count) {
            return new Compaction(targetSpans, rowGroupSpans, interval, maxBusyFraction, count, memoryLimit, closeAfterIdle);
        }

        public Compaction withCloseAfterIdle(Duration idle) {
            return new Compaction(targetSpans, rowGroupSpans, interval, maxBusyFraction, threads, memoryLimit, idle);
        }
    }

    /**
     * Which old spans a store deletes, whole hour partitions at a time ({@link io.contrail.columnar.Retention}).
     *
     * @param maxAge   keep partitions that ended less than this long ago; null keeps any age
     * @param maxBytes keep at most this many bytes of span files; 0 keeps any size
     * @param interval time between background passes
     */
    public record Retention(Duration maxAge, long maxBytes, Duration interval) {
        public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);

        public static Retention none() {
            return new Retention(null, 0, DEFAULT_INTERVAL);
        }

        public boolean enabled() {
            return maxAge != null || maxBytes > 0;
        }

        public Retention withMaxAge(Duration age) {
            return new Retention(age, maxBytes, interval);
        }

        public Retention withMaxBytes(long bytes) {
            return new Retention(maxAge, bytes, interval);
        }

        public Retention withInterval(Duration every) {
            return new Retention(maxAge, maxBytes, every);
        }
    }
}
