package io.contrail.bench.load;

import java.util.Arrays;

/**
 * Acknowledgement latencies of one client, in nanoseconds: a growing {@code long[]}, merged and
 * sorted once at the end of the run for exact percentiles. Not thread-safe: one per client.
 */
final class LatencyLog {

    private long[] nanos = new long[4096];
    private int size;

    void record(long latencyNanos) {
        if (size == nanos.length) {
            nanos = Arrays.copyOf(nanos, size * 2);
        }
        nanos[size++] = latencyNanos;
    }

    int size() {
        return size;
    }

    /** Every latency of every log, sorted ascending. */
    static long[] mergeSorted(Iterable<LatencyLog> logs) {
        int total = 0;
        for (LatencyLog log : logs) {
            total += log.size;
        }
        long[] all = new long[total];
        int at = 0;
        for (LatencyLog log : logs) {
            System.arraycopy(log.nanos, 0, all, at, log.size);
            at += log.size;
        }
        Arrays.sort(all);
        return all;
    }

    /** The nearest-rank percentile ({@code fraction} in (0, 1]) of sorted values; 0 when there are none. */
    static long percentile(long[] sorted, double fraction) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(fraction * sorted.length);
        return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
    }
}
