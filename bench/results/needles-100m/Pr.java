import java.sql.*; import java.nio.file.*; import java.util.*;
/** Bind (EXPLAIN) and run of a count over every span file, with and without union_by_name and hive partitioning. java -cp DUCKDB_JDBC_JAR Pr.java DATA_DIR */
public class Pr { public static void main(String[] a) throws Exception {
  Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
  s.execute("SET parquet_metadata_cache = true"); s.execute("SET threads = 2");
  List<String> files = new ArrayList<>();
  try (var w = Files.walk(Path.of(a[0], "spans"))) { w.filter(p -> p.toString().endsWith(".parquet")).forEach(p -> files.add("'" + p + "'")); }
  String list = "[" + String.join(",", files) + "]";
  String[] variants = {"read_parquet(" + list + ", hive_partitioning = true, union_by_name = true, hive_types = {'date': 'DATE', 'hour': 'INTEGER'})",
     "read_parquet(" + list + ", hive_partitioning = false, union_by_name = true)",
     "read_parquet(" + list + ", hive_partitioning = false, union_by_name = false)"};
  String[] preds = {"start_time < TIMESTAMP '2000-01-01'", "\"attr.user.id\" = 'nobody'"};
  for (String v : variants) for (String p : preds) for (String q : new String[]{"EXPLAIN SELECT count(*) FROM " + v + " WHERE " + p, "SELECT count(*) FROM " + v + " WHERE " + p}) {
    long[] t = new long[9];
    for (int i = 0; i < 9; i++) { long t0 = System.nanoTime(); try (ResultSet r = s.executeQuery(q)) { while (r.next()) {} } t[i] = System.nanoTime() - t0; }
    Arrays.sort(t); System.out.printf("%6.1f ms  %s | %s | %s%n", t[4] / 1e6, q.startsWith("EXPLAIN") ? "bind+plan" : "run", v.substring(v.indexOf("]") + 1, Math.min(v.length(), v.indexOf("]") + 60)), p);
  }
}}
