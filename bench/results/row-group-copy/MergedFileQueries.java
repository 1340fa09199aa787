import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Query times on merged span files, to compare merges: for each file given, 200 lookups of one trace ID
 * (the same IDs, sampled from the first file; median of their times) and a group-by over the whole file
 * (fastest of 5), on an in-memory DuckDB with 2 threads, files interleaved over two rounds.
 *   java -cp duckdb_jdbc.jar MergedFileQueries.java FILE...
 */
public class MergedFileQueries {
    public static void main(String[] files) throws Exception {
        try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = duckdb.createStatement()) {
            statement.execute("SET threads = 2");
            List<String> traceIds = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery("SELECT trace_id FROM read_parquet('" + files[0]
                    + "') USING SAMPLE 200 ROWS (reservoir, 7)")) {
                while (rows.next()) {
                    traceIds.add(rows.getString(1));
                }
            }
            for (int round = 1; round <= 2; round++) {
                for (String file : files) {
                    String from = "read_parquet('" + file + "')";
                    long[] lookups = new long[traceIds.size()];
                    long spansFound = 0;
                    for (int i = 0; i < lookups.length; i++) {
                        long started = System.nanoTime();
                        try (ResultSet rows = statement.executeQuery("SELECT * FROM " + from + " WHERE trace_id = '"
                                + traceIds.get(i) + "'")) {
                            while (rows.next()) {
                                spansFound++;
                            }
                        }
                        lookups[i] = System.nanoTime() - started;
                    }
                    Arrays.sort(lookups);
                    long groupBy = Long.MAX_VALUE;
                    for (int i = 0; i < 5; i++) {
                        long started = System.nanoTime();
                        try (ResultSet rows = statement.executeQuery("SELECT service_name, name, count(*), avg(duration_nanos), "
                                + "quantile_cont(duration_nanos, 0.99) FROM " + from + " GROUP BY ALL")) {
                            while (rows.next()) {
                                // drain
                            }
                        }
                        groupBy = Math.min(groupBy, System.nanoTime() - started);
                    }
                    long spans;
                    try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + from)) {
                        rows.next();
                        spans = rows.getLong(1);
                    }
                    long bytes = new java.io.File(file).length();
                    System.out.printf("round %d  %s%n    %,d spans, %.1f MB (%.1f B/span)  trace lookup p50 %5.1f ms (%d spans found)"
                            + "  group-by %4.0f ms%n", round, file, spans, bytes / 1e6, (double) bytes / spans,
                            lookups[lookups.length / 2] / 1e6, spansFound, groupBy / 1e6);
                }
            }
        }
    }
}
