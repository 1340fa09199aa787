package io.contrail.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contrail.columnar.DataLayout;
import io.contrail.columnar.LiveFiles;
import io.contrail.columnar.SpanSchema;
import io.contrail.columnar.TraceIdIndex;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBResultSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The read side: an embedded DuckDB whose views ({@link SpanViews}) cover the Parquet files
 * under the data folder, locked down so that user SQL can only read there.
 *
 * <p>User SQL ({@link #query}, {@link #queryArrow}) passes the {@link ReadOnlySqlGuard}, runs on a
 * connection of its own with a row cap and a timeout that interrupts DuckDB. Contrail's own
 * parameterized queries (traces, search) use {@link #run}. Thread-safe. The files are immutable
 * once renamed into place, so the engine can run beside a server writing to the same folder.
 */
public final class QueryEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QueryEngine.class);

    /**
     * Read-side settings.
     *
     * @param dataDir        the data folder (only it is readable from SQL)
     * @param maxRows        rows returned before a result is cut and marked truncated
     * @param maxResultBytes bytes of rows, each counted as its JSON array text (as the HTTP API writes it),
     *                       returned before a result is cut and marked truncated
     * @param queryTimeout   a query running longer is interrupted
     * @param threads        DuckDB worker threads
     * @param memoryLimit    DuckDB memory limit, e.g. "2GB"
     */
    public record Config(Path dataDir, int maxRows, long maxResultBytes, Duration queryTimeout, int threads,
                         String memoryLimit) {
        public static final int DEFAULT_MAX_ROWS = 10_000;
        /** Enough for 10,000 spans of every column with a few KB of attributes each. */
        public static final long DEFAULT_MAX_RESULT_BYTES = 32L * 1024 * 1024;
        public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(30);
        public static final String DEFAULT_MEMORY_LIMIT = "2GB";

        public static Config defaults(Path dataDir) {
            return new Config(dataDir, DEFAULT_MAX_ROWS, DEFAULT_MAX_RESULT_BYTES, DEFAULT_QUERY_TIMEOUT,
                    Runtime.getRuntime().availableProcessors(), DEFAULT_MEMORY_LIMIT);
        }

        public Config withQueryTimeout(Duration timeout) {
            return new Config(dataDir, maxRows, maxResultBytes, timeout, threads, memoryLimit);
        }

        public Config withMaxRows(int rows) {
            return new Config(dataDir, rows, maxResultBytes, queryTimeout, threads, memoryLimit);
        }

        public Config withMaxResultBytes(long bytes) {
            return new Config(dataDir, maxRows, bytes, queryTimeout, threads, memoryLimit);
        }
    }

    /** Reads rows from a result set; used by Contrail's own queries. */
    public interface RowReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private final Config config;
    private final DataLayout layout;
    /** The data folder's absolute path as DuckDB may print it, longest first; never shown to users. */
    private final List<String> serverPaths;
    private final DuckDBConnection base;
    private final ReadOnlySqlGuard guard = new ReadOnlySqlGuard();
    private final ScheduledExecutorService timeouts;
    private final BufferAllocator allocator = new RootAllocator();
    private final Object viewLock = new Object();
    /** The files to read; the views are stale while they were built from an older generation of it. */
    private final LiveFiles files;
    private volatile long viewsBuiltAtGeneration;
    private volatile boolean viewsHaveFiles;
    private volatile List<Path> liveFiles = List.of();
    private volatile LiveSource liveSource;
    private volatile LiveSource livePlainSource;
    private final TraceIdIndex traceIndex;
    private final TraceSummaries traceSummaries = new TraceSummaries();
    /** The generation of the files the trace summaries were last brought up to date with. */
    private volatile long traceSummariesAtGeneration;

    private QueryEngine(Config config, LiveFiles files) throws SQLException, IOException {
        this.config = config;
        this.files = files;
        this.layout = files.layout();
        Files.createDirectories(layout.spansDir());
        Path absolute = layout.root().toAbsolutePath().normalize();
        this.serverPaths = java.util.stream.Stream.of(absolute.toString(), absolute.toRealPath().toString())
                .distinct().sorted(java.util.Comparator.comparing(String::length).reversed()).toList();
        // Results are materialized (DuckDB JDBC loses the error text of a streamed query that fails
        // mid-way); the row cap is pushed into the query instead, see statementFor().
        this.base = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
        try (Statement statement = base.createStatement()) {
            statement.execute("SET threads = " + Math.max(1, config.threads()));
            statement.execute("SET memory_limit = '" + config.memoryLimit().replace("'", "") + "'");
            // Span files are immutable once renamed into place, so their footers can be cached.
            statement.execute("SET parquet_metadata_cache = true");
            // Spills go inside the data folder, not DuckDB's default <working directory>/.tmp, which any
            // query could read (DuckDB lets queries read its temp folder; the guard refuses naming it).
            statement.execute("SET temp_directory = '" + layout.root().resolve(ReadOnlySqlGuard.TEMP_FOLDER).toString()
                    .replace("'", "''") + "'");
            statement.execute("SET allowed_directories = ['" + layout.root().toString().replace("'", "''") + "/']");
            statement.execute("SET enable_external_access = false");
            statement.execute("SET lock_configuration = true");
        }
        this.traceIndex = TraceIdIndex.open();
        refreshViews();
        this.timeouts = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "contrail-query-timeouts");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** An engine over the span files of {@code config}'s data folder, as another process writes them. */
    public static QueryEngine open(Config config) throws IOException {
        return open(config, LiveFiles.of(config.dataDir()));
    }

    /** An engine over {@code files}: a store's view of its own files (it follows every change). */
    public static QueryEngine open(Config config, LiveFiles files) throws IOException {
        if (!files.root().toAbsolutePath().normalize().equals(config.dataDir().toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("the files of " + files.root() + " are not those of the data folder "
                    + config.dataDir());
        }
        try {
            return new QueryEngine(config, files);
        } catch (SQLException e) {
            throw new IOException("cannot start DuckDB: " + e.getMessage(), e);
        }
    }

    public Config config() {
        return config;
    }

    /**
     * Call when another process added or removed files ({@link LiveFiles#changed()}); views are rebuilt
     * before the next query. A store's own files need no call.
     */
    public void filesChanged() {
        files.changed();
    }

    /** What the views were last created over ({@link SpanViews#create}). */
    private SpanViews.Created viewsCreated;
    /** Per span file read so far, whether it stores a derived column (schema v1): from its footer, once. */
    private final Map<Path, Boolean> storesDerived = new java.util.concurrent.ConcurrentHashMap<>();

    private void refreshViews() throws SQLException, IOException {
        synchronized (viewLock) {
            long generation = files.generation();
            List<Path> live = files.snapshot();
            storesDerived.keySet().retainAll(new java.util.HashSet<>(live));
            viewsCreated = SpanViews.create(base, layout, live, anyStoresDerived(live), viewsCreated);
            liveFiles = live;
            viewsHaveFiles = !live.isEmpty();
            viewsBuiltAtGeneration = generation;
        }
    }

    /** Marks a read in progress ({@link LiveFiles#lease()}); every query holds one. */
    public LiveFiles.ReadLease lease() {
        return files.lease();
    }

    /**
     * A connection for one query. When the query uses the {@code traces} view, the trace summaries
     * are first brought up to date with the live files (only then: the first sync reads every file).
     */
    private Connection connect(String sql) throws QueryException {
        try {
            long generation = files.generation();
            if (traceSummariesAtGeneration < generation && readsTraces(sql)) {
                synchronized (viewLock) {
                    traceSummaries.sync(base, files.snapshot());
                    traceSummariesAtGeneration = generation;
                }
            }
            refreshViewsIfStale();
            return base.duplicate();
        } catch (SQLException | IOException e) {
            throw new QueryException(QueryException.Reason.INVALID,
                    withoutServerPaths("cannot open a query connection: " + e.getMessage()), e);
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
     * The live span files that may hold {@code traceId} (lower-case hex), from the trace-ID index
     * ({@link TraceIdIndex}), brought up to date with the files first. Usually one or a few.
     */
    public List<Path> filesHoldingTrace(String traceId) throws QueryException {
        try {
            refreshViewsIfStale();
            traceIndex.update(liveFiles);
            return traceIndex.filesMayHold(traceId);
        } catch (SQLException | IOException e) {
            throw new QueryException(QueryException.Reason.INVALID,
                    withoutServerPaths("cannot consult the trace-ID index: " + e.getMessage()), e);
        }
    }

    /**
     * Whether {@code sql} reads the {@code traces} view, by DuckDB's parse tree: a column or alias
     * of that name does not (syncing the summaries of 100M spans reads every file).
     */
    private boolean readsTraces(String sql) throws SQLException, IOException {
        if (!sql.toLowerCase(java.util.Locale.ROOT).contains("traces")) {
            return false;
        }
        try (Connection connection = base.duplicate()) {
            return SpansReads.readsTable(ReadOnlySqlGuard.parse(connection, sql), "traces");
        }
    }

    /** Runs user SQL and returns at most {@link Config#maxRows()} rows and {@link Config#maxResultBytes()} bytes. */
    public QueryResult query(String sql) throws QueryException {
        try {
            return query(sql, rows -> {
                List<List<Object>> all = new ArrayList<>();
                for (List<Object> row = rows.next(); row != null; row = rows.next()) {
                    all.add(row);
                }
                return new QueryResult(rows.columns(), all, rows.truncated());
            });
        } catch (IOException e) {
            // Collecting rows in a list does no I/O.
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A user query's answer, read one row at a time: already cut to the row and byte caps, so
     * whether it was cut is known before the first row. Valid only inside {@link #query(String, RowsReader)}.
     */
    public interface Rows {
        List<QueryResult.Column> columns();

        /** True when more rows existed than the caps let through. */
        boolean truncated();

        /** The next row as plain Java values ({@link QueryResult#rows()}), or null after the last. */
        List<Object> next() throws QueryException;
    }

    /** Consumes a user query's {@link Rows}, e.g. by writing them to a response as they are read. */
    public interface RowsReader<T> {
        T read(Rows rows) throws QueryException, IOException;
    }

    /**
     * Runs user SQL and hands its answer, cut to {@link Config#maxRows()} rows and
     * {@link Config#maxResultBytes()} bytes, to {@code reader} row by row. The rows are never all
     * held in Java at once; a failing statement throws before {@code reader} is called.
     */
    public <T> T query(String sql, RowsReader<T> reader) throws QueryException, IOException {
        try (LiveFiles.ReadLease lease = lease(); Connection connection = connect(sql)) {
            Planned planned = statementFor(connection, sql);
            try {
                return timed(connection, sql, statement -> {
                    try (ResultSet rs = statement.executeQuery(planned.sql())) {
                        return reader.read(new JdbcRows(rs, planned));
                    }
                });
            } catch (SQLException e) {
                throw userError(connection, sql, e);
            }
        } catch (SQLException e) {
            throw userError(null, sql, e);
        }
    }

    /** Where an Arrow answer is written, once it is known whether it was cut. */
    public interface ArrowOutput {
        OutputStream open(boolean truncated) throws IOException;
    }

    /**
     * Runs user SQL and writes the result as an Arrow IPC stream, at most {@link Config#maxRows()}
     * rows and {@link Config#maxResultBytes()} bytes; {@code output} is opened (told whether rows
     * were cut) only once the statement has run, so a failing statement writes nothing.
     */
    public void queryArrow(String sql, ArrowOutput output) throws QueryException, IOException {
        try (LiveFiles.ReadLease lease = lease(); Connection connection = connect(sql)) {
            Planned planned = statementFor(connection, sql);
            try {
                timed(connection, sql, statement -> {
                    try (ResultSet rs = statement.executeQuery(planned.sql());
                         ArrowReader reader = (ArrowReader) ((DuckDBResultSet) rs).arrowExportStream(allocator, ARROW_BATCH_ROWS)) {
                        writeArrow(reader, planned, output);
                        return null;
                    }
                });
            } catch (SQLException e) {
                throw userError(connection, sql, e);
            }
        } catch (SQLException e) {
            throw userError(null, sql, e);
        }
    }

    /** Rows per Arrow batch taken from DuckDB; a batch's bytes are within the byte cap (the statement cuts them). */
    private static final int ARROW_BATCH_ROWS = 8192;

    /** Names of the columns the capped statement adds after the user's ({@link #capped}). */
    private static final String CUT_COLUMN = "__contrail_cut";
    private static final String TRUNCATED_COLUMN = "__contrail_truncated";

    /**
     * The statement to run for user SQL, and whether it carries the two trailing columns of
     * {@link #capped} (EXPLAIN and statements DuckDB cannot render back do not).
     */
    private record Planned(String sql, boolean capped) {
    }

    /**
     * The statement to run for user SQL, once the {@link ReadOnlySqlGuard} admits it. Its reads of
     * {@code spans} are pointed at the live files directly ({@link SpansReads} says why); a read
     * restricted to named trace IDs, at only the files the trace-ID index names for them, through a
     * subquery that keeps every column of {@code spans} ({@link SpanViews#COLUMNS_TABLE}) so the
     * statement binds as it would over every file. A SELECT is then cut to the row and byte caps
     * ({@link #capped}). A statement DuckDB cannot render back runs as written, through the views.
     */
    private Planned statementFor(Connection connection, String sql) throws QueryException {
        ReadOnlySqlGuard.Admitted admitted = guard.check(connection, sql);
        JsonNode parsed = admitted.parsed();
        readFilesDirectly(connection, parsed);
        String select = ReadOnlySqlGuard.render(connection, parsed);
        if (select == null) {
            return new Planned(admitted.original(), false);
        }
        if (!admitted.explainPrefix().isEmpty()) {
            return new Planned(admitted.explainPrefix() + select, false);
        }
        return new Planned(capped(select), true);
    }

    /**
     * {@code select} cut by DuckDB itself to {@link Config#maxRows()} rows and
     * {@link Config#maxResultBytes()} bytes, so that no more than that ever reaches Java: DuckDB's
     * JDBC driver turns a whole chunk of up to 2,048 rows into Java objects at once, so a cut made
     * while reading would come too late (150 values of 20 MB were 9 GB of heap).
     *
     * <p>Each row's size is the length in bytes of the row as a JSON array ({@code json_array} of its columns, as
     * the HTTP API writes it): one expression, where a size per column cost DuckDB ~0.1 ms per column to bind
     * (a {@code SELECT *} of one trace, 144 columns: 41.8 ms capped that way, 27.9 ms this way, 21.5 ms uncapped).
     * A running sum over the rows in order (a streaming window, which keeps their order) keeps the rows that end
     * within the cap, plus the first row past either cap with its values set to NULL, flagged in {@value #CUT_COLUMN}. Every row also
     * carries {@value #TRUNCATED_COLUMN}, so a reader knows before the first row whether the result
     * was cut. The result's columns are the user's, then those two.
     */
    private String capped(String select) {
        String rowBytes = "SELECT *, strlen(CAST(json_array(*COLUMNS(*)) AS VARCHAR)) AS __contrail_row_bytes FROM (\n"
                + select + "\n) AS contrail_result LIMIT " + (config.maxRows() + 1L);
        long maxBytes = config.maxResultBytes();
        return "SELECT CASE WHEN NOT " + CUT_COLUMN + " THEN COLUMNS(* EXCLUDE (__contrail_row_bytes, "
                + "__contrail_bytes, __contrail_row, " + CUT_COLUMN + ")) END, " + CUT_COLUMN + ", bool_or("
                + CUT_COLUMN + ") OVER () AS " + TRUNCATED_COLUMN + "\nFROM (SELECT *, __contrail_row > "
                + config.maxRows() + " OR __contrail_bytes > " + maxBytes + " AS " + CUT_COLUMN
                + "\nFROM (SELECT *, sum(__contrail_row_bytes) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) "
                + "AS __contrail_bytes, row_number() OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS __contrail_row"
                + "\nFROM (\n" + rowBytes + "\n)) WHERE __contrail_bytes - __contrail_row_bytes <= " + maxBytes + ")";
    }

    /** {@link Rows} over a JDBC result of a {@link Planned} statement. */
    private final class JdbcRows implements Rows {
        private final ResultSet rs;
        private final List<QueryResult.Column> columns = new ArrayList<>();
        private final boolean capped;
        private boolean truncated;
        /** Whether {@link #rs} is on a row not yet returned (read ahead for the truncated flag). */
        private boolean pending;
        private boolean done;
        private int returned;

        JdbcRows(ResultSet rs, Planned planned) throws SQLException {
            this.rs = rs;
            this.capped = planned.capped();
            ResultSetMetaData meta = rs.getMetaData();
            int count = meta.getColumnCount() - (capped ? 2 : 0);
            for (int i = 1; i <= count; i++) {
                columns.add(new QueryResult.Column(meta.getColumnName(i), meta.getColumnTypeName(i)));
            }
            if (capped) {
                pending = rs.next();
                truncated = pending && rs.getBoolean(count + 2);
            }
        }

        @Override
        public List<QueryResult.Column> columns() {
            return columns;
        }

        @Override
        public boolean truncated() {
            return truncated;
        }

        @Override
        public List<Object> next() throws QueryException {
            try {
                if (done) {
                    return null;
                }
                if (!pending && !rs.next()) {
                    done = true;
                    return null;
                }
                pending = false;
                int count = columns.size();
                if (capped ? rs.getBoolean(count + 1) : returned >= config.maxRows()) {
                    truncated = true;
                    done = true;
                    return null;
                }
                List<Object> row = new ArrayList<>(count);
                for (int i = 1; i <= count; i++) {
                    row.add(SqlValues.toJava(rs.getObject(i)));
                }
                returned++;
                return row;
            } catch (SQLException e) {
                throw new QueryException(QueryException.Reason.INVALID, "reading the result failed: " + e.getMessage(), e);
            }
        }
    }

    /** Points the reads of {@code spans} in {@code parsed} at the files ({@link #statementFor}). */
    private void readFilesDirectly(Connection connection, JsonNode parsed) throws QueryException {
        List<ObjectNode> reads = viewsHaveFiles ? SpansReads.of(parsed) : List.of();
        if (reads.isEmpty()) {
            return;
        }
        Optional<Set<String>> traceIds = SpansReads.traceIds(parsed);
        JsonNode replacement = traceIds.isPresent()
                ? fromTable(connection, filesHoldingSource(traceIds.get(), SpansReads.mayUseDerived(parsed, DERIVED)))
                : liveFilesFromTable(connection, SpansReads.mayUseDerived(parsed, DERIVED));
        for (ObjectNode read : reads) {
            String alias = read.path("alias").asText("");
            ObjectNode direct = replacement.deepCopy();
            direct.put("alias", alias.isEmpty() ? "spans" : alias);
            direct.set("column_name_alias", read.path("column_name_alias"));
            direct.set("sample", read.path("sample"));
            read.removeAll();
            read.setAll(direct);
        }
    }

    /**
     * Contrail's own query {@code sql} with its reads of {@code spans} pointed at the files, as
     * user SQL's are; as written when it reads no spans or DuckDB cannot render it back.
     */
    private String ownStatement(Connection connection, String sql) throws QueryException {
        if (!viewsHaveFiles || !sql.toLowerCase(java.util.Locale.ROOT).contains("spans")) {
            return sql;
        }
        JsonNode parsed;
        try {
            parsed = ReadOnlySqlGuard.parse(connection, sql);
        } catch (SQLException | IOException e) {
            return sql;
        }
        if (parsed.path("error").asBoolean(false) || SpansReads.of(parsed).isEmpty()) {
            return sql;
        }
        readFilesDirectly(connection, parsed);
        String rendered = ReadOnlySqlGuard.render(connection, parsed);
        return rendered == null ? sql : rendered;
    }

    /** The columns of {@code spans} that files need not store, lower case. */
    private static final Set<String> DERIVED = SpanSchema.COLUMNS.stream().filter(c -> !c.stored())
            .map(SpanSchema.Column::name).collect(java.util.stream.Collectors.toUnmodifiableSet());

    /**
     * A source with the columns of {@code spans} over only the files that may hold {@code traceIds}; without
     * those computed from others unless {@code derived} (then a v1 file's stored ones may show instead).
     */
    private String filesHoldingSource(Set<String> traceIds, boolean derived) throws QueryException {
        SortedSet<Path> files = new TreeSet<>();
        for (String traceId : traceIds) {
            files.addAll(filesHoldingTrace(traceId));
        }
        return "(SELECT * FROM " + SpanViews.COLUMNS_TABLE + (files.isEmpty() ? ""
                : " UNION ALL BY NAME SELECT * FROM " + (derived ? source(List.copyOf(files))
                : SpanViews.readParquet(List.copyOf(files)))) + ")";
    }

    /** A subquery with the columns of {@code spans} over {@code files} (not empty): {@link SpanViews#source}. */
    String source(List<Path> files) throws QueryException {
        try {
            return SpanViews.source(files, anyStoresDerived(files));
        } catch (SQLException e) {
            throw new QueryException(QueryException.Reason.INVALID,
                    withoutServerPaths("cannot read the span files' footers: " + e.getMessage()), e);
        }
    }

    /** Whether any of {@code files} stores a derived column (schema v1); footers not read before are read now. */
    private boolean anyStoresDerived(List<Path> files) throws SQLException {
        List<Path> unknown = files.stream().filter(f -> !storesDerived.containsKey(f)).toList();
        if (!unknown.isEmpty()) {
            Set<String> older = new java.util.HashSet<>();
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

    /**
     * The parse tree of {@code FROM <source>} over the current live files, with the columns computed from others
     * ({@code derived}) or without; kept for those files (its text is long).
     */
    private JsonNode liveFilesFromTable(Connection connection, boolean derived) throws QueryException {
        LiveSource cached = derived ? liveSource : livePlainSource;
        List<Path> files = liveFiles;
        if (cached == null || cached.files() != files) {
            cached = new LiveSource(files, fromTable(connection, derived ? source(files) : SpanViews.readParquet(files)));
            if (derived) {
                liveSource = cached;
            } else {
                livePlainSource = cached;
            }
        }
        return cached.fromTable();
    }

    private record LiveSource(List<Path> files, JsonNode fromTable) {
    }

    private static JsonNode fromTable(Connection connection, String source) throws QueryException {
        try {
            return ReadOnlySqlGuard.parse(connection, "SELECT * FROM " + source)
                    .path("statements").get(0).path("node").path("from_table");
        } catch (SQLException | IOException e) {
            throw new QueryException(QueryException.Reason.INVALID, "cannot parse the span files' source: " + e.getMessage(), e);
        }
    }

    /**
     * Writes the user's columns of a {@link Planned} answer as an Arrow IPC stream, leaving out the
     * trailing flag columns and the cut row of a capped one.
     */
    private void writeArrow(ArrowReader reader, Planned planned, ArrowOutput output) throws IOException {
        VectorSchemaRoot root = reader.getVectorSchemaRoot();
        List<org.apache.arrow.vector.FieldVector> vectors = root.getFieldVectors();
        int count = vectors.size() - (planned.capped() ? 2 : 0);
        boolean loaded = reader.loadNextBatch();
        boolean truncated = planned.capped() && loaded && root.getRowCount() > 0
                && ((org.apache.arrow.vector.BitVector) vectors.get(count + 1)).getObject(0) == Boolean.TRUE;
        // Not closed: it shares the reader's vectors, which the reader closes.
        VectorSchemaRoot user = new VectorSchemaRoot(vectors.subList(0, count));
        long written = 0;
        try (ArrowStreamWriter writer = new ArrowStreamWriter(user, null, Channels.newChannel(output.open(truncated)))) {
            writer.start();
            for (; loaded; loaded = reader.loadNextBatch()) {
                int rows = root.getRowCount();
                if (planned.capped()) {
                    org.apache.arrow.vector.BitVector cut = (org.apache.arrow.vector.BitVector) vectors.get(count);
                    while (rows > 0 && cut.getObject(rows - 1) == Boolean.TRUE) {
                        rows--;
                    }
                } else {
                    rows = (int) Math.min(rows, config.maxRows() - written);
                }
                user.setRowCount(rows);
                if (rows > 0) {
                    writer.writeBatch();
                    written += rows;
                }
                if (!planned.capped() && written >= config.maxRows()) {
                    break;
                }
            }
            writer.end();
        }
    }

    /** Runs one of Contrail's own parameterized queries (not guarded; never pass user SQL here). */
    public <T> T run(String sql, List<Object> parameters, RowReader<T> reader) throws QueryException {
        try (LiveFiles.ReadLease lease = lease(); Connection connection = connect(sql);
             PreparedStatement statement = connection.prepareStatement(ownStatement(connection, sql))) {
            for (int i = 0; i < parameters.size(); i++) {
                statement.setObject(i + 1, parameters.get(i));
            }
            return timed(connection, sql, s -> {
                try (ResultSet rs = statement.executeQuery()) {
                    return reader.read(rs);
                }
            }, statement);
        } catch (SQLException e) {
            throw invalid(e);
        } catch (IOException e) {
            throw new QueryException(QueryException.Reason.INVALID, e.getMessage(), e);
        }
    }

    /** Names and types of the columns of {@code spans} right now. */
    public List<QueryResult.Column> spanColumns() throws QueryException {
        return run("SELECT column_name, column_type FROM (DESCRIBE spans)", List.of(), rs -> {
            List<QueryResult.Column> columns = new ArrayList<>();
            while (rs.next()) {
                columns.add(new QueryResult.Column(rs.getString(1), rs.getString(2)));
            }
            return columns;
        });
    }

    private interface StatementWork<T> {
        T run(Statement statement) throws SQLException, QueryException, IOException;
    }

    private <T> T timed(Connection connection, String sql, StatementWork<T> work)
            throws QueryException, SQLException, IOException {
        try (Statement statement = connection.createStatement()) {
            return timed(connection, sql, work, statement);
        }
    }

    private <T> T timed(Connection connection, String sql, StatementWork<T> work, Statement statement)
            throws QueryException, SQLException, IOException {
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> cancel = timeouts.schedule(() -> {
            timedOut.set(true);
            try {
                statement.cancel();
            } catch (SQLException e) {
                LOG.warn("cancelling a query that ran over its time failed: {}", e.getMessage());
            }
        }, config.queryTimeout().toMillis(), TimeUnit.MILLISECONDS);
        try {
            return work.run(statement);
        } catch (SQLException e) {
            if (timedOut.get()) {
                throw new QueryException(QueryException.Reason.TIMEOUT,
                        "the query ran longer than " + config.queryTimeout().toSeconds()
                                + " s and was interrupted", e);
            }
            throw e;
        } finally {
            cancel.cancel(false);
        }
    }

    /**
     * User SQL's failure as the user should see it: about the SQL they wrote, not the statement
     * that ran (its reads of {@code spans} pointed at the files by absolute path, wrapped in the
     * row and byte caps), with no server path, and with a hint when a dotted attribute name was
     * left unquoted. Binding their own text through the views (only on this failure path) gives
     * DuckDB's message about it; when that binds, the statement failed while running, and
     * DuckDB's pointer into the statement that ran is dropped.
     */
    private QueryException userError(Connection connection, String sql, SQLException e) {
        String message = messageOf(e);
        boolean own = false;
        if (connection != null) {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.getMetaData();
            } catch (SQLException bindError) {
                message = messageOf(bindError);
                own = true;
            }
        }
        if (!own) {
            message = CONTEXT.matcher(message).replaceFirst("");
        }
        return new QueryException(QueryException.Reason.INVALID, withoutServerPaths(message + quotingHint(sql, message)), e);
    }

    /** DuckDB's pointer into the statement text: {@code LINE 3: …} and a caret line under it. */
    private static final Pattern CONTEXT = Pattern.compile("(?s)\\s*\\bLINE \\d+:.*$");
    private static final Pattern MISSING_TABLE = Pattern.compile("Referenced table \"([^\"]+)\" not found");

    /**
     * For {@code WHERE attr.http.route = …}, which DuckDB reads as column {@code route} of a table
     * {@code attr.http}: the advice to quote the attribute column's whole name.
     */
    static String quotingHint(String sql, String message) {
        Matcher missing = MISSING_TABLE.matcher(message);
        if (!missing.find()) {
            return "";
        }
        Matcher name = Pattern.compile("(?<![\\w.\"])" + Pattern.quote(missing.group(1)) + "\\.[A-Za-z_][A-Za-z0-9_]*",
                Pattern.CASE_INSENSITIVE).matcher(sql);
        if (!name.find()) {
            return "";
        }
        String column = name.group();
        String lower = column.toLowerCase(java.util.Locale.ROOT);
        if (!lower.startsWith("attr.") && !lower.startsWith("resource.")) {
            return "";
        }
        return "\nHint: attribute columns have dots in their names; quote the whole name: \"" + column + "\"";
    }

    /** {@code message} with the data folder's absolute path replaced by {@code <data>}. */
    String withoutServerPaths(String message) {
        for (String path : serverPaths) {
            message = message.replace(path, "<data>");
        }
        return message;
    }

    private static String messageOf(SQLException e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    private QueryException invalid(SQLException e) {
        return new QueryException(QueryException.Reason.INVALID, withoutServerPaths(messageOf(e)), e);
    }

    /** Every row of {@code rs}, at most {@code maxRows}, as plain Java values. */
    static QueryResult readAll(ResultSet rs, int maxRows) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        int count = meta.getColumnCount();
        List<QueryResult.Column> columns = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            columns.add(new QueryResult.Column(meta.getColumnName(i), meta.getColumnTypeName(i)));
        }
        List<List<Object>> rows = new ArrayList<>();
        boolean truncated = false;
        while (rs.next()) {
            if (rows.size() >= maxRows) {
                truncated = true;
                break;
            }
            List<Object> row = new ArrayList<>(count);
            for (int i = 1; i <= count; i++) {
                row.add(SqlValues.toJava(rs.getObject(i)));
            }
            rows.add(row);
        }
        return new QueryResult(columns, rows, truncated);
    }

    @Override
    public void close() {
        timeouts.shutdownNow();
        traceIndex.close();
        try {
            base.close();
        } catch (SQLException e) {
            LOG.warn("closing DuckDB: {}", e.getMessage());
        }
        allocator.close();
    }
}
