package io.contrail.bench.suite;

import io.contrail.columnar.DataLayout;
import io.contrail.columnar.SpanFiles;
import io.contrail.columnar.SpanChunk;
import io.contrail.columnar.SpanSink;
import io.contrail.columnar.Store;
import io.contrail.columnar.StoreConfig;
import io.contrail.query.QueryEngine;
import io.contrail.query.TraceQueries;
import io.contrail.workload.Workload;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.TracesData;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Trace-by-ID latency before and after compaction, with and without the trace-ID index, on the
 * suite's seeded workload, in one invocation so that the ratios compare like with like; and the
 * bytes of the files as flushed, merged in arrival order, and merged sorted by trace ID.
 *
 * <pre>java -cp … io.contrail.bench.suite.TraceLookupBenchmark [SPANS] [SCRATCH_DIR] [keep]</pre>
 *
 * In process (no HTTP), one query at a time, 100 probe traces drawn from the data.
 */
public final class TraceLookupBenchmark {

    private static final int PROBES = 100;
    private static final int FLUSH_EVERY_SPANS = 60_000; // the file size of the suite's --quick run

    private TraceLookupBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        long spans = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        Path scratch = Files.createTempDirectory(args.length > 1 ? Path.of(args[1]) : Path.of(System.getProperty("java.io.tmpdir")),
                "contrail-trace-lookup");
        Path flushed = scratch.resolve("flushed");
        System.out.printf(Locale.ROOT, "Trace lookup benchmark: %,d spans of the suite workload, scratch %s%n", spans, scratch);
        long started = System.nanoTime();
        load(flushed, spans);
        System.out.printf(Locale.ROOT, "loaded in %.1f s%n", (System.nanoTime() - started) / 1e9);
        Path sorted16k = copy(flushed, scratch.resolve("compacted-16k"));
        Path sorted122k = copy(flushed, scratch.resolve("compacted-122k"));

        List<String> probes = probes(flushed);
        List<String> rows = new ArrayList<>();
        rows.add(measure("flush files (as written)", flushed, probes));
        long compactMillis = compact(sorted16k, StoreConfig.Compaction.DEFAULT_ROW_GROUP_SPANS);
        compact(sorted122k, 122_880);
        rows.add(measure("compacted, sorted by trace_id, row groups 16,384", sorted16k, probes));
        rows.add(measure("compacted, sorted by trace_id, row groups 122,880", sorted122k, probes));

        long flushedBytes = bytes(flushed);
        long sortedBytes = bytes(sorted16k);
        long sorted122kBytes = bytes(sorted122k);
        long arrivalBytes = mergeInArrivalOrder(flushed, scratch.resolve("arrival-order"));
        System.out.println();
        System.out.println("| files | trace(id) via index, median / p95 ms | scan of `spans` (old /api/traces), median / p95 ms "
                + "| `SELECT count(*) … WHERE trace_id =`, median / p95 ms | index ÷ scan |");
        System.out.println("|---|---:|---:|---:|---:|");
        rows.forEach(System.out::println);
        System.out.println();
        System.out.printf(Locale.ROOT, "files: %d flushed → %d compacted (compaction %.1f s, 1 DuckDB thread)%n",
                SpanFiles.live(new DataLayout(flushed)).size(), SpanFiles.live(new DataLayout(sorted16k)).size(),
                compactMillis / 1000.0);
        System.out.println();
        System.out.println("| bytes of span files | B/span | vs flushed |");
        System.out.println("|---|---:|---:|");
        System.out.printf(Locale.ROOT, "| as flushed | %.1f | 1.00 |%n", (double) flushedBytes / spans);
        System.out.printf(Locale.ROOT, "| merged per partition, arrival order, row groups 16,384 | %.1f | %.3f |%n",
                (double) arrivalBytes / spans, (double) arrivalBytes / flushedBytes);
        System.out.printf(Locale.ROOT, "| merged per partition, sorted by trace_id, row groups 16,384 | %.1f | %.3f |%n",
                (double) sortedBytes / spans, (double) sortedBytes / flushedBytes);
        System.out.printf(Locale.ROOT, "| merged per partition, sorted by trace_id, row groups 122,880 | %.1f | %.3f |%n",
                (double) sorted122kBytes / spans, (double) sorted122kBytes / flushedBytes);
        if (args.length > 2 && args[2].equals("keep")) {
            System.out.println("kept " + scratch);
        } else {
            deleteTree(scratch);
        }
    }

    private static void load(Path data, long spans) throws Exception {
        Workload workload = Workload.builder().startTimeUnixNano(SpanCorpus.START_TIME_UNIX_NANO)
                .tracesPerSecond(SpanCorpus.TRACES_PER_SECOND).build();
        // Flushes only when asked, no compaction: the files are the flush files this benchmark compares.
        try (Store store = Store.builder(StoreConfig.defaults(data)
                .withWrites(writes -> writes.withMaxBufferAge(Duration.ofHours(1)).withMaxBufferedSpans(Long.MAX_VALUE))
                .withCompaction(compaction -> compaction.withInterval(Duration.ZERO))).open()) {
            long sinceFlush = 0;
            while (workload.spansGenerated() < spans) {
                long before = workload.spansGenerated();
                ExportTraceServiceRequest request = workload.nextRequest(SpanCorpus.TRACES_PER_REQUEST);
                TracesData traces = TracesData.newBuilder().addAllResourceSpans(request.getResourceSpansList()).build();
                store.sink().append(SpanChunk.fromTraces(traces), SpanSink.TRACES_DATA, traces.toByteArray());
                sinceFlush += workload.spansGenerated() - before;
                if (sinceFlush >= FLUSH_EVERY_SPANS) {
                    store.flush();
                    sinceFlush = 0;
                }
            }
        }
    }

    private static List<String> probes(Path data) throws Exception {
        try (QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(data).withMaxRows(PROBES))) {
            List<String> ids = new ArrayList<>();
            for (List<Object> row : engine.query("SELECT trace_id FROM (SELECT DISTINCT trace_id FROM spans) "
                    + "ORDER BY hash(trace_id) LIMIT " + PROBES).rows()) {
                ids.add((String) row.get(0));
            }
            return ids;
        }
    }

    private static long compact(Path data, int rowGroupSpans) throws Exception {
        long started = System.nanoTime();
        // As contrail compact does: every partition closed, replaced files deleted at once.
        Store.compact(StoreConfig.defaults(data).withCompaction(compaction -> compaction.withRowGroupSpans(rowGroupSpans)),
                "the trace lookup benchmark", new PrintStream(OutputStream.nullOutputStream()));
        return (System.nanoTime() - started) / 1_000_000;
    }

    private interface Lookup {
        void run(String traceId) throws Exception;
    }

    private static String measure(String label, Path data, List<String> probes) throws Exception {
        try (QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(data))) {
            TraceQueries traces = new TraceQueries(engine);
            double[] index = time(probes, id -> traces.trace(id).orElseThrow());
            double[] scan = time(probes, id -> traces.traceByFullScan(id).orElseThrow());
            double[] sql = time(probes, id -> engine.query("SELECT count(*) FROM spans WHERE trace_id = '" + id + "'"));
            return String.format(Locale.ROOT, "| %s | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f | %.3f |", label,
                    index[0], index[1], scan[0], scan[1], sql[0], sql[1], index[0] / scan[0]);
        }
    }

    /** Median and p95 in milliseconds, after one warm-up pass over the first 10 probes. */
    private static double[] time(List<String> probes, Lookup lookup) throws Exception {
        for (String id : probes.subList(0, 10)) {
            lookup.run(id);
        }
        double[] millis = new double[probes.size()];
        for (int i = 0; i < probes.size(); i++) {
            long started = System.nanoTime();
            lookup.run(probes.get(i));
            millis[i] = (System.nanoTime() - started) / 1e6;
        }
        Arrays.sort(millis);
        return new double[] {millis[millis.length / 2], millis[(int) Math.ceil(millis.length * 0.95) - 1]};
    }

    /** The same per-partition merge without the sort, with the same writer options, for the size comparison. */
    private static long mergeInArrivalOrder(Path data, Path out) throws Exception {
        Files.createDirectories(out);
        long bytes = 0;
        DataLayout layout = new DataLayout(data);
        List<SpanFiles.SpanFile> files = SpanFiles.select(layout).live();
        try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = duckdb.createStatement()) {
            statement.execute("SET threads = 1");
            statement.execute("SET preserve_insertion_order = true");
            for (var partition : files.stream().map(SpanFiles.SpanFile::partition).distinct().toList()) {
                StringBuilder list = new StringBuilder();
                files.stream().filter(f -> f.partition().equals(partition)).sorted((a, b) -> a.path().compareTo(b.path()))
                        .forEach(f -> list.append(list.length() == 0 ? "'" : ", '").append(f.path()).append('\''));
                Path target = out.resolve(partition.date() + "-" + partition.hour() + ".parquet");
                statement.execute("COPY (SELECT * FROM read_parquet([" + list + "], union_by_name = true, "
                        + "hive_partitioning = false)) TO '" + target + "' (FORMAT parquet, COMPRESSION zstd, "
                        + "ROW_GROUP_SIZE " + StoreConfig.Compaction.DEFAULT_ROW_GROUP_SPANS + ")");
                bytes += Files.size(target);
            }
        }
        return bytes;
    }

    private static long bytes(Path data) throws Exception {
        long total = 0;
        for (Path file : SpanFiles.live(new DataLayout(data))) {
            total += Files.size(file);
        }
        return total;
    }

    private static Path copy(Path from, Path to) throws Exception {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (p.toString().endsWith(".parquet")) {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return to;
    }

    private static void deleteTree(Path root) throws Exception {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
