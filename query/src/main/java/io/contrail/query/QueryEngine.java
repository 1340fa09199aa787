package io.contrail.query;

import io.contrail.columnar.LiveFiles;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Schema;
import org.duckdb.DuckDBResultSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The read side: an embedded DuckDB whose views ({@link SpanViews}) cover the Parquet files
 * under the data folder ({@link LiveViews}), locked down so that user SQL can only read there.
 *
 * <p>Every statement goes through one {@link StatementPipeline} (parse once → guard → rewrite → render →
 * execute). User SQL ({@link #query}, {@link #queryArrow}) passes the {@link ReadOnlySqlGuard} and runs on a
 * connection of its own with row and byte caps ({@link ResultCaps}) and a timeout that interrupts DuckDB.
 * Contrail's own parameterized queries (traces, search) use {@link #run}. Thread-safe. The files are
 * immutable once renamed into place, so the engine can run beside a server writing to the same folder.
 */
public final class QueryEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QueryEngine.class);

    /** Rows per Arrow batch taken from DuckDB; a batch's bytes are within the byte cap (the statement cuts them). */
    private static final int ARROW_BATCH_ROWS = 8192;

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

        /** The folder SQL may read: the data folder, or the cache of a shared table's files. */
        public Config withDataDir(Path folder) {
            return new Config(folder, maxRows, maxResultBytes, queryTimeout, threads, memoryLimit);
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
    private final LiveViews views;
    private final QueryErrors errors;
    private final ResultCaps caps;
    private final QueryTimeouts timeouts;
    private final DirectSpanReads rewrites;
    private final StatementPipeline pipeline;
    private final BufferAllocator allocator = new RootAllocator();
    private volatile SpanColumns spanColumns;

    private QueryEngine(Config config, LiveViews views) throws IOException {
        this.config = config;
        this.views = views;
        this.errors = new QueryErrors(views.layout().root());
        this.caps = new ResultCaps(config.maxRows(), config.maxResultBytes());
        this.timeouts = new QueryTimeouts(config.queryTimeout());
        SqlParser parser = new SqlParser();
        this.rewrites = new DirectSpanReads(views, parser, errors);
        this.pipeline = new StatementPipeline(views, parser, rewrites, timeouts, errors);
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
        LiveViews views;
        try {
            views = LiveViews.open(files, config.threads(), config.memoryLimit());
        } catch (SQLException e) {
            throw new IOException("cannot start DuckDB: " + e.getMessage(), e);
        }
        try {
            return new QueryEngine(config, views);
        } catch (IOException | RuntimeException e) {
            try {
                views.close();
            } catch (SQLException closing) {
                e.addSuppressed(closing);
            }
            throw e;
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
        views.filesChanged();
    }

    /** Marks a read in progress ({@link LiveFiles#lease()}); every query holds one. */
    public LiveFiles.ReadLease lease() {
        return views.lease();
    }

    /**
     * The live span files that may hold {@code traceId} (lower-case hex), from the trace-ID index
     * ({@link io.contrail.columnar.TraceIdIndex}), brought up to date with the files first. Usually one or a few.
     */
    public List<Path> filesHoldingTrace(String traceId) throws QueryException {
        return rewrites.filesHoldingTrace(traceId);
    }

    /**
     * A subquery with the columns of {@code spans} over the files that may hold {@code traceIds} (lower-case hex; 16
     * digits stand for every trace ID with those lower 64 bits), made readable until {@code lease} ends; null when no
     * file holds any of them.
     */
    public String traceSource(java.util.Collection<String> traceIds, LiveFiles.ReadLease lease) throws QueryException {
        List<Path> files = rewrites.filesHolding(traceIds, lease);
        return files.isEmpty() ? null : source(files);
    }

    /** A subquery with the columns of {@code spans} over {@code files} (not empty): {@link SpanViews#source}. */
    String source(List<Path> files) throws QueryException {
        return rewrites.source(files);
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
            throw new UncheckedIOException(e);
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
        return query(SqlRequest.of(sql), reader);
    }

    /**
     * Runs a user's statement with its parameters bound and hands its answer, from the request's offset and within
     * its limit, to {@code reader} row by row, as DuckDB streams them: without a limit an answer of any size passes
     * in bounded memory. A failing statement throws before {@code reader} is called.
     */
    public <T> T query(SqlRequest request, RowsReader<T> reader) throws QueryException, IOException {
        ResultCaps limit = caps(request);
        return pipeline.executeUser(request, limit,
                (rs, statement, rowsFlow) -> reader.read(limit.rows(rs, statement.capped(), rowsFlow)));
    }

    /** The caps of {@code request}: its own limit, or the engine's. */
    private ResultCaps caps(SqlRequest request) {
        return request.limit() == null ? caps : ResultCaps.of(request.limit());
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
        queryArrow(SqlRequest.of(sql), output);
    }

    /**
     * {@link #queryArrow(String, ArrowOutput)} of a statement with parameters, an offset and a limit: without a
     * limit, the whole answer in batches of {@value #ARROW_BATCH_ROWS} rows as DuckDB streams them.
     */
    public void queryArrow(SqlRequest request, ArrowOutput output) throws QueryException, IOException {
        queryArrow(request, ResultCaps.ipcStream(output));
    }

    /**
     * An answer as Arrow record batches, for a consumer other than an IPC stream (Flight SQL): the schema first
     * (times as {@code UTC} timestamps), then every batch, then the end; nothing when the statement fails.
     */
    public interface ArrowBatches {
        /** Before any batch, once it is known whether the answer was cut. */
        void start(Schema schema, boolean truncated) throws IOException;

        /** One batch of rows of that schema, valid only during the call (it is closed after). */
        void batch(ArrowRecordBatch batch) throws IOException;

        /** After the last batch. */
        void end() throws IOException;
    }

    /**
     * Runs a user's statement as {@link #queryArrow(SqlRequest, ArrowOutput)} does and hands its answer to
     * {@code batches}, in batches of {@value #ARROW_BATCH_ROWS} rows as DuckDB streams them.
     */
    public void queryArrow(SqlRequest request, ArrowBatches batches) throws QueryException, IOException {
        ResultCaps limit = caps(request);
        pipeline.executeUser(request, limit, (rs, statement, rowsFlow) -> {
            try (ArrowReader reader = (ArrowReader) ((DuckDBResultSet) rs).arrowExportStream(allocator, ARROW_BATCH_ROWS)) {
                limit.readArrow(reader, statement.capped(), batches, rowsFlow);
                return null;
            }
        });
    }

    /** Runs one of Contrail's own parameterized queries (not guarded; never pass user SQL here). */
    public <T> T run(String sql, List<Object> parameters, RowReader<T> reader) throws QueryException {
        return pipeline.executeOwn(sql, parameters, null, reader);
    }

    /**
     * {@link #run(String, List, RowReader)} for a statement that reads the spans starting in {@code reads} (more
     * than its conditions say: through views, joins, margins). With a bounded cache of a shared table, their files
     * are fetched first, or it is refused ({@link QueryException.Reason#TOO_LARGE}) when they are more than it holds.
     */
    public <T> T run(LiveFiles.TimeRange reads, String sql, List<Object> parameters, RowReader<T> reader)
            throws QueryException {
        return pipeline.executeOwn(sql, parameters, reads, reader);
    }

    /**
     * Names and types of the columns of {@code spans} right now. Asked on every search, TraceQL query and tag
     * listing; described once per build of the views, not per request.
     */
    public List<QueryResult.Column> spanColumns() throws QueryException {
        return currentSpanColumns().columns();
    }

    /** Column name → DuckDB type of every column of {@code spans} now ({@link #spanColumns()}, as a map). */
    public Map<String, String> spanColumnTypes() throws QueryException {
        return currentSpanColumns().types();
    }

    private SpanColumns currentSpanColumns() throws QueryException {
        // The views first brought up to date (also onto the first files of a folder another process writes, which
        // move no generation): columns described from the build that is current then are that build's columns.
        long built;
        try (LiveFiles.ReadLease lease = views.lease()) {
            views.prepare(false);
            built = views.built();
        } catch (SQLException e) {
            throw errors.invalid(e);
        } catch (IOException e) {
            throw new QueryException(QueryException.Reason.INVALID, e.getMessage(), e);
        }
        SpanColumns cached = spanColumns;
        if (cached != null && cached.viewsBuilt() == built) {
            return cached;
        }
        return describeSpans(built);
    }

    private SpanColumns describeSpans(long built) throws QueryException {
        List<QueryResult.Column> described = run("SELECT column_name, column_type FROM (DESCRIBE spans)", List.of(), rs -> {
            List<QueryResult.Column> columns = new ArrayList<>();
            while (rs.next()) {
                columns.add(new QueryResult.Column(rs.getString(1), rs.getString(2)));
            }
            return List.copyOf(columns);
        });
        Map<String, String> types = new HashMap<>();
        for (QueryResult.Column column : described) {
            types.put(column.name(), column.type());
        }
        SpanColumns columns = new SpanColumns(built, described, Collections.unmodifiableMap(types));
        // Kept only when no other query rebuilt the views meanwhile (else the columns may be of either build).
        if (views.built() == built) {
            spanColumns = columns;
        }
        return columns;
    }

    /** {@link #spanColumns()} as described from a build of the views ({@link LiveViews#built()}), and as a map. */
    private record SpanColumns(long viewsBuilt, List<QueryResult.Column> columns, Map<String, String> types) {
    }

    /** How many files the {@code traces} view's summaries cover now ({@link LiveViews#traceSummaryFiles}). */
    int traceSummaryFiles() {
        return views.traceSummaryFiles();
    }

    /** How many parse trees DuckDB has made for this engine's statements ({@link StatementPipeline#parses}). */
    long parses() {
        return pipeline.parses();
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
        timeouts.close();
        try {
            views.close();
        } catch (SQLException e) {
            LOG.warn("closing DuckDB: {}", e.getMessage());
        }
        allocator.close();
    }
}
