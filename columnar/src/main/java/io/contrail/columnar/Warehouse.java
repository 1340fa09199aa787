package io.contrail.columnar;

import io.opentelemetry.proto.trace.v1.TracesData;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The write side of the store: spans in, durable at once, in Parquet files soon after.
 *
 * <p>{@link #append} writes the spans to the write-ahead log and returns only once the log is
 * fsynced (group commit), so a caller may acknowledge them. A background flusher moves buffered
 * spans into Parquet files, one per hour partition, when the buffer reaches
 * {@link StoreConfig.Writes#maxFileSpans()} or its oldest span is {@link StoreConfig.Writes#maxBufferAge()} old.
 * Each flush first rotates the log; segments up to the rotated one are deleted only after every file of the
 * flush is fsynced and renamed into place.
 *
 * <p>The parts, each in a class of its own: the bounded buffer of logged spans and the waits on it
 * ({@link SpanBuffer}); the flusher and writer threads that move it into Parquet ({@link Flusher}, which
 * takes a {@link FlushBatch} from the buffer and hands a {@link TakenFlush} to the writer thread), the
 * writing of a flush's files with retries and quarantine ({@link FlushWriter}), whether that is working
 * ({@link FlushHealth}); the log's record format and its replay on open ({@link LogRecovery}). This class
 * opens and closes them, and is the {@link SpanSink}: {@link #append} runs on the caller's thread.
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
 * spans after it; see {@link FlushWriter}.
 *
 * <p>What is buffered are {@link SpanChunk}s, the spans of each request as column arrays (no protobuf
 * objects). The log keeps each request as it was received with its format ({@link #append(SpanChunk, int,
 * byte[])}); recovery decodes it again with the same {@link RequestDecoder}, so what is replayed is
 * exactly what was acknowledged.
 *
 * <p>Memory is bounded: when more than {@link StoreConfig.Writes#maxBufferedSpans()} spans, or chunks keeping more
 * than {@link StoreConfig.Writes#maxBufferedBytes()} bytes of heap ({@link SpanChunk#retainedBytes()}), wait for
 * Parquet, {@link #append} waits up to {@link StoreConfig.Writes#maxBufferWait()} for a flush to make room, then
 * refuses with {@link OverloadedException} and writes nothing.
 */
final class Warehouse implements SpanSink, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Warehouse.class);
    /** How long {@link #close()} waits for the final flush before leaving the rest to recovery. */
    static final long CLOSE_FLUSH_TIMEOUT_MILLIS = 30_000;

    private final StoreConfig.Writes config;
    private final DataLayout layout;
    private final BufferAllocator allocator;
    private final ParquetSpanWriter writer;
    private final WriteAheadLog wal;
    private final SpanSampler sampler;
    private final Quarantine quarantine;
    private final FlushHealth health;
    private final SpanBuffer buffer;
    private final FlushWriter files;
    private final Flusher flusher;
    private final AtomicLong spansAppended = new AtomicLong();
    private final LogRecovery.Replayed recovered;

    /** The claim on the data folder this warehouse took itself (released on close); null when its opener holds it. */
    private final DataFolderLock ownFolderLock;

    private Warehouse(StoreConfig.Writes config, SpanSampler sampler, RequestDecoder decoder,
                      DataFolderLock ownFolderLock) throws IOException {
        this.ownFolderLock = ownFolderLock;
        this.config = config;
        this.sampler = sampler;
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
        this.health = new FlushHealth(layout.root());
        this.buffer = new SpanBuffer(config, sampler, health);
        this.files = new FlushWriter(layout, writer, quarantine, health, buffer);
        this.recovered = LogRecovery.replay(wal, layout, writer, decoder, buffer);
        this.flusher = new Flusher(config, wal, buffer, writer, files, health);
        flusher.start();
    }

    /** Opens the store keeping every span ({@link SpanSampler#KEEP_ALL}). */
    static Warehouse open(StoreConfig.Writes config) throws IOException {
        return open(config, SpanSampler.KEEP_ALL);
    }

    /**
     * Opens the store with {@code sampler} deciding which logged spans reach Parquet, claiming the data
     * folder first ({@link DataFolderLock}) until {@link #close()}.
     *
     * @throws DataFolderLock.InUseException when another process holds the folder; nothing in it was touched
     */
    static Warehouse open(StoreConfig.Writes config, SpanSampler sampler) throws IOException {
        DataFolderLock folderLock = DataFolderLock.acquire(config.dataDir(), DataFolderLock.DEFAULT_HOLDER);
        try {
            return new Warehouse(config, sampler, RequestDecoder.TRACES_DATA_ONLY, folderLock);
        } catch (IOException | RuntimeException e) {
            folderLock.close();
            throw e;
        }
    }

    /** Like {@link #open(StoreConfig.Writes, SpanSampler)} in a data folder its caller has claimed (and releases). */
    static Warehouse open(StoreConfig.Writes config, SpanSampler sampler, DataFolderLock folderLock) throws IOException {
        return open(config, sampler, RequestDecoder.TRACES_DATA_ONLY, folderLock);
    }

    /**
     * Like {@link #open(StoreConfig.Writes, SpanSampler, DataFolderLock)}, with {@code decoder} turning logged
     * requests of other formats than {@link #TRACES_DATA} back into spans on recovery.
     */
    static Warehouse open(StoreConfig.Writes config, SpanSampler sampler, RequestDecoder decoder, DataFolderLock folderLock)
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
     * on open and writes recovered spans within {@link StoreConfig.Writes#maxBufferAge()}, possibly before its
     * caller registers, and a reader that listed the files just before that flush would otherwise not
     * see the recovered spans until some later flush.
     */
    public void onFilesPublished(Runnable listener) {
        flusher.onFilesPublished(listener);
    }

    public DataLayout layout() {
        return layout;
    }

    public StoreConfig.Writes config() {
        return config;
    }

    /**
     * Makes {@code traces} durable. Returns once they are fsynced in the write-ahead log; they are
     * visible to queries after the next flush (within {@link StoreConfig.Writes#maxBufferAge()} plus the write).
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
     * @throws OverloadedException when too many spans wait for Parquet, still after
     *                             {@link StoreConfig.Writes#maxBufferWait()}; nothing was written
     * @throws IOException         when the log cannot be written; nothing may be acknowledged
     */
    @Override
    public void append(SpanChunk chunk, int format, byte[] request) throws IOException {
        if (!buffer.isOpen()) {
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
        buffer.awaitRoom(spans, chunkBytes);
        long lsn = wal.append(LogRecovery.recordPrefix(format), request, () ->
                buffer.logged(ChunkRows.all(chunk), wal.currentSegment(), System.nanoTime(), chunkBytes, spans));
        wal.awaitDurable(lsn);
        spansAppended.addAndGet(spans);
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
        return flusher.flush(timeoutMillis);
    }

    /** See {@link Store#oldestLogSegment()}. */
    long oldestLogSegment() throws IOException {
        List<Long> segments = WriteAheadLog.segments(layout.walDir());
        return segments.isEmpty() ? wal.currentSegment() : Math.min(segments.get(0), wal.currentSegment());
    }

    public Store.WriteStats stats() {
        long walBytes;
        try {
            walBytes = wal.bytesOnDisk();
        } catch (IOException e) {
            walBytes = -1;
        }
        return new Store.WriteStats(spansAppended.get(), recovered.spans(), recovered.skipped(), buffer.pendingSpans(),
                sampler.heldSpans(), files.filesWritten(), files.parquetBytes(), walBytes, wal.fsyncCount(),
                flusher.lastFlush(), health.flushFailures(), health.lastFlushError(), health.flushFailing(),
                files.spansQuarantined(), quarantine.files(), writer.attributeColumns(), writer.keysOverflowed());
    }

    /** Flushes what is buffered and stops; spans that could not be written stay in the log. */
    @Override
    public void close() throws IOException {
        if (!buffer.isOpen()) {
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
        buffer.close();
        try {
            // Writes already handed over still run (a write retried after failures gives up now: not running).
            flusher.awaitStopped();
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
