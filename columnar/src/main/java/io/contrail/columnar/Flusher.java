package io.contrail.columnar;

import io.contrail.columnar.TakenFlush.FileToWrite;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Moves buffered spans into Parquet files: a flush is two stages on two threads. The flusher thread
 * ({@code contrail-flusher}) waits until a flush is due ({@link SpanBuffer#awaitFlushDue}), rotates the log,
 * takes the buffer and builds its files' Arrow batches, while the writer thread ({@code contrail-parquet-writer})
 * writes the flush before it ({@link FlushWriter}). The writer writes flushes one at a time in the order they
 * were taken, so files are published, and log segments deleted, in flush order as with one thread; at most two
 * flushes are out of the buffer at once (both count against its bounds).
 */
final class Flusher {

    // Logs as the warehouse, the name operators know the write side by.
    private static final Logger LOG = LoggerFactory.getLogger(Warehouse.class);

    private final StoreConfig.Writes config;
    private final WriteAheadLog wal;
    private final SpanBuffer buffer;
    private final ParquetSpanWriter writer;
    private final FlushWriter files;
    private final FlushHealth health;
    private final Thread thread;
    /** Writes the flushes the flusher took, one at a time and in the order taken ({@link #writeTaken}). */
    private final ExecutorService parquetWrites;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    /**
     * Set when a flush's write gave up (only when closing): the flushes after it are not written either,
     * since deleting their log segments would delete the spans of the one that failed.
     */
    private volatile boolean writesAbandoned;
    private volatile Instant lastFlush;

    Flusher(StoreConfig.Writes config, WriteAheadLog wal, SpanBuffer buffer, ParquetSpanWriter writer,
            FlushWriter files, FlushHealth health) {
        this.config = config;
        this.wal = wal;
        this.buffer = buffer;
        this.writer = writer;
        this.files = files;
        this.health = health;
        this.parquetWrites = Executors.newSingleThreadExecutor(task -> {
            Thread writerThread = new Thread(task, "contrail-parquet-writer");
            writerThread.setDaemon(true);
            return writerThread;
        });
        this.thread = new Thread(this::flushLoop, "contrail-flusher");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Like {@link Warehouse#onFilesPublished}, which says when listeners run. */
    void onFilesPublished(Runnable listener) {
        listeners.add(listener);
        // filesWritten is counted before a flush runs its listeners: a flush either sees this listener or
        // counted its files before this check.
        if (files.filesWritten() > 0) {
            listener.run();
        }
    }

    /** Writes everything buffered so far; false when {@code timeoutMillis} passed first ({@link Long#MAX_VALUE}: none). */
    boolean flush(long timeoutMillis) throws IOException {
        long deadline = timeoutMillis == Long.MAX_VALUE ? Long.MAX_VALUE
                : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        return buffer.requestFlush(deadline, thread);
    }

    Instant lastFlush() {
        return lastFlush;
    }

    /**
     * Takes the buffer whenever a flush is due and hands it to the writer thread. While the writer writes
     * flush N, this thread takes flush N+1 and builds its Arrow batches; it takes N+2 only once N is
     * written, so at most two flushes are out of the buffer at once (both count against its bounds).
     */
    private void flushLoop() {
        long backoffMillis = FlushWriter.FIRST_RETRY_MILLIS;
        Future<?> previous = null;
        try {
            while (true) {
                SpanBuffer.Due due = buffer.awaitFlushDue();
                if (health.writerStopped()) {
                    return;
                }
                TakenFlush taken;
                try {
                    taken = take();
                } catch (IOException e) {
                    if (!buffer.isOpen()) {
                        LOG.warn("final flush failed; unwritten spans stay in the write-ahead log: {}",
                                FlushHealth.reason(e));
                        return;
                    }
                    // The log could not be rotated (an unwritable or full folder): nothing was taken from the
                    // buffer; appends go on in the current segment until the buffer's bound refuses them.
                    health.failed("flush failed, will retry in {} ms (spans stay in the write-ahead log): {}",
                            backoffMillis, e);
                    buffer.pause(backoffMillis);
                    backoffMillis = Math.min(backoffMillis * 2, FlushWriter.MAX_RETRY_MILLIS);
                    continue;
                }
                backoffMillis = FlushWriter.FIRST_RETRY_MILLIS;
                buffer.taken(due.servedRequests());
                Future<?> next = parquetWrites.submit(() -> writeTaken(taken, due.servedRequests()));
                if (previous != null) {
                    previous.get();
                }
                previous = next;
                if (due.last()) {
                    next.get();
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | RuntimeException | Error e) {
            // writeTaken catches everything itself; reaching here means the flusher is unusable.
            LOG.error("flusher stopped: {}", e.toString(), e);
            health.stopped("the flusher stopped: " + e);
        }
    }

    /** Rotates the log and takes what is buffered, with what the sampler releases, ready to write. */
    private TakenFlush take() throws IOException {
        FlushBatch[] taken = new FlushBatch[1];
        long sealed = wal.rotate(() -> taken[0] = buffer.take());
        FlushBatch batch = taken[0];
        // Segments still holding undecided spans stay: those spans are acknowledged and not yet written.
        long resolved = Math.min(sealed, batch.oldestHeldSegment() - 1);
        // Logged before the ingest validator refused such times (or appended without it): a time of 2^63
        // or more would land in a partition before 1970, or fail the write.
        List<ChunkRows> unstorableTimes = new ArrayList<>(0);
        Map<PartitionPath, List<FileToWrite>> byFile = new TreeMap<>();
        TakenFlush.byPartition(batch.rows(), unstorableTimes).forEach((partition, rows) -> {
            List<FileToWrite> partitionFiles = new ArrayList<>();
            for (List<ChunkRows> fileRows : SpanBatches.splitEvenly(rows, config.maxFileSpans())) {
                partitionFiles.add(new FileToWrite(fileRows, prepare(fileRows)));
            }
            byFile.put(partition, partitionFiles);
        });
        return new TakenFlush(sealed, resolved, batch.spans(), batch.bytes(), byFile, unstorableTimes);
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
     * it fails ({@link FlushWriter}); only closing ends that, and leaves the spans in the log.
     */
    private void writeTaken(TakenFlush flush, long servedRequests) {
        try {
            if (writesAbandoned || health.writerStopped()) {
                return;
            }
            if (flush.isEmpty()) {
                // Nothing to write (its spans are held by the sampler, if any were taken at all).
                deleteLogUpTo(flush.resolved());
                buffer.written(flush.spans(), flush.bytes());
            } else {
                long started = System.nanoTime();
                int partitions = flush.files().size();
                files.write(flush);
                deleteLogUpTo(flush.resolved());
                buffer.written(flush.spans(), flush.bytes());
                lastFlush = Instant.now();
                for (Runnable listener : listeners) {
                    listener.run();
                }
                LOG.debug("flushed {} spans into {} partitions in {} ms", flush.spans(), partitions,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            }
            health.succeeded();
            buffer.flushed(servedRequests);
        } catch (IOException e) {
            writesAbandoned = true;
            LOG.warn("final flush failed; unwritten spans stay in the write-ahead log: {}", FlushHealth.reason(e));
        } catch (RuntimeException | Error e) {
            // FlushWriter retries failed writes itself; reaching here means the writer is unusable.
            LOG.error("the Parquet writer stopped: {}", e.toString(), e);
            health.stopped("the Parquet writer stopped: " + e);
            buffer.wakeAll();
        } finally {
            flush.closeUnwritten();
        }
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
                    FlushHealth.reason(e));
        }
    }

    /**
     * Waits for the flusher's last flush (the buffer is closed) and for the writes already handed over (a
     * write retried after failures gives up now).
     */
    void awaitStopped() throws InterruptedException {
        thread.join(TimeUnit.SECONDS.toMillis(30));
        parquetWrites.shutdown();
        parquetWrites.awaitTermination(30, TimeUnit.SECONDS);
    }
}
