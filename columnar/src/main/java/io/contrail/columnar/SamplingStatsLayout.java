package io.contrail.columnar;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files holding tail sampling's counts: {@code <data>/sampling/stats-<hour>.json}, one per UTC hour, each a
 * JSON array of {@link Row}s (field names as Row's components) that is replaced whole when written. Ingest's
 * sampler writes and reloads them as Rows; the {@code sampling_stats} view reads them by {@link #readerQuery},
 * whose columns are Row's components too, so the two cannot drift apart.
 */
public final class SamplingStatsLayout {

    /** The hour of a count as the file name and the {@code hour} field hold it, UTC: {@code 2026-11-25T20}. */
    public static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH").withZone(ZoneOffset.UTC);
    /** {@link #HOUR} as DuckDB's {@code strptime} spells it. */
    private static final String HOUR_SQL_FORMAT = "%Y-%m-%dT%H";
    private static final String PREFIX = "stats-";
    private static final String SUFFIX = ".json";

    /**
     * One row of {@code sampling_stats}: in this hour ({@link #HOUR}), spans of this service (as
     * {@code service_name} holds it) in traces this policy kept (or, with {@code kept = false}, that no policy kept).
     */
    public record Row(String hour, String serviceName, String policy, boolean kept, long traces, long spans) {
    }

    private SamplingStatsLayout() {
    }

    /** The folder the files are in, under a data folder. */
    public static Path folderUnder(Path dataDir) {
        return dataDir.resolve("sampling");
    }

    /** The file of one hour ({@link #HOUR}). */
    public static Path file(Path folder, String hour) {
        return folder.resolve(PREFIX + hour + SUFFIX);
    }

    /** Where the file of one hour is written before it replaces {@link #file}: hidden, and not a stats file. */
    public static Path temporaryFile(Path folder, String hour) {
        return folder.resolve("." + PREFIX + hour + SUFFIX + ".tmp");
    }

    /**
     * The query of the {@code sampling_stats} view over the files in {@code folder}: {@code hour} as a
     * TIMESTAMP, then the other fields of {@link Row} under snake_case names ({@code service_name}, ...); no
     * rows when there are no files yet.
     */
    public static String readerQuery(Path folder) throws IOException {
        boolean hasFiles;
        try (Stream<Path> files = Files.isDirectory(folder) ? Files.list(folder) : Stream.empty()) {
            hasFiles = files.map(f -> f.getFileName().toString())
                    .anyMatch(name -> name.startsWith(PREFIX) && name.endsWith(SUFFIX));
        }
        List<String> columns = new ArrayList<>();
        List<String> types = new ArrayList<>();
        List<String> nulls = new ArrayList<>();
        for (RecordComponent field : Row.class.getRecordComponents()) {
            String type = sqlType(field.getType());
            types.add(field.getName() + ": '" + type + "'");
            if (field.getName().equals("hour")) {
                columns.add("strptime(\"hour\", '" + HOUR_SQL_FORMAT + "') AS \"hour\"");
                nulls.add("NULL::TIMESTAMP AS \"hour\"");
            } else {
                String column = snakeCase(field.getName());
                columns.add(field.getName().equals(column) ? column : field.getName() + " AS " + column);
                nulls.add("NULL::" + type + " AS " + column);
            }
        }
        if (!hasFiles) {
            return "SELECT " + String.join(", ", nulls) + " WHERE false";
        }
        String glob = folder.resolve(PREFIX + "*" + SUFFIX).toString().replace("'", "''");
        return "SELECT " + String.join(", ", columns) + " FROM read_json('" + glob + "', format = 'array', columns = {"
                + String.join(", ", types) + "})";
    }

    private static String sqlType(Class<?> type) {
        if (type == String.class) {
            return "VARCHAR";
        } else if (type == boolean.class) {
            return "BOOLEAN";
        } else if (type == long.class) {
            return "BIGINT";
        }
        throw new IllegalStateException("no SQL type for a field of " + type);
    }

    private static String snakeCase(String name) {
        return name.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }
}
