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
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
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
 * (and at once after this node commits). Objects are immutable, so a file on disk is never fetched again
 * while it stays; a file the table no longer holds (compacted, retired), or that the bound evicts, is deleted
 * once no read that may have listed it is still running ({@link LiveFiles#lease()}).
 *
 * <p><b>Bounded</b> ({@link LakeConfig#cacheBytes()} > 0), it is a {@link LiveFiles.Residency}: every file's
 * sidecar is here (the trace-ID index covers the whole table), but only some files are — the newest that fit
 * as they are committed, and those reads asked for ({@link #fetch}), least recently used leaving first. A
 * read names the span start times it needs; Iceberg's scan plans the files for them (date partitions and
 * {@code start_time} bounds prune the rest); the missing ones are downloaded and stay until the read ends,
 * and a read needing more than the bound is refused. When a new snapshot replaces files a read in progress
 * needs, their replacements are downloaded before the new snapshot is shown, so every listing is one
 * snapshot's files for the times the reads need. Unbounded, every file is here and {@link #fetch} has nothing
 * to do. Thread-safe: downloads, listing changes and evictions happen under the cache's lock.
 */
final class TableCache implements LiveFiles.Residency, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TableCache.class);
    /** What the name of a file a node flushed has (merged files have not): {@code <node>-part-…}. */
    private static final String FLUSHED_FILE_MARK = "-part-";
    /** How long a file that left the table can still be fetched by a read that listed it just before. */
    private static final long DEPARTED_KEPT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final SpanTable table;
    private final String nodeId;
    private final SplitTraces split = new SplitTraces();
    private final Path root;
    private final Path spansDir;
    /** Bytes of span files kept on disk; {@link Long#MAX_VALUE} keeps the whole table. */
    private final long maxBytes;
    private final LiveFiles files;
    private final long intervalMillis;
    private final Wakeup wakeup = new Wakeup();
    private final Thread thread;
    private volatile boolean running = true;
    /** The files on disk that queries read, sorted. */
    private volatile List<Path> current = List.of();
    /** Every file of the snapshot, where it is or would be on disk, sorted. */
    private volatile List<Path> all = List.of();
    private volatile long currentBytes;
    private volatile long snapshotId = -2;
    /** The snapshot's files by where they are or would be on disk. */
    private Map<Path, SpanTable.TableFile> tableFiles = Map.of();
    /** Files that left the table lately, with when ({@link System#nanoTime()}): a read that listed them may fetch them. */
    private final Map<Path, Departed> departed = new HashMap<>();
    /** The files on disk that queries read, with their bytes, least recently used first. */
    private final LinkedHashMap<Path, Long> resident = new LinkedHashMap<>(16, 0.75f, true);
    private long residentBytes;
    /** What reads in progress need on disk. */
    private final List<Pin> pins = new ArrayList<>();
    /** Files no longer listed, with when they left the listing ({@link System#nanoTime()}), to delete once no read predates that. */
    private final Map<Path, Long> leaving = new HashMap<>();
    /** Files taken out of the listing since it was last published ({@link #publish}). */
    private final List<Path> unlisted = new ArrayList<>();
    /** Writes sidecars for files the table holds none for; opened when first needed. */
    private TraceIdIndex sidecarWriter;
    private final AtomicLong downloads = new AtomicLong();
    private final AtomicLong bytesDownloaded = new AtomicLong();
    private final AtomicLong evictions = new AtomicLong();
    private final AtomicLong refusals = new AtomicLong();
    private final AtomicLong syncs = new AtomicLong();
    private final AtomicLong fullPlans = new AtomicLong();
    private volatile String lastError;
    private volatile long lastSyncMillis = -1;

    private record Departed(SpanTable.TableFile file, long leftAtNanos) {
    }

    /** A read's need: the files it was given, and the start times they hold (null: just those files). */
    private static final class Pin {
        final LiveFiles.TimeRange range;
        final Set<Path> paths = new HashSet<>();

        Pin(LiveFiles.TimeRange range) {
            this.range = range;
        }
    }

    TableCache(SpanTable table, String nodeId, Path root, long intervalMillis, long cacheBytes) throws IOException {
        this.table = table;
        this.nodeId = nodeId;
        this.root = root;
        this.spansDir = root.resolve("spans");
        this.intervalMillis = intervalMillis;
        this.maxBytes = cacheBytes > 0 ? cacheBytes : Long.MAX_VALUE;
        Files.createDirectories(spansDir);
        this.files = bounded()
                ? LiveFiles.partial(root, () -> current, this)
                : LiveFiles.listing(root, () -> current);
        sync();
        deleteStale();
        this.thread = new Thread(this::run, "contrail-lake-reader");
        thread.setDaemon(true);
        thread.start();
    }

    LiveFiles files() {
        return files;
    }

    private boolean bounded() {
        return maxBytes != Long.MAX_VALUE;
    }

    /** Where a file of the table is (or would be) in the cache. */
    Path localPath(SpanTable.TableFile file) {
        return spansDir.resolve(file.partitionPath()).resolve(file.name());
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

    /**
     * Brings the cache up to the table's current snapshot: fetches every new file's sidecar, new files while they
     * fit (newest first), and what reads in progress need of the new snapshot; then, with everything on disk, lists
     * the new snapshot's files in one step (a failed download leaves the cache as it was, to be tried again).
     */
    synchronized void sync() throws IOException {
        long started = System.nanoTime();
        long id = table.refresh();
        if (id != snapshotId) {
            Map<Path, SpanTable.TableFile> next = nextFiles(id);
            List<SpanTable.TableFile> added = new ArrayList<>();
            for (Map.Entry<Path, SpanTable.TableFile> file : next.entrySet()) {
                if (!tableFiles.containsKey(file.getKey())) {
                    added.add(file.getValue());
                }
            }
            // Newest partitions first: a bounded cache keeps what fits of them.
            added.sort(Comparator.comparing(SpanTable.TableFile::partitionPath).reversed()
                    .thenComparing(SpanTable.TableFile::name));
            long room = maxBytes == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, maxBytes - residentBytes);
            List<SpanTable.TableFile> toList = new ArrayList<>();
            for (SpanTable.TableFile file : added) {
                Path local = localPath(file);
                boolean fetchedForSidecar = fetchSidecar(file, local);
                if (file.bytes() <= room || Files.exists(local) && !fetchedForSidecar) {
                    download(file, local);
                    toList.add(file);
                    room -= Math.min(room, file.bytes());
                } else if (fetchedForSidecar) {
                    Files.delete(local);
                }
                if (file.name().contains(FLUSHED_FILE_MARK)) {
                    split.add(file.name().startsWith(nodeId + "-"), TraceIdIndex.readSidecar(SpanFiles.traceIdSidecar(local)));
                }
            }
            // Reads in progress see the new snapshot's files for their times, not fewer.
            Map<Pin, List<SpanTable.TableFile>> pinned = new HashMap<>();
            for (Pin pin : pins) {
                if (pin.range != null) {
                    List<SpanTable.TableFile> needed = table.files(id, pin.range);
                    for (SpanTable.TableFile file : needed) {
                        download(file, localPath(file));
                    }
                    pinned.put(pin, needed);
                }
            }
            // Everything is on disk: the switch.
            long now = System.nanoTime();
            for (Map.Entry<Path, SpanTable.TableFile> old : tableFiles.entrySet()) {
                if (!next.containsKey(old.getKey())) {
                    departed.put(old.getKey(), new Departed(old.getValue(), now));
                    unlist(old.getKey());
                    // Its sidecar (and the file, if on disk) go once no read that listed it runs.
                    unlisted.add(old.getKey());
                }
            }
            toList.forEach(file -> list(file, localPath(file)));
            pinned.forEach((pin, needed) -> needed.forEach(file -> pin.paths.add(list(file, localPath(file)))));
            tableFiles = next;
            snapshotId = id;
            departed.values().removeIf(d -> now - d.leftAtNanos() > DEPARTED_KEPT_NANOS);
            evict();
            publish();
        }
        deleteUnread();
        syncs.incrementAndGet();
        lastSyncMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    }

    /**
     * The files of snapshot {@code id}: this snapshot's files changed by what the snapshots since added and removed,
     * or, when this one is no ancestor of it (expired) or there is none yet, the snapshot planned in full.
     */
    private Map<Path, SpanTable.TableFile> nextFiles(long id) {
        Map<Path, SpanTable.TableFile> next = new HashMap<>();
        SpanTable.Changes changes = snapshotId >= 0 && id >= 0 ? table.changes(snapshotId, id) : null;
        if (changes != null) {
            next.putAll(tableFiles);
            for (String location : changes.removed()) {
                next.remove(spansDir.resolve(SpanTable.folderOf(location)).resolve(location.substring(location.lastIndexOf('/') + 1)));
            }
            changes.added().forEach(file -> next.put(localPath(file), file));
        } else if (id >= 0) {
            fullPlans.incrementAndGet();
            table.files(id, LiveFiles.TimeRange.ALL).forEach(file -> next.put(localPath(file), file));
        }
        return next;
    }

    /**
     * Puts a new file's sidecar on disk: downloaded, or, for a file the table holds none for (merged before merges
     * wrote them), written from the file itself. Returns whether the file was downloaded for that.
     */
    private boolean fetchSidecar(SpanTable.TableFile file, Path local) throws IOException {
        Path sidecar = SpanFiles.traceIdSidecar(local);
        if (Files.exists(sidecar)) {
            return false;
        }
        Files.createDirectories(sidecar.getParent());
        String location = SpanTable.sidecarLocation(file.location());
        if (table.exists(location)) {
            table.download(location, sidecar);
            return false;
        }
        boolean onDisk = Files.exists(local);
        download(file, local);
        if (sidecarWriter == null) {
            sidecarWriter = TraceIdIndex.open();
        }
        sidecarWriter.update(List.of(local));
        return !onDisk;
    }

    /** Downloads {@code file} to {@code local} unless it is there; lists nothing. */
    private void download(SpanTable.TableFile file, Path local) throws IOException {
        if (!Files.exists(local)) {
            Files.createDirectories(local.getParent());
            table.download(file.location(), local);
            downloads.incrementAndGet();
            bytesDownloaded.addAndGet(file.bytes());
        }
    }

    /** Lists {@code local} (on disk) for queries, as used now; returns it. */
    private Path list(SpanTable.TableFile file, Path local) {
        leaving.remove(local);
        if (resident.put(local, file.bytes()) == null) {
            residentBytes += file.bytes();
        }
        return local;
    }

    /**
     * Takes {@code local} out of the listing; once the listing without it is published, it is deleted when no read
     * that began before then runs.
     */
    private void unlist(Path local) {
        Long bytes = resident.remove(local);
        if (bytes != null) {
            residentBytes -= bytes;
            unlisted.add(local);
        }
    }

    /** Unlists the least recently used files no read needs until the listed ones fit the bound. */
    private void evict() {
        if (residentBytes <= maxBytes) {
            return;
        }
        Set<Path> pinned = new HashSet<>();
        pins.forEach(pin -> pinned.addAll(pin.paths));
        for (Path file : new ArrayList<>(resident.keySet())) {
            if (residentBytes <= maxBytes) {
                break;
            }
            if (!pinned.contains(file)) {
                unlist(file);
                evictions.incrementAndGet();
            }
        }
    }

    /**
     * Shows the listing to queries: the files on disk of the current snapshot. Files taken out of it since the last
     * time are marked to be deleted once every read that began before now has ended (a read that begins later
     * lists the new files).
     */
    private void publish() {
        List<Path> listed = new ArrayList<>();
        for (Path file : resident.keySet()) {
            if (tableFiles.containsKey(file)) {
                listed.add(file);
            }
        }
        listed.sort(null);
        current = List.copyOf(listed);
        currentBytes = residentBytes;
        List<Path> every = new ArrayList<>(tableFiles.keySet());
        every.sort(null);
        all = List.copyOf(every);
        files.changed();
        long now = System.nanoTime();
        for (Path file : unlisted) {
            if (!resident.containsKey(file)) {
                leaving.put(file, now);
            }
        }
        unlisted.clear();
    }

    @Override
    public List<Path> all() {
        return all;
    }

    @Override
    public void fetch(LiveFiles.TimeRange range, LiveFiles.ReadLease lease) throws IOException {
        if (!bounded()) {
            return;
        }
        synchronized (this) {
            List<SpanTable.TableFile> needed = snapshotId < 0 ? List.of() : table.files(snapshotId, range);
            long bytes = needed.stream().mapToLong(SpanTable.TableFile::bytes).sum();
            if (bytes > maxBytes) {
                refusals.incrementAndGet();
                throw new LiveFiles.NotResidentException("the query reads " + describe(range) + ": " + needed.size()
                        + " files of " + size(bytes) + ", more than this node's cache holds (--cache-size "
                        + size(maxBytes) + "). Narrow it with a condition on start_time (or date) in the WHERE "
                        + "of its read of spans, e.g. WHERE start_time >= CAST(now() AS TIMESTAMP) - INTERVAL 1 HOUR, or ask the table "
                        + "with Spark or Trino");
            }
            pin(range, needed, lease);
        }
    }

    @Override
    public void fetch(Collection<Path> paths, LiveFiles.ReadLease lease) throws IOException {
        if (!bounded()) {
            return;
        }
        synchronized (this) {
            List<SpanTable.TableFile> needed = new ArrayList<>();
            for (Path path : paths) {
                SpanTable.TableFile file = tableFiles.get(path);
                Departed gone = departed.get(path);
                if (file != null) {
                    needed.add(file);
                } else if (gone != null && !Files.exists(path)) {
                    // Listed by the read just before it left the table: on disk for this read only.
                    Files.createDirectories(path.getParent());
                    table.download(gone.file().location(), path);
                    downloads.incrementAndGet();
                    bytesDownloaded.addAndGet(gone.file().bytes());
                    leaving.put(path, System.nanoTime());
                }
            }
            pin(null, needed, lease);
        }
    }

    /** Puts {@code needed} on disk and in the listing until {@code lease} ends. */
    private void pin(LiveFiles.TimeRange range, List<SpanTable.TableFile> needed, LiveFiles.ReadLease lease)
            throws IOException {
        for (SpanTable.TableFile file : needed) {
            download(file, localPath(file));
        }
        Pin pin = new Pin(range);
        boolean listed = false;
        for (SpanTable.TableFile file : needed) {
            Path local = localPath(file);
            listed |= !resident.containsKey(local);
            pin.paths.add(list(file, local));
        }
        pins.add(pin);
        lease.onClose(() -> release(pin));
        long before = residentBytes;
        evict();
        if (listed || residentBytes != before) {
            publish();
        }
    }

    private synchronized void release(Pin pin) {
        pins.remove(pin);
        long before = residentBytes;
        evict();
        if (residentBytes != before) {
            publish();
        }
    }

    private static String describe(LiveFiles.TimeRange range) {
        if (range.isAll()) {
            return "the whole table";
        }
        return "spans starting " + (range.fromNanos() == Long.MIN_VALUE ? "" : "from " + instant(range.fromNanos()) + " ")
                + (range.toNanos() == Long.MAX_VALUE ? "on" : "until " + instant(range.toNanos()));
    }

    private static String instant(long nanos) {
        return java.time.Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L))
                .toString();
    }

    private static String size(long bytes) {
        return bytes < 1 << 20 ? (bytes + 1023) / 1024 + " KB" : String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1048576.0);
    }

    /** The cached copy of a file of the table, downloaded now if it is not on disk (not listed for queries by this). */
    synchronized Path localCopy(SpanTable.TableFile file) throws IOException {
        Path local = localPath(file);
        if (!Files.exists(local)) {
            Files.createDirectories(local.getParent());
            table.download(file.location(), local);
        }
        return local;
    }

    /** Deletes what an earlier run cached of files the table no longer holds (sidecars of those it holds stay), and unfinished downloads. */
    private void deleteStale() throws IOException {
        Set<Path> kept = new HashSet<>(current);
        for (Path file : all) {
            kept.add(SpanFiles.traceIdSidecar(file));
        }
        List<Path> stale;
        try (Stream<Path> every = Files.walk(spansDir)) {
            stale = every.filter(Files::isRegularFile).filter(p -> !kept.contains(p)).toList();
        }
        for (Path file : stale) {
            Files.deleteIfExists(file);
        }
        if (!stale.isEmpty()) {
            LOG.info("deleted {} cached files the table no longer holds or the cache does not keep", stale.size());
        }
    }

    /** Deletes unlisted files that left before the oldest read in progress began; a table file's sidecar stays. */
    private void deleteUnread() throws IOException {
        long oldestRead = files.oldestReadStartNanos();
        var it = leaving.entrySet().iterator();
        while (it.hasNext()) {
            var entry = it.next();
            if (resident.containsKey(entry.getKey())) {
                it.remove();
            } else if (oldestRead == Long.MAX_VALUE || oldestRead - entry.getValue() > 0) {
                if (!tableFiles.containsKey(entry.getKey())) {
                    Files.deleteIfExists(SpanFiles.traceIdSidecar(entry.getKey()));
                }
                Files.deleteIfExists(entry.getKey());
                it.remove();
            }
        }
    }

    /**
     * What the cache holds and did, for {@code /health} and {@code /metrics}: the snapshot's files, those on disk
     * and their bytes (sidecars not counted), the bound ({@link Long#MAX_VALUE}: none), downloads, files the bound
     * evicted, reads refused for needing more than it; new snapshots planned in full rather than from their changes.
     */
    record Stats(long snapshotId, int tableFiles, int files, long bytes, long maxBytes, long downloads,
                 long bytesDownloaded, long evictions, long refusals, long syncs, long fullPlans, long lastSyncMillis,
                 String lastError, long tracesSplitAcrossNodes) {
    }

    Stats stats() {
        return new Stats(snapshotId, all.size(), current.size(), currentBytes, maxBytes, downloads.get(),
                bytesDownloaded.get(), evictions.get(), refusals.get(), syncs.get(), fullPlans.get(), lastSyncMillis, lastError,
                split.count());
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
        synchronized (this) {
            if (sidecarWriter != null) {
                sidecarWriter.close();
            }
        }
    }
}
