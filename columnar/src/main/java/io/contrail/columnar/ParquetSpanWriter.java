package io.contrail.columnar;

import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.duckdb.DuckDBConnection;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes spans into one Parquet file (schema v1, ZSTD) through Arrow and DuckDB's {@code COPY},
 * which measured fastest of the writers compared (DESIGN.md). The file is written under a temp
 * name, fsynced and renamed into place. Not thread-safe: one writer per flushing thread.
 */
public final class ParquetSpanWriter implements AutoCloseable {

    private static final String STAGED = "contrail_staged_spans";
    /** Every span file is written with these: ZSTD, and the schema version in the key/value metadata. */
    private static final String COPY_OPTIONS = "FORMAT parquet, COMPRESSION zstd, "
            + "KV_METADATA {'" + SpanSchema.VERSION_METADATA_KEY + "': '" + SpanSchema.VERSION + "'}";

    private final BufferAllocator allocator;
    private final DuckDBConnection connection;
    private final AttributeShapes shapes;

    /** A writer for files under {@code layout}, keeping attribute shapes consistent with the files there. */
    public ParquetSpanWriter(BufferAllocator allocator, int threads, DataLayout layout) throws SQLException, IOException {
        this.allocator = allocator;
        this.connection = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET threads = " + Math.max(1, threads));
        }
        this.shapes = AttributeShapes.load(connection, layout.spanFiles(), layout.spansGlob());
    }

    /** Writes {@code spans} to {@code target} and returns the file's size in bytes. */
    public long write(List<SpanRef> spans, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        Path temp = DataLayout.tempFor(target);
        try (ArrowSpanBatch batch = ArrowSpanBatch.build(allocator, spans, shapes);
             ArrowArrayStream stream = ArrowArrayStream.allocateNew(allocator);
             SingleBatchReader reader = new SingleBatchReader(allocator, batch.root())) {
            Data.exportArrayStream(allocator, reader, stream);
            connection.registerArrowStream(STAGED, stream);
            String sql = "COPY (SELECT\n  " + batch.selectList(STAGED) + "\nFROM " + STAGED + ") TO '"
                    + temp.toString().replace("'", "''") + "' (" + COPY_OPTIONS + ")";
            try (Statement statement = connection.createStatement()) {
                statement.execute(sql);
            }
        } catch (SQLException e) {
            Files.deleteIfExists(temp);
            throw new IOException("writing " + spans.size() + " spans to " + target + " failed: " + e.getMessage(), e);
        }
        // The sidecar first: a reader that finds the span file finds its trace-ID keys (a crash in between
        // leaves an orphan sidecar, deleted on start).
        try {
            TraceIdIndex.writeSidecar(target, TraceIdIndex.keysOf(spans));
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        Durability.publish(temp, target);
        return Files.size(target);
    }

    /**
     * Merges span files into {@code temp} with the same options as {@link #write} plus Parquet's v2
     * encodings (4% fewer bytes, 8% more time to write, bench/results/trace-lookup.md; the flush,
     * which bounds ingest, keeps v1), rows ordered by {@code orderBy}, in row groups of {@code rowGroupSpans}. Columns are unified by name, as the
     * {@code spans} view does; the inputs already agree on each attribute's list/scalar shape
     * ({@link AttributeShapes}), so the union cannot fail. The caller publishes {@code temp}.
     */
    static void merge(Connection duckdb, List<Path> inputs, Path temp, String orderBy, int rowGroupSpans)
            throws SQLException {
        String files = inputs.stream().map(p -> "'" + p.toString().replace("'", "''") + "'")
                .collect(java.util.stream.Collectors.joining(", "));
        String sql = "COPY (SELECT * FROM read_parquet([" + files + "], union_by_name = true, hive_partitioning = false)"
                + " ORDER BY " + orderBy + ") TO '" + temp.toString().replace("'", "''") + "' (" + COPY_OPTIONS
                + ", PARQUET_VERSION V2, ROW_GROUP_SIZE " + rowGroupSpans + ")";
        try (Statement statement = duckdb.createStatement()) {
            statement.execute(sql);
        }
    }

    /** Which of {@code keys} ({@link WrittenSpans#key}) the given span files already hold. */
    Set<String> writtenAmong(List<Path> files, Set<String> keys) throws IOException {
        StringBuilder list = new StringBuilder();
        for (Path file : files) {
            list.append(list.isEmpty() ? "" : ", ").append('\'').append(file.toString().replace("'", "''")).append('\'');
        }
        Set<String> written = new HashSet<>();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT trace_id, span_id, kind FROM read_parquet(["
                     + list + "], union_by_name = true)")) {
            while (rows.next()) {
                String key = WrittenSpans.key(rows.getString(1), rows.getString(2), rows.getString(3));
                if (keys.contains(key)) {
                    written.add(key);
                }
            }
        } catch (SQLException e) {
            throw new IOException("reading span IDs from " + files.size() + " files for recovery: " + e.getMessage(), e);
        }
        return written;
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
