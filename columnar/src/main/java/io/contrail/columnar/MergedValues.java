package io.contrail.columnar;

import io.contrail.columnar.SpanChunk.AttributeColumn;

import java.util.Arrays;
import java.util.List;

/**
 * Several chunk columns feeding one batch column in one part (keys differing only in ASCII case, or the
 * spellings of a promoted attribute), merged into one row order; where two hold a value for the same row, the
 * key later in that row's attribute list wins. What a caller must know: it allocates its arrays per use, so it
 * is for the rare column with several sources ({@link RowValues} serves the single ones).
 */
final class MergedValues {

    int count;
    int[] rows;
    int[] sources;
    int[] values;

    MergedValues(ChunkPart part, List<AttributeColumn> columns, boolean resource, int promoted) {
        if (columns.size() > 0xff) {
            throw new IllegalArgumentException(columns.size() + " keys for one column");
        }
        RowValues scratch = new RowValues();
        int total = 0;
        int[][] rowsOf = new int[columns.size()][];
        int[][] valuesOf = new int[columns.size()][];
        for (int c = 0; c < columns.size(); c++) {
            scratch.collect(part, columns.get(c), resource, promoted);
            rowsOf[c] = Arrays.copyOf(scratch.rows, scratch.count);
            valuesOf[c] = Arrays.copyOf(scratch.values, scratch.count);
            total += scratch.count;
        }
        long[] keyed = new long[total];
        int n = 0;
        for (int c = 0; c < columns.size(); c++) {
            for (int i = 0; i < rowsOf[c].length; i++) {
                keyed[n++] = (long) rowsOf[c][i] << 32 | (long) c << 24 | i;
            }
        }
        Arrays.sort(keyed);
        rows = new int[total];
        sources = new int[total];
        values = new int[total];
        for (int at = 0; at < total; ) {
            int row = (int) (keyed[at] >>> 32);
            int end = at + 1;
            while (end < total && (int) (keyed[end] >>> 32) == row) {
                end++;
            }
            // The value later in the row's attribute list wins.
            int source = -1;
            int index = -1;
            for (int j = at; j < end; j++) {
                int c = (int) (keyed[j] >>> 24) & 0xff;
                int i = (int) keyed[j] & 0xffffff;
                if (source < 0 || columns.get(c).ordinal(valuesOf[c][i]) > columns.get(source).ordinal(valuesOf[source][index])) {
                    source = c;
                    index = i;
                }
            }
            rows[count] = row;
            sources[count] = source;
            values[count] = valuesOf[source][index];
            count++;
            at = end;
        }
    }
}
