package io.contrail.columnar;

import io.contrail.columnar.SpanChunk.AttributeColumn;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * Builds an {@link ArrowSpanBatch} from span chunks, column by column: each chunk's attribute
 * column is mapped to the batch's column once, by key, and its values are copied in bulk; text goes
 * through {@link VarCharStaging}. The rows, columns and values are those the span-by-span build of
 * the same spans gives ({@code ArrowSpanBatchChunkTest} holds the two against each other).
 *
 * <p>Where the order of a span's (or resource's) attribute list decides the result — two keys of
 * one column (differing only in ASCII case) or both spellings of a promoted attribute in one span:
 * the later wins; the first seen names the column — the values' {@link AttributeColumn#ordinal}s
 * tell. Single-threaded.
 *
 * <p>The pieces: {@link ChunkPart} (a chunk's selected rows and where they go), {@link AttributeFamily} and
 * {@link BatchColumn} (which chunk columns feed which batch column, and its type), {@link RowValues} and
 * {@link MergedValues} (which value each row keeps), {@link FixedColumnStaging} (the fixed columns),
 * {@link AttributeOverflow} (keys past the bound) and {@link AttributeText} (values as text).
 */
final class ChunkBatchBuilder {

    private final int rowCount;
    private final List<ChunkPart> parts = new ArrayList<>();
    private final AttributeFamily spanFamily = new AttributeFamily(SpanSchema.SPAN_ATTRIBUTE_PREFIX, false);
    private final AttributeFamily resourceFamily = new AttributeFamily(SpanSchema.RESOURCE_ATTRIBUTE_PREFIX, true);
    private final RowValues pairs = new RowValues();

    private ChunkBatchBuilder(List<ChunkRows> chunks) {
        int base = 0;
        for (ChunkRows rows : chunks) {
            ChunkPart part = new ChunkPart(rows, base);
            parts.add(part);
            base += part.size;
        }
        this.rowCount = base;
        int[] order = storedOrder();
        for (ChunkPart part : parts) {
            part.order = order;
        }
    }

    /**
     * Where each selected row goes in the file, by its place in the selection: ordered by service, then span
     * name, then start time, as {@link SpanSchema#STORED_ORDER} says, rows the same in all three kept in
     * selection order.
     */
    private int[] storedOrder() {
        String[] services = new String[rowCount];
        String[] names = new String[rowCount];
        long[] starts = new long[rowCount];
        for (ChunkPart part : parts) {
            SpanChunk chunk = part.chunk;
            ByteColumn spanNames = chunk.names();
            String[] serviceOf = new String[chunk.resourceCount()];
            for (int k = 0; k < part.size; k++) {
                int row = part.rows.row(k);
                int resource = chunk.resourceOf(row);
                String service = serviceOf[resource];
                services[part.base + k] = service != null ? service : (serviceOf[resource] = chunk.serviceName(resource));
                names[part.base + k] = spanNames.string(row);
                starts[part.base + k] = chunk.startTimeUnixNano(row);
            }
        }
        return StoredOrder.rowOf(services, names, starts);
    }

    static ArrowSpanBatch build(BufferAllocator allocator, List<ChunkRows> chunks, AttributeShapes shapes) {
        return new ChunkBatchBuilder(chunks).build(allocator, shapes);
    }

    private ArrowSpanBatch build(BufferAllocator allocator, AttributeShapes shapes) {
        for (ChunkPart part : parts) {
            spanFamily.observe(part);
            resourceFamily.observe(part);
        }
        List<BatchColumn> attributeColumns = new ArrayList<>();
        attributeColumns.addAll(spanFamily.columns());
        attributeColumns.addAll(resourceFamily.columns());
        List<BatchColumn> overflowed = AttributeOverflow.overflowed(attributeColumns, shapes);
        // A set: a flood of keys overflows tens of thousands of columns, and removeAll of a list is quadratic.
        attributeColumns.removeAll(new HashSet<>(overflowed));
        List<FieldVector> vectors = new ArrayList<>();
        try {
            List<FieldVector> fixed = ArrowSpanBatch.storedFixedVectors(allocator);
            vectors.addAll(fixed);
            for (BatchColumn column : attributeColumns) {
                vectors.add(column.resolve(allocator, shapes, rowCount));
            }

            new FixedColumnStaging(fixed, parts, rowCount, pairs).write();
            // Column after column, each from every chunk, through one staging area: a batch has
            // a hundred attribute columns or more, most of them sparse.
            VarCharStaging text = new VarCharStaging(rowCount, 0);
            List<ArrowSpanBatch.TypedColumn> types = new ArrayList<>();
            for (BatchColumn column : attributeColumns) {
                column.write(pairs, text, rowCount);
                types.add(new ArrowSpanBatch.TypedColumn(column.name, column.type));
            }
            for (boolean resource : new boolean[] {false, true}) {
                List<BatchColumn> family = overflowed.stream().filter(c -> c.resource == resource).toList();
                if (!family.isEmpty()) {
                    String name = resource ? SpanSchema.RESOURCE_ATTRIBUTE_OVERFLOW : SpanSchema.SPAN_ATTRIBUTE_OVERFLOW;
                    VarCharVector vector = new VarCharVector(name, allocator);
                    vectors.add(vector);
                    AttributeOverflow.write(family, pairs, text, vector);
                    types.add(new ArrowSpanBatch.TypedColumn(name, AttributeType.OVERFLOW));
                }
            }
            VectorSchemaRoot root = new VectorSchemaRoot(vectors);
            root.setRowCount(rowCount);
            return new ArrowSpanBatch(root, types, overflowed.stream().map(c -> c.name).toList());
        } catch (RuntimeException | Error e) {
            vectors.forEach(FieldVector::close);
            throw e;
        }
    }
}
