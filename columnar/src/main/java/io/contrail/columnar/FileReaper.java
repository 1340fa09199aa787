package io.contrail.columnar;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * Deletes span files that readers no longer see (superseded by compaction, retired by retention),
 * once no query can still be reading them. A file retired at time <i>t</i> is deleted when at
 * least {@code minDelay} has passed and every query still running in this process started after
 * <i>t</i> (it listed the files afterwards and does not know the retired ones), or at the latest
 * after {@code maxDelay}, which must exceed the query timeout: no query runs longer. Readers in
 * other processes ({@code contrail sql}, a notebook globbing the folder) get {@code minDelay}.
 * Each file goes with its trace-ID sidecar. A crash before deletion leaves the files hidden;
 * {@link SpanFiles#deleteLeftovers} removes them on the next start. Thread-safe.
 */
final class FileReaper implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FileReaper.class);

    /** How often a due deletion that waits for running queries checks again. */
    private static final long RECHECK_MILLIS = 100;

    private final DataLayout layout;
    private final Duration minDelay;
    private final Duration maxDelay;
    private final LongSupplier oldestQueryStartNanos;
    private final ScheduledExecutorService scheduler;
    private final Set<Path> scheduled = ConcurrentHashMap.newKeySet();

    /** A reaper that knows no running queries: it deletes {@code delay} after retirement. */
    FileReaper(DataLayout layout, Duration delay) {
        this(layout, delay, delay, () -> Long.MAX_VALUE);
    }

    /**
     * @param oldestQueryStartNanos the {@link System#nanoTime()} at which the oldest query still
     *                              running started, {@link Long#MAX_VALUE} when none runs
     */
    FileReaper(DataLayout layout, Duration minDelay, Duration maxDelay, LongSupplier oldestQueryStartNanos) {
        this.layout = layout;
        this.minDelay = minDelay;
        this.maxDelay = maxDelay.compareTo(minDelay) < 0 ? minDelay : maxDelay;
        this.oldestQueryStartNanos = oldestQueryStartNanos;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "contrail-file-reaper");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The longest a retired file waits. */
    public Duration delay() {
        return maxDelay;
    }

    /** Deletes {@code files} after the delay; files already waiting are not scheduled twice. */
    void deleteLater(List<SpanFiles.SpanFile> files) {
        List<Path> fresh = files.stream().map(SpanFiles.SpanFile::path).filter(scheduled::add).toList();
        if (fresh.isEmpty() || scheduler.isShutdown()) {
            return;
        }
        long retiredNanos = System.nanoTime();
        scheduler.schedule(() -> deleteWhenUnread(fresh, retiredNanos), minDelay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void deleteWhenUnread(List<Path> files, long retiredNanos) {
        boolean readersMayKnowThem = oldestQueryStartNanos.getAsLong() - retiredNanos <= 0;
        if (readersMayKnowThem && System.nanoTime() - retiredNanos < maxDelay.toNanos()) {
            scheduler.schedule(() -> deleteWhenUnread(files, retiredNanos), RECHECK_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        int deleted = 0;
        for (Path file : files) {
            try {
                deleted += deleteNow(file) ? 1 : 0;
            } catch (IOException e) {
                LOG.warn("cannot delete {}: {}", file, e.getMessage());
            } finally {
                scheduled.remove(file);
            }
        }
        try {
            deleteEmptyPartitionFolders(layout);
        } catch (IOException e) {
            LOG.warn("cannot remove empty partition folders: {}", e.getMessage());
        }
        LOG.debug("deleted {} span files no query reads any more", deleted);
    }

    /** Files scheduled and not yet deleted. */
    public int pending() {
        return scheduled.size();
    }

    /** Deletes a span file and its trace-ID sidecar; true when the span file existed. */
    static boolean deleteNow(Path spanFile) throws IOException {
        Files.deleteIfExists(SpanFiles.traceIdSidecar(spanFile));
        return Files.deleteIfExists(spanFile);
    }

    /**
     * Removes empty hour and date folders of retired partitions. Only those: the flusher creates a
     * live partition's folder before writing into it and must not find it gone.
     */
    static void deleteEmptyPartitionFolders(DataLayout layout) throws IOException {
        PartitionPath cutoff = SpanFiles.retentionCutoff(layout);
        if (cutoff == null || !Files.isDirectory(layout.spansDir())) {
            return;
        }
        try (Stream<Path> dates = Files.list(layout.spansDir())) {
            for (Path date : dates.filter(Files::isDirectory).toList()) {
                try (Stream<Path> hours = Files.list(date)) {
                    for (Path hour : hours.filter(Files::isDirectory).toList()) {
                        PartitionPath partition = PartitionPath.parse(date.getFileName().toString(),
                                hour.getFileName().toString());
                        if (partition != null && partition.compareTo(cutoff) < 0) {
                            deleteIfEmpty(hour);
                        }
                    }
                }
                String dateName = date.getFileName().toString();
                if (dateName.startsWith("date=") && dateName.substring(5).compareTo(cutoff.date()) < 0) {
                    deleteIfEmpty(date);
                }
            }
        }
    }

    private static void deleteIfEmpty(Path dir) throws IOException {
        try {
            Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException e) {
            // Still holds files: a late span's file, or one waiting for its delay.
        }
    }

    /**
     * Stops. With no delay, deletions already asked for are finished first; otherwise they are
     * dropped, the files stay hidden, and {@link SpanFiles#deleteLeftovers} removes them on the next start.
     */
    @Override
    public void close() {
        if (maxDelay.isZero()) {
            scheduler.shutdown();
            try {
                scheduler.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            scheduler.shutdownNow();
        }
    }
}
