package io.contrail.columnar;

import io.contrail.columnar.TakenFlush.FileToWrite;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes the files of a {@link TakenFlush} into their partitions, until every span is in a file or in
 * {@link Quarantine}: a failing write is retried with backoff for as long as it fails, and a span the Parquet
 * writer fails on even alone is set aside ({@link #writePartition}). Only closing the buffer ends the
 * retries. Runs on the writer thread, one flush at a time; its counters are read by any thread.
 */
final class FlushWriter {

    // Logs as the warehouse, the name operators know the write side by.
    private static final Logger LOG = LoggerFactory.getLogger(Warehouse.class);
    /** A failed flush is retried after this, doubling up to {@link #MAX_RETRY_MILLIS}, until it succeeds. */
    static final long FIRST_RETRY_MILLIS = 200;
    static final long MAX_RETRY_MILLIS = 10_000;

    private final DataLayout layout;
    private final ParquetSpanWriter writer;
    private final Quarantine quarantine;
    private final FlushHealth health;
    private final SpanBuffer buffer;
    private final AtomicLong filesWritten = new AtomicLong();
    private final AtomicLong parquetBytes = new AtomicLong();
    private final AtomicLong spansQuarantined = new AtomicLong();

    FlushWriter(DataLayout layout, ParquetSpanWriter writer, Quarantine quarantine, FlushHealth health,
                SpanBuffer buffer) {
        this.layout = layout;
        this.writer = writer;
        this.quarantine = quarantine;
        this.health = health;
        this.buffer = buffer;
    }

    /**
     * Writes every file of {@code flush}, partition by partition, and quarantines its spans whose times
     * Parquet cannot store.
     *
     * @throws IOException only when the buffer closed while a write was failing; the rest stays in the log
     */
    void write(TakenFlush flush) throws IOException {
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
    }

    /**
     * Writes one partition's files (the flusher cut its spans into the fewest files of at most
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
                health.succeeded();
            } catch (IOException e) {
                if (buffer.isOpen() && e instanceof ParquetSpanWriter.SpansNotWritableException && writer.canWrite(dir)) {
                    pending.removeFirst();
                    if (SpanBatches.spanCount(batch) == 1) {
                        unwritable.addAll(batch);
                        firstReason = firstReason == null ? health.withoutDataPath(FlushHealth.reason(e)) : firstReason;
                    } else {
                        List<List<ChunkRows>> halves = SpanBatches.halves(batch);
                        pending.addFirst(new FileToWrite(halves.get(1), null));
                        pending.addFirst(new FileToWrite(halves.get(0), null));
                    }
                    continue;
                }
                health.failed("writing " + layout.root().relativize(target)
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
                health.failed("setting aside " + spans.size()
                        + " unwritable spans failed, will retry in {} ms (spans stay in the write-ahead log): {}",
                        backoffMillis, e);
                backoffMillis = pause(backoffMillis, e);
            }
        }
    }

    /** Waits {@code backoffMillis} before a retry and returns the next wait; throws {@code e} when closing. */
    private long pause(long backoffMillis, IOException e) throws IOException {
        if (!buffer.isOpen()) {
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

    long filesWritten() {
        return filesWritten.get();
    }

    long parquetBytes() {
        return parquetBytes.get();
    }

    long spansQuarantined() {
        return spansQuarantined.get();
    }
}
