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

    public static PartitionPath ofStartTime(long startTimeUnixNano) {
        long seconds = Math.floorDiv(startTimeUnixNano, 1_000_000_000L);
        ZonedDateTime time = Instant.ofEpochSecond(seconds).atZone(ZoneOffset.UTC);
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
