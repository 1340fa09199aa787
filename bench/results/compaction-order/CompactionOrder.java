import java.sql.*;
import java.lang.management.*;
/**
 * CPU per span of one merge of flush files, as the compactor writes it (one DuckDB thread, 1 GB, ZSTD, row
 * groups of 65,536), with and without a sort, Parquet v2 and v1; two rounds each, one JVM.
 *   java -cp duckdb_jdbc-2.0.0.1.jar CompactionOrder.java 'DIR/*.parquet' SPANS
 */
public class CompactionOrder { public static void main(String[] a) throws Exception {
  String glob=a[0]; long spans=Long.parseLong(a[1]); String out=java.nio.file.Files.createTempFile("merge", ".parquet").toString();
  var os=(com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean();
  String win="min(start_time) OVER (PARTITION BY trace_id), trace_id, service_name, start_time, span_id";
  String[][] v={{"current",win,"PARQUET_VERSION V2, "},{"trace_id order", "trace_id, start_time","PARQUET_VERSION V2, "},{"no sort",null,"PARQUET_VERSION V2, "},{"no sort v1",null,""},{"trace_id order v1","trace_id, start_time",""}};
  try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
    s.execute("SET threads=1"); s.execute("SET memory_limit='1GB'");
    for (int round=0; round<2; round++) for (String[] x: v) {
      long cpu=os.getProcessCpuTime(), t=System.nanoTime();
      s.execute("COPY (SELECT * FROM read_parquet('"+glob+"', union_by_name=true)"+(x[1]==null?"":" ORDER BY "+x[1])+") TO '"+out+"' (FORMAT parquet, COMPRESSION zstd, "+x[2]+"ROW_GROUP_SIZE 65536)");
      System.out.printf("%-20s cpu %.2f us/span wall %.0f ms size %.1f B/span%n", x[0], (os.getProcessCpuTime()-cpu)/1e3/spans, (System.nanoTime()-t)/1e6, new java.io.File(out).length()/(double) spans);
    }
  }}}
