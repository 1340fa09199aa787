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
 * Writes spans into one Parquet file (schema {@link SpanSchema#VERSION}, ZSTD, rows in {@link SpanSchema#STORED_ORDER})
 * through Arrow and DuckDB's {@code COPY},
 * which measured fastest of the writers compared (DESIGN.md). The file is written under a temp
 * name, fsynced and renamed into place. Not thread-safe: one thread writes ({@link #prepare} may run on another).
 */
public final class ParquetSpanWriter implements AutoCloseable {

    private static final String STAGED = "contrail_staged_spans";
    /**
     * In a flush file, a column with more distinct values than this is written plain, not dictionary
     * encoded. DuckDB's writer sizes each text column's dictionary table for its limit whether or not the
     * column needs it, and its default limit made that sizing a fifth of the flusher's CPU on the bench's
     * ~150 mostly sparse columns; at 1,000 the files came out the same size (bench/results/server-cpu/).
     * DuckDB writes a bloom filter only for a dictionary-encoded column, so a flush file's {@code trace_id}
     * has none: a flush file is one row group (at most {@link StoreConfig.Writes#DEFAULT_MAX_FILE_SPANS}
     * spans, below DuckDB's row-group size), which a trace lookup reads whole once the trace-ID index has
     * named the file. A merge gives every row group one: DuckDB's default limit when it re-encodes
     * ({@link #merge}), a filter built from the row group's trace IDs when it copies ({@link RowGroupCopy}).
     */
    private static final int DICTIONARY_SIZE_LIMIT = 1_000;
    /**
     * Every flush file is written with these: ZSTD, the flush's dictionary limit, Parquet's v2 encodings (5%
     * fewer bytes for no more CPU, and scans ~10% faster; a merge that copies row groups keeps them as
     * flushed: bench/results/flush-copy/), and the schema version in the key/value metadata.
     */
    private static final String COPY_OPTIONS = "FORMAT parquet, COMPRESSION zstd, DICTIONARY_SIZE_LIMIT " + DICTIONARY_SIZE_LIMIT + ", "
            + "PARQUET_VERSION V2, KV_METADATA {'" + SpanSchema.VERSION_METADATA_KEY + "': '" + SpanSchema.VERSION + "'}";

    /** The span {@link #canWrite} writes: no attributes, events or links, at the Unix epoch. */
    private static final SpanRef PROBE_SPAN = new SpanRef(
            io.opentelemetry.proto.resource.v1.Resource.getDefaultInstance(),
            io.opentelemetry.proto.common.v1.InstrumentationScope.getDefaultInstance(),
            io.opentelemetry.proto.trace.v1.Span.newBuilder()
                    .setTraceId(com.google.protobuf.ByteString.copyFrom(new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}))
                    .setSpanId(com.google.protobuf.ByteString.copyFrom(new byte[] {1, 0, 0, 0, 0, 0, 0, 0}))
                    .setName("contrail write probe").build());

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ParquetSpanWriter.class);

    private final BufferAllocator allocator;
    private final DuckDBConnection connection;
    private final java.util.concurrent.atomic.AtomicLong keysOverflowed = new java.util.concurrent.atomic.AtomicLong();
    private final AttributeShapes shapes;
    private final Path dataRoot;

    /**
     * A writer for files under {@code layout}, keeping attribute shapes consistent with the files there, and at
     * most {@link StoreConfig.Writes#DEFAULT_MAX_ATTRIBUTE_COLUMNS} attribute columns.
     */
    public ParquetSpanWriter(BufferAllocator allocator, int threads, DataLayout layout) throws SQLException, IOException {
        this(allocator, threads, layout, StoreConfig.Writes.DEFAULT_MAX_ATTRIBUTE_COLUMNS);
    }

    /** A writer whose files have at most {@code maxAttributeColumns} attribute columns in all. */
    public ParquetSpanWriter(BufferAllocator allocator, int threads, DataLayout layout, int maxAttributeColumns)
            throws SQLException, IOException {
        this.allocator = allocator;
        this.connection = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET threads = " + Math.max(1, threads));
        }
        this.shapes = AttributeShapes.load(connection, layout.spanFiles(), layout.spansGlob(), maxAttributeColumns);
        this.dataRoot = layout.root();
    }

    /**
     * Writes {@code spans} to {@code target} and returns the file's size in bytes, span by span: the reference
     * build the chunk path ({@link #writeRows}, what the server writes) is held to, used by the bench and the
     * tests. It does not bound the attribute columns.
     */
    public long write(List<SpanRef> spans, Path target) throws IOException {
        int[] order = storedOrder(spans);
        return write(spans.size(), a -> ArrowSpanBatch.fromSpanRefs(a, spans, order, shapes), TraceIdIndex.keysOf(spans),
                target);
    }

    /** Which span is each row of a file of {@code spans}, in {@link SpanSchema#STORED_ORDER}, as {@link #writeRows} orders chunk rows. */
    private static int[] storedOrder(List<SpanRef> spans) {
        int n = spans.size();
        String[] services = new String[n];
        String[] names = new String[n];
        long[] starts = new long[n];
        for (int i = 0; i < n; i++) {
            services[i] = SpanSchema.serviceNameOf(spans.get(i).resource());
            names[i] = spans.get(i).span().getName();
            starts[i] = spans.get(i).span().getStartTimeUnixNano();
        }
        int[] rowOf = StoredOrder.rowOf(services, names, starts);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[rowOf[i]] = i;
        }
        return order;
    }

    /**
     * Writes the selected rows of {@code chunks}, in order, to {@code target} and returns the file's
     * size in bytes: the same file {@link #write} makes of the same spans, built column by column.
     */
    public long writeRows(List<ChunkRows> chunks, Path target) throws IOException {
        return write(SpanBatches.spanCount(chunks), a -> ArrowSpanBatch.build(a, chunks, shapes), traceIdKeysOf(chunks),
                target);
    }

    /**
     * The rows of one file with their Arrow batch and trace-ID keys already built, to be written later by
     * {@link #write(Prepared, Path)}: the flusher builds the next flush's batches while the previous flush is
     * being written (building is about a third of a flush's CPU). Close it if it is not written.
     */
    static final class Prepared implements AutoCloseable {
        private final List<ChunkRows> rows;
        private final ArrowSpanBatch batch;
        private final long[] traceIdKeys;

        private Prepared(List<ChunkRows> rows, ArrowSpanBatch batch, long[] traceIdKeys) {
            this.rows = rows;
            this.batch = batch;
            this.traceIdKeys = traceIdKeys;
        }

        @Override
        public void close() {
            batch.close();
        }
    }

    /**
     * Builds the Arrow batch and trace-ID keys of {@code chunks} for {@link #write(Prepared, Path)}. It may
     * run on another thread than the writes, beside one: it reads the attribute shapes known so far and
     * changes nothing of this writer.
     *
     * @throws RuntimeException when the rows cannot be turned into Arrow vectors; {@link #writeRows} then
     *                          tells whether these spans are at fault
     */
    Prepared prepare(List<ChunkRows> chunks) {
        long[] keys = traceIdKeysOf(chunks);
        return new Prepared(chunks, ArrowSpanBatch.build(allocator, chunks, shapes), keys);
    }

    /**
     * Writes a prepared batch to {@code target}, as {@link #writeRows} would write its rows, and closes it.
     * A batch built before a write that fixed another shape for one of its attribute columns is built again.
     */
    long write(Prepared prepared, Path target) throws IOException {
        if (!prepared.batch.agreesWith(shapes)) {
            prepared.close();
            return writeRows(prepared.rows, target);
        }
        try {
            return write(SpanBatches.spanCount(prepared.rows), a -> prepared.batch, prepared.traceIdKeys, target);
        } finally {
            prepared.close();
        }
    }

    /** The sorted distinct trace-ID keys of the selected rows, as {@link TraceIdIndex#keysOf} gives them. */
    private static long[] traceIdKeysOf(List<ChunkRows> chunks) {
        long[] keys = new long[Math.toIntExact(SpanBatches.spanCount(chunks))];
        int count = 0;
        for (ChunkRows rows : chunks) {
            ByteColumn ids = rows.chunk().traceIds();
            byte[] data = ids.data();
            for (int i = 0; i < rows.size(); i++) {
                int row = rows.row(i);
                if (ids.length(row) >= 8) {
                    int at = ids.end(row) - 8;
                    long key = 0;
                    for (int b = 0; b < 8; b++) {
                        key = key << 8 | (data[at + b] & 0xff);
                    }
                    keys[count++] = key;
                }
            }
        }
        return java.util.Arrays.stream(keys, 0, count).sorted().distinct().toArray();
    }

    /** Builds a batch with the given allocator; the writer's one place where rows become Arrow vectors. */
    private interface BatchSource {
        ArrowSpanBatch build(BufferAllocator allocator);
    }

    private long write(long spans, BatchSource source, long[] traceIdKeys, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        Path temp = DataLayout.tempFor(target);
        try {
            copy(source, shapes, temp);
        } catch (SQLException | RuntimeException e) {
            Files.deleteIfExists(temp);
            String message = "writing " + spans + " spans to " + relative(target) + " failed: "
                    + withoutDataPath(e.getMessage() == null ? e.toString() : e.getMessage());
            // DuckDB's "IO Error"s are about the disk or the folder; any other failure of the COPY (a parser,
            // binder or conversion error), or a RuntimeException turning the spans into Arrow vectors, may be
            // about these spans.
            boolean io = e instanceof SQLException && String.valueOf(e.getMessage()).startsWith("IO Error");
            throw io ? new IOException(message, e) : new SpansNotWritableException(message, e);
        }
        // The sidecar first: a reader that finds the span file finds its trace-ID keys (a crash in between
        // leaves an orphan sidecar, deleted on start).
        try {
            TraceIdIndex.writeSidecar(target, traceIdKeys);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        Durability.publish(temp, target);
        return Files.size(target);
    }

    /**
     * {@link #write} failed in a way that may be caused by the spans themselves rather than by the
     * disk or the folder; {@link #canWrite} tells which.
     */
    static final class SpansNotWritableException extends IOException {
        private static final long serialVersionUID = 1L;

        SpansNotWritableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Writes the batch of {@code source} to the Parquet file {@code temp}; {@code shapes} is told the shapes written. */
    private void copy(BatchSource source, AttributeShapes shapes, Path temp) throws SQLException, IOException {
        try (ArrowSpanBatch batch = source.build(allocator);
             ArrowArrayStream stream = ArrowArrayStream.allocateNew(allocator);
             SingleBatchReader reader = new SingleBatchReader(allocator, batch.root())) {
            Data.exportArrayStream(allocator, reader, stream);
            connection.registerArrowStream(STAGED, stream);
            String sql = "COPY (SELECT\n  " + batch.selectList(STAGED) + "\nFROM " + STAGED + ") TO '"
                    + temp.toString().replace("'", "''") + "' (" + COPY_OPTIONS + ")";
            try (Statement statement = connection.createStatement()) {
                statement.execute(sql);
            }
            // Only a written file fixes a column's shape: a batch that failed must not decide it.
            batch.recordShapes(shapes);
            List<String> overflowed = batch.overflowedColumns();
            if (!overflowed.isEmpty()) {
                keysOverflowed.addAndGet(overflowed.size());
                LOG.warn("{} attribute keys of {} spans got no column of their own: the files have {} attribute columns, "
                        + "the bound (--max-attribute-columns), so their values went to {} and {} (e.g. {}). An "
                        + "application that puts IDs into attribute keys does this; put them into values instead",
                        overflowed.size(), batch.rowCount(), shapes.columnCount(), SpanSchema.SPAN_ATTRIBUTE_OVERFLOW,
                        SpanSchema.RESOURCE_ATTRIBUTE_OVERFLOW, String.join(", ", overflowed.subList(0, Math.min(5, overflowed.size()))));
            }
        }
    }

    /**
     * Whether a file can be written into {@code dir} now: writes one plain span there under a temp
     * name, the way {@link #write} would, and deletes it. After a failed {@link #write}, true says
     * the spans were the problem, false the folder, the disk or DuckDB.
     */
    boolean canWrite(Path dir) {
        Path temp = DataLayout.tempFor(dir.resolve("contrail-write-probe" + DataLayout.PARQUET_SUFFIX));
        try {
            Files.createDirectories(dir);
            AttributeShapes probeShapes = new AttributeShapes();
            copy(a -> ArrowSpanBatch.fromSpanRefs(a, List.of(PROBE_SPAN), new int[] {0}, probeShapes), probeShapes, temp);
            Durability.fsyncFile(temp);
            return true;
        } catch (IOException | SQLException | RuntimeException e) {
            return false;
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // An abandoned temp file is deleted on the next start.
            }
        }
    }

    /** DuckDB's message with the data folder's absolute path taken out: messages reach /health. */
    private String withoutDataPath(String message) {
        return message.replace(dataRoot + java.io.File.separator, "");
    }

    /** A path for a message: relative to the data folder, never the server's absolute path. */
    private String relative(Path path) {
        return path.startsWith(dataRoot) ? dataRoot.relativize(path).toString() : path.getFileName().toString();
    }

    /**
     * Merges span files into {@code temp} with the options of {@link #write} but DuckDB's default dictionary
     * limit (a merged file keeps its bloom filters, see {@link #DICTIONARY_SIZE_LIMIT}), rows in the order of
     * {@code inputs}, each file's as written, in row groups of {@code rowGroupSpans}, with {@code metadata}
     * added to the key/value metadata: the merge of files {@link RowGroupCopy} cannot copy. Columns
     * are unified by name, as the {@code spans} view does, and written as {@link SpanSchema#VERSION} stores them
     * (inputs of an older version, {@code outdated}, hold more); the inputs already agree on each attribute's
     * list/scalar shape ({@link AttributeShapes}), so the union cannot fail. The caller publishes {@code temp}.
     */
    static void merge(Connection duckdb, List<Path> inputs, Path temp, int rowGroupSpans,
                      java.util.Map<String, String> metadata, boolean outdated) throws SQLException {
        String files = inputs.stream().map(ParquetSpanWriter::quoted).collect(java.util.stream.Collectors.joining(", "));
        StringBuilder keyValues = new StringBuilder(quoted(SpanSchema.VERSION_METADATA_KEY) + ": "
                + quoted(String.valueOf(SpanSchema.VERSION)));
        metadata.forEach((key, value) -> keyValues.append(", ").append(quoted(key)).append(": ").append(quoted(value)));
        String sql = "COPY (SELECT " + SpanSchema.writerSelectList(outdated) + " FROM read_parquet([" + files
                + "], union_by_name = true, hive_partitioning = false)"
                + ") TO " + quoted(temp)
                + " (FORMAT parquet, COMPRESSION zstd, KV_METADATA {" + keyValues + "}, PARQUET_VERSION V2, ROW_GROUP_SIZE "
                + rowGroupSpans + ")";
        try (Statement statement = duckdb.createStatement()) {
            statement.execute(sql);
        }
    }

    private static String quoted(Object text) {
        return "'" + text.toString().replace("'", "''") + "'";
    }

    /** Attribute keys written to an overflow column since start, once per file that holds one. */
    long keysOverflowed() {
        return keysOverflowed.get();
    }

    /** The attribute columns the files have, and their bound. */
    int attributeColumns() {
        return shapes.columnCount();
    }

    int maxAttributeColumns() {
        return shapes.maxColumns();
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
