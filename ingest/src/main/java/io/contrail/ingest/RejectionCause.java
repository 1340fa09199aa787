package io.contrail.ingest;

import java.util.Locale;

/**
 * Why one span of an accepted request was rejected (a partial success), as {@code /health} and {@code /metrics}
 * count it. A span with several problems counts once, under the cause of the first problem its description
 * names (the resource's, then the IDs, the times, the attribute keys).
 */
public enum RejectionCause {
    /** A trace, span or parent span ID of the wrong length, all zeros, or not hex. */
    INVALID_ID,
    /** A time outside what Parquet stores, or an end before the start. */
    INVALID_TIME,
    /** An attribute key that cannot be a column name (empty, too long, a control character). */
    INVALID_ATTRIBUTE_KEY;

    /** The cause as a metric label: {@code invalid_id}, … */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
