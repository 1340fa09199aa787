package io.contrail.query;

import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.WriteChannel;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.IpcOption;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

import java.io.IOException;
import java.nio.channels.Channels;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The row and byte caps on a user query's answer: how DuckDB cuts the statement ({@link #capped}) and
 * how its cut answer is read, as rows ({@link #rows}) or as Arrow batches ({@link #readArrow}).
 *
 * @param maxRows        rows returned before a result is cut and marked truncated
 * @param maxResultBytes bytes of rows, each counted as its JSON array text, returned before a result is cut
 */
record ResultCaps(long maxRows, long maxResultBytes) {

    /** No cap: the answer streams whole, and is never marked truncated. */
    static final ResultCaps NONE = new ResultCaps(Long.MAX_VALUE, Long.MAX_VALUE);

    static ResultCaps of(SqlRequest.Limit limit) {
        return limit.none() ? NONE : new ResultCaps(limit.maxRows(), limit.maxBytes());
    }

    /** Whether this is {@link #NONE}: the statement runs as written, not {@link #capped}. */
    boolean none() {
        return maxRows == Long.MAX_VALUE && maxResultBytes == Long.MAX_VALUE;
    }

    /**
     * The largest row an answer without a cap ({@link #NONE}) may carry, counted as {@link #capped} counts rows (its
     * JSON array text). A streamed answer has no total, but DuckDB's JDBC driver turns a whole chunk of up to 2,048
     * rows into Java objects at once: this keeps one chunk within 128 MiB of text, whatever the answer's size.
     */
    static final long MAX_STREAMED_ROW_BYTES = 64 * 1024;

    /**
     * {@code select} as it streams without a cap, but failing, with a message that says what to do, at a row larger
     * than {@link #MAX_STREAMED_ROW_BYTES}; the check is a filter, which DuckDB never optimizes away.
     */
    static String rowGuarded(String select) {
        return "SELECT * FROM (\n" + select + "\n) AS contrail_streamed WHERE CASE WHEN strlen(CAST(json_array("
                + "*COLUMNS(*)) AS VARCHAR)) > " + MAX_STREAMED_ROW_BYTES + " THEN error('a row of the answer is larger "
                + "than " + MAX_STREAMED_ROW_BYTES / 1024 + " KiB (as JSON text), the most a streamed answer (CSV, NDJSON, "
                + "Arrow, Flight SQL) carries in a row: select fewer or shorter columns (e.g. left(col, 1000)), or ask for "
                + "JSON, whose pages carry rows up to the answer''s byte cap') ELSE true END";
    }

    /** Names of the columns the capped statement adds after the user's ({@link #capped}). */
    private static final String CUT_COLUMN = "__contrail_cut";
    private static final String TRUNCATED_COLUMN = "__contrail_truncated";

    /**
     * {@code select} cut by DuckDB itself to {@link #maxRows} rows and {@link #maxResultBytes} bytes, so
     * that no more than that ever reaches Java: DuckDB's JDBC driver turns a whole chunk of up to 2,048 rows
     * into Java objects at once, so a cut made while reading would come too late (150 values of 20 MB were
     * 9 GB of heap).
     *
     * <p>Each row's size is the length in bytes of the row as a JSON array ({@code json_array} of its columns, as
     * the HTTP API writes it): one expression, where a size per column cost DuckDB ~0.1 ms per column to bind
     * (a {@code SELECT *} of one trace, 144 columns: 41.8 ms capped that way, 27.9 ms this way, 21.5 ms uncapped).
     * A running sum over the rows in order (a streaming window, which keeps their order) keeps the rows that end
     * within the cap, plus the first row past either cap with its values set to NULL, flagged in {@value #CUT_COLUMN}.
     * Every row also carries {@value #TRUNCATED_COLUMN}, so a reader knows before the first row whether the result
     * was cut. The result's columns are the user's, then those two.
     */
    String capped(String select) {
        // The row count and the sizes of rows past maxRows never matter: one more row shows the cut.
        String rowBytes = "SELECT *, strlen(CAST(json_array(*COLUMNS(*)) AS VARCHAR)) AS __contrail_row_bytes FROM (\n"
                + select + "\n) AS contrail_result LIMIT " + (maxRows == Long.MAX_VALUE ? maxRows : maxRows + 1);
        return "SELECT CASE WHEN NOT " + CUT_COLUMN + " THEN COLUMNS(* EXCLUDE (__contrail_row_bytes, "
                + "__contrail_bytes, __contrail_row, " + CUT_COLUMN + ")) END, " + CUT_COLUMN + ", bool_or("
                + CUT_COLUMN + ") OVER () AS " + TRUNCATED_COLUMN + "\nFROM (SELECT *, __contrail_row > "
                + maxRows + " OR __contrail_bytes > " + maxResultBytes + " AS " + CUT_COLUMN
                + "\nFROM (SELECT *, sum(__contrail_row_bytes) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) "
                + "AS __contrail_bytes, row_number() OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS __contrail_row"
                + "\nFROM (\n" + rowBytes + "\n)) WHERE __contrail_bytes - __contrail_row_bytes <= " + maxResultBytes + ")";
    }

    /**
     * The answer in {@code rs} as {@link QueryEngine.Rows}: the user's columns only; {@code capped} when the
     * statement was {@link #capped} (else only the row cap is applied, while reading).
     */
    QueryEngine.Rows rows(ResultSet rs, boolean capped, Runnable rowsFlow) throws SQLException {
        return new CappedRows(rs, capped, rowsFlow);
    }

    /**
     * Hands the user's columns of the answer {@code reader} reads to {@code batches}, leaving out the trailing flag
     * columns and the cut row of a {@code capped} one; {@link QueryEngine.ArrowBatches#start} is called once it is
     * known whether the answer was cut. Times are instants: DuckDB's timestamps without a time zone, which
     * Contrail's are (UTC), are declared timestamps of the zone {@value #UTC} in the schema, so that pandas and
     * Arrow readers see UTC times, not local ones ({@link #inUtc}); the batches' buffers are the same either way.
     */
    void readArrow(ArrowReader reader, boolean capped, QueryEngine.ArrowBatches batches, Runnable rowsFlow)
            throws IOException {
        VectorSchemaRoot root = reader.getVectorSchemaRoot();
        List<FieldVector> vectors = root.getFieldVectors();
        int count = vectors.size() - (capped ? 2 : 0);
        boolean loaded = reader.loadNextBatch();
        rowsFlow.run();
        boolean truncated = capped && loaded && root.getRowCount() > 0
                && ((BitVector) vectors.get(count + 1)).getObject(0) == Boolean.TRUE;
        // Not closed: it shares the reader's vectors, which the reader closes.
        VectorSchemaRoot user = new VectorSchemaRoot(vectors.subList(0, count));
        batches.start(new Schema(user.getSchema().getFields().stream().map(ResultCaps::inUtc).toList()), truncated);
        long written = 0;
        VectorUnloader unloader = new VectorUnloader(user);
        for (; loaded; loaded = reader.loadNextBatch()) {
            int rows = root.getRowCount();
            if (capped) {
                BitVector cut = (BitVector) vectors.get(count);
                while (rows > 0 && cut.getObject(rows - 1) == Boolean.TRUE) {
                    rows--;
                }
            } else {
                rows = (int) Math.min(rows, maxRows - written);
            }
            user.setRowCount(rows);
            if (rows > 0) {
                try (ArrowRecordBatch batch = unloader.getRecordBatch()) {
                    batches.batch(batch);
                }
                written += rows;
            }
            if (!capped && written >= maxRows) {
                break;
            }
        }
        batches.end();
    }

    /** An Arrow IPC stream written to {@code output}, opened once it is known whether the answer was cut. */
    static QueryEngine.ArrowBatches ipcStream(QueryEngine.ArrowOutput output) {
        return new QueryEngine.ArrowBatches() {
            private WriteChannel channel;

            @Override
            public void start(Schema schema, boolean truncated) throws IOException {
                channel = new WriteChannel(Channels.newChannel(output.open(truncated)));
                MessageSerializer.serialize(channel, schema, IpcOption.DEFAULT);
            }

            @Override
            public void batch(ArrowRecordBatch batch) throws IOException {
                MessageSerializer.serialize(channel, batch, IpcOption.DEFAULT);
            }

            @Override
            public void end() throws IOException {
                ArrowStreamWriter.writeEndOfStream(channel, IpcOption.DEFAULT);
                channel.close();
            }
        };
    }

    /** The zone of the times an Arrow answer carries. */
    static final String UTC = "UTC";

    /** {@code field} with every timestamp without a time zone in it (also inside lists and structs) made {@value #UTC}. */
    static Field inUtc(Field field) {
        ArrowType type = field.getType();
        if (type instanceof ArrowType.Timestamp timestamp && timestamp.getTimezone() == null) {
            type = new ArrowType.Timestamp(timestamp.getUnit(), UTC);
        }
        List<Field> children = field.getChildren().stream().map(ResultCaps::inUtc).toList();
        FieldType fieldType = field.getFieldType();
        return new Field(field.getName(), new FieldType(fieldType.isNullable(), type, fieldType.getDictionary(),
                fieldType.getMetadata()), children);
    }

    /** {@link QueryEngine.Rows} over a JDBC result, the truncated flag read ahead from the first row. */
    private final class CappedRows implements QueryEngine.Rows {
        private final ResultSet rs;
        private final List<QueryResult.Column> columns = new ArrayList<>();
        private final boolean capped;
        private boolean truncated;
        /** Whether {@link #rs} is on a row not yet returned (read ahead for the truncated flag). */
        private boolean pending;
        private boolean done;
        private long returned;

        /**
         * Reads the first row ahead: whether the answer was cut is known before any row is handed on, and a statement
         * failing in its first rows fails here, before its reader has written anything.
         */
        CappedRows(ResultSet rs, boolean capped, Runnable rowsFlow) throws SQLException {
            this.rs = rs;
            this.capped = capped;
            ResultSetMetaData meta = rs.getMetaData();
            int count = meta.getColumnCount() - (capped ? 2 : 0);
            for (int i = 1; i <= count; i++) {
                columns.add(new QueryResult.Column(meta.getColumnName(i), meta.getColumnTypeName(i)));
            }
            pending = rs.next();
            truncated = capped && pending && rs.getBoolean(count + 2);
            rowsFlow.run();
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
                if (capped ? rs.getBoolean(count + 1) : returned >= maxRows) {
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
}
