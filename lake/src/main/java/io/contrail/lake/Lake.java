package io.contrail.lake;

import io.contrail.columnar.LiveFiles;
import io.contrail.columnar.SpanChunk;
import io.contrail.columnar.SpanSink;
import io.contrail.columnar.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A node's share of the one table several nodes write: the lake module's entry type. Over a {@link Store}
 * (its data folder keeps the write-ahead log and the files not yet in the table) it
 * <ul>
 *   <li>publishes every flushed span file to the shared Apache Iceberg table ({@link Publisher}: upload to S3,
 *       append commit in the JDBC catalog), then deletes it locally;</li>
 *   <li>keeps a cache of the table's files for DuckDB ({@link TableCache}); {@link #files()} is what the query
 *       engine reads, so every node answers over every node's spans;</li>
 *   <li>bounds what waits for the table: {@link #sink()} refuses new spans (503, Retry-After) while more than
 *       {@link LakeConfig#maxPendingBytes()} of span files wait to be committed (S3 or the catalog down).</li>
 * </ul>
 * A span is acknowledged once it is in the local log, as without a lake; it is in the table, and visible to
 * every node, once its file is committed. Thread-safe.
 */
public final class Lake implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Lake.class);
    /** The file in the data folder that names its node, so that a restart on the folder is the same node. */
    static final String NODE_ID_FILE = "lake-node-id";
    static final String CACHE_FOLDER = "lake-cache";
    /** Where files are written before they are uploaded (type-conflict rewrites, merges). */
    static final String STAGING_FOLDER = "lake-staging";
    /** How long a client refused for a full upload backlog is asked to wait. */
    static final int RETRY_AFTER_SECONDS = 5;

    private final LakeConfig config;
    private final String nodeId;
    private final SpanTable writeTable;
    private final SpanTable readTable;
    private final SpanTable maintainTable;
    private final TableCache cache;
    private final Publisher publisher;
    private final Maintainer maintainer;
    private final SpanSink sink;

    private Lake(LakeConfig config, String nodeId, SpanTable writeTable, SpanTable readTable, SpanTable maintainTable,
                 TableCache cache, Publisher publisher, Maintainer maintainer, Store store) {
        this.config = config;
        this.nodeId = nodeId;
        this.writeTable = writeTable;
        this.readTable = readTable;
        this.maintainTable = maintainTable;
        this.cache = cache;
        this.publisher = publisher;
        this.maintainer = maintainer;
        SpanSink local = store.sink();
        this.sink = (chunk, format, request) -> append(local, chunk, format, request);
    }

    /**
     * Joins the table {@code config} names (creating it when no node has) with {@code store}'s data folder:
     * downloads the table's files into the folder's cache, commits the folder's files the table lacks, and
     * keeps doing both until closed.
     *
     * @throws IOException when the catalog or the object store cannot be reached, or the folder belongs to
     *                     another node
     */
    public static Lake open(LakeConfig config, Store store) throws IOException {
        Path dataDir = store.files().root();
        String nodeId = nodeId(dataDir, config.nodeId());
        SpanTable writeTable = null;
        SpanTable readTable = null;
        SpanTable maintainTable = null;
        TableCache cache = null;
        try {
            // One connection to the table per thread that changes or reads it.
            writeTable = SpanTable.open(config);
            readTable = SpanTable.open(config);
            maintainTable = SpanTable.open(config);
            cache = new TableCache(readTable, nodeId, dataDir.resolve(CACHE_FOLDER), config.pollInterval().toMillis(),
                    config.cacheBytes());
            Publisher publisher = new Publisher(writeTable, store, nodeId, config.pollInterval().toMillis(), cache::committed);
            Maintainer maintainer = new Maintainer(config, maintainTable, cache, dataDir.resolve(STAGING_FOLDER), nodeId);
            LOG.info("node {} shares the table {}.{} at {} (catalog {})", nodeId, LakeConfig.NAMESPACE, config.table(),
                    config.location(), config.catalogForDisplay());
            return new Lake(config, nodeId, writeTable, readTable, maintainTable, cache, publisher, maintainer, store);
        } catch (IOException | RuntimeException e) {
            if (cache != null) {
                cache.close();
            }
            closeQuietly(maintainTable);
            closeQuietly(readTable);
            closeQuietly(writeTable);
            if (e instanceof IOException io) {
                throw io;
            }
            throw new IOException("cannot join the table at " + config.location() + " (catalog "
                    + config.catalogForDisplay() + "): " + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root.getMessage() + ")";
    }

    /**
     * This folder's node name: the one it was first given, kept in the folder. A restart on the folder must
     * be the same node (the table knows which files it already holds by their node); a different
     * {@code --node-id} for a folder that has one is refused.
     */
    static String nodeId(Path dataDir, String asked) throws IOException {
        Path file = dataDir.resolve(NODE_ID_FILE);
        if (Files.exists(file)) {
            String kept = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (asked != null && !asked.equals(kept)) {
                throw new IllegalArgumentException("this data folder is node '" + kept + "' of its table; --node-id "
                        + asked + " would publish its files a second time. Use --node-id " + kept
                        + ", or another data folder for a new node");
            }
            return kept;
        }
        String id = asked != null ? asked : "node-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Path temp = dataDir.resolve("." + NODE_ID_FILE + ".tmp");
        Files.writeString(temp, id + "\n", StandardCharsets.UTF_8);
        Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return id;
    }

    private void append(SpanSink local, SpanChunk chunk, int format, byte[] request) throws IOException {
        long pending = publisher.pendingBytes();
        if (pending > config.maxPendingBytes()) {
            throw new SpanSink.OverloadedException(pending + " bytes of span files wait to be added to the shared "
                    + "table (at most " + config.maxPendingBytes() + "); the object store or the catalog is not "
                    + "taking them", RETRY_AFTER_SECONDS);
        }
        local.append(chunk, format, request);
    }

    /** Where receivers append: the store's sink, refusing while the upload backlog is over its bound. */
    public SpanSink sink() {
        return sink;
    }

    /**
     * Whether the table {@code other} names exists in this lake's catalog: a tenant whose spans other nodes took
     * may have a table though this node has no folder for it.
     */
    public boolean catalogHolds(LakeConfig other) {
        return readTable.catalogHolds(other);
    }

    /** The table's files, cached on this node: what queries read. */
    public LiveFiles files() {
        return cache.files();
    }

    public String nodeId() {
        return nodeId;
    }

    public LakeConfig config() {
        return config;
    }

    /**
     * What this node's share of the table is doing.
     *
     * @param pendingFiles     local span files not yet committed
     * @param pendingBytes     their bytes (ingest is refused past {@link LakeConfig#maxPendingBytes()})
     * @param lastCommitMillis how long the last commit took, upload included (-1 before the first)
     * @param tableFiles       files in the table's current snapshot
     * @param cachedFiles      those of them on this node's disk for queries (all, unless the cache is bounded)
     * @param cacheBytes       their bytes
     * @param cacheMaxBytes    the cache's bound ({@code --cache-size}; 0: none, the whole table is cached)
     * @param cacheEvictions   files the bound took off this node's disk
     * @param queriesRefused   queries refused for needing more of the table than the bound
     * @param tablePlansInFull new snapshots this node planned in full (at start, and when the one it knew had expired)
     *                         rather than from what the snapshots since changed
     * @param tracesSplitAcrossNodes traces with spans on this node and on another ({@link SplitTraces}): tail
     *                         sampling decides on part of such a trace
     */
    public record Stats(String nodeId, String location, long commits, long filesCommitted, long spansCommitted,
                        long bytesUploaded, long commitFailures, long filesRewritten, long pendingFiles,
                        long pendingBytes, long lastCommitMillis, long lastCommitAt, String lastPublishError,
                        long snapshotId, int tableFiles, int cachedFiles, long cacheBytes, long cacheMaxBytes,
                        long cacheEvictions, long queriesRefused, long tablePlansInFull, long downloads,
                        long bytesDownloaded,
                        long lastSyncMillis, String lastSyncError, long tracesSplitAcrossNodes,
                        Maintenance maintenance) {
        /** Whether both directions work: files reach the table and the table's files reach this node. */
        public boolean ok() {
            return lastPublishError == null && lastSyncError == null;
        }
    }

    /**
     * What this node's maintainer did: passes it ran and passes another node's lock skipped; merges (and the
     * files they replaced), files retired, snapshots expired, orphan objects deleted.
     */
    public record Maintenance(long passes, long passesLockedElsewhere, long merges, long filesMerged, long filesRetired,
                              long snapshotsExpired, long orphansDeleted, String lastError) {
    }

    public Stats stats() {
        Publisher.Stats p = publisher.stats();
        TableCache.Stats c = cache.stats();
        return new Stats(nodeId, config.location(), p.commits(), p.filesCommitted(), p.spansCommitted(),
                p.bytesUploaded(), p.commitFailures(), p.filesRewritten(), p.pendingFiles(), p.pendingBytes(),
                p.lastCommitMillis(), p.lastCommitAt(), p.lastError(), c.snapshotId(), c.tableFiles(), c.files(), c.bytes(),
                c.maxBytes() == Long.MAX_VALUE ? 0 : c.maxBytes(), c.evictions(), c.refusals(), c.fullPlans(),
                c.downloads(), c.bytesDownloaded(), c.lastSyncMillis(), c.lastError(), c.tracesSplitAcrossNodes(),
                maintenance());
    }

    private Maintenance maintenance() {
        Maintainer.Stats m = maintainer.stats();
        return new Maintenance(m.passes(), m.passesLockedElsewhere(), m.merges(), m.filesMerged(), m.filesRetired(),
                m.snapshotsExpired(), m.orphansDeleted(), m.lastError());
    }

    /** Stops publishing and syncing; local files not yet committed stay for the next start. */
    @Override
    public void close() {
        maintainer.close();
        publisher.close();
        cache.close();
        closeQuietly(writeTable);
        closeQuietly(readTable);
        closeQuietly(maintainTable);
    }

    private static void closeQuietly(SpanTable table) {
        if (table != null) {
            table.close();
        }
    }
}
