package io.contrail.columnar;

import java.util.List;
import java.util.Map;

/**
 * Puts a file's rows in {@link SpanSchema#STORED_ORDER} (service, name, start; rows the same in all three in
 * the order they came). What a caller must know: the result maps each span to its row, not each row to its span.
 */
final class StoredOrder {

    private StoredOrder() {
    }

    /**
     * Where each of a file's spans goes in {@link SpanSchema#STORED_ORDER}, given each span's service, name and start (in
     * the order they came): {@code result[i]} is the row of span {@code i}.
     */
    static int[] rowOf(String[] services, String[] names, long[] starts) {
        int n = services.length;
        // The rank of each row's (service, name) among the few distinct pairs, then per rank the rows by start:
        // primitive sorts only (a comparator sort of boxed row numbers cost ~0.6 µs per span).
        Map<String, Integer> pairIds = new java.util.HashMap<>();
        List<String[]> pairs = new java.util.ArrayList<>();
        int[] pairOf = new int[n];
        for (int i = 0; i < n; i++) {
            String key = services[i] + '\u0000' + names[i];
            Integer id = pairIds.get(key);
            if (id == null) {
                id = pairs.size();
                pairIds.put(key, id);
                pairs.add(new String[] {services[i], names[i]});
            }
            pairOf[i] = id;
        }
        Integer[] byPair = new Integer[pairs.size()];
        for (int p = 0; p < byPair.length; p++) {
            byPair[p] = p;
        }
        java.util.Arrays.sort(byPair, java.util.Comparator.<Integer, String>comparing(p -> pairs.get(p)[0])
                .thenComparing(p -> pairs.get(p)[1]));
        int[] rankOf = new int[byPair.length];
        for (int r = 0; r < byPair.length; r++) {
            rankOf[byPair[r]] = r;
        }
        // Rows bucketed by rank, in the order they came.
        int[] bucketStart = new int[byPair.length + 1];
        for (int i = 0; i < n; i++) {
            bucketStart[rankOf[pairOf[i]] + 1]++;
        }
        for (int r = 0; r < byPair.length; r++) {
            bucketStart[r + 1] += bucketStart[r];
        }
        int[] sorted = new int[n];
        int[] fill = java.util.Arrays.copyOf(bucketStart, byPair.length);
        for (int i = 0; i < n; i++) {
            sorted[fill[rankOf[pairOf[i]]]++] = i;
        }
        for (int r = 0; r < byPair.length; r++) {
            sortByStart(sorted, bucketStart[r], bucketStart[r + 1], starts);
        }
        int[] rowOf = new int[n];
        for (int row = 0; row < n; row++) {
            rowOf[sorted[row]] = row;
        }
        return rowOf;
    }

    /** Sorts {@code rows[from, to)} (ascending row numbers) by start, rows of one start kept in order. */
    private static void sortByStart(int[] rows, int from, int to, long[] starts) {
        int size = to - from;
        if (size < 2) {
            return;
        }
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int k = from; k < to; k++) {
            min = Math.min(min, starts[rows[k]]);
            max = Math.max(max, starts[rows[k]]);
        }
        if (max - min >= 0 && max - min < 1L << 42 && size <= 1 << 21) {
            // Start offset and place packed into one long: a primitive sort keeps equal starts in order.
            long[] keys = new long[size];
            for (int k = 0; k < size; k++) {
                keys[k] = (starts[rows[from + k]] - min) << 21 | k;
            }
            java.util.Arrays.sort(keys);
            int[] bucket = java.util.Arrays.copyOfRange(rows, from, to);
            for (int k = 0; k < size; k++) {
                rows[from + k] = bucket[(int) (keys[k] & ((1 << 21) - 1))];
            }
            return;
        }
        Integer[] boxed = new Integer[size];
        for (int k = 0; k < size; k++) {
            boxed[k] = rows[from + k];
        }
        java.util.Arrays.sort(boxed, java.util.Comparator.comparingLong((Integer i) -> starts[i]).thenComparingInt(i -> i));
        for (int k = 0; k < size; k++) {
            rows[from + k] = boxed[k];
        }
    }
}
