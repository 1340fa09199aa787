package io.contrail.columnar;

import com.google.protobuf.ByteString;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds an {@link ArrowSpanBatch} span by span from {@link SpanRef}s (protobuf objects): the reference build
 * that the chunk path ({@link ChunkBatchBuilder}) is held to ({@link ParquetSpanWriter#write(List, java.nio.file.Path)},
 * used by the bench and the tests) and the writer's probe; the server's flushes do not come here. It gives the
 * rows, columns and values that {@link ChunkBatchBuilder} gives for the same spans: a change to one is a change
 * to both ({@code ArrowSpanBatchChunkTest}). Single-threaded.
 */
final class SpanRefBatchBuilder {

    private SpanRefBatchBuilder() {
    }

    /**
     * Builds the batch span by span, keeping each attribute column in the shape (list or scalar) {@code shapes}
     * knows: row {@code r} is span {@code spans.get(order[r])}, while columns are named and ordered by the order
     * of {@code spans}, as {@link ArrowSpanBatch#build} does.
     */
    static ArrowSpanBatch build(BufferAllocator allocator, List<SpanRef> spans, int[] order, AttributeShapes shapes) {
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

        List<FieldVector> fixed = ArrowSpanBatch.storedFixedVectors(allocator);
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
        List<ArrowSpanBatch.TypedColumn> types = new ArrayList<>();
        for (AttributeColumn column : attributeColumns) {
            types.add(new ArrowSpanBatch.TypedColumn(column.name, column.type));
        }
        return new ArrowSpanBatch(root, types);
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

        /** Writes {@code id} as lower-case hex, as {@link ArrowSpanBatch#hex} would; nothing for an empty ID. */
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
            set(traceState, row, ArrowSpanBatch.emptyToNull(span.getTraceState()));
            set(serviceName, row, SpanSchema.serviceNameOf(ref.resource()));
            set(name, row, span.getName());
            set(kind, row, SpanSchema.kindName(span.getKindValue()));
            startTime.setSafe(row, span.getStartTimeUnixNano());
            duration.setSafe(row, span.getEndTimeUnixNano() - span.getStartTimeUnixNano());
            set(statusCode, row, SpanSchema.statusName(span.getStatus().getCodeValue()));
            set(statusMessage, row, ArrowSpanBatch.emptyToNull(span.getStatus().getMessage()));
            set(scopeName, row, ArrowSpanBatch.emptyToNull(ref.scope().getName()));
            set(scopeVersion, row, ArrowSpanBatch.emptyToNull(ref.scope().getVersion()));
            for (KeyValue kv : span.getAttributesList()) {
                int p = SpanSchema.promotedColumnIndex(kv.getKey());
                if (p >= 0) {
                    setPromoted(p, row, kv.getValue());
                }
            }
            set(events, row, EventAndLinkJson.eventsJson(span));
            set(links, row, EventAndLinkJson.linksJson(span));
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

    private static void set(VarCharVector vector, int row, String value) {
        if (value != null) {
            vector.setSafe(row, value.getBytes(StandardCharsets.UTF_8));
        }
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
                column.kinds |= OtlpToChunk.kindOf(kv.getValue());
                columns[i] = column;
            }
            return columns;
        }

        List<AttributeColumn> resolve(BufferAllocator allocator, AttributeShapes shapes) {
            List<AttributeColumn> columns = new ArrayList<>(byFoldedName.values());
            for (AttributeColumn column : columns) {
                column.type = AttributeType.inFile(column.name, column.kinds, shapes);
                column.vector = column.type.newVector(column.name, allocator);
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
                case VARCHAR -> SpanRefBatchBuilder.set((VarCharVector) vector, row, AttributeValues.toText(value));
                default -> SpanRefBatchBuilder.set((VarCharVector) vector, row, AttributeText.listJson(value));
            }
        }
    }
}
