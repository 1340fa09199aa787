import java.sql.*; import java.util.*;
/** The span files as one read_parquet with union_by_name against one read_parquet per column set joined by UNION ALL BY NAME: bind and run. java -cp DUCKDB_JDBC_JAR Gr.java DATA_DIR */
public class Gr { public static void main(String[] a) throws Exception {
  Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
  s.execute("SET parquet_metadata_cache = true"); s.execute("SET threads = 2");
  Map<String, List<String>> groups = new LinkedHashMap<>();
  ResultSet r = s.executeQuery("SELECT file_name, md5(string_agg(name || ':' || coalesce(type,'') || ':' || coalesce(logical_type,'') || ':' || coalesce(converted_type, ''), ',' ORDER BY name)) FROM parquet_schema('" + a[0] + "/spans/**/*.parquet') GROUP BY file_name ORDER BY file_name");
  while (r.next()) groups.computeIfAbsent(r.getString(2), k -> new ArrayList<>()).add("'" + r.getString(1) + "'");
  System.out.println(groups.size() + " groups");
  StringBuilder u = new StringBuilder("(");
  for (List<String> g : groups.values()) { if (u.length() > 1) u.append(" UNION ALL BY NAME "); u.append("SELECT * FROM read_parquet([" + String.join(",", g) + "], hive_partitioning = true, hive_types = {'date': 'DATE', 'hour': 'INTEGER'})"); }
  u.append(")");
  List<String> all = new ArrayList<>(); groups.values().forEach(all::addAll);
  String one = "read_parquet([" + String.join(",", all) + "], hive_partitioning = true, union_by_name = true, hive_types = {'date': 'DATE', 'hour': 'INTEGER'})";
  String[] preds = {"start_time < TIMESTAMP '2000-01-01'", "\"attr.user.id\" = 'nobody'", "\"attr.user.id\" = 'u1168228'", "true"};
  for (String v : new String[]{u.toString(), one}) for (String p : preds) for (String q : new String[]{"EXPLAIN SELECT count(*) FROM " + v + " WHERE " + p, "SELECT count(*) FROM " + v + " WHERE " + p}) {
    long[] t = new long[9]; long n = 0;
    for (int i = 0; i < 9; i++) { long t0 = System.nanoTime(); try (ResultSet rr = s.executeQuery(q)) { while (rr.next()) { if (!q.startsWith("EXPLAIN")) n = rr.getLong(1);} } t[i] = System.nanoTime() - t0; }
    Arrays.sort(t); System.out.printf("%6.1f ms  %s %s | %s -> %d%n", t[4] / 1e6, v == one ? "union_by_name" : "groups", q.startsWith("EXPLAIN") ? "bind+plan" : "run", p, n);
  }
}}
