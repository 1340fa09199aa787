package io.contrail.columnar;

import com.google.protobuf.ByteString;
import io.contrail.columnar.SpanSchema.Column;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows of one Parquet file as Arrow vectors: the fixed columns of {@link SpanSchema} plus one
 * typed column per attribute key present in these spans.
 *
 * <p>Values that Arrow would need nested vectors for (events, links, array attributes) travel as
 * JSON text and are turned into DuckDB LIST/STRUCT values by {@link #selectList(String)} while the
 * file is written; a span without events (links) has NULL there, written as an empty list. The
 * batch owns its vectors: close it.
 *
 * <p>Built from span chunks ({@link #build}, column by column, {@link ChunkBatchBuilder}) or, until
 * every writer hands over chunks, from {@link SpanRef}s ({@link #fromSpanRefs}, span by span,
 * {@link SpanRefBatchBuilder}); the two give the same rows. This class is the batch's layout: which
 * vectors it has, their types ({@link AttributeType}) and the SQL that stores them.
 */
final class ArrowSpanBatch implements AutoCloseable {

    private static final HexFormat HEX = HexFormat.of();

    private final VectorSchemaRoot root;
    private final List<TypedColumn> attributeColumns;
    private final List<String> overflowedColumns;

    ArrowSpanBatch(VectorSchemaRoot root, List<TypedColumn> attributeColumns) {
        this(root, attributeColumns, List.of());
    }

    ArrowSpanBatch(VectorSchemaRoot root, List<TypedColumn> attributeColumns, List<String> overflowedColumns) {
        this.root = root;
        this.attributeColumns = List.copyOf(attributeColumns);
        this.overflowedColumns = List.copyOf(overflowedColumns);
    }

    /**
     * The attribute columns ({@code attr.<key>}, {@code resource.<key>}) this batch's keys would have had past
     * the bound on attribute columns: their values are in an overflow column instead.
     */
    List<String> overflowedColumns() {
        return overflowedColumns;
    }

    /** An attribute column of a batch and the type its values get in this file. */
    record TypedColumn(String name, AttributeType type) {
    }

    VectorSchemaRoot root() {
        return root;
    }

    int rowCount() {
        return root.getRowCount();
    }

    /** Notes in {@code shapes} the list/scalar shape of each attribute column: call once the file is written. */
    void recordShapes(AttributeShapes shapes) {
        for (TypedColumn column : attributeColumns) {
            if (column.type() != AttributeType.OVERFLOW) {
                shapes.record(column.name(), column.type().isList());
            }
        }
    }

    /**
     * Whether every attribute column of this batch has the shape {@code shapes} knows for it, or a column
     * {@code shapes} does not know yet: false when a file written since this batch was built fixed another
     * shape for one of its columns, or took the room under the bound on attribute columns that the batch's new
     * columns took, and the batch must be built again.
     */
    boolean agreesWith(AttributeShapes shapes) {
        int unknown = 0;
        for (TypedColumn column : attributeColumns) {
            if (column.type() == AttributeType.OVERFLOW) {
                continue;
            }
            Boolean storedAsList = shapes.isList(column.name());
            if (storedAsList == null) {
                unknown++;
            } else if (storedAsList != column.type().isList()) {
                return false;
            }
        }
        // Columns new to the files, counted against the bound as it stood when the batch was built.
        return unknown == 0 || shapes.columnCount() + unknown <= shapes.maxColumns();
    }

    /** Attribute columns of this batch, e.g. {@code attr.http.route → BIGINT}. */
    Map<String, String> attributeColumnTypes() {
        Map<String, String> types = new LinkedHashMap<>();
        for (TypedColumn column : attributeColumns) {
            types.put(column.name(), column.type().sqlType);
        }
        return types;
    }

    /**
     * Builds the batch of the selected rows of span chunks, in order, keeping each attribute column
     * in the shape (list or scalar) {@code shapes} knows. Only keys with a value in a selected row
     * get a column.
     */
    static ArrowSpanBatch build(BufferAllocator allocator, List<ChunkRows> chunks, AttributeShapes shapes) {
        return ChunkBatchBuilder.build(allocator, chunks, shapes);
    }

    /**
     * Builds the batch span by span ({@link SpanRefBatchBuilder}), keeping each attribute column in the shape
     * (list or scalar) {@code shapes} knows: row {@code r} is span {@code spans.get(order[r])}, while columns are
     * named and ordered by the order of {@code spans}, as {@link #build} does.
     */
    static ArrowSpanBatch fromSpanRefs(BufferAllocator allocator, List<SpanRef> spans, int[] order, AttributeShapes shapes) {
        return SpanRefBatchBuilder.build(allocator, spans, order, shapes);
    }

    /** One empty vector per stored fixed column ({@link SpanSchema#STORED_COLUMNS}), in order, as its staging carries it. */
    static List<FieldVector> storedFixedVectors(BufferAllocator allocator) {
        List<FieldVector> vectors = new ArrayList<>();
        for (Column column : SpanSchema.STORED_COLUMNS) {
            vectors.add(switch (column.staging()) {
                case VARCHAR, EVENTS, LINKS -> new VarCharVector(column.name(), allocator);
                case BIGINT, INTEGER, TIMESTAMP_NS -> new BigIntVector(column.name(), allocator);
                case DOUBLE -> new Float8Vector(column.name(), allocator);
            });
        }
        return vectors;
    }

    /** The SELECT list that turns the registered Arrow table {@code source} into rows of a {@link SpanSchema#VERSION} file. */
    String selectList(String source) {
        List<String> expressions = new ArrayList<>();
        for (Column column : SpanSchema.STORED_COLUMNS) {
            String ref = source + "." + SpanSchema.quote(column.name());
            String expression = switch (column.staging()) {
                case VARCHAR, BIGINT, DOUBLE -> ref;
                case INTEGER -> "CAST(" + ref + " AS INTEGER)";
                case TIMESTAMP_NS -> "make_timestamp_ns(" + ref + ")";
                case EVENTS -> "coalesce(list_transform(from_json(" + ref + ", '[{\"t\":\"BIGINT\",\"n\":\"VARCHAR\","
                        + "\"a\":\"JSON\",\"d\":\"INTEGER\"}]'), lambda e: {'time': make_timestamp_ns(e.t), "
                        + "'name': e.n, 'attributes': e.a, 'dropped_attributes_count': e.d}), "
                        + "CAST([] AS " + column.sqlType() + "))";
                case LINKS -> "coalesce(list_transform(from_json(" + ref + ", '[{\"t\":\"VARCHAR\",\"s\":\"VARCHAR\","
                        + "\"ts\":\"VARCHAR\",\"a\":\"JSON\",\"d\":\"INTEGER\"}]'), lambda l: {'trace_id': l.t, "
                        + "'span_id': l.s, 'trace_state': l.ts, 'attributes': l.a, 'dropped_attributes_count': l.d}), "
                        + "CAST([] AS " + column.sqlType() + "))";
            };
            expressions.add(expression + " AS " + SpanSchema.quote(column.name()));
        }
        for (TypedColumn column : attributeColumns) {
            String ref = source + "." + SpanSchema.quote(column.name());
            String expression = column.type().isList()
                    ? "from_json(" + ref + ", '[\"" + column.type().elementType + "\"]')"
                    : column.type() == AttributeType.OVERFLOW ? "CAST(CAST(" + ref + " AS JSON) AS " + column.type().sqlType + ")"
                    : ref;
            expressions.add(expression + " AS " + SpanSchema.quote(column.name()));
        }
        return String.join(",\n  ", expressions);
    }

    @Override
    public void close() {
        root.close();
    }

    /** An ID as its column holds it: lower-case hex, NULL (null) for an empty one. */
    static String hex(ByteString bytes) {
        return bytes.isEmpty() ? null : HEX.formatHex(bytes.toByteArray());
    }

    /** Text as its column holds it: NULL (null) for an empty one. */
    static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

}
