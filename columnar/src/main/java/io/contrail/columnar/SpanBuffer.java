package io.contrail.columnar;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The spans acknowledged and not yet in Parquet, bounded, and the waits on them: the append side of a
 * {@link Warehouse}.
 *
 * <p>Logged spans pass through the {@link SpanSampler} into the buffer ({@link #logged}); a flush takes
 * them all at once ({@link #take}) as a {@link FlushBatch}, which counts against the bounds until its
 * files are written ({@link #written}), so the bounds never see spans leave before they are in Parquet.
 * An append waits for room ({@link #awaitRoom}) up to {@link StoreConfig.Writes#maxBufferWait()}.
 *
 * <p>Threading: {@link #logged} and {@link #take} run under the write-ahead log's append lock (its
 * append and rotate callbacks), which guards the buffered rows; the counts are read elsewhere as hints.
 * One monitor serves every wait: appends waiting for room, the flusher waiting for a flush to be due
 * ({@link #awaitFlushDue}) and callers of {@link #requestFlush}; whatever may end a wait notifies it.
 */
final class SpanBuffer {

    private final StoreConfig.Writes config;
    private final SpanSampler sampler;
    private final FlushHealth health;

    // Guarded by the WAL's append lock (append/rotate callbacks), read elsewhere as hints.
    private List<ChunkRows> buffer = new ArrayList<>();
    private volatile long bufferedSpans;
    // The heap the buffered spans' chunks keep, each span's share of its chunk (the byte bound counts these).
    private volatile long bufferedBytes;
    private volatile long bufferSinceNanos;
    // Chunk bytes and spans logged so far: the bytes per span charged to spans a sampler releases later.
    private long loggedBytes;
    private long loggedSpans;
    // Spans (and their bytes) taken from the buffer and not yet written: up to two flushes, one being built
    // and one being written.
    private final AtomicLong spansFlushing = new AtomicLong();
    private final AtomicLong bytesFlushing = new AtomicLong();

    private final Object signal = new Object();
    private volatile boolean running = true;
    private long flushRequests;
    private long flushesDone;
    /** Flush requests whose flush has been taken (written or not yet); guarded by {@link #signal}. */
    private long requestsTaken;
    /** Appends waiting for room in a full buffer ({@link #awaitRoom}); guarded by {@link #signal}. */
    private int roomWaiters;

    SpanBuffer(StoreConfig.Writes config, SpanSampler sampler, FlushHealth health) {
        this.config = config;
        this.sampler = sampler;
        this.health = health;
    }

    /**
     * Takes the spans of a logged chunk ({@code rows}, logged in {@code segment}) that the sampler lets
     * through now; the rest it holds. Under the log's append lock. Wakes the flusher when the buffer holds
     * a file's worth.
     *
     * @param chunkBytes the heap the whole chunk keeps; its kept spans count their share of it
     * @param chunkSpans the spans of the whole chunk
     */
    void logged(ChunkRows rows, long segment, long nowNanos, long chunkBytes, int chunkSpans) {
        loggedBytes += chunkBytes;
        loggedSpans += chunkSpans;
        List<ChunkRows> kept = rows.size() == 0 ? List.of() : sampler.admit(rows, segment, nowNanos);
        if (kept.isEmpty()) {
            return;
        }
        if (buffer.isEmpty()) {
            bufferSinceNanos = System.nanoTime();
        }
        buffer.addAll(kept);
        long keptSpans = SpanBatches.spanCount(kept);
        bufferedSpans += keptSpans;
        bufferedBytes += bytesOf(keptSpans, chunkBytes, chunkSpans);
        if (bufferedSpans >= config.maxFileSpans()) {
            synchronized (signal) {
                signal.notifyAll();
            }
        }
    }

    /** Starts the buffer's age now: after recovery, whose spans have waited as long as the restart took. */
    void restartAge() {
        bufferSinceNanos = System.nanoTime();
    }

    /**
     * Takes everything buffered, with what the sampler releases now, for one flush. Under the log's append
     * lock (its rotate callback), so the batch holds exactly the spans logged before the rotation.
     */
    FlushBatch take() {
        List<ChunkRows> released = sampler.decideDue(System.nanoTime());
        long releasedSpans = SpanBatches.spanCount(released);
        buffer.addAll(released);
        // Released spans came in requests long gone: charge them the average bytes per span.
        long takenBytes = bufferedBytes + bytesOf(releasedSpans, loggedBytes, loggedSpans);
        long takenSpans = bufferedSpans + releasedSpans;
        // Counted as flushing before they stop counting as buffered: the bounds never see them leave.
        spansFlushing.addAndGet(takenSpans);
        bytesFlushing.addAndGet(takenBytes);
        FlushBatch taken = new FlushBatch(buffer, takenSpans, takenBytes, sampler.oldestHeldSegment());
        buffer = new ArrayList<>();
        bufferedSpans = 0;
        bufferedBytes = 0;
        return taken;
    }

    /** The spans and bytes of a taken flush stop counting against the bounds: they are in Parquet (or quarantine). */
    void written(long spans, long bytes) {
        spansFlushing.addAndGet(-spans);
        bytesFlushing.addAndGet(-bytes);
    }

    /** Spans not yet in Parquet and not held by the sampler: buffered, or taken by a flush not yet written. */
    long pendingSpans() {
        return bufferedSpans + spansFlushing.get();
    }

    boolean isOpen() {
        return running;
    }

    /**
     * Returns once the buffer has room for {@code spans} more spans keeping {@code chunkBytes} of heap,
     * waiting up to {@link StoreConfig.Writes#maxBufferWait()} for the flushes that make it; an empty buffer
     * always has room (a request larger than the bounds is taken alone). The wait is checked, not reserved:
     * appends racing for the same room may go over the bounds by their own size.
     *
     * @throws SpanSink.OverloadedException when no room came in time; nothing was written
     */
    void awaitRoom(int spans, long chunkBytes) throws SpanSink.OverloadedException {
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
                        throw new SpanSink.OverloadedException(full + health.whyFlushesFail(), 1);
                    }
                    signal.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    full = whyFull(spans, chunkBytes);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SpanSink.OverloadedException(full + " (interrupted while waiting for room)", 1);
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

    /** The share of {@code payloadBytes}, taken by {@code loggedSpans} spans, that {@code spans} of them take. */
    private static long bytesOf(long spans, long payloadBytes, long loggedSpans) {
        return loggedSpans == 0 ? 0 : Math.round((double) payloadBytes * spans / loggedSpans);
    }

    /**
     * Asks for everything buffered so far to be written and waits until it is, up to {@code deadlineNanos}
     * ({@link Long#MAX_VALUE}: no deadline); false when the deadline passed first.
     *
     * @param flusher the flusher thread: a flush request to a dead one fails
     */
    boolean requestFlush(long deadlineNanos, Thread flusher) throws IOException {
        synchronized (signal) {
            long ticket = ++flushRequests;
            signal.notifyAll();
            while (flushesDone < ticket) {
                if (!flusher.isAlive() || health.writerStopped()) {
                    throw new IOException("the flusher has stopped");
                }
                if (System.nanoTime() >= deadlineNanos) {
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

    /** What the flusher's wait found: the flush requests a flush taken now serves, and whether it is the last. */
    record Due(long servedRequests, boolean last) {
    }

    /** The flusher's wait: returns once a flush is due, the buffer closed or the writer stopped. */
    Due awaitFlushDue() throws InterruptedException {
        synchronized (signal) {
            while (running && !health.writerStopped() && !flushDue()) {
                signal.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(
                        Math.min(untilAgeDue(), sampler.nanosUntilNextDecision(System.nanoTime())))));
            }
            return new Due(flushRequests, !running);
        }
    }

    /** Records that the flush serving {@code servedRequests} was taken from the buffer. */
    void taken(long servedRequests) {
        synchronized (signal) {
            requestsTaken = servedRequests;
        }
    }

    /** Records that the flushes serving up to {@code servedRequests} are written; wakes whoever waits for that. */
    void flushed(long servedRequests) {
        synchronized (signal) {
            flushesDone = Math.max(flushesDone, servedRequests);
            signal.notifyAll();
        }
    }

    /** Wakes every wait, e.g. when the writer stopped: they find out why themselves. */
    void wakeAll() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    /** Waits {@code millis}, or less when woken: the flusher's pause before a retry. */
    void pause(long millis) throws InterruptedException {
        synchronized (signal) {
            signal.wait(millis);
        }
    }

    /** Refuses appends from now on; the flusher takes one last flush. */
    void close() {
        synchronized (signal) {
            running = false;
            signal.notifyAll();
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
}
