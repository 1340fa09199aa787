package io.contrail.columnar;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * The Hive-style folder of a span: {@code date=YYYY-MM-DD/hour=HH} of its start time in UTC.
 * DuckDB reads {@code date} and {@code hour} back as columns and prunes folders on them.
 */
public record PartitionPath(String date, int hour) implements Comparable<PartitionPath> {

    private static final long NANOS_PER_HOUR = 3_600_000_000_000L;

    public static PartitionPath ofStartTime(long startTimeUnixNano) {
        return ofEpochHour(epochHourOf(startTimeUnixNano));
    }

    /**
     * Hours since the epoch of a start time: spans with the same number share a partition. Cheap
     * enough to compute per span, unlike the partition itself.
     */
    public static long epochHourOf(long startTimeUnixNano) {
        return Math.floorDiv(startTimeUnixNano, NANOS_PER_HOUR);
    }

    /** The partition of the hour {@code epochHour} hours after the epoch. */
    public static PartitionPath ofEpochHour(long epochHour) {
        ZonedDateTime time = Instant.ofEpochSecond(epochHour * 3600).atZone(ZoneOffset.UTC);
        return new PartitionPath(time.toLocalDate().toString(), time.getHour());
    }

    /** Parses {@code date=…/hour=…} folder names; null when they are not a partition. */
    public static PartitionPath parse(String dateFolder, String hourFolder) {
        if (!dateFolder.startsWith("date=") || !hourFolder.startsWith("hour=")) {
            return null;
        }
        try {
            return new PartitionPath(dateFolder.substring(5), Integer.parseInt(hourFolder.substring(5)));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    public Path resolveUnder(Path spansDir) {
        return spansDir.resolve("date=" + date).resolve(String.format("hour=%02d", hour));
    }

    @Override
    public int compareTo(PartitionPath other) {
        int byDate = date.compareTo(other.date);
        return byDate != 0 ? byDate : Integer.compare(hour, other.hour);
    }

    @Override
    public String toString() {
        return String.format("date=%s/hour=%02d", date, hour);
    }
}
