package io.contrail.lake;

import io.contrail.columnar.LiveFiles;
import io.contrail.columnar.SpanFiles;
import io.contrail.columnar.SpanSchema;
import io.contrail.columnar.TraceIdIndex;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.RewriteFiles;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Keeps the shared table in shape, one node at a time: every node runs a maintainer, and a pass runs only on
 * the node that holds the catalog database's lock for it (a PostgreSQL advisory lock, released when the pass
 * ends or its connection drops with a crashed node). A pass
 * <ol>
 *   <li>compacts: merges a partition's small files (under half of the target) into files of up to the target
 *       number of spans, committed as an Iceberg rewrite (readers see the old files or the new one, never
 *       both);</li>
 *   <li>retires hour partitions older than the retention age (an Iceberg delete of whole files);</li>
 *   <li>expires snapshots older than {@link LakeConfig.Maintenance#snapshotMaxAge()} (keeping the newest
 *       ten), which deletes the files and metadata only they referenced;</li>
 *   <li>at most hourly, deletes orphans: objects under the data folder that no snapshot references and that
 *       are older than {@link LakeConfig.Maintenance#orphanMinAge()} (uploads whose commit failed).</li>
 * </ol>
 * Runs on {@code contrail-lake-maintainer}.
 */
final class Maintainer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Maintainer.class);
    /** The advisory lock's key of the default table: one maintainer per table of the catalog database. */
    static final long LOCK_KEY = 0x636f6e747261696cL; // "contrail"
    /** The advisory lock of {@code table}'s maintainer: {@link #LOCK_KEY} for the default table, one per tenant's. */
    static long lockKey(String table) {
        return table.equals(LakeConfig.TABLE) ? LOCK_KEY : LOCK_KEY + table.hashCode();
    }

    /** A partition's small files are merged once there are this many, or two once its hour ended 10 minutes ago. */
    static final int MIN_FILES_TO_MERGE = 4;
    private static final Duration SETTLED_AFTER = Duration.ofMinutes(10);
    private static final Duration ORPHAN_SCAN_EVERY = Duration.ofHours(1);

    private final LakeConfig config;
    private final SpanTable table;
    private final TableCache cache;
    private final Path staging;
    private final String nodeId;
    private final Thread thread;
    private final Wakeup wakeup = new Wakeup();
    private volatile boolean running = true;
    private long lastOrphanScanNanos = System.nanoTime() - ORPHAN_SCAN_EVERY.toNanos();

    private final AtomicLong passes = new AtomicLong();
    private final AtomicLong passesLockedElsewhere = new AtomicLong();
    private final AtomicLong merges = new AtomicLong();
    private final AtomicLong filesMerged = new AtomicLong();
    private final AtomicLong filesRetired = new AtomicLong();
    private final AtomicLong snapshotsExpired = new AtomicLong();
    private final AtomicLong orphansDeleted = new AtomicLong();
    private volatile String lastError;

    Maintainer(LakeConfig config, SpanTable table, TableCache cache, Path staging, String nodeId) {
        this.config = config;
        this.table = table;
        this.cache = cache;
        this.staging = staging;
        this.nodeId = nodeId;
        this.thread = new Thread(this::run, "contrail-lake-maintainer");
        thread.setDaemon(true);
        if (!config.maintenance().interval().isZero()) {
            if (config.catalogUrl().startsWith("jdbc:postgresql:")) {
                thread.start();
            } else {
                LOG.warn("the table is not maintained by this node: its lock needs the catalog on PostgreSQL");
            }
        }
    }

    private void run() {
        long every = config.maintenance().interval().toMillis();
        while (running) {
            if (!wakeup.await(every) || !running) {
                return;
            }
            try {
                runOnce();
                lastError = null;
            } catch (Exception | LinkageError e) {
                lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
                LOG.warn("maintaining the shared table failed (next pass in {} ms): {}", every, lastError);
            }
        }
    }

    /** One pass, when this node gets the lock; false when another node holds it. */
    boolean runOnce() throws IOException, SQLException {
        try (Connection lock = DriverManager.getConnection(config.catalogUrl())) {
            if (!tryLock(lock)) {
                passesLockedElsewhere.incrementAndGet();
                return false;
            }
            try {
                table.refresh();
                compact();
                retire(Instant.now());
                expireSnapshots();
                if (System.nanoTime() - lastOrphanScanNanos >= ORPHAN_SCAN_EVERY.toNanos()) {
                    deleteOrphans();
                    lastOrphanScanNanos = System.nanoTime();
                }
                passes.incrementAndGet();
                return true;
            } finally {
                try (PreparedStatement unlock = lock.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                    unlock.setLong(1, lockKey(config.table()));
                    unlock.execute();
                }
            }
        }
    }

    private boolean tryLock(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            statement.setLong(1, lockKey(config.table()));
            try (ResultSet rs = statement.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** Merges each partition's small files, one rewrite commit per merged file. */
    private void compact() throws IOException {
        Snapshot base = table.table().currentSnapshot();
        if (base == null) {
            return;
        }
        int target = config.maintenance().targetSpans();
        Map<String, List<SpanTable.TableFile>> small = new TreeMap<>();
        for (SpanTable.TableFile file : table.files()) {
            if (file.spans() < target / 2) {
                small.computeIfAbsent(file.partitionPath(), p -> new ArrayList<>()).add(file);
            }
        }
        for (Map.Entry<String, List<SpanTable.TableFile>> partition : small.entrySet()) {
            List<SpanTable.TableFile> files = partition.getValue();
            files.sort(Comparator.comparing(SpanTable.TableFile::name));
            if (files.size() < MIN_FILES_TO_MERGE && !(files.size() >= 2 && settled(partition.getKey()))) {
                continue;
            }
            List<SpanTable.TableFile> run = new ArrayList<>();
            long spans = 0;
            for (SpanTable.TableFile file : files) {
                if (!run.isEmpty() && spans + file.spans() > target) {
                    break;
                }
                run.add(file);
                spans += file.spans();
            }
            if (run.size() >= 2 && running) {
                merge(partition.getKey(), run, base.snapshotId());
            }
        }
    }

    /** Whether the hour of a {@code date=…/hour=…} partition ended long enough ago that no new files are expected. */
    private static boolean settled(String partitionPath) {
        Instant hourEnd = hourStart(partitionPath).plus(Duration.ofHours(1));
        return Instant.now().isAfter(hourEnd.plus(SETTLED_AFTER));
    }

    private static Instant hourStart(String partitionPath) {
        String[] parts = partitionPath.split("/");
        LocalDate date = LocalDate.parse(parts[0].substring("date=".length()));
        int hour = Integer.parseInt(parts[1].substring("hour=".length()));
        return date.atStartOfDay(ZoneOffset.UTC).toInstant().plus(Duration.ofHours(hour));
    }

    private void merge(String partitionPath, List<SpanTable.TableFile> inputs, long baseSnapshot) throws IOException {
        Files.createDirectories(staging);
        String name = "compacted-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + ".parquet";
        Path merged = staging.resolve(name);
        // The inputs stay on this node's disk until the merge is done, even in a bounded cache.
        try (LiveFiles.ReadLease lease = cache.files().lease()) {
            List<Path> local = new ArrayList<>();
            for (SpanTable.TableFile input : inputs) {
                local.add(cache.localPath(input));
            }
            cache.fetch(local, lease);
            for (SpanTable.TableFile input : inputs) {
                // Of a snapshot newer than the cache's: not listed yet, so fetched here.
                cache.localCopy(input);
            }
            long spans = writeMerged(local, merged);
            // Its trace-ID sidecar travels with it, as a flushed file's does: a bounded cache finds traces by it.
            try (TraceIdIndex index = TraceIdIndex.open()) {
                index.update(List.of(merged));
            }
            long expected = inputs.stream().mapToLong(SpanTable.TableFile::spans).sum();
            if (spans != expected) {
                throw new IOException("a merge of " + inputs.size() + " files in " + partitionPath + " wrote " + spans
                        + " spans, not " + expected + "; nothing was committed");
            }
            String location = table.table().location() + "/" + SpanTable.DATA_FOLDER + "/" + partitionPath + "/" + name;
            DataFile output = table.upload(new SpanTable.Upload(merged, partitionPath, location));
            RewriteFiles rewrite = table.table().newRewrite().validateFromSnapshot(baseSnapshot);
            for (SpanTable.TableFile input : inputs) {
                rewrite.deleteFile(input.file());
            }
            try {
                rewrite.addFile(output).set(SpanTable.NODE_SUMMARY, nodeId).commit();
            } catch (ValidationException e) {
                // The inputs changed since they were listed (retired meanwhile): leave the partition for the next pass.
                table.table().io().deleteFile(location);
                table.table().io().deleteFile(SpanTable.sidecarLocation(location));
                LOG.info("a merge in {} lost to another change of its files: {}", partitionPath, e.getMessage());
                return;
            }
            merges.incrementAndGet();
            filesMerged.addAndGet(inputs.size());
            LOG.info("merged {} files of {} into one of {} spans", inputs.size(), partitionPath, spans);
        } finally {
            Files.deleteIfExists(SpanFiles.traceIdSidecar(merged));
            Files.deleteIfExists(merged);
        }
    }

    /** Writes the rows of {@code inputs}, in order, into one span file; returns its row count. */
    private long writeMerged(List<Path> inputs, Path output) throws IOException {
        String list = inputs.stream().map(p -> "'" + p.toString().replace("'", "''") + "'")
                .collect(Collectors.joining(", ", "[", "]"));
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement()) {
            sql.execute("SET memory_limit = '1GB'");
            sql.execute("SET threads = 1");
            sql.execute("COPY (SELECT * FROM read_parquet(" + list + ", union_by_name = true, hive_partitioning = false)) TO '"
                    + output.toString().replace("'", "''") + "' (FORMAT PARQUET, COMPRESSION ZSTD, PARQUET_VERSION V2, "
                    + "ROW_GROUP_SIZE 65536, KV_METADATA {'" + SpanSchema.VERSION_METADATA_KEY + "': '" + SpanSchema.VERSION
                    + "'})");
            try (ResultSet rs = sql.executeQuery("SELECT count(*) FROM read_parquet('"
                    + output.toString().replace("'", "''") + "')")) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IOException("merging " + inputs.size() + " span files: " + e.getMessage(), e);
        }
    }

    /** Deletes the hour partitions that ended longer ago than the retention age. */
    void retire(Instant now) {
        Duration age = config.maintenance().retention();
        if (age == null || table.table().currentSnapshot() == null) {
            return;
        }
        // A partition is retired once its whole hour is older than the age: hours before the cutoff's hour.
        Instant cutoff = now.minus(age).truncatedTo(ChronoUnit.HOURS);
        String cutoffDate = LocalDate.ofInstant(cutoff, ZoneOffset.UTC).toString();
        int cutoffHour = cutoff.atZone(ZoneOffset.UTC).getHour();
        List<SpanTable.TableFile> files = table.files();
        var filter = Expressions.or(Expressions.lessThan("date", cutoffDate),
                Expressions.and(Expressions.equal("date", cutoffDate), Expressions.lessThan("hour", cutoffHour)));
        boolean any = files.stream().anyMatch(f -> hourStart(f.partitionPath()).isBefore(cutoff));
        if (!any) {
            return;
        }
        table.table().newDelete().deleteFromRowFilter(filter).set(SpanTable.NODE_SUMMARY, nodeId).commit();
        table.refresh();
        long retired = files.size() - table.files().size();
        filesRetired.addAndGet(retired);
        LOG.info("retired {} span files of hours before {}", retired, cutoff);
    }

    private void expireSnapshots() {
        Table iceberg = table.table();
        long olderThan = System.currentTimeMillis() - config.maintenance().snapshotMaxAge().toMillis();
        int before = countSnapshots(iceberg);
        if (before <= LakeConfig.Maintenance.SNAPSHOTS_KEPT) {
            return;
        }
        iceberg.expireSnapshots().expireOlderThan(olderThan).retainLast(LakeConfig.Maintenance.SNAPSHOTS_KEPT).commit();
        table.refresh();
        snapshotsExpired.addAndGet(Math.max(0, before - countSnapshots(iceberg)));
    }

    private static int countSnapshots(Table iceberg) {
        int count = 0;
        for (Snapshot ignored : iceberg.snapshots()) {
            count++;
        }
        return count;
    }

    /** Deletes objects under the data folder that no snapshot references, once older than the orphan age. */
    void deleteOrphans() throws IOException {
        Table iceberg = table.table();
        if (!(iceberg.io() instanceof SupportsPrefixOperations listing)) {
            return;
        }
        Set<String> referenced = new HashSet<>();
        Set<String> manifests = new HashSet<>();
        for (Snapshot snapshot : iceberg.snapshots()) {
            for (ManifestFile manifest : snapshot.allManifests(iceberg.io())) {
                if (manifests.add(manifest.path())) {
                    try (CloseableIterable<String> paths = ManifestFiles.readPaths(manifest, iceberg.io(), iceberg.specs())) {
                        paths.forEach(referenced::add);
                    }
                }
            }
        }
        long youngest = System.currentTimeMillis() - config.maintenance().orphanMinAge().toMillis();
        long deleted = 0;
        for (FileInfo object : listing.listPrefix(iceberg.location() + "/" + SpanTable.DATA_FOLDER + "/")) {
            String location = object.location();
            String spanFile = location.endsWith(io.contrail.columnar.SpanFiles.TRACE_ID_SUFFIX)
                    ? location.substring(0, location.length() - io.contrail.columnar.SpanFiles.TRACE_ID_SUFFIX.length())
                    + ".parquet" : location;
            if (!referenced.contains(spanFile) && object.createdAtMillis() < youngest) {
                iceberg.io().deleteFile(location);
                deleted++;
            }
        }
        orphansDeleted.addAndGet(deleted);
        if (deleted > 0) {
            LOG.info("deleted {} objects no snapshot of the table references", deleted);
        }
    }

    record Stats(long passes, long passesLockedElsewhere, long merges, long filesMerged, long filesRetired,
                 long snapshotsExpired, long orphansDeleted, String lastError) {
    }

    Stats stats() {
        return new Stats(passes.get(), passesLockedElsewhere.get(), merges.get(), filesMerged.get(), filesRetired.get(),
                snapshotsExpired.get(), orphansDeleted.get(), lastError);
    }

    @Override
    public void close() {
        running = false;
        wakeup.wake();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
