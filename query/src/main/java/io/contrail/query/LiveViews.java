package io.contrail.query;

import io.contrail.columnar.DataLayout;
import io.contrail.columnar.LiveFiles;
import io.contrail.columnar.SamplingStatsLayout;
import io.contrail.columnar.SpanSchema;
import io.contrail.columnar.TraceIdIndex;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.duckdb.DuckDBConnection;

/**
 * The embedded DuckDB database and its views ({@link SpanViews}) over a store's live files: it keeps
 * the views, the {@code traces} summaries ({@link TraceSummaries}) and the trace-ID index
 * ({@link TraceIdIndex}) in step with {@link LiveFiles}, and hands out one connection per query.
 *
 * <p>The database is locked down so that SQL can read only inside the data folder. Thread-safe: the
 * views are rebuilt under one lock, and a query's connection is a duplicate of the base one.
 */
final class LiveViews implements AutoCloseable {

    private final DataLayout layout;
    /** The files to read; the views are stale while they were built from an older generation of it. */
    private final LiveFiles files;
    private final DuckDBConnection base;
    private final Object viewLock = new Object();
    private volatile long viewsBuiltAtGeneration;
    /** See {@link #built()}. */
    private volatile long viewsBuilt;
    private volatile boolean viewsHaveFiles;
    private volatile List<Path> liveFiles = List.of();
    /** What the views were last created over ({@link SpanViews#create}). */
    private SpanViews.Created viewsCreated;
    /** Per span file read so far, whether it stores a derived column (schema v1): from its footer, once. */
    private final Map<Path, Boolean> storesDerived = new ConcurrentHashMap<>();
    private final TraceIdIndex traceIndex;
    private final TraceSummaries traceSummaries = new TraceSummaries();
    /** The generation of the files the trace summaries were last brought up to date with. */
    private volatile long traceSummariesAtGeneration;

    private LiveViews(LiveFiles files, int threads, String memoryLimit) throws SQLException, IOException {
        this.files = files;
        this.layout = files.layout();
        Files.createDirectories(layout.spansDir());
        // Results are not streamed (jdbc_stream_results): DuckDB makes a whole answer before its first row leaves,
        // bounded by its memory limit and spill, and under --query-timeout. Streamed, the first rows leave at once
        // (100M rows: 0.2-0.4 s instead of 12-16 s, bench/results/sql-streaming), but the driver (2.0.0.1) cannot
        // cancel a fetch in progress (its cancel reaches only execute()), so a statement that goes quiet after its
        // first rows (a rare filter over a huge range) could run on unbounded, past any time limit.
        this.base = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
        try (Statement statement = base.createStatement()) {
            statement.execute("SET threads = " + Math.max(1, threads));
            statement.execute("SET memory_limit = '" + memoryLimit.replace("'", "") + "'");
            // Span files are immutable once renamed into place, so their footers can be cached.
            statement.execute("SET parquet_metadata_cache = true");
            // Spills go inside the data folder, not DuckDB's default <working directory>/.tmp, which any
            // query could read (DuckDB lets queries read its temp folder; the guard refuses naming it).
            statement.execute("SET temp_directory = '" + layout.root().resolve(ReadOnlySqlGuard.TEMP_FOLDER).toString()
                    .replace("'", "''") + "'");
            // Only the folders the views read, not the whole data folder: its write-ahead log is not for SQL, and
            // other tenants' data folders live inside the default tenant's (tenants/NAME).
            statement.execute("SET allowed_directories = [" + readableFolders(layout) + "]");
            statement.execute("SET enable_external_access = false");
            statement.execute("SET lock_configuration = true");
        }
        this.traceIndex = TraceIdIndex.open();
        refreshViews();
    }

    /** The folders SQL may read, as a DuckDB list of quoted paths each ending with a separator. */
    private static String readableFolders(DataLayout layout) {
        return java.util.stream.Stream.of(layout.spansDir(), SamplingStatsLayout.folderUnder(layout.root()))
                .map(folder -> "'" + folder.toAbsolutePath().normalize().toString().replace("'", "''") + "/'")
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /** The database over {@code files}, its views created over the files there are now. */
    static LiveViews open(LiveFiles files, int threads, String memoryLimit) throws SQLException, IOException {
        return new LiveViews(files, threads, memoryLimit);
    }

    DataLayout layout() {
        return layout;
    }

    /** See {@link QueryEngine#filesChanged()}. */
    void filesChanged() {
        files.changed();
    }

    /** Marks a read in progress ({@link LiveFiles#lease()}); every query holds one. */
    LiveFiles.ReadLease lease() {
        return files.lease();
    }

    /** A new connection to the database, for one query; bring the views up to date with {@link #prepare} before reading. */
    Connection connect() throws SQLException {
        return base.duplicate();
    }

    /**
     * Brings the views up to date with the live files before a query runs. When the query reads the
     * {@code traces} view, the trace summaries are first brought up to date too (only then: the first
     * sync reads every file).
     */
    void prepare(boolean readsTraces) throws SQLException, IOException {
        long generation = files.generation();
        if (readsTraces && traceSummariesAtGeneration < generation) {
            synchronized (viewLock) {
                traceSummaries.sync(base, files.snapshot());
                traceSummariesAtGeneration = generation;
            }
        }
        refreshViewsIfStale();
    }

    /** How many files the {@code traces} summaries cover now (none until a statement reads that view). */
    int traceSummaryFiles() {
        synchronized (viewLock) {
            return traceSummaries.files();
        }
    }

    /** How many times the views were built: a change of the number is a change of what {@code spans} reads. */
    long built() {
        return viewsBuilt;
    }

    /** Whether the views read any file (before the first, {@code spans} is an empty table). */
    boolean hasFiles() {
        return viewsHaveFiles;
    }

    /** The files the views were last built over. */
    List<Path> files() {
        return liveFiles;
    }

    private void refreshViews() throws SQLException, IOException {
        synchronized (viewLock) {
            long generation = files.generation();
            List<Path> live = files.snapshot();
            storesDerived.keySet().retainAll(new HashSet<>(live));
            viewsCreated = SpanViews.create(base, layout, live, anyStoresDerived(live), viewsCreated);
            liveFiles = live;
            viewsHaveFiles = !live.isEmpty();
            viewsBuiltAtGeneration = generation;
            viewsBuilt++;
        }
    }

    private void refreshViewsIfStale() throws SQLException, IOException {
        if (viewsStale() || !viewsHaveFiles) {
            synchronized (viewLock) {
                // While the store is empty, look for the first files on every query.
                if (viewsStale() || !layout.spanFiles().isEmpty()) {
                    refreshViews();
                }
            }
        }
    }

    private boolean viewsStale() {
        return viewsBuiltAtGeneration < files.generation();
    }

    /**
     * See {@link QueryEngine#filesHoldingTrace}: from the sidecars of every file, also those a bounded cache does
     * not keep on disk ({@link LiveFiles.Residency#all()}), which {@link #fetch(Collection, LiveFiles.ReadLease)}
     * then brings.
     */
    List<Path> filesHoldingTrace(String traceId) throws SQLException, IOException {
        refreshViewsIfStale();
        Optional<LiveFiles.Residency> residency = files.residency();
        // One query's update must not change the index under another's lookup.
        synchronized (traceIndex) {
            traceIndex.update(residency.isPresent() ? residency.get().all() : liveFiles);
            return traceIndex.filesMayHold(traceId);
        }
    }

    /**
     * Makes the files that may hold spans starting in {@code range} readable through the views until {@code lease}
     * ends: nothing to do unless only part of the files is on disk ({@link LiveFiles#residency()}).
     *
     * @throws LiveFiles.NotResidentException when they are more than the cache may hold
     */
    void fetch(LiveFiles.TimeRange range, LiveFiles.ReadLease lease) throws IOException {
        if (files.residency().isPresent()) {
            files.residency().get().fetch(range, lease);
        }
    }

    /** Makes {@code spanFiles} (of those {@link #filesHoldingTrace} names) readable until {@code lease} ends. */
    void fetch(Collection<Path> spanFiles, LiveFiles.ReadLease lease) throws IOException {
        if (files.residency().isPresent()) {
            files.residency().get().fetch(spanFiles, lease);
        }
    }

    /** Whether only part of the files is on disk, so that a read must {@link #fetch} what it needs first. */
    boolean partial() {
        return files.residency().isPresent();
    }

    /** Whether any of {@code files} stores a derived column (schema v1); footers not read before are read now. */
    boolean anyStoresDerived(List<Path> files) throws SQLException {
        List<Path> unknown = files.stream().filter(f -> !storesDerived.containsKey(f)).toList();
        if (!unknown.isEmpty()) {
            Set<String> older = new HashSet<>();
            synchronized (viewLock) {
                try (Statement statement = base.createStatement();
                     ResultSet rs = statement.executeQuery(SpanSchema.filesStoringDerivedSql(pathList(unknown)))) {
                    while (rs.next()) {
                        older.add(rs.getString(1));
                    }
                }
            }
            for (Path file : unknown) {
                storesDerived.put(file, older.contains(file.toString()));
            }
        }
        return files.stream().anyMatch(f -> storesDerived.getOrDefault(f, false));
    }

    private static String pathList(List<Path> paths) {
        StringBuilder list = new StringBuilder("[");
        for (Path p : paths) {
            list.append(list.length() > 1 ? ", " : "").append('\'').append(p.toString().replace("'", "''")).append('\'');
        }
        return list.append(']').toString();
    }

    @Override
    public void close() throws SQLException {
        traceIndex.close();
        base.close();
    }
}
