import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Storage format v2 candidates (issue 17), measured on one span file Contrail wrote: the file's rows written
 * again by DuckDB in each candidate layout, with the same options (ZSTD, Parquet v2 encodings, the input's
 * row-group size), then for each: bytes per span in all and per fixed column, and the time DuckDB takes to
 * find one trace by ID in it, every column (median of 9, after 2 warm-ups); one more row times the lookup in
 * today's layout reading only the fixed columns.
 *
 * <pre>java -cp duckdb_jdbc.jar FormatVariants.java SPAN_FILE.parquet OUT_DIR</pre>
 */
public class FormatVariants {

    /** The attribute columns a promoted fixed column already holds (SpanSchema's otlpSource). */
    static final List<String> PROMOTED_DUPLICATES = List.of("attr.http.request.method", "attr.http.method",
            "attr.http.route", "attr.http.response.status_code", "attr.http.status_code", "attr.rpc.system",
            "attr.rpc.service", "attr.rpc.method", "attr.db.system.name", "attr.db.system", "attr.peer.service",
            "attr.server.address", "attr.net.peer.name");

    record Variant(String name, String select, String lookup, String projection) {
        Variant(String name, String select, String lookup) {
            this(name, select, lookup, "*");
        }
    }

    public static void main(String[] args) throws Exception {
        Path input = Path.of(args[0]);
        Path out = Files.createDirectories(Path.of(args[1]));
        try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:"); Statement s = duckdb.createStatement()) {
            s.execute("SET threads = 1");
            String src = "read_parquet('" + input + "')";
            long rows = scalarLong(s, "SELECT count(*) FROM " + src);
            long rowGroupRows = scalarLong(s, "SELECT max(row_group_num_rows) FROM parquet_metadata('" + input + "')");
            String traceId = scalar(s, "SELECT trace_id FROM " + src + " LIMIT 1 OFFSET " + rows / 2);
            List<String> columns = new ArrayList<>();
            try (ResultSet r = s.executeQuery("SELECT column_name FROM (DESCRIBE SELECT * FROM " + src + ")")) {
                while (r.next()) {
                    columns.add(r.getString(1));
                }
            }
            List<String> duplicates = columns.stream().filter(PROMOTED_DUPLICATES::contains).toList();
            String exclude = duplicates.isEmpty() ? "" : " EXCLUDE (" + String.join(", ", duplicates.stream()
                    .map(c -> "\"" + c + "\"").toList()) + ")";
            String binaryIds = "('0x' || span_id)::UBIGINT AS span_id, ('0x' || parent_span_id)::UBIGINT AS parent_span_id";
            List<Variant> variants = List.of(
                    new Variant("v1 (as today)", "SELECT * FROM " + src,
                            "trace_id = '" + traceId + "'"),
                    new Variant("trace_id UUID (16-byte fixed)", "SELECT * REPLACE (trace_id::UUID AS trace_id) FROM " + src,
                            "trace_id = '" + traceId + "'"),
                    new Variant("trace_id BLOB (16 bytes)", "SELECT * REPLACE (unhex(trace_id) AS trace_id) FROM " + src,
                            "trace_id = unhex('" + traceId + "')"),
                    new Variant("span/parent IDs UBIGINT", "SELECT * REPLACE (" + binaryIds + ") FROM " + src,
                            "trace_id = '" + traceId + "'"),
                    new Variant("no end_time", "SELECT * EXCLUDE (end_time) FROM " + src,
                            "trace_id = '" + traceId + "'"),
                    new Variant("promoted attributes once (" + duplicates.size() + " attr columns dropped)",
                            "SELECT *" + exclude + " FROM " + src, "trace_id = '" + traceId + "'"),
                    new Variant("v1, the lookup reading the fixed columns only (no attribute column)", "SELECT * FROM " + src,
                            "trace_id = '" + traceId + "'", "COLUMNS(lambda c: NOT starts_with(c, 'attr.') AND NOT "
                            + "starts_with(c, 'resource.'))"),
                    new Variant("all: UUID, UBIGINT, no end_time, promoted once",
                            "SELECT * EXCLUDE (end_time" + (duplicates.isEmpty() ? "" : ", " + String.join(", ",
                                    duplicates.stream().map(c -> "\"" + c + "\"").toList())) + ") REPLACE (trace_id::UUID AS "
                                    + "trace_id, " + binaryIds + ") FROM " + src,
                            "trace_id = '" + traceId + "'"));
            System.out.printf(Locale.ROOT, "input: %s, %,d spans, row groups of up to %,d rows; trace looked up: %s%n%n",
                    input.getFileName(), rows, rowGroupRows, traceId);
            System.out.println("| layout | B/span | vs v1 | trace_id | span_id + parent_span_id | start/end/duration | "
                    + "trace by ID, median ms |");
            System.out.println("|---|---:|---:|---:|---:|---:|---:|");
            double baseline = 0;
            for (int i = 0; i < variants.size(); i++) {
                Variant v = variants.get(i);
                Path file = out.resolve("variant-" + i + ".parquet");
                Files.deleteIfExists(file);
                s.execute("COPY (" + v.select() + ") TO '" + file + "' (FORMAT parquet, COMPRESSION zstd, "
                        + "PARQUET_VERSION V2, ROW_GROUP_SIZE " + rowGroupRows + ")");
                double perSpan = (double) Files.size(file) / rows;
                if (i == 0) {
                    baseline = perSpan;
                }
                Map<String, Double> byColumn = new LinkedHashMap<>();
                try (ResultSet r = s.executeQuery("SELECT path_in_schema, sum(total_compressed_size) FROM parquet_metadata('"
                        + file + "') GROUP BY ALL")) {
                    while (r.next()) {
                        byColumn.put(r.getString(1), r.getDouble(2) / rows);
                    }
                }
                long found = scalarLong(s, "SELECT count(*) FROM (SELECT " + v.projection() + " FROM read_parquet('" + file
                        + "') WHERE " + v.lookup() + ")");
                List<Double> millis = new ArrayList<>();
                for (int round = 0; round < 11; round++) {
                    long started = System.nanoTime();
                    try (ResultSet r = s.executeQuery("SELECT " + v.projection() + " FROM read_parquet('" + file + "') WHERE "
                            + v.lookup())) {
                        while (r.next()) {
                            r.getObject(1);
                        }
                    }
                    if (round >= 2) {
                        millis.add((System.nanoTime() - started) / 1e6);
                    }
                }
                millis.sort(Double::compare);
                System.out.printf(Locale.ROOT, "| %s | %.1f | %.2f× | %.2f | %.2f | %.2f | %.1f (%d spans) |%n", v.name(),
                        perSpan, perSpan / baseline, byColumn.getOrDefault("trace_id", 0.0),
                        byColumn.getOrDefault("span_id", 0.0) + byColumn.getOrDefault("parent_span_id", 0.0),
                        byColumn.getOrDefault("start_time", 0.0) + byColumn.getOrDefault("end_time", 0.0)
                                + byColumn.getOrDefault("duration_nanos", 0.0), millis.get(millis.size() / 2), found);
            }
        }
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
