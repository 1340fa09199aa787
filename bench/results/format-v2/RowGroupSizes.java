import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Row-group sizes for needle questions (issue 17), measured on one span file Contrail wrote: its rows written
 * again by DuckDB in row groups of each size (ZSTD, Parquet v2 encodings, DuckDB's default dictionary limit, so
 * a column dictionary-encoded in a row group gets a bloom filter), then for each: bytes per span, row groups,
 * how many have a bloom filter on trace_id and on attr.user.id, and the time DuckDB takes (one thread, median
 * of 9 after 2 warm-ups) to find one trace by ID (every column), the spans of one user.id (the suite's
 * columns), and to scan the file for a per-service aggregate.
 *
 * <pre>java -cp duckdb_jdbc.jar RowGroupSizes.java SPAN_FILE.parquet OUT_DIR SIZE...</pre>
 */
public class RowGroupSizes {

    public static void main(String[] args) throws Exception {
        Path input = Path.of(args[0]);
        Path out = Files.createDirectories(Path.of(args[1]));
        try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:"); Statement s = duckdb.createStatement()) {
            s.execute("SET threads = 1");
            String src = "read_parquet('" + input + "')";
            long rows = scalarLong(s, "SELECT count(*) FROM " + src);
            String traceId = scalar(s, "SELECT trace_id FROM " + src + " LIMIT 1 OFFSET " + rows / 2);
            long users = scalarLong(s, "SELECT count(\"attr.user.id\") FROM " + src);
            String user = scalar(s, "SELECT \"attr.user.id\" FROM " + src + " WHERE \"attr.user.id\" IS NOT NULL LIMIT 1 OFFSET "
                    + users / 2);
            System.out.printf(Locale.ROOT, "input: %s, %,d spans; trace looked up: %s; user.id looked up: %s%n%n",
                    input.getFileName(), rows, traceId, user);
            System.out.println("| row group | B/span | row groups | bloom: trace_id / user.id | trace by ID, ms | "
                    + "user.id =, ms | scan by service, ms |");
            System.out.println("|---:|---:|---:|---:|---:|---:|---:|");
            for (int i = 2; i < args.length; i++) {
                int size = Integer.parseInt(args[i]);
                Path file = out.resolve("rowgroup-" + size + ".parquet");
                Files.deleteIfExists(file);
                s.execute("COPY (SELECT * FROM " + src + ") TO '" + file + "' (FORMAT parquet, COMPRESSION zstd, "
                        + "PARQUET_VERSION V2, ROW_GROUP_SIZE " + size + ")");
                String f = "read_parquet('" + file + "')";
                String meta = "parquet_metadata('" + file + "')";
                long rowGroups = scalarLong(s, "SELECT count(DISTINCT row_group_id) FROM " + meta);
                long traceBlooms = scalarLong(s, "SELECT count(*) FROM " + meta + " WHERE path_in_schema = 'trace_id' "
                        + "AND bloom_filter_offset IS NOT NULL");
                long userBlooms = scalarLong(s, "SELECT count(*) FROM " + meta + " WHERE path_in_schema = 'attr.user.id' "
                        + "AND bloom_filter_offset IS NOT NULL");
                double byId = median(s, "SELECT * FROM " + f + " WHERE trace_id = '" + traceId + "'");
                double byUser = median(s, "SELECT trace_id, span_id, service_name, name, start_time, duration_nanos FROM " + f
                        + " WHERE \"attr.user.id\" = '" + user + "' ORDER BY start_time, span_id");
                double scan = median(s, "SELECT service_name, count(*), avg(duration_nanos) FROM " + f + " GROUP BY 1");
                System.out.printf(Locale.ROOT, "| %,d | %.1f | %d | %d / %d | %.1f | %.1f | %.1f |%n", size,
                        (double) Files.size(file) / rows, rowGroups, traceBlooms, userBlooms, byId, byUser, scan);
            }
        }
    }

    static double median(Statement s, String sql) throws SQLException {
        List<Double> millis = new ArrayList<>();
        for (int round = 0; round < 11; round++) {
            long started = System.nanoTime();
            try (ResultSet r = s.executeQuery(sql)) {
                while (r.next()) {
                    r.getObject(1);
                }
            }
            if (round >= 2) {
                millis.add((System.nanoTime() - started) / 1e6);
            }
        }
        millis.sort(Double::compare);
        return millis.get(millis.size() / 2);
    }

    static String scalar(Statement s, String sql) throws SQLException {
        try (ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getString(1);
        }
    }

    static long scalarLong(Statement s, String sql) throws SQLException {
        try (ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }
}
