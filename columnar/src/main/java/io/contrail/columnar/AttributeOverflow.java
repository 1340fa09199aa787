package io.contrail.columnar;

import io.contrail.columnar.SpanChunk.AttributeColumn;
import org.apache.arrow.vector.VarCharVector;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The overflow columns of a batch ({@link SpanSchema#SPAN_ATTRIBUTE_OVERFLOW},
 * {@link SpanSchema#RESOURCE_ATTRIBUTE_OVERFLOW}): which keys go there instead of a column of their own
 * ({@link #overflowed}) and their values as one JSON object per row ({@link #write}). What a caller must know:
 * only keys new to the files overflow; a key that has a column in some file keeps getting one.
 */
final class AttributeOverflow {

    private AttributeOverflow() {
    }

    /**
     * The columns of {@code columns} whose keys go to the overflow column instead: keys without a column in
     * the table yet ({@link AttributeShapes}) once the table's bound would be passed, those on the fewest
     * spans first (keys on as many spans: the later seen).
     */
    static List<BatchColumn> overflowed(List<BatchColumn> columns, AttributeShapes shapes) {
        List<BatchColumn> fresh = new ArrayList<>();
        for (BatchColumn column : columns) {
            if (shapes.isList(column.name) == null) {
                fresh.add(column);
            }
        }
        int room = Math.max(0, shapes.maxColumns() - shapes.columnCount());
        if (fresh.size() <= room) {
            return List.of();
        }
        fresh.sort(Comparator.comparingLong((BatchColumn c) -> c.spans).reversed());
        return new ArrayList<>(fresh.subList(room, fresh.size()));
    }

    /**
     * Writes the values of the overflowed columns of one family into {@code vector}: per row, a JSON object
     * of its keys and their values as text ({@link AttributeValues#toText}; an unset value as null), which
     * the file stores as a {@code MAP(VARCHAR, VARCHAR)}. Keys differing only in ASCII case stay apart.
     */
    static void write(List<BatchColumn> family, RowValues pairs, VarCharStaging text, VarCharVector vector) {
        List<int[]> entries = new ArrayList<>(); // {row, index in sources, value index}
        List<AttributeColumn> sources = new ArrayList<>();
        for (BatchColumn column : family) {
            boolean resource = column.resource;
            for (BatchColumn.Source source : column.sources) {
                for (AttributeColumn attributes : source.columns()) {
                    sources.add(attributes);
                    pairs.collect(source.part(), attributes, resource, RowValues.NOT_PROMOTED);
                    for (int p = 0; p < pairs.count; p++) {
                        entries.add(new int[] {source.part().out(pairs.rows[p]), sources.size() - 1, pairs.values[p]});
                    }
                }
            }
        }
        entries.sort(Comparator.comparingInt(e -> e[0]));
        text.reset(0);
        for (int at = 0; at < entries.size(); ) {
            int row = entries.get(at)[0];
            int end = at;
            while (end < entries.size() && entries.get(end)[0] == row) {
                end++;
            }
            List<int[]> ofRow = entries.subList(at, end);
            text.set(row, AttributeValues.render(g -> {
                g.writeStartObject();
                for (int[] entry : ofRow) {
                    AttributeColumn column = sources.get(entry[1]);
                    g.writeFieldName(column.key());
                    if (column.kind(entry[2]) == 0) {
                        g.writeNull();
                    } else {
                        g.writeString(AttributeText.textOf(column, entry[2]));
                    }
                }
                g.writeEndObject();
            }));
            at = end;
        }
        text.copyInto(vector);
    }
}
