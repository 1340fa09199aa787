import java.sql.*;
import java.util.*;
import java.lang.management.*;

/** CPU per span of DuckDB's COPY of one flush file's rows to Parquet, with variants of the options. */
public class FlushCopyCost {
    public static void main(String[] a) throws Exception {
        String file = a[0]; int rounds = Integer.parseInt(a[1]);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("SET threads = 1");
            s.execute("CREATE TABLE t AS SELECT * FROM read_parquet('" + file + "')");
            long rows; try (ResultSet r = s.executeQuery("SELECT count(*) FROM t")) { r.next(); rows = r.getLong(1); }
            List<String> all = new ArrayList<>(), nonNull = new ArrayList<>();
            try (ResultSet r = s.executeQuery("SELECT column_name FROM (DESCRIBE t)")) { while (r.next()) all.add(r.getString(1)); }
            StringBuilder q = new StringBuilder("SELECT ");
            for (int i = 0; i < all.size(); i++) q.append(i > 0 ? ", " : "").append("count(\"").append(all.get(i)).append("\")");
            try (ResultSet r = s.executeQuery(q + " FROM t")) { r.next(); for (int i = 0; i < all.size(); i++) if (r.getLong(i + 1) * 100 >= rows) nonNull.add(all.get(i)); }
            String dense = String.join(", ", nonNull.stream().map(n -> "\"" + n + "\"").toList());
            System.out.printf("%s: %,d rows, %d columns, %d at least 1%% non-null%n", file, rows, all.size(), nonNull.size());
            Map<String, String> variants = new LinkedHashMap<>();
            variants.put("as flushed (zstd, dict 1000)", "SELECT * FROM t|FORMAT parquet, COMPRESSION zstd, DICTIONARY_SIZE_LIMIT 1000");
            variants.put("zstd, dict 1000, Parquet v2 encodings", "SELECT * FROM t|FORMAT parquet, COMPRESSION zstd, DICTIONARY_SIZE_LIMIT 1000, PARQUET_VERSION V2");
            variants.put("zstd, default dictionary, Parquet v2 encodings", "SELECT * FROM t|FORMAT parquet, COMPRESSION zstd, PARQUET_VERSION V2");
            variants.put("zstd, default dictionary", "SELECT * FROM t|FORMAT parquet, COMPRESSION zstd");
            variants.put("lz4_raw, dict 1000", "SELECT * FROM t|FORMAT parquet, COMPRESSION lz4_raw, DICTIONARY_SIZE_LIMIT 1000");
            variants.put("uncompressed, dict 1000", "SELECT * FROM t|FORMAT parquet, COMPRESSION uncompressed, DICTIONARY_SIZE_LIMIT 1000");
            variants.put("zstd, dict 1000, columns >=1% non-null", "SELECT " + dense + " FROM t|FORMAT parquet, COMPRESSION zstd, DICTIONARY_SIZE_LIMIT 1000");
            Map<String, List<Double>> us = new LinkedHashMap<>();
            for (int round = 0; round < rounds + 2; round++) {
                for (var v : variants.entrySet()) {
                    String[] p = v.getValue().split("\\|");
                    long t0 = mx.getCurrentThreadCpuTime();
                    s.execute("COPY (" + p[0] + ") TO '/tmp/fc/out.parquet' (" + p[1] + ")");
                    long t1 = mx.getCurrentThreadCpuTime();
                    if (round >= 2) us.computeIfAbsent(v.getKey(), k -> new ArrayList<>()).add((t1 - t0) / 1e3 / rows);
                    if (round == rounds + 1) System.out.printf("  %-42s %6.2f µs/span (median of %d)  %,d bytes%n", v.getKey(),
                        us.get(v.getKey()).stream().sorted().toList().get(rounds / 2), rounds, new java.io.File("/tmp/fc/out.parquet").length());
                }
            }
        }
    }
}
