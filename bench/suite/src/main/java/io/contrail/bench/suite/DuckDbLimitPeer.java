package io.contrail.bench.suite;

import io.contrail.columnar.DataLayout;
import io.contrail.columnar.ParquetSpanWriter;
import io.contrail.columnar.SpanRef;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * "The limit": plain DuckDB, in this JVM, over ONE Parquet file holding every span, each attribute
 * its own typed column — the best a Parquet-and-DuckDB design can do with these spans, so Contrail's
 * overhead is its ratio to this peer. The view {@code spans} over the file has Contrail's columns
 * (plus {@code date} and {@code hour}), so both run the same SQL text.
 *
 * <p>How the file is made: the corpus goes through Contrail's own {@link ParquetSpanWriter} in
 * pieces of {@value #PIECE_SPANS} spans (so every attribute gets exactly the type Contrail gives it
 * and the answers can be compared), and DuckDB then merges the pieces into one ZSTD file with
 * row groups of DuckDB's default size. One Arrow batch of the whole corpus would not fit in memory at
 * 10M spans. Rows stay in corpus order, which is start-time order to within a trace's duration, so
 * the row groups' min/max statistics on {@code start_time} prune time windows as well as a sort would.
 *
 * <p>DuckDB gets the settings Contrail's query engine has: all cores, a 2 GB memory limit. Query
 * times are from executing the statement to reading the last row, every column read.
 */
public final class DuckDbLimitPeer implements DuckDbDialectPeer {

    public static final String NAME = "duckdb-limit";
    static final int PIECE_SPANS = 100_000;
    static final String MEMORY_LIMIT = "2GB";

    private Connection connection;
    private Path workDir;
    private PrintStream progress = System.out;
    private Path file;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start(BenchContext context) throws Exception {
        workDir = context.workDir();
        progress = context.progress();
        Files.createDirectories(workDir);
        connection = DriverManager.getConnection("jdbc:duckdb:");
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET threads = " + Runtime.getRuntime().availableProcessors());
            statement.execute("SET memory_limit = '" + MEMORY_LIMIT + "'");
            statement.execute("SET temp_directory = '" + sqlPath(workDir.resolve("duckdb-tmp")) + "'");
        }
    }

    @Override
    public LoadResult load(SpanCorpus corpus) throws Exception {
        long started = System.nanoTime();
        Path staging = workDir.resolve("pieces");
        DataLayout layout = new DataLayout(staging);
        int pieces = 0;
        long spans = 0;
        long nextReport = corpus.spanCount() / 10;
        try (BufferAllocator allocator = new RootAllocator();
             ParquetSpanWriter writer = new ParquetSpanWriter(allocator, Runtime.getRuntime().availableProcessors(), layout)) {
            List<SpanRef> piece = new ArrayList<>(PIECE_SPANS + 1024);
            for (ExportTraceServiceRequest request : corpus.requests()) {
                for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
                    for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
                        for (Span span : scopeSpans.getSpansList()) {
                            piece.add(new SpanRef(resourceSpans.getResource(), scopeSpans.getScope(), span));
                        }
                    }
                }
                if (piece.size() >= PIECE_SPANS) {
                    spans += piece.size();
                    writer.write(piece, layout.spansDir().resolve(String.format("piece-%06d.parquet", pieces++)));
                    piece.clear();
                    if (spans >= nextReport) {
                        progress.printf(Locale.ROOT, "  %s load: %3d%%  %,d of %,d spans written to Parquet pieces%n",
                                NAME, spans * 100 / corpus.spanCount(), spans, corpus.spanCount());
                        nextReport += corpus.spanCount() / 10;
                    }
                }
            }
            if (!piece.isEmpty()) {
                spans += piece.size();
                writer.write(piece, layout.spansDir().resolve(String.format("piece-%06d.parquet", pieces++)));
            }
        }
        progress.printf(Locale.ROOT, "  %s load: merging %d pieces into one file%n", NAME, pieces);
        file = workDir.resolve("spans.parquet");
        try (Statement statement = connection.createStatement()) {
            statement.execute("COPY (SELECT *, CAST(start_time AS DATE) AS \"date\", CAST(hour(start_time) AS INTEGER) AS \"hour\""
                    + " FROM read_parquet('" + sqlPath(layout.spansDir()) + "/*.parquet', union_by_name = true))"
                    + " TO '" + sqlPath(file) + "' (FORMAT parquet, COMPRESSION zstd)");
            statement.execute("CREATE OR REPLACE VIEW spans AS SELECT * FROM read_parquet('" + sqlPath(file) + "')");
        }
        deleteTree(staging);
        double seconds = (System.nanoTime() - started) / 1e9;
        long stored;
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT count(*) FROM spans")) {
            rs.next();
            stored = rs.getLong(1);
        }
        return LoadResult.whole(corpus.spanCount(), spans, stored, seconds, seconds, Files.size(file),
                "not a server: written in this JVM from the corpus through Contrail's ParquetSpanWriter in "
                        + pieces + " pieces of " + PIECE_SPANS + " spans, merged by DuckDB into one file; nothing fsynced "
                        + "per request, so its rate is a reference, not an ingest rate");
    }

    @Override
    public QueryOutcome sql(String sql) throws SQLException {
        long started = System.nanoTime();
        long rows = 0;
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                for (int i = 1; i <= columns; i++) {
                    rs.getObject(i);
                }
                rows++;
            }
        }
        return QueryOutcome.timed(System.nanoTime() - started, rows);
    }

    @Override
    public String explainAnalyze(String sql) throws SQLException {
        StringBuilder text = new StringBuilder();
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("EXPLAIN ANALYZE " + sql)) {
            while (rs.next()) {
                text.append(rs.getString(rs.getMetaData().getColumnCount())).append('\n');
            }
        }
        return text.toString();
    }

    /** The one Parquet file, once loaded. */
    public Path file() {
        return file;
    }

    @Override
    public void close() throws SQLException {
        if (connection != null) {
            connection.close();
        }
    }

    static String sqlPath(Path path) {
        return path.toAbsolutePath().toString().replace("'", "''");
    }

    /** Deletes a folder and everything in it; files that vanish meanwhile are no error. */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
