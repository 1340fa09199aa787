import java.sql.*;
/** Bloom filters and dictionaries per column over all span files. java -cp DUCKDB_JDBC_JAR Bl.java DATA_DIR */
public class Bl { public static void main(String[] a) throws Exception {
  Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
  String g = "'" + a[0] + "/spans/**/*.parquet'";
  ResultSet r = s.executeQuery("SELECT path_in_schema, count(*) AS row_groups, count(bloom_filter_offset) AS with_bloom, sum(CASE WHEN encodings LIKE '%DICTIONARY%' THEN 1 ELSE 0 END) AS dict, sum(num_values) FROM parquet_metadata(" + g + ") WHERE path_in_schema IN ('trace_id', 'attr.user.id', 'span_id', 'attr.session.id') GROUP BY 1");
  while (r.next()) System.out.println(r.getString(1) + " rg=" + r.getLong(2) + " bloom=" + r.getLong(3) + " dict=" + r.getLong(4));
  r = s.executeQuery("SELECT count(DISTINCT file_name), count(*), avg(row_group_num_rows) FROM (SELECT DISTINCT file_name, row_group_id, row_group_num_rows FROM parquet_metadata(" + g + "))");
  r.next(); System.out.println("files " + r.getLong(1) + " row groups " + r.getLong(2) + " avg rows " + r.getDouble(3));
}}
