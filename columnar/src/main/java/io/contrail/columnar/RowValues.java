package io.contrail.columnar;

import io.contrail.columnar.SpanChunk.AttributeColumn;

import java.util.Arrays;

import static io.contrail.columnar.SpanChunk.K_INT;
import static io.contrail.columnar.SpanChunk.K_STRING;

/**
 * (local row, value index) pairs of one chunk column, ascending by row, one per row: the value that row keeps
 * ({@link #collect}); with the rule of which values set a promoted column. Reused from column to column: what
 * a caller must know is that each {@link #collect} overwrites the pairs of the last. Single-threaded.
 */
final class RowValues {

    /** What {@link RowValues#collect} is given for a column that is not promoted. */
    static final int NOT_PROMOTED = -1;

    /**
     * Whether value {@code i} of {@code column} sets promoted column {@code promoted} (an index into
     * {@link SpanSchema#PROMOTED_COLUMNS}): any value for text (an unset one as "null"), an integer or a string
     * that reads as one for a BIGINT column.
     */
    private static boolean promotes(int promoted, int kind, AttributeColumn column, int i) {
        return !promotedInteger(promoted) || kind == K_INT || (kind == K_STRING && AttributeText.parsedInteger(column, i) != null);
    }

    static boolean promotedInteger(int promoted) {
        return SpanSchema.PROMOTED_COLUMNS.get(promoted).staging() == SpanSchema.Staging.BIGINT;
    }

    int count;
    int[] rows = new int[64];
    int[] values = new int[64];

    void clear() {
        count = 0;
    }

    /** Adds a pair; a pair for the last row replaces it (the later value wins). */
    void add(int row, int value) {
        if (count > 0 && rows[count - 1] == row) {
            values[count - 1] = value;
            return;
        }
        if (count == rows.length) {
            rows = Arrays.copyOf(rows, count * 2);
            values = Arrays.copyOf(values, count * 2);
        }
        rows[count] = row;
        values[count] = value;
        count++;
    }

    /** Orders pairs added out of row order by row, keeping for each row the last added. */
    void sortByRow() {
        long[] keyed = new long[count];
        for (int i = 0; i < count; i++) {
            keyed[i] = (long) rows[i] << 32 | i;
        }
        Arrays.sort(keyed);
        int[] oldValues = Arrays.copyOf(values, count);
        count = 0;
        for (long key : keyed) {
            add((int) (key >>> 32), oldValues[(int) key]);
        }
    }

    /**
     * Fills this with the values of {@code column} that {@code part}'s rows keep: for promoted column
     * {@code promoted} (else {@link #NOT_PROMOTED}), those that set it.
     */
    void collect(ChunkPart part, AttributeColumn column, boolean resource, int promoted) {
        clear();
        int size = column.size();
        if (resource) {
            // Per resource the value it keeps, then every selected row of that resource.
            int[] valueOf = new int[part.chunk.resourceCount()];
            Arrays.fill(valueOf, -1);
            for (int i = 0; i < size; i++) {
                if (column.kind(i) != 0) {
                    valueOf[column.owner(i)] = i;
                }
            }
            for (int k = 0; k < part.size; k++) {
                int value = valueOf[part.chunk.resourceOf(part.rows.row(k))];
                if (value >= 0) {
                    add(k, value);
                }
            }
            return;
        }
        for (int i = 0; i < size; i++) {
            int kind = column.kind(i);
            if (promoted == NOT_PROMOTED ? kind == 0 : !promotes(promoted, kind, column, i)) {
                continue;
            }
            for (int k = part.firstOut(column.owner(i)); k >= 0; k = part.nextOut(k)) {
                add(k, i);
            }
        }
        if (!part.ascending) {
            sortByRow();
        }
    }
}
