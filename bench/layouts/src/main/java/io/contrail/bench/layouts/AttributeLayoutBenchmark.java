package io.contrail.bench.layouts;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Measures candidate Parquet representations of span attributes (keys nobody declares) for
 * filtering and grouping by an arbitrary key with DuckDB: write rate, bytes per span, and query
 * time relative to the same query on built-in columns.
 *
 * <p>Generates a seeded workload once ({@link SyntheticSpans}), then gives each
 * {@link AttributeLayout} its own in-memory DuckDB database ({@link LayoutRun}, {@value
 * LayoutRun#THREADS} threads). The machine is small and shared, so every measurement is taken in
 * interleaved rounds — round r writes or queries every layout once before round r + 1 starts —
 * and reported as a median: {@value #WRITE_RUNS} rounds of writing all files, then
 * {@value #WARMUP_RUNS} warm-up and {@value #MEASURED_RUNS} measured rounds of every query. A
 * burst of background load then lands on all layouts alike, and the ratios stay meaningful.
 * Progress goes to stderr; the Markdown results go to stdout and to {@code results.md} in the
 * output folder.
 *
 * <p>Usage: {@code AttributeLayoutBenchmark [--spans N] [--out DIR]}.
 */
public final class AttributeLayoutBenchmark {

  static final long DEFAULT_SPANS = 1_000_000;
  static final int FILES = 10;
  static final int SMALL_FILES = 100;
  static final int WRITE_RUNS = 3;
  static final int WARMUP_RUNS = 1;
  static final int MEASURED_RUNS = 5;
  /** Set by the exec-maven-plugin configuration to the module's {@code target} folder. */
  static final String TARGET_DIR_PROPERTY = "contrail.bench.targetDir";

  private static final PrintStream OUT =
      new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
  private static final PrintStream PROGRESS =
      new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);

  private AttributeLayoutBenchmark() {}

  /** Command-line options with their defaults. */
  record Options(long spans, Path out) {
    static Options parse(String[] args) throws IOException {
      long spans = DEFAULT_SPANS;
      Path out = null;
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--spans" -> spans = Long.parseLong(value(args, ++i).replace("_", ""));
          case "--out" -> out = Path.of(value(args, ++i));
          case "--help", "-h" -> {
            OUT.println("usage: AttributeLayoutBenchmark [--spans N (default 1_000_000)]"
                + " [--out DIR (default a new folder under target/)]");
            System.exit(0);
          }
          default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
        }
      }
      if (spans < SMALL_FILES * 10L) {
        throw new IllegalArgumentException("--spans must be at least " + SMALL_FILES * 10);
      }
      if (out == null) {
        Path target = Path.of(System.getProperty(TARGET_DIR_PROPERTY, "target"));
        Files.createDirectories(target);
        out = Files.createTempDirectory(target, "attribute-layouts-");
      }
      return new Options(spans, out.toAbsolutePath());
    }

    private static String value(String[] args, int i) {
      if (i >= args.length) {
        throw new IllegalArgumentException(args[i - 1] + " needs a value");
      }
      return args[i];
    }
  }

  /** Median time of one query and what it returned (row count, order-independent fingerprint). */
  record QueryTiming(double medianMillis, int rows, String fingerprint) {}

  /**
   * {@code queries} name {@code read_parquet(…)} in the query itself; {@code viewQueries} read the
   * same files through a view, as an analyst's {@code spans} would.
   */
  record LayoutResult(AttributeLayout layout, double spansPerSecond, double bytesPerSpan,
      double attributeBytesPerSpan, List<QueryTiming> queries, List<QueryTiming> viewQueries,
      String note) {}

  record SmallFilesResult(String label, double spansPerSecond, double bytesPerSpan,
      QueryTiming count, QueryTiming groupBy) {}

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    Files.createDirectories(options.out());
    Path source = options.out().resolve("source.parquet");
    Instant started = Instant.now();
    long start = System.nanoTime();

    String loadAtStart = loadAverage();
    String duckdbVersion;
    String dataDescription;
    String userId;
    progress("Generating %,d spans (seed %s) into %s", options.spans(), SyntheticSpans.SEED, source);
    try (Connection connection = DriverManager.getConnection("jdbc:duckdb:")) {
      SyntheticSpans.generate(connection, options.spans(), source);
      duckdbVersion = scalar(connection,
          "SELECT library_version || ' (' || source_id || ')' FROM pragma_version()");
      dataDescription = SyntheticSpans.describe(connection);
      progress("  %s", dataDescription);
      userId = SyntheticSpans.sampleUserId(connection, options.spans());
    }
    progress("  generated in %.1f s", seconds(start));

    List<LayoutQuery> queries = LayoutQuery.standard(userId);
    List<LayoutResult> results = measureLayouts(options, source, queries);
    List<SmallFilesResult> smallFiles = measureSmallFiles(options, source);

    String environment = String.format("DuckDB %s, threads=%d; Java %s; %d cores; started %s;"
            + " load average (1/5/15 min) %s at start, %s at end",
        duckdbVersion, LayoutRun.THREADS, System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(), started, loadAtStart, loadAverage());
    String report = report(options, environment, dataDescription, queries, results, smallFiles);
    OUT.print(report);
    Files.writeString(options.out().resolve("results.md"), report, StandardCharsets.UTF_8);
    progress("Done in %.0f s; files and results.md are in %s", seconds(start), options.out());
  }

  private static List<LayoutResult> measureLayouts(Options options, Path source,
      List<LayoutQuery> queries) throws SQLException, IOException {
    List<LayoutRun> runs = new ArrayList<>();
    try {
      for (AttributeLayout layout : AttributeLayout.all(LayoutQuery.keysUsed())) {
        progress("Building %s", layout.label());
        LayoutRun run = new LayoutRun(layout, source, options.spans(), FILES,
            options.out().resolve(layout.directoryName()));
        runs.add(run);
        progress("  %d in-memory parts in %.1f s", FILES, run.buildSeconds());
      }
      double[] writeSeconds = measureWrites(runs);

      long spans = options.spans();
      List<List<Samples>> direct = new ArrayList<>();
      List<List<Samples>> view = new ArrayList<>();
      for (LayoutRun run : runs) {
        direct.add(Samples.forEach(queries));
        view.add(Samples.forEach(queries));
      }
      for (int round = 0; round < WARMUP_RUNS + MEASURED_RUNS; round++) {
        progress("Query round %d of %d%s", round + 1, WARMUP_RUNS + MEASURED_RUNS,
            round < WARMUP_RUNS ? " (warm-up)" : "");
        boolean measured = round >= WARMUP_RUNS;
        for (int r = 0; r < runs.size(); r++) {
          LayoutRun run = runs.get(r);
          for (int q = 0; q < queries.size(); q++) {
            LayoutQuery query = queries.get(q);
            direct.get(r).get(q).add(run.run(query.sql(run.layout(), run.filesExpression())), measured);
            view.get(r).get(q).add(run.run(query.sql(run.layout(), LayoutRun.VIEW)), measured);
          }
        }
      }

      List<LayoutResult> results = new ArrayList<>();
      for (int r = 0; r < runs.size(); r++) {
        LayoutRun run = runs.get(r);
        List<QueryTiming> directTimings = direct.get(r).stream().map(Samples::timing).toList();
        List<QueryTiming> viewTimings = view.get(r).stream().map(Samples::timing).toList();
        LayoutResult result = new LayoutResult(run.layout(), spans / writeSeconds[r],
            (double) run.bytesOnDisk() / spans, (double) run.attributeBytes() / spans,
            directTimings, viewTimings, run.note());
        results.add(result);
        progress("%s: write %,.0f spans/s, %.1f B/span (attributes %.1f B/span)", run.layout().label(),
            result.spansPerSecond(), result.bytesPerSpan(), result.attributeBytesPerSpan());
        for (int q = 0; q < queries.size(); q++) {
          progress("  %-55s %9.1f ms (%d rows); through the view %9.1f ms", queries.get(q).label(),
              directTimings.get(q).medianMillis(), directTimings.get(q).rows(),
              viewTimings.get(q).medianMillis());
        }
      }
      return results;
    } finally {
      closeAll(runs);
    }
  }

  /** The cost of many small files for layout (e): the same spans as 100 files vs one file. */
  private static List<SmallFilesResult> measureSmallFiles(Options options, Path source)
      throws SQLException, IOException {
    long spans = options.spans();
    AttributeLayout layout = new AttributeLayout.ColumnPerKey();
    LayoutQuery groupByRoute = LayoutQuery.countByRoute();
    int[] fileCounts = {SMALL_FILES, 1};
    List<LayoutRun> runs = new ArrayList<>();
    try {
      for (int fileCount : fileCounts) {
        progress("Building small-files comparison: %d file(s)", fileCount);
        runs.add(new LayoutRun(layout, source, spans, fileCount,
            options.out().resolve("small-files").resolve(fileCount + "-files")));
      }
      double[] writeSeconds = measureWrites(runs);
      List<Samples> counts = new ArrayList<>();
      List<Samples> groupBys = new ArrayList<>();
      for (LayoutRun run : runs) {
        counts.add(new Samples());
        groupBys.add(new Samples());
      }
      for (int round = 0; round < WARMUP_RUNS + MEASURED_RUNS; round++) {
        for (int r = 0; r < runs.size(); r++) {
          LayoutRun run = runs.get(r);
          counts.get(r).add(run.run("SELECT count(*) FROM " + run.filesExpression()), round >= WARMUP_RUNS);
          groupBys.get(r).add(run.run(groupByRoute.sql(layout, run.filesExpression())), round >= WARMUP_RUNS);
        }
      }
      List<SmallFilesResult> results = new ArrayList<>();
      for (int r = 0; r < runs.size(); r++) {
        String label = String.format("%d file%s of %,d spans", fileCounts[r], fileCounts[r] == 1 ? "" : "s",
            spans / fileCounts[r]);
        SmallFilesResult result = new SmallFilesResult(label, spans / writeSeconds[r],
            (double) runs.get(r).bytesOnDisk() / spans, counts.get(r).timing(), groupBys.get(r).timing());
        results.add(result);
        progress("  %-28s count(*) %7.1f ms, group by http.route %7.1f ms", label,
            result.count().medianMillis(), result.groupBy().medianMillis());
      }
      return results;
    } finally {
      closeAll(runs);
    }
  }

  /** Median seconds to write all files of each run, over interleaved rounds; then ends writing. */
  private static double[] measureWrites(List<LayoutRun> runs) throws SQLException {
    double[][] seconds = new double[runs.size()][WRITE_RUNS];
    for (int round = 0; round < WRITE_RUNS; round++) {
      progress("Write round %d of %d", round + 1, WRITE_RUNS);
      for (int r = 0; r < runs.size(); r++) {
        seconds[r][round] = runs.get(r).writeFiles();
      }
    }
    double[] medians = new double[runs.size()];
    for (int r = 0; r < runs.size(); r++) {
      medians[r] = median(seconds[r]);
      runs.get(r).finishWriting();
    }
    return medians;
  }

  /** Timings of one query on one layout, collected over the rounds. */
  static final class Samples {
    private final List<Double> millis = new ArrayList<>();
    private LayoutRun.Execution last;

    static List<Samples> forEach(List<?> items) {
      return items.stream().map(item -> new Samples()).toList();
    }

    void add(LayoutRun.Execution execution, boolean measured) {
      last = execution;
      if (measured) {
        millis.add(execution.millis());
      }
    }

    QueryTiming timing() {
      return new QueryTiming(median(millis.stream().mapToDouble(Double::doubleValue).toArray()),
          last.rows().size(), last.fingerprint());
    }
  }

  private static String report(Options options, String environment, String dataDescription,
      List<LayoutQuery> queries, List<LayoutResult> results, List<SmallFilesResult> smallFiles) {
    StringBuilder md = new StringBuilder();
    LayoutResult baseline = results.get(0);
    md.append(String.format("Attribute layouts: %,d spans, %d files of %,d spans per layout, zstd. %s.%n%n"
            + "Data: %s.%n%n",
        options.spans(), FILES, options.spans() / FILES, environment, dataDescription));
    md.append(String.format("Write: `COPY … TO parquet (zstd)` alone, from rows already in the layout's shape"
        + " in memory; median of %d rounds. Query cells: time relative to the same query on the baseline,"
        + " then the median of %d rounds after %d warm-up; queries name `read_parquet(…)` directly."
        + " Every round runs all layouts in turn.%n%n", WRITE_RUNS, MEASURED_RUNS, WARMUP_RUNS));
    md.append("| layout | write spans/s | B/span on disk | attribute B/span |");
    for (int q = 0; q < queries.size(); q++) {
      md.append(" Q").append(q + 1).append(" |");
    }
    md.append("\n|---|---:|---:|---:|").append("---:|".repeat(queries.size())).append('\n');
    List<String> mismatches = new ArrayList<>();
    for (LayoutResult result : results) {
      md.append(String.format("| %s | %,.0f | %.1f | %.1f |", result.layout().label(),
          result.spansPerSecond(), result.bytesPerSpan(), result.attributeBytesPerSpan()));
      for (int q = 0; q < queries.size(); q++) {
        QueryTiming timing = result.queries().get(q);
        QueryTiming reference = baseline.queries().get(q);
        md.append(String.format(" %s× (%.1f ms) |", ratio(timing.medianMillis() / reference.medianMillis()),
            timing.medianMillis()));
        if (!timing.fingerprint().equals(reference.fingerprint())
            || !result.viewQueries().get(q).fingerprint().equals(reference.fingerprint())) {
          mismatches.add(result.layout().label() + " Q" + (q + 1));
        }
      }
      md.append('\n');
    }
    md.append('\n');
    for (int q = 0; q < queries.size(); q++) {
      md.append(String.format("- Q%d: %s (%d result rows)%n", q + 1, queries.get(q).label(),
          baseline.queries().get(q).rows()));
    }
    for (LayoutResult result : results) {
      if (!result.note().isEmpty()) {
        md.append("- ").append(result.layout().label()).append(": ").append(result.note()).append('\n');
      }
    }
    md.append(mismatches.isEmpty()
        ? "- Every layout returned the same rows as the baseline for every query, directly and through the view.\n"
        : "- RESULTS DIFFER FROM THE BASELINE: " + String.join(", ", mismatches) + "\n");

    md.append("\nThe same queries through a view (`CREATE VIEW spans AS SELECT * FROM read_parquet(…)`):"
        + " median ms, then relative to the same layout read directly.\n\n| layout |");
    for (int q = 0; q < queries.size(); q++) {
      md.append(" Q").append(q + 1).append(" |");
    }
    md.append("\n|---|").append("---:|".repeat(queries.size())).append('\n');
    for (LayoutResult result : results) {
      md.append("| ").append(result.layout().label()).append(" |");
      for (int q = 0; q < queries.size(); q++) {
        double view = result.viewQueries().get(q).medianMillis();
        md.append(String.format(" %.1f ms (%s×) |", view, ratio(view / result.queries().get(q).medianMillis())));
      }
      md.append('\n');
    }

    md.append("\nSmall files, layout (e), read with union_by_name (medians as above):\n\n")
        .append("| files | write spans/s | B/span on disk | count(*) | count(*) group by http.route |\n")
        .append("|---|---:|---:|---:|---:|\n");
    for (SmallFilesResult small : smallFiles) {
      md.append(String.format("| %s | %,.0f | %.1f | %.1f ms | %.1f ms |%n", small.label(),
          small.spansPerSecond(), small.bytesPerSpan(), small.count().medianMillis(),
          small.groupBy().medianMillis()));
    }
    return md.toString();
  }

  /** Two significant-ish digits: 0.93, 4.0, 37, 240. */
  private static String ratio(double value) {
    return value < 10 ? String.format("%.2f", value) : String.format("%.0f", value);
  }

  /** The system load average, to judge how noisy the run was; "n/a" where /proc is missing. */
  private static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return fields[0] + "/" + fields[1] + "/" + fields[2];
    } catch (IOException e) {
      return "n/a";
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  private static void closeAll(List<LayoutRun> runs) throws SQLException {
    SQLException failure = null;
    for (LayoutRun run : runs) {
      try {
        run.close();
      } catch (SQLException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private static String scalar(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getString(1);
    }
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private static void progress(String format, Object... args) {
    PROGRESS.println(String.format(format, args));
  }
}
