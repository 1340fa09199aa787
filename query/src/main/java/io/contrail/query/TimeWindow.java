package io.contrail.query;

import io.contrail.columnar.LiveFiles;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * A span start-time window in Unix nanoseconds; a null bound is open. Turned into SQL it filters
 * {@code start_time} and, so that DuckDB skips whole folders, the Hive column {@code date}.
 */
public record TimeWindow(Long startUnixNano, Long endUnixNano) {

    /** No bounds: the whole store. */
    public static final TimeWindow ALL = new TimeWindow(null, null);

    public TimeWindow {
        if (startUnixNano != null && endUnixNano != null && endUnixNano < startUnixNano) {
            throw new IllegalArgumentException("end: " + endUnixNano + " ns is before start: " + startUnixNano + " ns");
        }
    }

    /** The last {@code lookbackNanos} up to {@code endUnixNano}. */
    public static TimeWindow lookback(long endUnixNano, long lookbackNanos) {
        return new TimeWindow(endUnixNano - lookbackNanos, endUnixNano);
    }

    /**
     * Conditions ANDed together (or {@code true}), widened by {@code marginNanos} on each side,
     * on the columns of {@code alias} (empty for none); placeholders' values are added to {@code parameters}.
     */
    public String sql(String alias, long marginNanos, List<Object> parameters) {
        return sql(alias, marginNanos, parameters, true);
    }

    /** {@link #sql} without the conditions on {@code date}, for a view that has no such column. */
    String startTimeSql(String alias, long marginNanos, List<Object> parameters) {
        return sql(alias, marginNanos, parameters, false);
    }

    private String sql(String alias, long marginNanos, List<Object> parameters, boolean byDate) {
        String prefix = alias.isEmpty() ? "" : alias + ".";
        List<String> conditions = new ArrayList<>();
        if (startUnixNano != null) {
            long start = startUnixNano - marginNanos;
            conditions.add(prefix + "start_time >= make_timestamp_ns(?)");
            parameters.add(start);
            if (byDate) {
                // The date in Java, floored as the folders are: DuckDB's cast of a nanosecond time rounds.
                conditions.add(prefix + "\"date\" >= ?::DATE");
                parameters.add(utcDate(start));
            }
        }
        if (endUnixNano != null) {
            long end = endUnixNano + marginNanos;
            conditions.add(prefix + "start_time <= make_timestamp_ns(?)");
            parameters.add(end);
            if (byDate) {
                conditions.add(prefix + "\"date\" <= ?::DATE");
                parameters.add(utcDate(end));
            }
        }
        return conditions.isEmpty() ? "true" : String.join(" AND ", conditions);
    }

    /** The start times {@link #sql} with {@code marginNanos} selects, for a bounded cache to fetch. */
    public LiveFiles.TimeRange reads(long marginNanos) {
        return new LiveFiles.TimeRange(startUnixNano == null ? Long.MIN_VALUE : plus(startUnixNano, -marginNanos),
                endUnixNano == null ? Long.MAX_VALUE : plus(plus(endUnixNano, marginNanos), 1));
    }

    /** {@code a + b}, saturated at the ends of {@code long} rather than wrapped. */
    private static long plus(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : sum;
    }

    private static String utcDate(long unixNanos) {
        return Instant.ofEpochSecond(Math.floorDiv(unixNanos, 1_000_000_000L)).atZone(ZoneOffset.UTC)
                .toLocalDate().toString();
    }
}
