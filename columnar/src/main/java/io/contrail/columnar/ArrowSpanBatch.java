package io.contrail.columnar;

import com.google.protobuf.ByteString;
import io.contrail.columnar.SpanSchema.Column;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;

import java.nio.charset.StandardCharsets;
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
 * every writer hands over chunks, from {@link SpanRef}s ({@link #fromSpanRefs}, span by span); the two
 * give the same rows.
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
     * Builds the batch span by span, keeping each attribute column in the shape (list or scalar) {@code shapes}
     * knows: row {@code r} is span {@code spans.get(order[r])}, while columns are named and ordered by the order
     * of {@code spans}, as {@link #build} does.
     */
    static ArrowSpanBatch fromSpanRefs(BufferAllocator allocator, List<SpanRef> spans, int[] order, AttributeShapes shapes) {
        AttributeColumns spanAttributes = new AttributeColumns(SpanSchema.SPAN_ATTRIBUTE_PREFIX);
        AttributeColumns resourceAttributes = new AttributeColumns(SpanSchema.RESOURCE_ATTRIBUTE_PREFIX);
        // Each row's attribute columns, found once here and used again when the values are set:
        // looking a column up by key was a seventh of the build. Spans of one request share
        // their Resource object, so its columns are looked up once per request.
        AttributeColumn[][] spanColumns = new AttributeColumn[spans.size()][];
        AttributeColumn[][] resourceColumns = new AttributeColumn[spans.size()][];
        Resource lastResource = null;
        AttributeColumn[] lastResourceColumns = null;
        for (int row = 0; row < spans.size(); row++) {
            SpanRef ref = spans.get(row);
            spanColumns[row] = spanAttributes.observe(ref.span().getAttributesList());
            if (ref.resource() != lastResource) {
                lastResource = ref.resource();
                lastResourceColumns = resourceAttributes.observe(lastResource.getAttributesList());
            }
            resourceColumns[row] = lastResourceColumns;
        }

        List<FieldVector> fixed = storedFixedVectors(allocator);
        List<FieldVector> vectors = new ArrayList<>(fixed);
        List<AttributeColumn> attributeColumns = new ArrayList<>();
        attributeColumns.addAll(spanAttributes.resolve(allocator, shapes));
        attributeColumns.addAll(resourceAttributes.resolve(allocator, shapes));
        for (AttributeColumn column : attributeColumns) {
            vectors.add(column.vector);
        }
        for (FieldVector vector : vectors) {
            vector.setInitialCapacity(spans.size());
            vector.allocateNew();
        }

        FixedColumnWriter writer = new FixedColumnWriter(fixed);
        for (int row = 0; row < spans.size(); row++) {
            SpanRef ref = spans.get(order[row]);
            writer.write(row, ref);
            List<KeyValue> attributes = ref.span().getAttributesList();
            AttributeColumn[] columns = spanColumns[order[row]];
            for (int i = 0; i < columns.length; i++) {
                columns[i].set(row, attributes.get(i).getValue());
            }
            List<KeyValue> resource = ref.resource().getAttributesList();
            columns = resourceColumns[order[row]];
            for (int i = 0; i < columns.length; i++) {
                columns[i].set(row, resource.get(i).getValue());
            }
        }
        for (FieldVector vector : vectors) {
            vector.setValueCount(spans.size());
        }
        VectorSchemaRoot root = new VectorSchemaRoot(vectors);
        root.setRowCount(spans.size());
        List<TypedColumn> types = new ArrayList<>();
        for (AttributeColumn column : attributeColumns) {
            types.add(new TypedColumn(column.name, column.type));
        }
        return new ArrowSpanBatch(root, types);
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

    static String hex(ByteString bytes) {
        return bytes.isEmpty() ? null : HEX.formatHex(bytes.toByteArray());
    }

    /** Writes the stored fixed columns of one row; the column order is {@link SpanSchema#STORED_COLUMNS}. */
    private static final class FixedColumnWriter {
        private final VarCharVector traceId, spanId, parentSpanId, traceState, serviceName, name, kind;
        private final BigIntVector startTime, duration;
        private final VarCharVector statusCode, statusMessage, scopeName, scopeVersion;
        /** The vectors of {@link SpanSchema#PROMOTED_COLUMNS}, in order. */
        private final FieldVector[] promoted = new FieldVector[SpanSchema.PROMOTED_COLUMNS.size()];
        private final VarCharVector events, links;
        private final BigIntVector droppedAttributes, droppedEvents, droppedLinks;
        private final Float8Vector sampleWeight;

        FixedColumnWriter(List<FieldVector> v) {
            int i = 0;
            traceId = (VarCharVector) v.get(i++);
            spanId = (VarCharVector) v.get(i++);
            parentSpanId = (VarCharVector) v.get(i++);
            traceState = (VarCharVector) v.get(i++);
            serviceName = (VarCharVector) v.get(i++);
            name = (VarCharVector) v.get(i++);
            kind = (VarCharVector) v.get(i++);
            startTime = (BigIntVector) v.get(i++);
            duration = (BigIntVector) v.get(i++);
            statusCode = (VarCharVector) v.get(i++);
            statusMessage = (VarCharVector) v.get(i++);
            scopeName = (VarCharVector) v.get(i++);
            scopeVersion = (VarCharVector) v.get(i++);
            for (int p = 0; p < promoted.length; p++) {
                promoted[p] = v.get(i++);
                if (!promoted[p].getName().equals(SpanSchema.PROMOTED_COLUMNS.get(p).name())) {
                    throw new IllegalStateException("fixed column writer out of step with SpanSchema.PROMOTED_COLUMNS");
                }
            }
            events = (VarCharVector) v.get(i++);
            links = (VarCharVector) v.get(i++);
            droppedAttributes = (BigIntVector) v.get(i++);
            droppedEvents = (BigIntVector) v.get(i++);
            droppedLinks = (BigIntVector) v.get(i++);
            sampleWeight = (Float8Vector) v.get(i++);
            if (i != SpanSchema.STORED_COLUMNS.size()) {
                throw new IllegalStateException("fixed column writer out of step with SpanSchema.STORED_COLUMNS");
            }
        }

        // Lower-case hex digits as bytes; IDs go straight into the vector without a String in between.
        private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        private byte[] hexScratch = new byte[32];

        /** Writes {@code id} as lower-case hex, as {@link #hex} would; nothing for an empty ID. */
        private void setHex(VarCharVector vector, int row, ByteString id) {
            int size = id.size();
            if (size == 0) {
                return;
            }
            if (hexScratch.length < 2 * size) {
                hexScratch = new byte[2 * size];
            }
            for (int i = 0; i < size; i++) {
                int b = id.byteAt(i) & 0xff;
                hexScratch[2 * i] = HEX_DIGITS[b >>> 4];
                hexScratch[2 * i + 1] = HEX_DIGITS[b & 0xf];
            }
            vector.setSafe(row, hexScratch, 0, 2 * size);
        }

        void write(int row, SpanRef ref) {
            Span span = ref.span();
            setHex(traceId, row, span.getTraceId());
            setHex(spanId, row, span.getSpanId());
            setHex(parentSpanId, row, span.getParentSpanId());
            set(traceState, row, emptyToNull(span.getTraceState()));
            set(serviceName, row, SpanSchema.serviceNameOf(ref.resource()));
            set(name, row, span.getName());
            set(kind, row, SpanSchema.kindName(span.getKindValue()));
            startTime.setSafe(row, span.getStartTimeUnixNano());
            duration.setSafe(row, span.getEndTimeUnixNano() - span.getStartTimeUnixNano());
            set(statusCode, row, SpanSchema.statusName(span.getStatus().getCodeValue()));
            set(statusMessage, row, emptyToNull(span.getStatus().getMessage()));
            set(scopeName, row, emptyToNull(ref.scope().getName()));
            set(scopeVersion, row, emptyToNull(ref.scope().getVersion()));
            for (KeyValue kv : span.getAttributesList()) {
                int p = SpanSchema.promotedColumnIndex(kv.getKey());
                if (p >= 0) {
                    setPromoted(p, row, kv.getValue());
                }
            }
            set(events, row, eventsJson(span));
            set(links, row, linksJson(span));
            droppedAttributes.setSafe(row, span.getDroppedAttributesCount());
            droppedEvents.setSafe(row, span.getDroppedEventsCount());
            droppedLinks.setSafe(row, span.getDroppedLinksCount());
            sampleWeight.setSafe(row, ref.sampleWeight());
        }

        /** Sets promoted column {@code p} from an attribute value, as {@link SpanSchema#PROMOTED_COLUMNS} says. */
        private void setPromoted(int p, int row, AnyValue value) {
            if (SpanSchema.PROMOTED_COLUMNS.get(p).staging() != SpanSchema.Staging.BIGINT) {
                set((VarCharVector) promoted[p], row, AttributeValues.toText(value));
                return;
            }
            Long integer = value.hasIntValue() ? Long.valueOf(value.getIntValue())
                    : value.hasStringValue() ? SpanSchema.promotedInteger(value.getStringValue()) : null;
            if (integer != null) {
                ((BigIntVector) promoted[p]).setSafe(row, integer);
            }
        }
    }

    /** The span's events as the JSON the EVENTS column stages ({@code []} for none). */
    static String eventsJson(Span span) {
        if (span.getEventsCount() == 0) {
            return "[]";
        }
        return AttributeValues.render(g -> {
            g.writeStartArray();
            for (Span.Event event : span.getEventsList()) {
                g.writeStartObject();
                g.writeNumberField("t", event.getTimeUnixNano());
                g.writeStringField("n", event.getName());
                g.writeFieldName("a");
                AttributeValues.writeObject(g, event.getAttributesList());
                g.writeNumberField("d", event.getDroppedAttributesCount());
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    /** The span's links as the JSON the LINKS column stages ({@code []} for none). */
    static String linksJson(Span span) {
        if (span.getLinksCount() == 0) {
            return "[]";
        }
        return AttributeValues.render(g -> {
            g.writeStartArray();
            for (Span.Link link : span.getLinksList()) {
                g.writeStartObject();
                g.writeStringField("t", hex(link.getTraceId()));
                g.writeStringField("s", hex(link.getSpanId()));
                g.writeStringField("ts", emptyToNull(link.getTraceState()));
                g.writeFieldName("a");
                AttributeValues.writeObject(g, link.getAttributesList());
                g.writeNumberField("d", link.getDroppedAttributesCount());
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static void set(VarCharVector vector, int row, String value) {
        if (value != null) {
            vector.setSafe(row, value.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The storage type chosen for one attribute key in one file, from the values seen in it. */
    enum AttributeType {
        BOOLEAN("BOOLEAN", null), BIGINT("BIGINT", null), DOUBLE("DOUBLE", null), VARCHAR("VARCHAR", null),
        BOOLEAN_LIST("BOOLEAN[]", "BOOLEAN"), BIGINT_LIST("BIGINT[]", "BIGINT"),
        DOUBLE_LIST("DOUBLE[]", "DOUBLE"), VARCHAR_LIST("VARCHAR[]", "VARCHAR"),
        /** The overflow column of a family: its JSON object stored as a map of key to value as text. */
        OVERFLOW("MAP(VARCHAR, VARCHAR)", null);

        final String sqlType;
        final String elementType;

        AttributeType(String sqlType, String elementType) {
            this.sqlType = sqlType;
            this.elementType = elementType;
        }

        boolean isList() {
            return elementType != null;
        }
    }

    // Bits for the kinds of value seen under one key.
    private static final int K_BOOL = 1, K_INT = 2, K_DOUBLE = 4, K_STRING = 8,
            K_BOOL_ARRAY = 16, K_INT_ARRAY = 32, K_DOUBLE_ARRAY = 64, K_STRING_ARRAY = 128,
            K_EMPTY_ARRAY = 256, K_OTHER = 512;

    static int kindOf(AnyValue value) {
        return switch (value.getValueCase()) {
            case BOOL_VALUE -> K_BOOL;
            case INT_VALUE -> K_INT;
            case DOUBLE_VALUE -> K_DOUBLE;
            case STRING_VALUE -> K_STRING;
            case ARRAY_VALUE -> arrayKind(value.getArrayValue().getValuesList());
            case VALUE_NOT_SET -> 0;
            default -> K_OTHER;
        };
    }

    private static int arrayKind(List<AnyValue> values) {
        if (values.isEmpty()) {
            return K_EMPTY_ARRAY;
        }
        int elements = 0;
        for (AnyValue value : values) {
            elements |= switch (value.getValueCase()) {
                case BOOL_VALUE -> K_BOOL;
                case INT_VALUE -> K_INT;
                case DOUBLE_VALUE -> K_DOUBLE;
                case STRING_VALUE -> K_STRING;
                default -> K_OTHER;
            };
        }
        if (elements == K_BOOL) {
            return K_BOOL_ARRAY;
        } else if (elements == K_INT) {
            return K_INT_ARRAY;
        } else if ((elements & ~(K_INT | K_DOUBLE)) == 0) {
            return K_DOUBLE_ARRAY;
        } else if (elements == K_STRING) {
            return K_STRING_ARRAY;
        }
        return K_OTHER;
    }

    static AttributeType resolve(int kinds) {
        if (only(kinds, K_BOOL)) {
            return AttributeType.BOOLEAN;
        } else if (only(kinds, K_INT)) {
            return AttributeType.BIGINT;
        } else if (only(kinds, K_INT | K_DOUBLE)) {
            return AttributeType.DOUBLE;
        } else if (only(kinds, K_STRING)) {
            return AttributeType.VARCHAR;
        } else if (only(kinds, K_BOOL_ARRAY | K_EMPTY_ARRAY) && (kinds & K_BOOL_ARRAY) != 0) {
            return AttributeType.BOOLEAN_LIST;
        } else if (only(kinds, K_INT_ARRAY | K_EMPTY_ARRAY) && (kinds & K_INT_ARRAY) != 0) {
            return AttributeType.BIGINT_LIST;
        } else if (only(kinds, K_INT_ARRAY | K_DOUBLE_ARRAY | K_EMPTY_ARRAY) && (kinds & K_DOUBLE_ARRAY) != 0) {
            return AttributeType.DOUBLE_LIST;
        } else if (only(kinds, K_STRING_ARRAY | K_EMPTY_ARRAY)) {
            return AttributeType.VARCHAR_LIST;
        }
        return AttributeType.VARCHAR;
    }

    private static boolean only(int kinds, int allowed) {
        return kinds != 0 && (kinds & ~allowed) == 0;
    }

    /**
     * The attribute columns of one family (span or resource) in one batch. DuckDB column names
     * are case-insensitive for ASCII letters ({@link SpanSchema#foldedColumnName}), so keys
     * differing only in ASCII case share the column of the first seen.
     */
    private static final class AttributeColumns {
        private final String prefix;
        private final Map<String, AttributeColumn> byKey = new LinkedHashMap<>();
        private final Map<String, AttributeColumn> byFoldedName = new LinkedHashMap<>();

        AttributeColumns(String prefix) {
            this.prefix = prefix;
        }

        /** Notes the kinds of these values; returns the column of each, in order. */
        AttributeColumn[] observe(List<KeyValue> attributes) {
            AttributeColumn[] columns = new AttributeColumn[attributes.size()];
            for (int i = 0; i < columns.length; i++) {
                KeyValue kv = attributes.get(i);
                AttributeColumn column = byKey.get(kv.getKey());
                if (column == null) {
                    String name = prefix + kv.getKey();
                    column = byFoldedName.computeIfAbsent(SpanSchema.foldedColumnName(name), n -> new AttributeColumn(name));
                    byKey.put(kv.getKey(), column);
                }
                column.kinds |= kindOf(kv.getValue());
                columns[i] = column;
            }
            return columns;
        }

        List<AttributeColumn> resolve(BufferAllocator allocator, AttributeShapes shapes) {
            List<AttributeColumn> columns = new ArrayList<>(byFoldedName.values());
            for (AttributeColumn column : columns) {
                column.type = ArrowSpanBatch.resolve(column.kinds);
                Boolean storedAsList = shapes.isList(column.name);
                if (storedAsList != null && storedAsList != column.type.isList()) {
                    column.type = storedAsList ? AttributeType.VARCHAR_LIST : AttributeType.VARCHAR;
                }
                column.vector = switch (column.type) {
                    case BOOLEAN -> new BitVector(column.name, allocator);
                    case BIGINT -> new BigIntVector(column.name, allocator);
                    case DOUBLE -> new Float8Vector(column.name, allocator);
                    default -> new VarCharVector(column.name, allocator);
                };
            }
            return columns;
        }
    }

    /** One attribute key's column in one batch. */
    private static final class AttributeColumn {
        final String name;
        int kinds;
        AttributeType type;
        FieldVector vector;

        AttributeColumn(String name) {
            this.name = name;
        }

        void set(int row, AnyValue value) {
            if (value.getValueCase() == AnyValue.ValueCase.VALUE_NOT_SET) {
                return;
            }
            switch (type) {
                case BOOLEAN -> ((BitVector) vector).setSafe(row, value.getBoolValue() ? 1 : 0);
                case BIGINT -> ((BigIntVector) vector).setSafe(row, value.getIntValue());
                case DOUBLE -> ((Float8Vector) vector).setSafe(row,
                        value.hasIntValue() ? (double) value.getIntValue() : value.getDoubleValue());
                case VARCHAR -> ArrowSpanBatch.set((VarCharVector) vector, row, AttributeValues.toText(value));
                default -> ArrowSpanBatch.set((VarCharVector) vector, row, value.hasArrayValue()
                        ? AttributeValues.toJson(value)
                        : AttributeValues.render(g -> {
                            g.writeStartArray();
                            g.writeString(AttributeValues.toText(value));
                            g.writeEndArray();
                        }));
            }
        }
    }
}
