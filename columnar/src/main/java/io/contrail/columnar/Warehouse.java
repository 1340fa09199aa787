package io.contrail.columnar;

import io.opentelemetry.proto.trace.v1.TracesData;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The write side of the store: spans in, durable at once, in Parquet files soon after.
 *
 * <p>{@link #append} writes the spans to the write-ahead log and returns only once the log is
 * fsynced (group commit), so a caller may acknowledge them. A background flusher moves buffered
 * spans into Parquet files, one per hour partition, when the buffer reaches
 * {@link Config#maxFileSpans()} or its oldest span is {@link Config#maxBufferAge()} old. Each flush
 * first rotates the log; segments up to the rotated one are deleted only after every file of the
 * flush is fsynced and renamed into place.
 *
 * <p>A flush is two stages on two threads: the flusher takes the buffer and builds its files' Arrow
 * batches while the writer thread writes the flush before it ({@link #flushLoop}). The writer writes
 * flushes one at a time in the order they were taken, so files are published, and log segments
 * deleted, in flush order as with one thread.
 *
 * <p>Sampling: logged spans pass through a {@link SpanSampler} before they are buffered for
 * Parquet. Spans it holds keep their log segment alive (segments are deleted only up to the
 * oldest one still holding an undecided span), so sampling never puts acknowledged spans at risk.
 *
 * <p>One process per data folder: opening claims it ({@link DataFolderLock}) before anything in it is
 * read or changed, so a second process is refused without touching the first one's log.
 *
 * <p>Recovery: on open, surviving log segments are replayed. A file's name carries the segment
 * its flush rotated at; a replayed span is skipped when a file from a flush at or after the span's
 * segment already holds it. So a crash at any step of a flush neither loses nor duplicates a span.
 *
 * <p>A span that was acknowledged but that the Parquet writer fails on even alone (the ingest
 * validator should have refused it) is set aside in {@link Quarantine}, so it never blocks the
 * spans after it; see {@link #writePartition}.
 *
 * <p>What is buffered are {@link SpanChunk}s, the spans of each request as column arrays (no protobuf
 * objects). The log keeps each request as it was received with its format ({@link #append(SpanChunk, int,
 * byte[])}); recovery decodes it again with the same {@link RequestDecoder}, so what is replayed is
 * exactly what was acknowledged.
 *
 * <p>Memory is bounded: when more than {@link Config#maxBufferedSpans()} spans, or chunks keeping more
 * than {@link Config#maxBufferedBytes()} bytes of heap ({@link SpanChunk#retainedBytes()}), wait for
 * Parquet, {@link #append} waits up to {@link Config#maxBufferWait()} for a flush to make room, then
 * refuses with {@link OverloadedException} and writes nothing.
 */
public final class Warehouse implements SpanSink, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Warehouse.class);
    /** How long {@link #close()} waits for the final flush before leaving the rest to recovery. */
    static final long CLOSE_FLUSH_TIMEOUT_MILLIS = 30_000;
    /** A failed flush is retried after this, doubling up to {@link #MAX_RETRY_MILLIS}, until it succeeds. */
    static final long FIRST_RETRY_MILLIS = 200;
    static final long MAX_RETRY_MILLIS = 10_000;

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
    public record Config(Path dataDir, int maxFileSpans, Duration maxBufferAge, long maxBufferedSpans,
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

        public static Config defaults(Path dataDir) {
            return new Config(dataDir, DEFAULT_MAX_FILE_SPANS, DEFAULT_MAX_BUFFER_AGE,
                    DEFAULT_MAX_BUFFERED_SPANS, DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_WRITER_THREADS, DEFAULT_MAX_BUFFER_WAIT,
                    DEFAULT_MAX_ATTRIBUTE_COLUMNS);
        }

        public Config withMaxFileSpans(int spans) {
            return new Config(dataDir, spans, maxBufferAge, maxBufferedSpans, maxBufferedBytes, writerThreads, maxBufferWait, maxAttributeColumns);
        }

        public Config withMaxBufferAge(Duration age) {
            return new Config(dataDir, maxFileSpans, age, maxBufferedSpans, maxBufferedBytes, writerThreads, maxBufferWait, maxAttributeColumns);
        }

        public Config withMaxBufferedSpans(long spans) {
            return new Config(dataDir, maxFileSpans, maxBufferAge, spans, maxBufferedBytes, writerThreads, maxBufferWait, maxAttributeColumns);
        }

        public Config withMaxBufferWait(Duration wait) {
            if (wait.isNegative()) {
                throw new IllegalArgumentException("a buffer wait cannot be negative: " + wait);
            }
            return new Config(dataDir, maxFileSpans, maxBufferAge, maxBufferedSpans, maxBufferedBytes, writerThreads, wait, maxAttributeColumns);
        }

        public Config withMaxAttributeColumns(int columns) {
            if (columns < 0) {
                throw new IllegalArgumentException("a bound on attribute columns cannot be negative: " + columns);
            }
            return new Config(dataDir, maxFileSpans, maxBufferAge, maxBufferedSpans, maxBufferedBytes, writerThreads,
                    maxBufferWait, columns);
        }

        public Config withMaxBufferedBytes(long bytes) {
            return new Config(dataDir, maxFileSpans, maxBufferAge, maxBufferedSpans, bytes, writerThreads, maxBufferWait, maxAttributeColumns);
        }
    }

    /**
     * Counters for {@code /health}.
     *
     * @param flushFailing      whether the last attempt to write Parquet failed (spans wait in the log)
     * @param spansQuarantined  spans set aside since start because they failed to write even alone
     * @param quarantinedFiles  every file in the quarantine folder, relative to the data folder
     * @param attributeColumns  attribute columns the span files have, span and resource keys together
     * @param attributeKeysOverflowed keys written to an overflow column since start, because the files had
     *                          {@link Config#maxAttributeColumns} attribute columns (once per file that holds one)
     */
    public record Stats(long spansAppended, long spansReplayed, long spansSkippedOnReplay, long bufferedSpans,
                        long heldForSampling, long filesWritten, long parquetBytesWritten, long walBytes,
                        long walFsyncs, Instant lastFlush, long flushFailures, String lastFlushError,
                        boolean flushFailing, long spansQuarantined, List<String> quarantinedFiles,
                        int attributeColumns, long attributeKeysOverflowed) {
    }

    private final Config config;
    private final DataLayout layout;
    private final BufferAllocator allocator;
    private final ParquetSpanWriter writer;
    private final WriteAheadLog wal;
    private final SpanSampler sampler;
    private final RequestDecoder decoder;
    private final Quarantine quarantine;
    private final Thread flusher;
    /** Writes the flushes the flusher took, one at a time and in the order taken ({@link #writeTaken}). */
    private final ExecutorService parquetWrites;

    // Guarded by the WAL's append lock (append/rotate callbacks), read elsewhere as hints.
    private List<ChunkRows> buffer = new ArrayList<>();
    private volatile long bufferedSpans;
    // The heap the buffered spans' chunks keep, each span's share of its chunk (the byte bound counts these).
    private volatile long bufferedBytes;
    private volatile long bufferSinceNanos;
    // Chunk bytes and spans logged so far: the bytes per span charged to spans a sampler releases later.
    private long loggedBytes;
    private long loggedSpans;

    private final Object signal = new Object();
    private volatile boolean running = true;
    private long flushRequests;
    private long flushesDone;
    /** Flush requests whose flush has been taken (written or not yet); guarded by {@link #signal}. */
    private long requestsTaken;
    /** Appends waiting for room in a full buffer ({@link #awaitRoom}); guarded by {@link #signal}. */
    private int roomWaiters;
    /** Set when the flusher or the writer thread failed in a way it cannot retry: nothing more is written. */
    private volatile boolean writerStopped;
    /**
     * Set when a flush's write gave up (only when closing): the flushes after it are not written either,
     * since deleting their log segments would delete the spans of the one that failed.
     */
    private volatile boolean writesAbandoned;

    private final AtomicLong spansAppended = new AtomicLong();
    private long spansReplayed;
    private long spansSkippedOnReplay;
    // Spans (and their bytes) taken from the buffer and not yet written: up to two flushes, one being built
    // and one being written.
    private final AtomicLong spansFlushing = new AtomicLong();
    private final AtomicLong bytesFlushing = new AtomicLong();
    private final AtomicLong filesWritten = new AtomicLong();
    private final AtomicLong parquetBytes = new AtomicLong();
    private volatile Instant lastFlush;
    private final AtomicLong flushFailures = new AtomicLong();
    private final AtomicLong spansQuarantined = new AtomicLong();
    private volatile String lastFlushError;
    /** Whether the last attempt to write Parquet (or to rotate the log for it) failed; refusals then say why. */
    private volatile boolean flushFailing;
    private final List<Runnable> flushListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** The claim on the data folder this warehouse took itself (released on close); null when its opener holds it. */
    private final DataFolderLock ownFolderLock;

    private Warehouse(Config config, SpanSampler sampler, RequestDecoder decoder, DataFolderLock ownFolderLock)
            throws IOException {
        this.ownFolderLock = ownFolderLock;
        this.config = config;
        this.sampler = sampler;
        this.decoder = decoder;
        this.layout = new DataLayout(config.dataDir());
        this.quarantine = new Quarantine(layout.root());
        Files.createDirectories(layout.spansDir());
        layout.deleteAbandonedTempFiles();
        Map<PartitionPath, Long> newestFlush = layout.newestFlushByPartition();
        // Segment numbers keep growing across restarts: a new segment is newer than every file's flush.
        long nextSegment = newestFlush.values().stream().mapToLong(Long::longValue).max().orElse(0) + 1;
        this.wal = WriteAheadLog.open(layout.walDir(), nextSegment);
        // Unsafe's allocation manager, not Netty's: Netty allocates a flush's large buffers as fresh direct
        // ByteBuffers, which the JDK zeroes (12% of the flusher's CPU in a profile); Arrow's vectors zero
        // what they need themselves.
        this.allocator = new RootAllocator(RootAllocator.configBuilder()
                .allocationManagerFactory(org.apache.arrow.memory.unsafe.UnsafeAllocationManager.FACTORY).build());
        try {
            this.writer = new ParquetSpanWriter(allocator, config.writerThreads(), layout, config.maxAttributeColumns());
        } catch (SQLException e) {
            throw new IOException("cannot start the Parquet writer: " + e.getMessage(), e);
        }
        recover();
        this.parquetWrites = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "contrail-parquet-writer");
            thread.setDaemon(true);
            return thread;
        });
        this.flusher = new Thread(this::flushLoop, "contrail-flusher");
        flusher.setDaemon(true);
        flusher.start();
    }

    /** Opens the store keeping every span ({@link SpanSampler#KEEP_ALL}). */
    public static Warehouse open(Config config) throws IOException {
        return open(config, SpanSampler.KEEP_ALL);
    }

    /**
     * Opens the store with {@code sampler} deciding which logged spans reach Parquet, claiming the data
     * folder first ({@link DataFolderLock}) until {@link #close()}.
     *
     * @throws DataFolderLock.InUseException when another process holds the folder; nothing in it was touched
     */
    public static Warehouse open(Config config, SpanSampler sampler) throws IOException {
        DataFolderLock folderLock = DataFolderLock.acquire(config.dataDir(), DataFolderLock.DEFAULT_HOLDER);
        try {
            return new Warehouse(config, sampler, RequestDecoder.TRACES_DATA_ONLY, folderLock);
        } catch (IOException | RuntimeException e) {
            folderLock.close();
            throw e;
        }
    }

    /** Like {@link #open(Config, SpanSampler)} in a data folder its caller has claimed (and releases). */
    public static Warehouse open(Config config, SpanSampler sampler, DataFolderLock folderLock) throws IOException {
        return open(config, sampler, RequestDecoder.TRACES_DATA_ONLY, folderLock);
    }

    /**
     * Like {@link #open(Config, SpanSampler, DataFolderLock)}, with {@code decoder} turning logged
     * requests of other formats than {@link #TRACES_DATA} back into spans on recovery.
     */
    public static Warehouse open(Config config, SpanSampler sampler, RequestDecoder decoder, DataFolderLock folderLock)
            throws IOException {
        if (!folderLock.covers(config.dataDir())) {
            throw new IllegalArgumentException("the data folder " + config.dataDir() + " is not the one claimed, "
                    + folderLock.folder());
        }
        return new Warehouse(config, sampler, decoder, null);
    }

    /**
     * Runs {@code listener} on the writer thread after each flush that published files, and once at
     * once (on the caller's thread) when this warehouse has already published some: the flusher starts
     * on open and writes recovered spans within {@link Config#maxBufferAge()}, possibly before its
     * caller registers, and a reader that listed the files just before that flush would otherwise not
     * see the recovered spans until some later flush.
     */
    public void onFilesPublished(Runnable listener) {
        flushListeners.add(listener);
        // filesWritten is counted before a flush runs its listeners: a flush either sees this listener or
        // counted its files before this check.
        if (filesWritten.get() > 0) {
            listener.run();
        }
    }

    public DataLayout layout() {
        return layout;
    }

    public Config config() {
        return config;
    }

    /**
     * Replays the surviving log segments. A span is skipped when a file written at or after its
     * segment already holds it (same trace, span and kind): only such a file can, because a file is
     * written after the spans in it were logged. Checking the spans themselves, not only the
     * files' flush numbers, keeps this exact when a sampler held some spans across flushes.
     */
    private void recover() throws IOException {
        List<WriteAheadLog.Record> records = wal.replay();
        if (records.isEmpty()) {
            return;
        }
        long oldestSegment = records.get(0).segment();
        List<Path> candidates = new ArrayList<>();
        for (Path file : layout.spanFiles()) {
            if (DataLayout.flushSegmentOf(file) >= oldestSegment) {
                candidates.add(file);
            }
        }
        List<SpanChunk> replayed = new ArrayList<>(records.size());
        Set<String> keys = new HashSet<>();
        for (WriteAheadLog.Record record : records) {
            SpanChunk chunk = decodeLogged(record.payload());
            replayed.add(chunk);
            if (!candidates.isEmpty()) {
                for (int row = 0; row < chunk.spanCount(); row++) {
                    keys.add(WrittenSpans.key(chunk, row));
                }
            }
        }
        Set<String> written = candidates.isEmpty() ? Set.of() : writer.writtenAmong(candidates, keys);
        long now = System.nanoTime();
        for (int i = 0; i < records.size(); i++) {
            SpanChunk chunk = replayed.get(i);
            ChunkRows fresh = ChunkRows.all(chunk);
            if (!written.isEmpty()) {
                int[] rows = new int[chunk.spanCount()];
                int count = 0;
                for (int row = 0; row < chunk.spanCount(); row++) {
                    if (written.contains(WrittenSpans.key(chunk, row))) {
                        spansSkippedOnReplay++;
                    } else {
                        rows[count++] = row;
                    }
                }
                fresh = count == rows.length ? fresh : new ChunkRows(chunk, Arrays.copyOf(rows, count), null);
            }
            spansReplayed += fresh.size();
            List<ChunkRows> kept = admit(fresh, records.get(i).segment(), now);
            buffer.addAll(kept);
            long chunkBytes = chunk.retainedBytes();
            bufferedBytes += bytesOf(SpanBatches.spanCount(kept), chunkBytes, chunk.spanCount());
            bufferedSpans += SpanBatches.spanCount(kept);
            loggedBytes += chunkBytes;
            loggedSpans += chunk.spanCount();
        }
        bufferSinceNanos = System.nanoTime();
        LOG.info("Recovered {} spans from the write-ahead log ({} records); {} already in Parquet were skipped",
                spansReplayed, records.size(), spansSkippedOnReplay);
    }

    /** A logged record's spans: an untagged record is a {@code TracesData}, a tagged one {@code [0, format] + request}. */
    private SpanChunk decodeLogged(byte[] record) throws IOException {
        if (record.length >= 2 && record[0] == 0) {
            return decoder.decode(record[1] & 0xff, Arrays.copyOfRange(record, 2, record.length));
        }
        return SpanChunk.fromTraces(TracesData.parseFrom(record));
    }

    /** What the sampler lets through of {@code rows} at once; the rest it holds. */
    private List<ChunkRows> admit(ChunkRows rows, long segment, long nowNanos) {
        return rows.size() == 0 ? List.of() : sampler.admit(rows, segment, nowNanos);
    }

    /**
     * Makes {@code traces} durable. Returns once they are fsynced in the write-ahead log; they are
     * visible to queries after the next flush (within {@link Config#maxBufferAge()} plus the write).
     *
     * @throws OverloadedException when too many spans wait for Parquet; nothing was written
     * @throws IOException         when the log cannot be written; nothing may be acknowledged
     */
    public void append(TracesData traces) throws IOException {
        append(traces, null);
    }

    /**
     * Like {@link #append(TracesData)}, with {@code encodedTraces}, when not null, logged as it is
     * instead of encoding {@code traces} again (encoding was a tenth of the ingest CPU). The caller
     * vouches that it is a protobuf {@code TracesData} that decodes to exactly {@code traces}, e.g.
     * the received OTLP body when nothing in it was rejected; recovery replays those bytes.
     */
    public void append(TracesData traces, byte[] encodedTraces) throws IOException {
        if (traces.getResourceSpansCount() == 0) {
            return;
        }
        append(SpanChunk.fromTraces(traces), TRACES_DATA, encodedTraces != null ? encodedTraces : traces.toByteArray());
    }

    /**
     * Makes the spans of {@code chunk} durable by logging {@code request}, the request they were decoded
     * from, with its {@code format}; recovery decodes it again with this warehouse's {@link RequestDecoder}
     * (which must give exactly {@code chunk}'s spans). Returns once the log is fsynced.
     *
     * @throws OverloadedException when too many spans wait for Parquet, still after {@link Config#maxBufferWait()};
     *                             nothing was written
     * @throws IOException         when the log cannot be written; nothing may be acknowledged
     */
    @Override
    public void append(SpanChunk chunk, int format, byte[] request) throws IOException {
        if (!running) {
            throw new IOException("the warehouse is closed");
        }
        int spans = chunk.spanCount();
        if (spans == 0) {
            return;
        }
        if (format < 0 || format > 255) {
            throw new IllegalArgumentException("a request format is one byte: " + format);
        }
        long chunkBytes = chunk.retainedBytes();
        awaitRoom(spans, chunkBytes);
        // A TracesData is logged as it is (the log's first format, which older logs hold); any other format
        // behind a tag that no TracesData starts with (field number 0 does not exist).
        byte[] prefix = format == TRACES_DATA ? NO_PREFIX : new byte[] {0, (byte) format};
        long lsn = wal.append(prefix, request, () -> {
            loggedBytes += chunkBytes;
            loggedSpans += spans;
            List<ChunkRows> kept = admit(ChunkRows.all(chunk), wal.currentSegment(), System.nanoTime());
            if (kept.isEmpty()) {
                return;
            }
            if (buffer.isEmpty()) {
                bufferSinceNanos = System.nanoTime();
            }
            buffer.addAll(kept);
            long keptSpans = SpanBatches.spanCount(kept);
            bufferedSpans += keptSpans;
            bufferedBytes += bytesOf(keptSpans, chunkBytes, spans);
            if (bufferedSpans >= config.maxFileSpans()) {
                synchronized (signal) {
                    signal.notifyAll();
                }
            }
        });
        wal.awaitDurable(lsn);
        spansAppended.addAndGet(spans);
    }

    private static final byte[] NO_PREFIX = new byte[0];

    /**
     * Returns once the buffer has room for {@code spans} more spans keeping {@code chunkBytes} of heap,
     * waiting up to {@link Config#maxBufferWait()} for the flushes that make it; an empty buffer always has
     * room (a request larger than the bounds is taken alone). The wait is checked, not reserved: appends
     * racing for the same room may go over the bounds by their own size.
     *
     * @throws OverloadedException when no room came in time; nothing was written
     */
    private void awaitRoom(int spans, long chunkBytes) throws OverloadedException {
        String full = whyFull(spans, chunkBytes);
        if (full == null) {
            return;
        }
        long deadline = System.nanoTime() + config.maxBufferWait().toNanos();
        synchronized (signal) {
            roomWaiters++;
            // The flusher takes a buffer at the bound when nothing else is being written (a bound below
            // maxFileSpans would otherwise wait for the buffer's age).
            signal.notifyAll();
            try {
                while (full != null) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || !running) {
                        throw new OverloadedException(full + whyFlushesFail(), 1);
                    }
                    signal.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    full = whyFull(spans, chunkBytes);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OverloadedException(full + " (interrupted while waiting for room)", 1);
            } finally {
                roomWaiters--;
            }
        }
    }

    /** Why the buffer has no room for {@code spans} more spans of {@code chunkBytes}, or null when it has. */
    private String whyFull(int spans, long chunkBytes) {
        if (bufferedSpans == 0) {
            return null;
        }
        long flushing = spansFlushing.get();
        if (bufferedSpans + flushing + spans > config.maxBufferedSpans()) {
            return "ingest buffer full: " + (bufferedSpans + flushing) + " spans are waiting to be written to "
                    + "Parquet (limit " + config.maxBufferedSpans() + ")";
        }
        long flushingBytes = bytesFlushing.get();
        if (bufferedBytes + flushingBytes + chunkBytes > config.maxBufferedBytes()) {
            return "ingest buffer full: " + (bufferedBytes + flushingBytes) + " bytes of spans are waiting to be "
                    + "written to Parquet (limit " + config.maxBufferedBytes() + " bytes)";
        }
        return null;
    }

    /** For a refusal: why spans are not leaving the buffer, when writing them is failing. */
    private String whyFlushesFail() {
        return flushFailing ? "; writing them fails: " + lastFlushError : "";
    }

    /**
     * An I/O failure's message that says what went wrong ({@link AccessDeniedException}'s and other
     * file system exceptions' name only the file).
     */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException denied && denied.getReason() == null) {
            return denied.getFile() + ": Permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException fs && fs.getReason() == null && fs.getOtherFile() == null) {
            return fs.getFile() + ": " + fs.getClass().getSimpleName();
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** {@code message} with the data folder's absolute path left out: what {@code /health} and refusals show. */
    private String withoutDataPath(String message) {
        return message == null ? null : message.replace(layout.root() + java.io.File.separator, "");
    }

    /** The share of {@code payloadBytes}, taken by {@code loggedSpans} spans, that {@code spans} of them take. */
    private static long bytesOf(long spans, long payloadBytes, long loggedSpans) {
        return loggedSpans == 0 ? 0 : Math.round((double) payloadBytes * spans / loggedSpans);
    }

    /** Writes everything buffered so far to Parquet and returns when it is there. */
    public void flush() throws IOException {
        flush(Long.MAX_VALUE);
    }

    /**
     * Like {@link #flush()}, but gives up after {@code timeoutMillis} (a failing disk makes the
     * flusher retry for as long as it fails); returns whether the flush completed.
     */
    public boolean flush(long timeoutMillis) throws IOException {
        long deadline = timeoutMillis == Long.MAX_VALUE ? Long.MAX_VALUE
                : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (signal) {
            long ticket = ++flushRequests;
            signal.notifyAll();
            while (flushesDone < ticket) {
                if (!flusher.isAlive() || writerStopped) {
                    throw new IOException("the flusher has stopped");
                }
                if (System.nanoTime() >= deadline) {
                    return false;
                }
                try {
                    signal.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while flushing", e);
                }
            }
        }
        return true;
    }

    /**
     * Takes the buffer whenever a flush is due and hands it to the writer thread. While the writer writes
     * flush N, this thread takes flush N+1 and builds its Arrow batches; it takes N+2 only once N is
     * written, so at most two flushes are out of the buffer at once (both count against its bounds).
     */
    private void flushLoop() {
        long backoffMillis = FIRST_RETRY_MILLIS;
        Future<?> previous = null;
        try {
            while (true) {
                long servedRequests;
                boolean last;
                synchronized (signal) {
                    while (running && !writerStopped && !flushDue()) {
                        signal.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(
                                Math.min(untilAgeDue(), sampler.nanosUntilNextDecision(System.nanoTime())))));
                    }
                    servedRequests = flushRequests;
                    last = !running;
                }
                if (writerStopped) {
                    return;
                }
                TakenFlush taken;
                try {
                    taken = take();
                } catch (IOException e) {
                    if (!running) {
                        LOG.warn("final flush failed; unwritten spans stay in the write-ahead log: {}", reason(e));
                        return;
                    }
                    // The log could not be rotated (an unwritable or full folder): nothing was taken from the
                    // buffer; appends go on in the current segment until the buffer's bound refuses them.
                    flushFailed("flush failed, will retry in {} ms (spans stay in the write-ahead log): {}",
                            backoffMillis, e);
                    synchronized (signal) {
                        signal.wait(backoffMillis);
                    }
                    backoffMillis = Math.min(backoffMillis * 2, MAX_RETRY_MILLIS);
                    continue;
                }
                backoffMillis = FIRST_RETRY_MILLIS;
                synchronized (signal) {
                    requestsTaken = servedRequests;
                }
                Future<?> next = parquetWrites.submit(() -> writeTaken(taken, servedRequests));
                if (previous != null) {
                    previous.get();
                }
                previous = next;
                if (last) {
                    next.get();
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | RuntimeException | Error e) {
            // writeTaken catches everything itself; reaching here means the flusher is unusable.
            LOG.error("flusher stopped: {}", e.toString(), e);
            stopped("the flusher stopped: " + e);
        }
    }

    private boolean flushDue() {
        return flushRequests > requestsTaken || bufferedSpans >= config.maxFileSpans()
                || (roomWaiters > 0 && bufferedSpans > 0 && spansFlushing.get() == 0)
                || (bufferedSpans > 0 && untilAgeDue() <= 0)
                || sampler.nanosUntilNextDecision(System.nanoTime()) <= 0;
    }

    private long untilAgeDue() {
        if (bufferedSpans == 0) {
            return config.maxBufferAge().toNanos();
        }
        return config.maxBufferAge().toNanos() - (System.nanoTime() - bufferSinceNanos);
    }

    /**
     * One flush taken from the buffer: its spans grouped into files by partition, each file's Arrow batch
     * built ahead ({@code null} when building failed: the writer builds it again and finds out why).
     */
    private record TakenFlush(long sealed, long resolved, long spans, long bytes,
                              Map<PartitionPath, List<FileToWrite>> files, List<ChunkRows> unstorableTimes) {

        boolean isEmpty() {
            return files.isEmpty() && unstorableTimes.isEmpty();
        }

        void closeUnwritten() {
            files.values().forEach(partition -> partition.forEach(FileToWrite::closePrepared));
        }
    }

    /** The rows of one file and, until the writer takes it, their prepared batch. */
    private static final class FileToWrite {
        final List<ChunkRows> rows;
        private ParquetSpanWriter.Prepared prepared;

        FileToWrite(List<ChunkRows> rows, ParquetSpanWriter.Prepared prepared) {
            this.rows = rows;
            this.prepared = prepared;
        }

        /** The prepared batch, once; null after that or when there was none. */
        ParquetSpanWriter.Prepared takePrepared() {
            ParquetSpanWriter.Prepared taken = prepared;
            prepared = null;
            return taken;
        }

        void closePrepared() {
            ParquetSpanWriter.Prepared unwritten = takePrepared();
            if (unwritten != null) {
                unwritten.close();
            }
        }
    }

    /** Rotates the log and takes what is buffered, with what the sampler releases, ready to write. */
    private TakenFlush take() throws IOException {
        List<List<ChunkRows>> taken = new ArrayList<>(1);
        long[] oldestHeld = new long[1];
        long[] takenBytes = new long[1];
        long[] takenSpans = new long[1];
        long sealed = wal.rotate(() -> {
            List<ChunkRows> released = sampler.decideDue(System.nanoTime());
            long releasedSpans = SpanBatches.spanCount(released);
            buffer.addAll(released);
            // Released spans came in requests long gone: charge them the average bytes per span.
            takenBytes[0] = bufferedBytes + bytesOf(releasedSpans, loggedBytes, loggedSpans);
            takenSpans[0] = bufferedSpans + releasedSpans;
            // Counted as flushing before they stop counting as buffered: the bounds never see them leave.
            spansFlushing.addAndGet(takenSpans[0]);
            bytesFlushing.addAndGet(takenBytes[0]);
            taken.add(buffer);
            buffer = new ArrayList<>();
            bufferedSpans = 0;
            bufferedBytes = 0;
            oldestHeld[0] = sampler.oldestHeldSegment();
        });
        // Segments still holding undecided spans stay: those spans are acknowledged and not yet written.
        long resolved = Math.min(sealed, oldestHeld[0] - 1);
        List<ChunkRows> spans = taken.get(0);
        // Logged before the ingest validator refused such times (or appended without it): a time of 2^63
        // or more would land in a partition before 1970, or fail the write.
        List<ChunkRows> unstorableTimes = new ArrayList<>(0);
        Map<PartitionPath, List<FileToWrite>> files = new TreeMap<>();
        byPartition(spans, unstorableTimes).forEach((partition, rows) -> {
            List<FileToWrite> partitionFiles = new ArrayList<>();
            for (List<ChunkRows> fileRows : SpanBatches.splitEvenly(rows, config.maxFileSpans())) {
                partitionFiles.add(new FileToWrite(fileRows, prepare(fileRows)));
            }
            files.put(partition, partitionFiles);
        });
        return new TakenFlush(sealed, resolved, takenSpans[0], takenBytes[0], files, unstorableTimes);
    }

    /** The file's batch built ahead, or null when building failed (the write builds it again and says why). */
    private ParquetSpanWriter.Prepared prepare(List<ChunkRows> rows) {
        try {
            return writer.prepare(rows);
        } catch (RuntimeException e) {
            LOG.debug("building a batch ahead of its write failed; the write will build it again: {}", e.toString());
            return null;
        }
    }

    /**
     * Writes a taken flush (on the writer thread, flushes in the order taken): its files, then the log
     * segments it resolved are deleted and the listeners run. A file that fails is retried for as long as
     * it fails ({@link #writePartition}); only closing ends that, and leaves the spans in the log.
     */
    private void writeTaken(TakenFlush flush, long servedRequests) {
        try {
            if (writesAbandoned || writerStopped) {
                return;
            }
            if (flush.isEmpty()) {
                // Nothing to write (its spans are held by the sampler, if any were taken at all).
                deleteLogUpTo(flush.resolved());
                spansFlushing.addAndGet(-flush.spans());
                bytesFlushing.addAndGet(-flush.bytes());
            } else {
                long started = System.nanoTime();
                int partitions = flush.files().size();
                Iterator<Map.Entry<PartitionPath, List<FileToWrite>>> pending = flush.files().entrySet().iterator();
                while (pending.hasNext()) {
                    Map.Entry<PartitionPath, List<FileToWrite>> entry = pending.next();
                    writePartition(entry.getKey(), entry.getValue(), flush.sealed());
                    pending.remove();
                }
                if (!flush.unstorableTimes().isEmpty()) {
                    quarantine(flush.unstorableTimes(), flush.sealed(), "a start, end or event time is outside the "
                            + "stored range (from 1970-01-01T00:00:00Z up to " + SpanSchema.END_OF_STORED_TIME + ")");
                }
                deleteLogUpTo(flush.resolved());
                spansFlushing.addAndGet(-flush.spans());
                bytesFlushing.addAndGet(-flush.bytes());
                lastFlush = Instant.now();
                for (Runnable listener : flushListeners) {
                    listener.run();
                }
                LOG.debug("flushed {} spans into {} partitions in {} ms", flush.spans(), partitions,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            }
            flushFailing = false;
            synchronized (signal) {
                flushesDone = Math.max(flushesDone, servedRequests);
                signal.notifyAll();
            }
        } catch (IOException e) {
            writesAbandoned = true;
            LOG.warn("final flush failed; unwritten spans stay in the write-ahead log: {}", reason(e));
        } catch (RuntimeException | Error e) {
            // writePartition retries failed writes itself; reaching here means the writer is unusable.
            LOG.error("the Parquet writer stopped: {}", e.toString(), e);
            stopped("the Parquet writer stopped: " + e);
            synchronized (signal) {
                signal.notifyAll();
            }
        } finally {
            flush.closeUnwritten();
        }
    }

    /**
     * The rows grouped by hour partition, in hour order; rows with a time Parquet cannot store go to
     * {@code unstorable}. A chunk whose rows all share one hour (the common case) passes whole.
     */
    static Map<PartitionPath, List<ChunkRows>> byPartition(List<ChunkRows> spans, List<ChunkRows> unstorable) {
        // Grouped by the hour's number (the partition folder name is built once per hour, not per span).
        Map<Long, List<ChunkRows>> byHour = new TreeMap<>();
        for (ChunkRows rows : spans) {
            SpanChunk chunk = rows.chunk();
            int n = rows.size();
            long[] hours = new long[n];
            boolean oneHour = true;
            boolean allStorable = true;
            for (int i = 0; i < n; i++) {
                int row = rows.row(i);
                if (!chunk.hasStorableTimes(row)) {
                    allStorable = false;
                    hours[i] = Long.MIN_VALUE;
                    continue;
                }
                hours[i] = PartitionPath.epochHourOf(chunk.startTimeUnixNano(row));
                oneHour &= hours[i] == hours[0];
            }
            if (oneHour && allStorable) {
                byHour.computeIfAbsent(hours[0], hour -> new ArrayList<>()).add(rows);
                continue;
            }
            Map<Long, List<Integer>> picked = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                picked.computeIfAbsent(hours[i], hour -> new ArrayList<>()).add(i);
            }
            picked.forEach((hour, selected) -> {
                int[] chunkRows = new int[selected.size()];
                double[] weights = new double[selected.size()];
                for (int j = 0; j < chunkRows.length; j++) {
                    chunkRows[j] = rows.row(selected.get(j));
                    weights[j] = rows.weight(selected.get(j));
                }
                ChunkRows part = new ChunkRows(chunk, chunkRows, weights);
                if (hour == Long.MIN_VALUE) {
                    unstorable.add(part);
                } else {
                    byHour.computeIfAbsent(hour, h -> new ArrayList<>()).add(part);
                }
            });
        }
        Map<PartitionPath, List<ChunkRows>> byPartition = new TreeMap<>();
        byHour.forEach((hour, rows) -> byPartition.put(PartitionPath.ofEpochHour(hour), rows));
        return byPartition;
    }

    /**
     * Deletes the log segments whose spans are all in Parquet. A failure is only logged: the segments
     * stay, the next flush deletes them, and a replay in between skips what Parquet already holds.
     */
    private void deleteLogUpTo(long segment) {
        try {
            wal.deleteSegmentsUpTo(segment);
        } catch (IOException e) {
            LOG.warn("could not delete write-ahead log segments up to {} (the next flush will): {}", segment,
                    reason(e));
        }
    }

    /** Says on {@link #stats()} (so {@code /health} and refusals) that spans no longer reach Parquet, and why. */
    private void stopped(String why) {
        lastFlushError = withoutDataPath(why) + "; spans stay in the write-ahead log until a restart";
        flushFailing = true;
        writerStopped = true;
    }

    private void flushFailed(String format, long backoffMillis, IOException e) {
        flushFailures.incrementAndGet();
        String reason = reason(e);
        lastFlushError = withoutDataPath(reason);
        flushFailing = true;
        LOG.error(format, backoffMillis, reason);
    }

    /**
     * Writes one partition's files ({@link #take} cut its spans into the fewest files of at most
     * maxFileSpans, as even as they come), until every span is in a file or in quarantine.
     *
     * <p>When a write fails with anything but an I/O error, a probe write of one plain span into the
     * same folder tells why ({@link ParquetSpanWriter#canWrite}). After an I/O error, or if the probe
     * fails too, the folder, the disk or DuckDB is at fault: the same write is retried with backoff,
     * for as long as it fails. If the probe succeeds, something in these spans is at fault: the batch is halved and each half written on
     * its own, down to single spans, and a span that fails alone goes to {@link Quarantine}. So a
     * span the writer cannot take costs a few extra writes once, not every write after it.
     */
    private void writePartition(PartitionPath partition, List<FileToWrite> files, long sealed) throws IOException {
        Deque<FileToWrite> pending = new ArrayDeque<>(files);
        Path dir = partition.resolveUnder(layout.spansDir());
        List<ChunkRows> unwritable = new ArrayList<>(0);
        String firstReason = null;
        long backoffMillis = FIRST_RETRY_MILLIS;
        while (!pending.isEmpty()) {
            FileToWrite file = pending.peekFirst();
            List<ChunkRows> batch = file.rows;
            Path target = dir.resolve(DataLayout.newFileName(sealed));
            try {
                ParquetSpanWriter.Prepared prepared = file.takePrepared();
                long bytes = prepared != null ? writer.write(prepared, target) : writer.writeRows(batch, target);
                filesWritten.incrementAndGet();
                parquetBytes.addAndGet(bytes);
                pending.removeFirst();
                backoffMillis = FIRST_RETRY_MILLIS;
                flushFailing = false;
            } catch (IOException e) {
                if (running && e instanceof ParquetSpanWriter.SpansNotWritableException && writer.canWrite(dir)) {
                    pending.removeFirst();
                    if (SpanBatches.spanCount(batch) == 1) {
                        unwritable.addAll(batch);
                        firstReason = firstReason == null ? withoutDataPath(reason(e)) : firstReason;
                    } else {
                        List<List<ChunkRows>> halves = SpanBatches.halves(batch);
                        pending.addFirst(new FileToWrite(halves.get(1), null));
                        pending.addFirst(new FileToWrite(halves.get(0), null));
                    }
                    continue;
                }
                flushFailed("writing " + layout.root().relativize(target)
                        + " failed, will retry in {} ms (spans stay in the write-ahead log): {}", backoffMillis, e);
                backoffMillis = pause(backoffMillis, e);
            }
        }
        if (!unwritable.isEmpty()) {
            quarantine(unwritable, sealed, firstReason);
        }
    }

    /** Sets aside spans that fail to write alone, retrying (like a write) until the file is there. */
    private void quarantine(List<ChunkRows> rows, long sealed, String why) throws IOException {
        List<SpanRef> spans = new ArrayList<>();
        for (ChunkRows part : rows) {
            spans.addAll(part.toRefs());
        }
        long backoffMillis = FIRST_RETRY_MILLIS;
        while (true) {
            try {
                String file = quarantine.put(spans, sealed, why);
                spansQuarantined.addAndGet(spans.size());
                LOG.error("{} acknowledged spans could not be written to Parquet even alone and were set aside in {} "
                        + "(OTLP/JSON; see docs/schema.md, \"Quarantine\"): {}", spans.size(), file, why);
                return;
            } catch (IOException e) {
                flushFailed("setting aside " + spans.size()
                        + " unwritable spans failed, will retry in {} ms (spans stay in the write-ahead log): {}",
                        backoffMillis, e);
                backoffMillis = pause(backoffMillis, e);
            }
        }
    }

    /** Waits {@code backoffMillis} before a retry and returns the next wait; throws {@code e} when closing. */
    private long pause(long backoffMillis, IOException e) throws IOException {
        if (!running) {
            throw e;
        }
        try {
            Thread.sleep(backoffMillis);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw e;
        }
        return Math.min(backoffMillis * 2, MAX_RETRY_MILLIS);
    }

    public Stats stats() {
        long walBytes;
        try {
            walBytes = wal.bytesOnDisk();
        } catch (IOException e) {
            walBytes = -1;
        }
        return new Stats(spansAppended.get(), spansReplayed, spansSkippedOnReplay, bufferedSpans + spansFlushing.get(),
                sampler.heldSpans(), filesWritten.get(), parquetBytes.get(), walBytes, wal.fsyncCount(), lastFlush,
                flushFailures.get(), lastFlushError, flushFailing, spansQuarantined.get(), quarantine.files(),
                writer.attributeColumns(), writer.keysOverflowed());
    }

    /** Flushes what is buffered and stops; spans that could not be written stay in the log. */
    @Override
    public void close() throws IOException {
        if (!running) {
            return;
        }
        try {
            if (!flush(CLOSE_FLUSH_TIMEOUT_MILLIS)) {
                LOG.warn("final flush did not finish within {} ms; unwritten spans remain in the write-ahead log "
                        + "and are recovered on the next start", CLOSE_FLUSH_TIMEOUT_MILLIS);
            }
        } catch (IOException e) {
            LOG.warn("final flush failed; spans remain in the write-ahead log: {}", e.getMessage());
        }
        synchronized (signal) {
            running = false;
            signal.notifyAll();
        }
        try {
            flusher.join(TimeUnit.SECONDS.toMillis(30));
            // Writes already handed over still run (a write retried after failures gives up now: not running).
            parquetWrites.shutdown();
            parquetWrites.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        wal.close();
        try {
            writer.close();
        } catch (SQLException e) {
            LOG.warn("closing the Parquet writer: {}", e.getMessage());
        }
        allocator.close();
        if (ownFolderLock != null) {
            ownFolderLock.close();
        }
    }
}
