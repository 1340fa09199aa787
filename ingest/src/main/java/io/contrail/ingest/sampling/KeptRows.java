package io.contrail.ingest.sampling;

import io.contrail.columnar.ChunkRows;
import io.contrail.columnar.SpanChunk;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows one call of the {@link TailSampler} keeps, gathered per chunk and handed back as one
 * {@link ChunkRows} per chunk (in order of first appearance), rows ascending, each with its final
 * weight. Not thread-safe.
 */
final class KeptRows {

    /** The kept rows of one chunk, in the order they were kept. */
    private static final class OfChunk {
        final SpanChunk chunk;
        int[] rows = new int[8];
        double[] weights = new double[8];
        int size;
        boolean ascending = true;

        OfChunk(SpanChunk chunk) {
            this.chunk = chunk;
        }

        void add(int row, double weight) {
            if (size == rows.length) {
                rows = Arrays.copyOf(rows, size * 2);
                weights = Arrays.copyOf(weights, size * 2);
            }
            ascending &= size == 0 || rows[size - 1] < row;
            rows[size] = row;
            weights[size] = weight;
            size++;
        }

        ChunkRows toChunkRows() {
            int[] sortedRows = Arrays.copyOf(rows, size);
            double[] sortedWeights = Arrays.copyOf(weights, size);
            if (!ascending) {
                // Row in the high half, position kept in the low half: sorting orders by row.
                long[] order = new long[size];
                for (int i = 0; i < size; i++) {
                    order[i] = ((long) rows[i] << 32) | i;
                }
                Arrays.sort(order);
                for (int i = 0; i < size; i++) {
                    int from = (int) order[i];
                    sortedRows[i] = rows[from];
                    sortedWeights[i] = weights[from];
                }
            }
            return new ChunkRows(chunk, sortedRows, sortedWeights);
        }
    }

    private final Map<SpanChunk, OfChunk> byChunk = new IdentityHashMap<>();
    private final List<OfChunk> inOrder = new ArrayList<>();
    private OfChunk last;

    void add(SpanChunk chunk, int row, double weight) {
        if (last == null || last.chunk != chunk) {
            last = byChunk.get(chunk);
            if (last == null) {
                last = new OfChunk(chunk);
                byChunk.put(chunk, last);
                inOrder.add(last);
            }
        }
        last.add(row, weight);
    }

    List<ChunkRows> toList() {
        if (inOrder.isEmpty()) {
            return List.of();
        }
        List<ChunkRows> kept = new ArrayList<>(inOrder.size());
        for (OfChunk ofChunk : inOrder) {
            kept.add(ofChunk.toChunkRows());
        }
        return kept;
    }
}
