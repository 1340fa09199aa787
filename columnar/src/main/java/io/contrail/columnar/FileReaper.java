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
import java.util.stream.Stream;

/**
 * Deletes span files that readers no longer see (superseded by compaction, retired by retention),
 * but only after {@code delay}: a query that bound the file list before the change may still open
 * them, and a query runs at most its timeout. So {@code delay} must exceed the query timeout.
 * Each file goes with its trace-ID sidecar. A crash before the delay leaves the files hidden;
 * {@link SpanFiles#deleteLeftovers} removes them on the next start. Thread-safe.
 */
public final class FileReaper implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FileReaper.class);

    private final DataLayout layout;
    private final Duration delay;
    private final ScheduledExecutorService scheduler;
    private final Set<Path> scheduled = ConcurrentHashMap.newKeySet();

    public FileReaper(DataLayout layout, Duration delay) {
        this.layout = layout;
        this.delay = delay;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "contrail-file-reaper");
            thread.setDaemon(true);
            return thread;
        });
    }

    public Duration delay() {
        return delay;
    }

    /** Deletes {@code files} after the delay; files already waiting are not scheduled twice. */
    void deleteLater(List<SpanFiles.SpanFile> files) {
        List<Path> fresh = files.stream().map(SpanFiles.SpanFile::path).filter(scheduled::add).toList();
        if (fresh.isEmpty() || scheduler.isShutdown()) {
            return;
        }
        scheduler.schedule(() -> {
            int deleted = 0;
            for (Path file : fresh) {
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
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
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
        if (delay.isZero()) {
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
