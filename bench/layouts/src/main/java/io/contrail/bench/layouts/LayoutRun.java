package io.contrail.bench.layouts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One layout under test in its own in-memory DuckDB database: the workload cut into files in
 * arrival order, each file's rows first built in memory in the layout's shape, then written with
 * {@code COPY … TO parquet (zstd)} and queried. Building is not timed; writing is, so the write
 * rate is what a writer that already holds columnar batches would see. Not thread-safe; close it
 * to free the database.
 */
final class LayoutRun implements AutoCloseable {

  static final int THREADS = 2;
  static final String VIEW = "spans";

  private final AttributeLayout layout;
  private final Connection connection;
  private final Path dir;
  private final int fileCount;
  private final List<Integer> keysPerFile = new ArrayList<>();
  private final List<Path> files = new ArrayList<>();
  private final double buildSeconds;

  /** Opens the database, loads the workload and builds {@code fileCount} in-memory parts. */
  LayoutRun(AttributeLayout layout, Path source, long spans, int fileCount, Path dir)
      throws SQLException, IOException {
    this.layout = layout;
    this.dir = emptyDirectory(dir);
    this.fileCount = fileCount;
    this.connection = DriverManager.getConnection("jdbc:duckdb:");
    try {
      execute("SET threads = " + THREADS);
      execute("CREATE TABLE " + SyntheticSpans.SOURCE_TABLE + " AS SELECT * FROM read_parquet('"
          + SyntheticSpans.sql(source) + "') ORDER BY span_index");
      String fileNo = "span_index * " + fileCount + " // " + spans;
      List<List<AttributeKey>> keysByFile = keysPresentByFile(fileNo);
      long start = System.nanoTime();
      for (int f = 0; f < fileCount; f++) {
        execute("CREATE TABLE part_" + f + " AS " + layout.fileQuery(fileNo + " = " + f, keysByFile.get(f)));
        keysPerFile.add(keysByFile.get(f).size());
        files.add(this.dir.resolve(String.format("part-%03d.parquet", f)));
      }
      buildSeconds = (System.nanoTime() - start) / 1e9;
      execute("DROP TABLE " + SyntheticSpans.SOURCE_TABLE);
    } catch (SQLException | RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  AttributeLayout layout() {
    return layout;
  }

  double buildSeconds() {
    return buildSeconds;
  }

  /** Writes (or rewrites) every file from its in-memory part; returns the seconds the COPYs took. */
  double writeFiles() throws SQLException {
    long nanos = 0;
    for (int f = 0; f < fileCount; f++) {
      long start = System.nanoTime();
      execute("COPY part_" + f + " TO '" + SyntheticSpans.sql(files.get(f)) + "' (FORMAT parquet, COMPRESSION zstd)");
      nanos += System.nanoTime() - start;
    }
    return nanos / 1e9;
  }

  /** Frees the in-memory parts once writing is measured, and defines the {@value #VIEW} view. */
  void finishWriting() throws SQLException {
    for (int f = 0; f < fileCount; f++) {
      execute("DROP TABLE part_" + f);
    }
    execute("CREATE VIEW " + VIEW + " AS SELECT * FROM " + filesExpression());
  }

  /** The table function reading this layout's files, for use in a FROM clause. */
  String filesExpression() {
    return "read_parquet('" + SyntheticSpans.sql(dir.resolve("*.parquet")) + "'"
        + (layout.readByName() ? ", union_by_name = true" : "") + ")";
  }

  long bytesOnDisk() throws IOException {
    long total = 0;
    for (Path file : files) {
      total += Files.size(file);
    }
    return total;
  }

  /** Compressed bytes of every column chunk that is not a core span column. */
  long attributeBytes() throws SQLException {
    String core = SyntheticSpans.CORE_COLUMNS.stream().map(c -> "'" + c + "'").collect(Collectors.joining(", "));
    return Long.parseLong(scalar("SELECT sum(total_compressed_size) FROM parquet_metadata('"
        + SyntheticSpans.sql(dir.resolve("*.parquet")) + "') WHERE split_part(path_in_schema, ', ', 1) NOT IN ("
        + core + ")"));
  }

  /** What is worth knowing about how this layout came out on disk; empty if nothing. */
  String note() throws SQLException {
    IntRange keys = IntRange.of(keysPerFile);
    if (layout instanceof AttributeLayout.ColumnPerKey) {
      return "attribute columns per file: " + keys;
    }
    if (layout instanceof AttributeLayout.Variant) {
      List<Integer> shredded = new ArrayList<>();
      for (Path file : files) {
        shredded.add(Integer.parseInt(scalar(
            "SELECT count(DISTINCT split_part(path_in_schema, ', ', 3)) FROM parquet_metadata('"
                + SyntheticSpans.sql(file) + "') WHERE path_in_schema LIKE 'attributes, typed_value, %'")));
      }
      return "keys shredded into typed sub-columns per file: " + IntRange.of(shredded) + " of " + keys + " present";
    }
    return "";
  }

  /** Runs a query to completion, reading every row; the rows come back as text for comparison. */
  Execution run(String sql) throws SQLException {
    long start = System.nanoTime();
    List<String> rows = new ArrayList<>();
    try (Statement statement = connection.createStatement();
        ResultSet resultSet = statement.executeQuery(sql)) {
      int columns = resultSet.getMetaData().getColumnCount();
      while (resultSet.next()) {
        StringBuilder row = new StringBuilder();
        for (int c = 1; c <= columns; c++) {
          row.append(resultSet.getString(c)).append('|');
        }
        rows.add(row.toString());
      }
    }
    return new Execution((System.nanoTime() - start) / 1e6, rows);
  }

  /** One run of one query: how long it took and what it returned. */
  record Execution(double millis, List<String> rows) {
    /** Order-independent identity of the result, to check that every layout answered alike. */
    String fingerprint() {
      return Integer.toHexString(String.join("\n", rows.stream().sorted().toList()).hashCode());
    }
  }

  /** Min and max of a few counts, printed as "a" or "a–b". */
  record IntRange(int min, int max) {
    static IntRange of(List<Integer> values) {
      return new IntRange(values.stream().mapToInt(Integer::intValue).min().orElse(0),
          values.stream().mapToInt(Integer::intValue).max().orElse(0));
    }

    @Override public String toString() {
      return min == max ? Integer.toString(min) : min + "–" + max;
    }
  }

  @Override public void close() throws SQLException {
    connection.close();
  }

  /** For each file, the attribute keys with at least one value among its spans. */
  private List<List<AttributeKey>> keysPresentByFile(String fileNo) throws SQLException {
    List<AttributeKey> keys = SyntheticSpans.KEYS;
    String counts = keys.stream().map(k -> "count(" + k.column() + ")").collect(Collectors.joining(", "));
    List<List<AttributeKey>> byFile = new ArrayList<>();
    for (int f = 0; f < fileCount; f++) {
      byFile.add(new ArrayList<>());
    }
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT " + fileNo + " AS file_no, " + counts
            + " FROM " + SyntheticSpans.SOURCE_TABLE + " GROUP BY file_no")) {
      while (rows.next()) {
        int f = rows.getInt(1);
        for (int k = 0; k < keys.size(); k++) {
          if (rows.getLong(k + 2) > 0) {
            byFile.get(f).add(keys.get(k));
          }
        }
      }
    }
    return byFile;
  }

  private void execute(String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  private String scalar(String sql) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getString(1);
    }
  }

  private static Path emptyDirectory(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(path);
        }
      }
    }
    return Files.createDirectories(dir);
  }
}
