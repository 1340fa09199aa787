package io.contrail.columnar;

/**
 * Some rows of a {@link SpanChunk}, each with the weight it is written with: what the sampler
 * keeps and the ingest buffer holds.
 *
 * @param rows    the chunk rows, ascending; null for every row in order
 * @param weights per selected row, what it stands for; null for the chunk's own
 *                ({@link SpanChunk#sampleWeight})
 */
public record ChunkRows(SpanChunk chunk, int[] rows, double[] weights) {

    public ChunkRows {
        if (rows != null && weights != null && rows.length != weights.length) {
            throw new IllegalArgumentException("one weight per row: " + rows.length + " rows, " + weights.length + " weights");
        }
        if (rows == null && weights != null && weights.length != chunk.spanCount()) {
            throw new IllegalArgumentException("one weight per row: " + chunk.spanCount() + " rows, "
                    + weights.length + " weights");
        }
    }

    /** Every row of {@code chunk} with its own weight. */
    public static ChunkRows all(SpanChunk chunk) {
        return new ChunkRows(chunk, null, null);
    }

    public int size() {
        return rows == null ? chunk.spanCount() : rows.length;
    }

    /** The chunk row of selected row {@code i}. */
    public int row(int i) {
        return rows == null ? i : rows[i];
    }

    public double weight(int i) {
        return weights != null ? weights[i] : chunk.sampleWeight(row(i));
    }

    /** The selected rows as {@link SpanRef}s with their weights, in order. */
    public java.util.List<SpanRef> toRefs() {
        int[] selected = new int[size()];
        double[] selectedWeights = new double[size()];
        for (int i = 0; i < selected.length; i++) {
            selected[i] = row(i);
            selectedWeights[i] = weight(i);
        }
        return chunk.toRefs(selected, selectedWeights);
    }

    /** Selected rows {@code from} (inclusive) to {@code to} (exclusive). */
    public ChunkRows slice(int from, int to) {
        if (from == 0 && to == size()) {
            return this;
        }
        int[] sliced = new int[to - from];
        for (int i = from; i < to; i++) {
            sliced[i - from] = row(i);
        }
        return new ChunkRows(chunk, sliced, weights == null ? null : java.util.Arrays.copyOfRange(weights, from, to));
    }

    /** The selected rows as OTLP, for the quarantine and for tests. */
    public io.opentelemetry.proto.trace.v1.TracesData toTraces() {
        int[] selected = new int[size()];
        for (int i = 0; i < selected.length; i++) {
            selected[i] = row(i);
        }
        return chunk.toTraces(selected);
    }
}
