package io.contrail.bench.suite;

import io.contrail.columnar.SpanChunk;
import io.contrail.columnar.SpanSink;
import io.contrail.columnar.Store;
import io.contrail.columnar.StoreConfig;
import io.contrail.query.QueryEngine;
import io.contrail.query.QueryException;
import io.contrail.query.SliceComparison;
import io.contrail.query.SpanFilter;
import io.contrail.query.TimeWindow;
import io.contrail.workload.Workload;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.TracesData;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * How fast {@code /api/compare} answers on a large store (issue 6 asks for 10M spans): the seeded
 * workload is written through the warehouse (no HTTP: this measures the query, not ingest), then
 * each comparison runs once to warm up and five times timed, beside two reference scans of the same
 * store in the same run. Run with {@code bench/compare/run [--spans N] [--data DIR] [--out FILE]}.
 */
public final class CompareBenchRun {

    static final long DEFAULT_SPANS = 10_000_000;
    static final int ROUNDS = 5;

    private CompareBenchRun() {
    }

    private record Case(String name, String selection, String baseline) {
    }

    private static final List<Case> CASES = List.of(
            new Case("errors vs the rest", "status=error", null),
            new Case("slower than 1 s vs the rest", "minDuration=1s", null),
            new Case("slow frontend vs all frontend", "service=frontend&minDuration=500ms", "service=frontend"));

    public static void main(String[] args) throws Exception {
        long spans = DEFAULT_SPANS;
        Path data = null;
        Path out = Path.of("bench", "results", "compare.md");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--spans" -> spans = Long.parseLong(args[++i].replace("_", ""));
                case "--data" -> data = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--help", "-h" -> {
                    System.out.println("usage: bench/compare/run [--spans N (default 10000000)] [--data DIR (kept; "
                            + "reused when it already holds spans)] [--out FILE (default bench/results/compare.md)]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; see --help");
            }
        }
        boolean temporary = data == null;
        Path folder = temporary ? Files.createTempDirectory("contrail-compare-bench-") : data;
        try {
            long stored = load(folder, spans);
            String report = measure(folder, stored, String.join(" ", args));
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, report);
            System.out.println(report);
        } finally {
            if (temporary) {
                DuckDbLimitPeer.deleteTree(folder);
            }
        }
    }

    private static long load(Path data, long spans) throws IOException, QueryException {
        try (QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(data))) {
            long existing = ((Number) engine.query("SELECT count(*) FROM spans").rows().get(0).get(0)).longValue();
            if (existing > 0) {
                System.err.printf("reusing %,d spans in %s%n", existing, data);
                return existing;
            }
        }
        Workload workload = Workload.builder().seed(42).build();
        long started = System.nanoTime();
        long nextReport = 0;
        // Compaction only when asked: the corpus is the flush files, as the other runs compare them.
        try (Store store = Store.builder(StoreConfig.defaults(data)
                .withCompaction(compaction -> compaction.withInterval(Duration.ZERO))).open()) {
            while (workload.spansGenerated() < spans) {
                ExportTraceServiceRequest request = workload.nextRequest(100);
                TracesData traces = TracesData.newBuilder().addAllResourceSpans(request.getResourceSpansList()).build();
                SpanChunk chunk = SpanChunk.fromTraces(traces);
                byte[] body = traces.toByteArray();
                while (true) {
                    try {
                        store.sink().append(chunk, SpanSink.TRACES_DATA, body);
                        break;
                    } catch (SpanSink.OverloadedException e) {
                        store.flush();
                    }
                }
                if (workload.spansGenerated() >= nextReport) {
                    System.err.printf("loaded %,d spans (%.0f s)%n", workload.spansGenerated(),
                            (System.nanoTime() - started) / 1e9);
                    nextReport += spans / 10;
                }
            }
            store.flush();
        }
        return workload.spansGenerated();
    }

    private static String measure(Path data, long spans, String arguments) throws QueryException, IOException {
        StringBuilder rows = new StringBuilder();
        try (QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(data).withQueryTimeout(
                java.time.Duration.ofMinutes(10)))) {
            int files = new io.contrail.columnar.DataLayout(data).spanFiles().size();
            double countMillis = median(() -> engine.query("SELECT count(*) FROM spans"));
            double errorsMillis = median(() -> engine.query("SELECT count(*) FROM spans WHERE status_code = 'ERROR'"));
            double groupMillis = median(() -> engine.query(
                    "SELECT \"attr.http.route\", count(*) FROM spans GROUP BY 1"));
            SliceComparison comparison = new SliceComparison(engine);
            for (Case c : CASES) {
                SliceComparison.Request request = new SliceComparison.Request(SpanFilter.parse("selection", c.selection()),
                        c.baseline() == null ? null : SpanFilter.parse("baseline", c.baseline()), TimeWindow.ALL,
                        SliceComparison.DEFAULT_LIMIT);
                SliceComparison.Result[] last = new SliceComparison.Result[1];
                double millis = median(() -> last[0] = comparison.compare(request));
                SliceComparison.Difference top = last[0].differences().isEmpty() ? null : last[0].differences().get(0);
                rows.append(String.format(Locale.ROOT, "| %s | `%s` | %s | %,.0f / %,.0f%s | %,.0f ms | %.1f× | %s |%n",
                        c.name(), c.selection(), c.baseline() == null ? "the rest" : "`" + c.baseline() + "`",
                        last[0].selectionSpans(), last[0].baselineSpans(), last[0].sampled() ? " (sampled)" : "", millis,
                        millis / groupMillis, top == null ? "—" : "`" + top.dimension() + "` = " + top.value()));
            }
            return String.format(Locale.ROOT, """
                    # Compare on a large store

                    Generated by `bench/compare/run%s` on %s (git %s). Machine: %d cores, %s.
                    %,d spans of the seeded shop workload (seed 42) in %d Parquet files (no compaction), written
                    through the warehouse; queries through `QueryEngine` in-process (no HTTP). Each figure is the
                    median of %d runs after one warm-up. The machine is shared: read the ratios.

                    Reference scans in the same run: `count(*)` %,.0f ms; `count(*) WHERE status_code = 'ERROR'`
                    %,.0f ms; `count(*) GROUP BY "attr.http.route"` %,.0f ms.

                    | comparison | selection | baseline | spans (selection / baseline) | median | ÷ group-by scan | most different value |
                    |---|---|---|---|---:|---:|---|
                    %s
                    Slices over %,d spans are sampled by a fixed hash of the span ID before the `UNPIVOT`
                    (`SliceComparison.SAMPLE_SPANS`); the scan still reads every attribute column of the window.
                    """, arguments.isEmpty() ? "" : " " + arguments, Instant.now().truncatedTo(ChronoUnit.SECONDS), git(),
                    Runtime.getRuntime().availableProcessors(), MachineInfo.current().cpuModel(), spans, files, ROUNDS,
                    countMillis, errorsMillis, groupMillis, rows, SliceComparison.SAMPLE_SPANS);
        }
    }

    private interface Work {
        Object run() throws QueryException;
    }

    private static double median(Work work) throws QueryException {
        work.run();
        double[] millis = new double[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            long started = System.nanoTime();
            work.run();
            millis[i] = (System.nanoTime() - started) / 1e6;
        }
        Arrays.sort(millis);
        return millis[ROUNDS / 2];
    }

    /** The checked-out commit, for the report's header. */
    static String git() {
        try {
            Process process = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0 ? out : "unknown";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
