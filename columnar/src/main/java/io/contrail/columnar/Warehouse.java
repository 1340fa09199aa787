package io.contrail.columnar;

import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
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
import java.util.Deque;
import java.util.Iterator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
 * <p>Memory is bounded: when more than {@link Config#maxBufferedSpans()} spans, or spans of more than
 * {@link Config#maxBufferedBytes()} bytes as logged (their protobuf encoding), wait for Parquet,
 * {@link #append} refuses with {@link OverloadedException} and writes nothing. The heap they take is
 * a multiple of their encoded size (decoded protobuf objects: about 6× for the bench workload), so
 * the byte bound is what bounds the heap whatever the spans look like.
 */
public final class Warehouse implements AutoCloseable {

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
     * @param maxBufferedBytes refuse appends beyond this many bytes (as logged) of spans not yet in Parquet
     * @param writerThreads    DuckDB threads used by the Parquet writer
     */
    public record Config(Path dataDir, int maxFileSpans, Duration maxBufferAge, long maxBufferedSpans,
                         long maxBufferedBytes, int writerThreads) {
        public static final int DEFAULT_MAX_FILE_SPANS = 100_000;
        public static final Duration DEFAULT_MAX_BUFFER_AGE = Duration.ofSeconds(1);
        public static final long DEFAULT_MAX_BUFFERED_SPANS = 400_000;
        /**
         * 96 MiB of encoded spans: about 160k spans of the bench workload (626 B each), which take
         * about 0.6 GiB of heap once decoded, so that a server stays within a 1 GiB heap.
         */
        public static final long DEFAULT_MAX_BUFFERED_BYTES = 96L * 1024 * 1024;
        public static final int DEFAULT_WRITER_THREADS = 2;

        public static Config defaults(Path dataDir) {
            return new Config(dataDir, DEFAULT_MAX_FILE_SPANS, DEFAULT_MAX_BUFFER_AGE,
                    DEFAULT_MAX_BUFFERED_SPANS, DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_WRITER_THREADS);
        }

        public Config withMaxFileSpans(int spans) {
            return new Config(dataDir, spans, maxBufferAge, maxBufferedSpans, maxBufferedBytes, writerThreads);
        }

        public Config withMaxBufferAge(Duration age) {
            return new Config(dataDir, maxFileSpans, age, maxBufferedSpans, maxBufferedBytes, writerThreads);
        }

        public Config withMaxBufferedSpans(long spans) {
            return new Config(dataDir, maxFileSpans, maxBufferAge, spans, maxBufferedBytes, writerThreads);
        }

        public Config withMaxBufferedBytes(long bytes) {
            return new Config(dataDir, maxFileSpans, maxBufferAge, maxBufferedSpans, bytes, writerThreads);
        }
    }

    /** Thrown when the buffer is full; nothing was written. Retry after {@link #retryAfterSeconds()}. */
    public static final class OverloadedException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int retryAfterSeconds;

        OverloadedException(String message, int retryAfterSeconds) {
            super(message);
            this.retryAfterSeconds = retryAfterSeconds;
        }

        public int retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    /**
     * Counters for {@code /health}.
     *
     * @param flushFailing      whether the last attempt to write Parquet failed (spans wait in the log)
     * @param spansQuarantined  spans set aside since start because they failed to write even alone
     * @param quarantinedFiles  every file in the quarantine folder, relative to the data folder
     */
    public record Stats(long spansAppended, long spansReplayed, long spansSkippedOnReplay, long bufferedSpans,
                        long heldForSampling, long filesWritten, long parquetBytesWritten, long walBytes,
                        long walFsyncs, Instant lastFlush, long flushFailures, String lastFlushError,
                        boolean flushFailing, long spansQuarantined, List<String> quarantinedFiles) {
    }

    private final Config config;
    private final DataLayout layout;
    private final BufferAllocator allocator;
    private final ParquetSpanWriter writer;
    private final WriteAheadLog wal;
    private final SpanSampler sampler;
    private final Quarantine quarantine;
    private final Thread flusher;

    // Guarded by the WAL's append lock (append/rotate callbacks), read elsewhere as hints.
    private List<SpanRef> buffer = new ArrayList<>();
    private volatile long bufferedSpans;
    // The buffered spans' share of the logged bytes they came in (the byte bound counts these).
    private volatile long bufferedBytes;
    private volatile long bufferSinceNanos;
    // Logged bytes and spans so far: the bytes per span charged to spans a sampler releases later.
    private long loggedBytes;
    private long loggedSpans;

    private final Object signal = new Object();
    private volatile boolean running = true;
    private long flushRequests;
    private long flushesDone;

    private final AtomicLong spansAppended = new AtomicLong();
    private long spansReplayed;
    private long spansSkippedOnReplay;
    private volatile long spansFlushing;
    private volatile long bytesFlushing;
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

    private Warehouse(Config config, SpanSampler sampler, DataFolderLock ownFolderLock) throws IOException {
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
        this.allocator = new RootAllocator();
        try {
            this.writer = new ParquetSpanWriter(allocator, config.writerThreads(), layout);
        } catch (SQLException e) {
            throw new IOException("cannot start the Parquet writer: " + e.getMessage(), e);
        }
        recover();
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
            return new Warehouse(config, sampler, folderLock);
        } catch (IOException | RuntimeException e) {
            folderLock.close();
            throw e;
        }
    }

    /** Like {@link #open(Config, SpanSampler)} in a data folder its caller has claimed (and releases). */
    public static Warehouse open(Config config, SpanSampler sampler, DataFolderLock folderLock) throws IOException {
        if (!folderLock.covers(config.dataDir())) {
            throw new IllegalArgumentException("the data folder " + config.dataDir() + " is not the one claimed, "
                    + folderLock.folder());
        }
        return new Warehouse(config, sampler, null);
    }

    /**
     * Runs {@code listener} on the flusher thread after each flush that published files, and once at
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
        List<List<SpanRef>> replayed = new ArrayList<>(records.size());
        Set<String> keys = new HashSet<>();
        for (WriteAheadLog.Record record : records) {
            List<SpanRef> refs = flatten(TracesData.parseFrom(record.payload()));
            replayed.add(refs);
            if (!candidates.isEmpty()) {
                refs.forEach(ref -> keys.add(WrittenSpans.key(ref.span())));
            }
        }
        Set<String> written = candidates.isEmpty() ? Set.of() : writer.writtenAmong(candidates, keys);
        long now = System.nanoTime();
        for (int i = 0; i < records.size(); i++) {
            List<SpanRef> fresh = new ArrayList<>();
            for (SpanRef ref : replayed.get(i)) {
                if (written.contains(WrittenSpans.key(ref.span()))) {
                    spansSkippedOnReplay++;
                } else {
                    fresh.add(ref);
                }
            }
            spansReplayed += fresh.size();
            List<SpanRef> kept = sampler.admit(fresh, records.get(i).segment(), now);
            buffer.addAll(kept);
            int logged = replayed.get(i).size();
            bufferedBytes += bytesOf(kept.size(), records.get(i).payload().length, logged);
            loggedBytes += records.get(i).payload().length;
            loggedSpans += logged;
        }
        bufferedSpans = buffer.size();
        bufferSinceNanos = System.nanoTime();
        LOG.info("Recovered {} spans from the write-ahead log ({} records); {} already in Parquet were skipped",
                spansReplayed, records.size(), spansSkippedOnReplay);
    }

    static List<SpanRef> flatten(TracesData traces) {
        List<SpanRef> refs = new ArrayList<>();
        for (ResourceSpans resourceSpans : traces.getResourceSpansList()) {
            for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
                for (Span span : scopeSpans.getSpansList()) {
                    refs.add(new SpanRef(resourceSpans.getResource(), scopeSpans.getScope(), span));
                }
            }
        }
        return refs;
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
        if (!running) {
            throw new IOException("the warehouse is closed");
        }
        List<SpanRef> refs = flatten(traces);
        if (refs.isEmpty()) {
            return;
        }
        // The size is memoized: toByteArray() below does not compute it again.
        int payloadBytes = encodedTraces != null ? encodedTraces.length : traces.getSerializedSize();
        if (bufferedSpans > 0) {
            if (bufferedSpans + spansFlushing + refs.size() > config.maxBufferedSpans()) {
                throw new OverloadedException("ingest buffer full: " + (bufferedSpans + spansFlushing)
                        + " spans are waiting to be written to Parquet (limit " + config.maxBufferedSpans() + ")"
                        + whyFlushesFail(), 1);
            }
            if (bufferedBytes + bytesFlushing + payloadBytes > config.maxBufferedBytes()) {
                throw new OverloadedException("ingest buffer full: " + (bufferedBytes + bytesFlushing)
                        + " bytes of spans are waiting to be written to Parquet (limit "
                        + config.maxBufferedBytes() + " bytes)" + whyFlushesFail(), 1);
            }
        }
        byte[] payload = encodedTraces != null ? encodedTraces : traces.toByteArray();
        long lsn = wal.append(payload, () -> {
            loggedBytes += payload.length;
            loggedSpans += refs.size();
            List<SpanRef> kept = sampler.admit(refs, wal.currentSegment(), System.nanoTime());
            if (kept.isEmpty()) {
                return;
            }
            if (buffer.isEmpty()) {
                bufferSinceNanos = System.nanoTime();
            }
            buffer.addAll(kept);
            bufferedSpans = buffer.size();
            bufferedBytes += bytesOf(kept.size(), payload.length, refs.size());
            if (bufferedSpans >= config.maxFileSpans()) {
                synchronized (signal) {
                    signal.notifyAll();
                }
            }
        });
        wal.awaitDurable(lsn);
        spansAppended.addAndGet(refs.size());
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

    /** The share of {@code payloadBytes}, logged for {@code loggedSpans} spans, that {@code spans} of them take. */
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
                if (!flusher.isAlive()) {
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

    private void flushLoop() {
        long backoffMillis = FIRST_RETRY_MILLIS;
        while (true) {
            long servedRequests;
            synchronized (signal) {
                while (running && !flushDue()) {
                    try {
                        signal.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(
                                Math.min(untilAgeDue(), sampler.nanosUntilNextDecision(System.nanoTime())))));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                servedRequests = flushRequests;
            }
            try {
                flushOnce();
                backoffMillis = FIRST_RETRY_MILLIS;
                flushFailing = false;
            } catch (IOException e) {
                if (!running) {
                    LOG.warn("final flush failed; unwritten spans stay in the write-ahead log: {}", reason(e));
                    return;
                }
                // Typically the log could not be rotated (an unwritable or full folder): nothing was taken from
                // the buffer; appends go on in the current segment until the buffer's bound refuses them.
                flushFailed("flush failed, will retry in {} ms (spans stay in the write-ahead log): {}",
                        backoffMillis, e);
                synchronized (signal) {
                    try {
                        signal.wait(backoffMillis);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                backoffMillis = Math.min(backoffMillis * 2, MAX_RETRY_MILLIS);
                continue;
            } catch (Throwable t) {
                // flushOnce retries internally; reaching here means the writer is unusable.
                LOG.error("flusher stopped: {}", t.toString(), t);
                return;
            }
            synchronized (signal) {
                flushesDone = servedRequests;
                signal.notifyAll();
                if (!running) {
                    return;
                }
            }
        }
    }

    private boolean flushDue() {
        return flushRequests > flushesDone || bufferedSpans >= config.maxFileSpans()
                || (bufferedSpans > 0 && untilAgeDue() <= 0)
                || sampler.nanosUntilNextDecision(System.nanoTime()) <= 0;
    }

    private long untilAgeDue() {
        if (bufferedSpans == 0) {
            return config.maxBufferAge().toNanos();
        }
        return config.maxBufferAge().toNanos() - (System.nanoTime() - bufferSinceNanos);
    }

    private void flushOnce() throws IOException {
        List<List<SpanRef>> taken = new ArrayList<>(1);
        long[] oldestHeld = new long[1];
        long[] takenBytes = new long[1];
        long sealed = wal.rotate(() -> {
            List<SpanRef> released = sampler.decideDue(System.nanoTime());
            buffer.addAll(released);
            // Released spans came in requests long gone: charge them the average bytes per span.
            takenBytes[0] = bufferedBytes + bytesOf(released.size(), loggedBytes, loggedSpans);
            taken.add(buffer);
            buffer = new ArrayList<>();
            bufferedSpans = 0;
            bufferedBytes = 0;
            oldestHeld[0] = sampler.oldestHeldSegment();
        });
        // Segments still holding undecided spans stay: those spans are acknowledged and not yet written.
        long resolved = Math.min(sealed, oldestHeld[0] - 1);
        List<SpanRef> spans = taken.get(0);
        spansFlushing = spans.size();
        bytesFlushing = takenBytes[0];
        if (spans.isEmpty()) {
            deleteLogUpTo(resolved);
            return;
        }
        // Grouped by the hour's number (the partition folder name is built once per hour, not per span).
        Map<Long, List<SpanRef>> byHour = new TreeMap<>();
        // Logged before the ingest validator refused such times (or appended without it): a time of 2^63
        // or more would land in a partition before 1970, or fail the write.
        List<SpanRef> unstorableTimes = new ArrayList<>(0);
        for (SpanRef ref : spans) {
            if (!hasStorableTimes(ref.span())) {
                unstorableTimes.add(ref);
                continue;
            }
            byHour.computeIfAbsent(PartitionPath.epochHourOf(ref.span().getStartTimeUnixNano()),
                    hour -> new ArrayList<>()).add(ref);
        }
        Map<PartitionPath, List<SpanRef>> byPartition = new TreeMap<>();
        byHour.forEach((hour, refs) -> byPartition.put(PartitionPath.ofEpochHour(hour), refs));
        long started = System.nanoTime();
        Iterator<Map.Entry<PartitionPath, List<SpanRef>>> pending = byPartition.entrySet().iterator();
        while (pending.hasNext()) {
            Map.Entry<PartitionPath, List<SpanRef>> entry = pending.next();
            writePartition(entry.getKey(), entry.getValue(), sealed);
            pending.remove();
        }
        if (!unstorableTimes.isEmpty()) {
            quarantine(unstorableTimes, sealed, "a start, end or event time is outside the stored range "
                    + "(from 1970-01-01T00:00:00Z up to " + SpanSchema.END_OF_STORED_TIME + ")");
        }
        deleteLogUpTo(resolved);
        spansFlushing = 0;
        bytesFlushing = 0;
        lastFlush = Instant.now();
        for (Runnable listener : flushListeners) {
            listener.run();
        }
        LOG.debug("flushed {} spans into {} partitions in {} ms", spans.size(), byPartition.size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    private static boolean hasStorableTimes(Span span) {
        if (!SpanSchema.isStorableTime(span.getStartTimeUnixNano()) || !SpanSchema.isStorableTime(span.getEndTimeUnixNano())) {
            return false;
        }
        for (Span.Event event : span.getEventsList()) {
            if (!SpanSchema.isStorableTime(event.getTimeUnixNano())) {
                return false;
            }
        }
        return true;
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

    private void flushFailed(String format, long backoffMillis, IOException e) {
        flushFailures.incrementAndGet();
        String reason = reason(e);
        lastFlushError = withoutDataPath(reason);
        flushFailing = true;
        LOG.error(format, backoffMillis, reason);
    }

    /**
     * Writes one partition's spans, in files of at most maxFileSpans, until every span is in a file
     * or in quarantine.
     *
     * <p>When a write fails with anything but an I/O error, a probe write of one plain span into the
     * same folder tells why ({@link ParquetSpanWriter#canWrite}). After an I/O error, or if the probe
     * fails too, the folder, the disk or DuckDB is at fault: the same write is retried with backoff,
     * for as long as it fails. If the probe succeeds, something in these spans is at fault: the batch is halved and each half written on
     * its own, down to single spans, and a span that fails alone goes to {@link Quarantine}. So a
     * span the writer cannot take costs a few extra writes once, not every write after it.
     */
    private void writePartition(PartitionPath partition, List<SpanRef> spans, long sealed) throws IOException {
        Deque<List<SpanRef>> pending = new ArrayDeque<>();
        for (int from = 0; from < spans.size(); from += config.maxFileSpans()) {
            pending.add(spans.subList(from, Math.min(spans.size(), from + config.maxFileSpans())));
        }
        Path dir = partition.resolveUnder(layout.spansDir());
        List<SpanRef> unwritable = new ArrayList<>(0);
        String firstReason = null;
        long backoffMillis = FIRST_RETRY_MILLIS;
        while (!pending.isEmpty()) {
            List<SpanRef> batch = pending.peekFirst();
            Path target = dir.resolve(DataLayout.newFileName(sealed));
            try {
                long bytes = writer.write(batch, target);
                filesWritten.incrementAndGet();
                parquetBytes.addAndGet(bytes);
                pending.removeFirst();
                backoffMillis = FIRST_RETRY_MILLIS;
                flushFailing = false;
            } catch (IOException e) {
                if (running && e instanceof ParquetSpanWriter.SpansNotWritableException && writer.canWrite(dir)) {
                    pending.removeFirst();
                    if (batch.size() == 1) {
                        unwritable.add(batch.get(0));
                        firstReason = firstReason == null ? withoutDataPath(reason(e)) : firstReason;
                    } else {
                        int half = batch.size() / 2;
                        pending.addFirst(batch.subList(half, batch.size()));
                        pending.addFirst(batch.subList(0, half));
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
    private void quarantine(List<SpanRef> spans, long sealed, String why) throws IOException {
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
        return new Stats(spansAppended.get(), spansReplayed, spansSkippedOnReplay, bufferedSpans + spansFlushing,
                sampler.heldSpans(), filesWritten.get(), parquetBytes.get(), walBytes, wal.fsyncCount(), lastFlush,
                flushFailures.get(), lastFlushError, flushFailing, spansQuarantined.get(), quarantine.files());
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
