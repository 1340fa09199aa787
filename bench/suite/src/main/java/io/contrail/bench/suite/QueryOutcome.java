package io.contrail.bench.suite;

/**
 * One run of one query on one peer: its time and how many rows it answered (so peers' answers can
 * be compared), or why the peer cannot express it.
 */
public record QueryOutcome(long elapsedNanos, long rows, String unsupportedReason) {

    public static QueryOutcome timed(long elapsedNanos, long rows) {
        return new QueryOutcome(elapsedNanos, rows, null);
    }

    public static QueryOutcome unsupported(String reason) {
        return new QueryOutcome(-1, -1, reason);
    }

    public boolean supported() {
        return unsupportedReason == null;
    }
}
