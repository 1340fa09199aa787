package io.contrail.columnar;

import io.contrail.columnar.SpanChunk.AttributeColumn;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The attribute columns of one family (span or resource) in one batch that {@link ChunkBatchBuilder} builds:
 * which batch column each chunk column feeds, and the kinds, bytes and spans each column collects. DuckDB
 * column names are case-insensitive for ASCII letters ({@link SpanSchema#foldedColumnName}), so keys differing
 * only in ASCII case share the column of the first seen. What a caller must know: {@link #observe} the parts
 * in the batch's order, since the order first seen names and orders the columns. Single-threaded.
 */
final class AttributeFamily {

    private final String prefix;
    private final boolean resource;
    private final Map<String, BatchColumn> byKey = new HashMap<>();
    private final Map<String, BatchColumn> byFoldedName = new LinkedHashMap<>();

    AttributeFamily(String prefix, boolean resource) {
        this.prefix = prefix;
        this.resource = resource;
    }

    private List<AttributeColumn> columnsOf(SpanChunk chunk) {
        return resource ? chunk.resourceAttributes() : chunk.spanAttributes();
    }

    /**
     * Maps each of the part's chunk columns that has a value in a selected row to its batch
     * column, creating columns for new keys in the order they are first seen, and notes the
     * kinds of those values.
     */
    void observe(ChunkPart part) {
        List<AttributeColumn> columns = columnsOf(part.chunk);
        BatchColumn[] targets = new BatchColumn[columns.size()];
        int[] firstRow = new int[columns.size()];
        int[] firstOrdinal = new int[columns.size()];
        int[] kindsOf = new int[columns.size()];
        long[] bytesOf = new long[columns.size()];
        long[] spansOf = new long[columns.size()];
        List<Integer> unseen = new ArrayList<>();
        int[] resourceFirstOut = resource ? part.resourceFirstOut() : null;
        for (int j = 0; j < columns.size(); j++) {
            AttributeColumn column = columns.get(j);
            int kinds = 0;
            int values = 0;
            long spans = 0;
            long bytes = 0;
            int first = Integer.MAX_VALUE;
            int ordinal = 0;
            ByteColumn valueBytes = column.bytes();
            if (!resource && part.firstOut == null) {
                kinds = column.kinds();
                values = column.size();
                spans = values;
                bytes = valueBytes.end(values - 1) - valueBytes.start(0);
                first = column.owner(0);
                ordinal = column.ordinal(0);
            } else {
                for (int i = 0, size = column.size(); i < size; i++) {
                    int out = resource ? resourceFirstOut[column.owner(i)] : part.firstOut(column.owner(i));
                    if (out >= 0) {
                        kinds |= column.kind(i);
                        values++;
                        spans += resource ? part.resourceRows(column.owner(i)) : 1;
                        // A resource's value is written into every selected row of the resource.
                        bytes += (long) valueBytes.length(i) * (resource ? part.resourceRows(column.owner(i)) : 1);
                        if (out < first) {
                            first = out;
                            ordinal = column.ordinal(i);
                        }
                    }
                }
            }
            if (values == 0) {
                continue;
            }
            firstRow[j] = first;
            firstOrdinal[j] = ordinal;
            kindsOf[j] = kinds;
            bytesOf[j] = bytes;
            spansOf[j] = spans;
            BatchColumn target = byKey.get(column.key());
            if (target == null) {
                unseen.add(j);
            } else {
                targets[j] = target;
            }
        }
        // New keys in the order a span-by-span pass meets them, by first row and place in its
        // list; so of keys differing only in case, the first met names the column.
        unseen.sort((a, b) -> firstRow[a] != firstRow[b] ? Integer.compare(firstRow[a], firstRow[b])
                : Integer.compare(firstOrdinal[a], firstOrdinal[b]));
        for (int u = 0; u < unseen.size(); u++) {
            int j = unseen.get(u);
            AttributeColumn column = columns.get(j);
            String folded = SpanSchema.foldedColumnName(prefix + column.key());
            BatchColumn target = byFoldedName.get(folded);
            if (target == null) {
                target = new BatchColumn(prefix + column.key(), resource);
                byFoldedName.put(folded, target);
            }
            byKey.put(column.key(), target);
            targets[j] = target;
        }
        for (int j = 0; j < columns.size(); j++) {
            if (targets[j] != null) {
                targets[j].kinds |= kindsOf[j];
                targets[j].bytes += bytesOf[j];
                targets[j].spans += spansOf[j];
                targets[j].addSource(part, columns.get(j));
            }
        }
        if (!resource) {
            part.spanTargets = targets;
        }
    }

    /** The family's columns in the order first seen. */
    List<BatchColumn> columns() {
        return new ArrayList<>(byFoldedName.values());
    }
}
