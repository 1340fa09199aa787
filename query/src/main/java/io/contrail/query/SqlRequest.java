package io.contrail.query;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A user's statement, the values bound to its placeholders, and how much of its answer to return.
 *
 * @param sql        one read-only statement; {@code ?} or {@code $1, $2, …} placeholders take {@code parameters}
 * @param parameters the placeholders' values in order: text, whole numbers, decimals, booleans or null (no list).
 *                   They are bound, never spliced into the text; DuckDB casts a text to what the statement compares
 *                   it with, e.g. an ISO-8601 time such as {@code 2026-12-01T00:00:00Z} to a timestamp (UTC)
 * @param offset     rows of the answer skipped before the first returned (pages of an answer; without an
 *                   {@code ORDER BY} the order of its rows is not defined, so neither are its pages)
 * @param limit      how much of the answer to return; null for the engine's caps
 *                   ({@link QueryEngine.Config#maxRows()}, {@link QueryEngine.Config#maxResultBytes()})
 */
public record SqlRequest(String sql, List<Object> parameters, long offset, Limit limit) {

    /**
     * A cap on the answer: at most {@code maxRows} rows, and rows only while their size (each counted as its
     * JSON array text) stays within {@code maxBytes}; a cut answer says it was cut. {@link #NONE} streams it all.
     */
    public record Limit(long maxRows, long maxBytes) {
        public static final Limit NONE = new Limit(Long.MAX_VALUE, Long.MAX_VALUE);

        public Limit {
            if (maxRows < 0 || maxBytes < 0) {
                throw new IllegalArgumentException("a limit cannot be negative");
            }
        }

        /** At most {@code rows} rows, of any size. */
        public static Limit rows(long rows) {
            return new Limit(rows, Long.MAX_VALUE);
        }

        boolean none() {
            return maxRows == Long.MAX_VALUE && maxBytes == Long.MAX_VALUE;
        }
    }

    public SqlRequest {
        if (offset < 0) {
            throw new IllegalArgumentException("offset=" + offset + ": must not be negative");
        }
        parameters = Collections.unmodifiableList(new ArrayList<>(parameters));
        for (int i = 0; i < parameters.size(); i++) {
            Object value = parameters.get(i);
            if (!(value == null || value instanceof String || value instanceof Boolean || value instanceof Long
                    || value instanceof Integer || value instanceof Double || value instanceof java.math.BigDecimal
                    || value instanceof java.math.BigInteger)) {
                throw new IllegalArgumentException("params[" + i + "]: must be a string, a number, a boolean or null, not "
                        + value.getClass().getSimpleName());
            }
        }
    }

    /** {@code sql} without parameters, from its first row, within the engine's caps. */
    public static SqlRequest of(String sql) {
        return new SqlRequest(sql, List.of(), 0, null);
    }
}
