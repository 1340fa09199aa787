package io.contrail.lake;

import io.contrail.columnar.LiveFiles;
import io.contrail.columnar.SpanFiles;
import io.contrail.columnar.TraceIdIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The table's span files on this node's disk, for DuckDB to read: a folder laid out like a data folder
 * ({@code spans/date=…/hour=…/<node>-part-….parquet}, each with its trace-ID sidecar), kept in step with the
 * table's current snapshot by {@code contrail-lake-reader}, which looks at the catalog every poll interval
 * (and at once after this node commits). Objects are immutable, so a file once downloaded is never fetched
 * again; a file the table no longer holds (compacted, retired) is deleted once no read that may have listed
 * it is still running ({@link LiveFiles#lease()}).
 *
 * <p>Its {@link #files()} is what the query engine reads in place of a data folder's own files.
 */
final class TableCache implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TableCache.class);
    /** What the name of a file a node flushed has (merged files have not): {@code <node>-part-…}. */
    private static final String FLUSHED_FILE_MARK = "-part-";

    private final SpanTable table;
    private final String nodeId;
    private final SplitTraces split = new SplitTraces();
    private final Path root;
    private final Path spansDir;
    private final LiveFiles files;
    private final long intervalMillis;
    private final Wakeup wakeup = new Wakeup();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile List<Path> current = List.of();
    private volatile long snapshotId = -2;
    /** Files no longer in the table, with when they left it ({@link System#nanoTime()}), to delete once no read predates that. */
    private final Map<Path, Long> leaving = new HashMap<>();
    private final AtomicLong downloads = new AtomicLong();
    private final AtomicLong bytesDownloaded = new AtomicLong();
    private final AtomicLong syncs = new AtomicLong();
    private volatile String lastError;
    private volatile long lastSyncMillis = -1;

    TableCache(SpanTable table, String nodeId, Path root, long intervalMillis) throws IOException {
        this.table = table;
        this.nodeId = nodeId;
        this.root = root;
        this.spansDir = root.resolve("spans");
        this.intervalMillis = intervalMillis;
        Files.createDirectories(spansDir);
        this.files = LiveFiles.listing(root, () -> current);
        sync();
        deleteStale();
        this.thread = new Thread(this::run, "contrail-lake-reader");
        thread.setDaemon(true);
        thread.start();
    }

    LiveFiles files() {
        return files;
    }

    /**
     * Takes this node's just-committed files into the cache as hard links to the local copies (so they are
     * not downloaded again), then looks at the catalog at once.
     */
    void committed(List<SpanTable.Upload> uploads) {
        for (SpanTable.Upload upload : uploads) {
            String location = upload.location();
            Path cached = spansDir.resolve(upload.partitionPath()).resolve(location.substring(location.lastIndexOf('/') + 1));
            try {
                Files.createDirectories(cached.getParent());
                linkOrCopy(upload.local(), cached);
                Path sidecar = SpanFiles.traceIdSidecar(upload.local());
                if (Files.exists(sidecar)) {
                    linkOrCopy(sidecar, SpanFiles.traceIdSidecar(cached));
                }
            } catch (IOException e) {
                LOG.debug("{} will be downloaded: {}", cached.getFileName(), e.getMessage());
            }
        }
        wake();
    }

    private static void linkOrCopy(Path source, Path target) throws IOException {
        if (Files.exists(target)) {
            return;
        }
        Path temp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        try {
            Files.createLink(temp, source);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(source, temp);
        }
        Files.move(temp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Looks at the catalog now rather than at the next poll. */
    void wake() {
        wakeup.wake();
    }

    private void run() {
        while (running) {
            if (!wakeup.await(intervalMillis) || !running) {
                return;
            }
            try {
                sync();
                lastError = null;
            } catch (Exception | LinkageError e) {
                lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
                LOG.warn("could not bring the table's files up to date (retrying): {}", lastError);
            }
        }
    }

    /** Brings the cache up to the table's current snapshot: downloads new files, then publishes the new list. */
    synchronized void sync() throws IOException {
        long started = System.nanoTime();
        long id = table.refresh();
        if (id != snapshotId) {
            List<Path> live = new ArrayList<>();
            Set<Path> known = new HashSet<>(current);
            for (SpanTable.TableFile file : table.files()) {
                Path local = spansDir.resolve(file.partitionPath()).resolve(file.name());
                if (!Files.exists(local)) {
                    Files.createDirectories(local.getParent());
                    Path sidecar = SpanFiles.traceIdSidecar(local);
                    String sidecarLocation = SpanTable.sidecarLocation(file.location());
                    if (!Files.exists(sidecar) && table.exists(sidecarLocation)) {
                        table.download(sidecarLocation, sidecar);
                    }
                    table.download(file.location(), local);
                    downloads.incrementAndGet();
                    bytesDownloaded.addAndGet(file.bytes());
                }
                if (!known.contains(local) && file.name().contains(FLUSHED_FILE_MARK)) {
                    split.add(file.name().startsWith(nodeId + "-"),
                            TraceIdIndex.readSidecar(SpanFiles.traceIdSidecar(local)));
                }
                live.add(local);
            }
            live.sort(null);
            Set<Path> kept = new HashSet<>(live);
            long now = System.nanoTime();
            for (Path old : current) {
                if (!kept.contains(old)) {
                    leaving.put(old, now);
                }
            }
            leaving.keySet().removeAll(kept);
            current = List.copyOf(live);
            snapshotId = id;
            files.changed();
        }
        deleteUnread();
        syncs.incrementAndGet();
        lastSyncMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    }

    /** Deletes what an earlier run cached of files the table no longer holds, and its unfinished downloads. */
    private void deleteStale() throws IOException {
        Set<Path> kept = new HashSet<>();
        for (Path file : current) {
            kept.add(file);
            kept.add(SpanFiles.traceIdSidecar(file));
        }
        List<Path> stale;
        try (Stream<Path> all = Files.walk(spansDir)) {
            stale = all.filter(Files::isRegularFile).filter(p -> !kept.contains(p)).toList();
        }
        for (Path file : stale) {
            Files.deleteIfExists(file);
        }
        if (!stale.isEmpty()) {
            LOG.info("deleted {} cached files the table no longer holds", stale.size());
        }
    }

    /** The cached copy of a file of the table, downloaded now if it is not here yet. */
    Path localCopy(SpanTable.TableFile file) throws IOException {
        Path local = spansDir.resolve(file.partitionPath()).resolve(file.name());
        if (!Files.exists(local)) {
            Files.createDirectories(local.getParent());
            table.download(file.location(), local);
        }
        return local;
    }

    /** Deletes cached files that left the table before the oldest read in progress began. */
    private void deleteUnread() throws IOException {
        long oldestRead = files.oldestReadStartNanos();
        var it = leaving.entrySet().iterator();
        while (it.hasNext()) {
            var entry = it.next();
            if (oldestRead == Long.MAX_VALUE || oldestRead - entry.getValue() > 0) {
                Files.deleteIfExists(SpanFiles.traceIdSidecar(entry.getKey()));
                Files.deleteIfExists(entry.getKey());
                it.remove();
            }
        }
    }

    /** What the cache holds and did, for {@code /health} and {@code /metrics}. */
    record Stats(long snapshotId, int files, long bytes, long downloads, long bytesDownloaded, long syncs,
                 long lastSyncMillis, String lastError, long tracesSplitAcrossNodes) {
    }

    Stats stats() {
        long bytes = 0;
        for (Path file : current) {
            // The files queries read; one may leave between the listing and its size.
            bytes += file.toFile().length() + SpanFiles.traceIdSidecar(file).toFile().length();
        }
        return new Stats(snapshotId, current.size(), bytes, downloads.get(), bytesDownloaded.get(), syncs.get(),
                lastSyncMillis, lastError, split.count());
    }

    Path root() {
        return root;
    }

    @Override
    public void close() {
        running = false;
        wake();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
