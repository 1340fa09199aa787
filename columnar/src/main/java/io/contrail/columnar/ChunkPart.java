package io.contrail.columnar;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One {@link ChunkRows} as a part of a batch that {@link ChunkBatchBuilder} builds: output rows
 * {@code base .. base + size - 1}, local index {@code k} being row {@code base + k}, with the maps from chunk
 * rows (and resources) to the local indexes that select them. What a caller must know: the file's row of local
 * index {@code k} is {@link #out}{@code (k)}, not {@code base + k}, once {@link #order} is set. Single-threaded.
 */
final class ChunkPart {

    final ChunkRows rows;
    final SpanChunk chunk;
    final int base;
    final int size;
    /** Chunk row to its first local index, -1 when not selected; null when all rows are selected in order. */
    final int[] firstOut;
    /** Local index to the next local index of the same chunk row, -1 for none; null when no row repeats. */
    final int[] nextOut;
    /** Whether local indexes of ascending chunk rows ascend, so values in owner order arrive in row order. */
    final boolean ascending;
    /** The file's row of each selected row, by its place in the whole selection ({@link ChunkBatchBuilder}). */
    int[] order;
    /** Per span attribute column of the chunk, its batch column; null when no selected row has a value. */
    BatchColumn[] spanTargets;
    private int[] resourceFirstOut;
    private int[] resourceRows;
    private byte[][] serviceNames;
    private byte[][] scopeNames;
    private byte[][] scopeVersions;

    ChunkPart(ChunkRows rows, int base) {
        this.rows = rows;
        this.chunk = rows.chunk();
        this.base = base;
        this.size = rows.size();
        if (rows.rows() == null) {
            firstOut = null;
            nextOut = null;
            ascending = true;
        } else {
            firstOut = new int[chunk.spanCount()];
            Arrays.fill(firstOut, -1);
            int[] next = null;
            boolean increasing = true;
            for (int k = size - 1; k >= 0; k--) {
                int row = rows.row(k);
                if (firstOut[row] >= 0) {
                    if (next == null) {
                        next = new int[size];
                        Arrays.fill(next, -1);
                    }
                    next[k] = firstOut[row];
                }
                if (k > 0 && rows.row(k - 1) >= row) {
                    increasing = false;
                }
                firstOut[row] = k;
            }
            nextOut = next;
            ascending = increasing;
        }
    }

    /** The row of the batch that local index {@code k} is written to. */
    int out(int k) {
        return order[base + k];
    }

    int firstOut(int chunkRow) {
        return firstOut == null ? chunkRow : firstOut[chunkRow];
    }

    int nextOut(int k) {
        return nextOut == null ? -1 : nextOut[k];
    }

    /** Resource index to its first local index, -1 when no selected row has it. */
    int[] resourceFirstOut() {
        if (resourceFirstOut == null) {
            resourceFirstOut = new int[chunk.resourceCount()];
            resourceRows = new int[chunk.resourceCount()];
            Arrays.fill(resourceFirstOut, -1);
            for (int k = size - 1; k >= 0; k--) {
                int resource = chunk.resourceOf(rows.row(k));
                resourceFirstOut[resource] = k;
                resourceRows[resource]++;
            }
        }
        return resourceFirstOut;
    }

    /** How many selected rows have resource {@code resource}. */
    int resourceRows(int resource) {
        resourceFirstOut();
        return resourceRows[resource];
    }

    /** Bytes of {@code column}'s values in the selected rows. */
    long selectedBytes(ByteColumn column) {
        if (firstOut == null) {
            return size == 0 ? 0 : column.end(size - 1) - column.start(0);
        }
        long bytes = 0;
        for (int k = 0; k < size; k++) {
            bytes += column.length(rows.row(k));
        }
        return bytes;
    }

    /** The UTF-8 service name of a resource, made once per part. */
    byte[] serviceName(int resource) {
        if (serviceNames == null) {
            serviceNames = new byte[chunk.resourceCount()][];
        }
        byte[] name = serviceNames[resource];
        return name != null ? name : (serviceNames[resource] = chunk.serviceName(resource).getBytes(StandardCharsets.UTF_8));
    }

    /** The UTF-8 name of a scope, null for none, made once per part. */
    byte[] scopeName(int scope) {
        if (scopeNames == null) {
            scopeNames = scopeText(true);
        }
        return scopeNames[scope];
    }

    byte[] scopeVersion(int scope) {
        if (scopeVersions == null) {
            scopeVersions = scopeText(false);
        }
        return scopeVersions[scope];
    }

    private byte[][] scopeText(boolean name) {
        int scopes = 0;
        for (int row = 0; row < chunk.spanCount(); row++) {
            scopes = Math.max(scopes, chunk.scopeOf(row) + 1);
        }
        byte[][] text = new byte[scopes][];
        for (int scope = 0; scope < scopes; scope++) {
            String value = name ? chunk.scopeName(scope) : chunk.scopeVersion(scope);
            text[scope] = value == null || value.isEmpty() ? null : value.getBytes(StandardCharsets.UTF_8);
        }
        return text;
    }
}
