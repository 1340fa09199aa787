import java.sql.*;
/** Where a trace lies: its spans' files and rows, and the row groups of its last file. java -cp DUCKDB_JDBC_JAR Tr.java DATA_DIR TRACE_ID */
public class Tr { public static void main(String[] a) throws Exception {
  Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
  String g = "'" + a[0] + "/spans/**/*.parquet'";
  ResultSet r = s.executeQuery("SELECT filename, file_row_number, service_name FROM read_parquet(" + g + ", filename=true, file_row_number=true, union_by_name=true) WHERE trace_id = '" + a[1] + "' ORDER BY 1, 2");
  String f = null;
  while (r.next()) { f = r.getString(1); System.out.println(f.replaceAll(".*/", "") + " row " + r.getLong(2) + " " + r.getString(3)); }
  r = s.executeQuery("SELECT row_group_id, row_group_num_rows, count(*) AS columns, sum(CASE WHEN stats_null_count < row_group_num_rows THEN 1 ELSE 0 END) AS with_values, sum(total_compressed_size) FROM parquet_metadata('" + f + "') GROUP BY 1, 2 ORDER BY 1");
  while (r.next()) System.out.println("rg " + r.getLong(1) + " rows " + r.getLong(2) + " columns " + r.getLong(3) + " with values " + r.getLong(4) + " bytes " + r.getLong(5));
}}
