package io.contrail.columnar;

import io.contrail.columnar.SpanChunk.AttributeColumn;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;

import java.util.ArrayList;
import java.util.List;

import static io.contrail.columnar.SpanChunk.K_INT;

/**
 * One attribute key's column in one batch that {@link ChunkBatchBuilder} builds (all spellings differing only
 * in ASCII case): its sources in the chunks, its type and its vector. What a caller must know: {@link #resolve}
 * allocates the vector before {@link #write} fills it, and the vector then belongs to the batch.
 */
final class BatchColumn {

    final String name;
    final boolean resource;
    /** Per part with values for this column, its chunk columns (more than one: keys differing only in case). */
    final List<Source> sources = new ArrayList<>();
    int kinds;
    /** Bytes of the selected values in the chunks (strings: as written), to size the column's text. */
    long bytes;
    /** Selected rows with a value (a key repeated in a span's list counts twice), to rank keys. */
    long spans;
    AttributeType type;
    FieldVector vector;
    VarCharStaging text;

    BatchColumn(String name, boolean resource) {
        this.name = name;
        this.resource = resource;
    }

    record Source(ChunkPart part, List<AttributeColumn> columns) {
    }

    void addSource(ChunkPart part, AttributeColumn column) {
        Source last = sources.isEmpty() ? null : sources.get(sources.size() - 1);
        if (last != null && last.part() == part) {
            last.columns().add(column);
        } else {
            List<AttributeColumn> columns = new ArrayList<>(1);
            columns.add(column);
            sources.add(new Source(part, columns));
        }
    }

    /** Copies the values of every source into the vector; text through {@code staging}, which it then leaves to the next column. */
    void write(RowValues pairs, VarCharStaging staging, int rows) {
        if (vector instanceof VarCharVector) {
            text = staging;
            text.reset((int) Math.min(bytes, Integer.MAX_VALUE - 64));
        }
        for (Source source : sources) {
            ChunkPart part = source.part();
            if (source.columns().size() == 1) {
                AttributeColumn column = source.columns().get(0);
                pairs.collect(part, column, resource, RowValues.NOT_PROMOTED);
                for (int p = 0; p < pairs.count; p++) {
                    set(part.out(pairs.rows[p]), column, pairs.values[p]);
                }
            } else {
                MergedValues merged = new MergedValues(part, source.columns(), resource, RowValues.NOT_PROMOTED);
                for (int p = 0; p < merged.count; p++) {
                    set(part.out(merged.rows[p]), source.columns().get(merged.sources[p]), merged.values[p]);
                }
            }
        }
        if (text != null) {
            text.copyInto((VarCharVector) vector);
            text = null;
        } else {
            vector.setValueCount(rows);
        }
    }

    /** Chooses the column's type from the kinds seen and the shape the files have; returns its vector, allocated. */
    FieldVector resolve(BufferAllocator allocator, AttributeShapes shapes, int rows) {
        type = AttributeType.inFile(name, kinds, shapes);
        vector = type.newVector(name, allocator);
        if (vector instanceof BaseFixedWidthVector fixedWidth) {
            fixedWidth.allocateNew(rows);
        }
        return vector;
    }

    void set(int row, AttributeColumn column, int i) {
        switch (type) {
            case BOOLEAN -> ((BitVector) vector).set(row, column.bits(i) != 0 ? 1 : 0);
            case BIGINT -> ((BigIntVector) vector).set(row, column.bits(i));
            case DOUBLE -> ((Float8Vector) vector).set(row, column.kind(i) == K_INT
                    ? (double) column.bits(i) : Double.longBitsToDouble(column.bits(i)));
            case VARCHAR -> AttributeText.setText(text, row, column, i);
            default -> text.set(row, AttributeText.listJson(column, i));
        }
    }
}
