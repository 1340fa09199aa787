package io.contrail.columnar;

import io.contrail.workload.Workload;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.TracesData;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * CPU per span of compaction, the two-tier {@link Compactor} against an earlier one (compiled by
 * {@code bench/compaction/run} from git as {@code LegacyCompactor}), on the same flush files, in one
 * JVM, passes of the two interleaved. An hour partition fills: every {@code perPass} flush files are
 * copied into each variant's folder (same names, so the same flush numbers) and a background-style
 * pass runs; at the end an on-demand pass closes the hour. CPU is the process's CPU time during the
 * passes only (one DuckDB thread), divided by the spans flushed.
 */
public final class CompactionCpu {

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private record Regime(String name, int spansPerFlush, int flushesPerPass, long spans, int targetSpans) {
    }

    /** What one variant did in one regime. */
    private static final class Tally {
        long cpuNanos;
        long spansWritten;
        long merges;
        final long[] levelCpuNanos = new long[3];
        final long[] levelSpans = new long[3];
    }

    public static void main(String[] args) throws Exception {
        Path scratch = Files.createTempDirectory(args.length > 0 ? Path.of(args[0]) : Path.of(System.getProperty("java.io.tmpdir")),
                "contrail-compaction-cpu");
        List<Regime> regimes = List.of(
                new Regime("filling slowly: a pass per 1/20 of the target", 1_000, 5, 200_000, 100_000),
                new Regime("full rate: a pass per 3x the target", 5_000, 60, 900_000, 100_000));
        System.out.println("| regime | variant | spans flushed | spans rewritten | rewrites per span | merges | CPU s | CPU µs per span flushed | level-1 µs per span written | level-2 µs per span written | files after |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Regime regime : regimes) {
            Path source = scratch.resolve("source-" + regime.spansPerFlush());
            long flushed = load(source, regime);
            List<Path> flushFiles = new ArrayList<>(SpanFiles.live(new DataLayout(source)));
            flushFiles.sort(Comparator.comparingLong(DataLayout::flushSegmentOf).thenComparing(Path::toString));
            Path oldData = scratch.resolve("old-" + regime.spansPerFlush());
            Path newData = scratch.resolve("new-" + regime.spansPerFlush());
            Tally old = new Tally();
            Tally tiered = new Tally();
            DataLayout oldLayout = new DataLayout(oldData);
            DataLayout newLayout = new DataLayout(newData);
            Files.createDirectories(oldLayout.spansDir());
            Files.createDirectories(newLayout.spansDir());
            try (FileReaper oldReaper = new FileReaper(oldLayout, Duration.ZERO);
                 FileReaper newReaper = new FileReaper(newLayout, Duration.ZERO);
                 LegacyCompactor legacy = LegacyCompactor.open(oldLayout,
                         LegacyCompactor.Config.defaults().withTargetSpans(regime.targetSpans()), oldReaper);
                 Compactor compactor = Compactor.open(newLayout,
                         StoreConfig.Compaction.defaults().withTargetSpans(regime.targetSpans()), newReaper)) {
                for (int from = 0; from < flushFiles.size(); from += regime.flushesPerPass()) {
                    List<Path> batch = flushFiles.subList(from, Math.min(flushFiles.size(), from + regime.flushesPerPass()));
                    copy(source, batch, oldData);
                    copy(source, batch, newData);
                    long started = OS.getProcessCpuTime();
                    for (LegacyCompactor.Merge merge : legacy.compactOnce(silentLegacy()).merges()) {
                        old.spansWritten += merge.spans();
                        old.merges++;
                    }
                    old.cpuNanos += OS.getProcessCpuTime() - started;
                    runTiered(compactor, false, tiered);
                }
                long started = OS.getProcessCpuTime();
                for (LegacyCompactor.Merge merge : legacy.compactOnce(silentLegacy()).merges()) {
                    old.spansWritten += merge.spans();
                    old.merges++;
                }
                old.cpuNanos += OS.getProcessCpuTime() - started;
                runTiered(compactor, true, tiered);
            }
            print(regime, "before (one tier, every merge sorted)", flushed, old, SpanFiles.live(oldLayout).size());
            print(regime, "two tiers (level 1 union, level 2 sorted)", flushed, tiered, SpanFiles.live(newLayout).size());
            check(oldLayout, newLayout, flushed);
        }
        deleteTree(scratch);
    }

    private static void runTiered(Compactor compactor, boolean closeAll, Tally tally) throws Exception {
        long[] mark = {OS.getProcessCpuTime()};
        long started = mark[0];
        compactor.compactOnce(new Compactor.Progress() {
            @Override
            public void planned(int merges) {
            }

            @Override
            public void merged(int done, int of, Store.Merge merge) {
                long now = OS.getProcessCpuTime();
                tally.levelCpuNanos[merge.level()] += now - mark[0];
                tally.levelSpans[merge.level()] += merge.spans();
                tally.spansWritten += merge.spans();
                tally.merges++;
                mark[0] = now;
            }
        }, false, closeAll);
        tally.cpuNanos += OS.getProcessCpuTime() - started;
    }

    private static void print(Regime regime, String variant, long flushed, Tally t, int files) {
        System.out.printf(Locale.ROOT, "| %s | %s | %,d | %,d | %.2f | %d | %.1f | %.2f | %s | %s | %d |%n", regime.name(), variant,
                flushed, t.spansWritten, (double) t.spansWritten / flushed, t.merges, t.cpuNanos / 1e9,
                t.cpuNanos / 1e3 / flushed, perSpan(t, 1), perSpan(t, 2), files);
    }

    private static String perSpan(Tally t, int level) {
        return t.levelSpans[level] == 0 ? "" : String.format(Locale.ROOT, "%.2f", t.levelCpuNanos[level] / 1e3 / t.levelSpans[level]);
    }

    /** Both folders hold every span once. */
    private static void check(DataLayout oldLayout, DataLayout newLayout, long flushed) throws Exception {
        for (DataLayout layout : List.of(oldLayout, newLayout)) {
            try (var c = java.sql.DriverManager.getConnection("jdbc:duckdb:"); var s = c.createStatement();
                 var rs = s.executeQuery("SELECT count(*), count(DISTINCT (trace_id, span_id)) FROM read_parquet("
                         + SpanFiles.pathList(SpanFiles.live(layout)) + ", union_by_name = true)")) {
                rs.next();
                if (rs.getLong(1) != flushed || rs.getLong(2) != flushed) {
                    throw new IllegalStateException(layout.root() + ": " + rs.getLong(1) + " spans, " + rs.getLong(2)
                            + " distinct, expected " + flushed);
                }
            }
        }
    }

    /** Writes the regime's spans into flush files of {@code spansPerFlush}; returns how many. */
    private static long load(Path data, Regime regime) throws Exception {
        Workload workload = Workload.builder().seed(42).startTimeUnixNano(1_764_000_000_000_000_000L)
                .tracesPerSecond(25).build();
        try (Store store = Store.builder(StoreConfig.defaults(data)
                .withWrites(writes -> writes.withMaxBufferAge(Duration.ofHours(1)).withMaxBufferedSpans(Long.MAX_VALUE))
                .withCompaction(compaction -> compaction.withInterval(Duration.ZERO))).open()) {
            long sinceFlush = 0;
            while (workload.spansGenerated() < regime.spans()) {
                long before = workload.spansGenerated();
                ExportTraceServiceRequest request = workload.nextRequest(1);
                TracesData traces = TracesData.newBuilder().addAllResourceSpans(request.getResourceSpansList()).build();
                store.sink().append(SpanChunk.fromTraces(traces), SpanSink.TRACES_DATA, traces.toByteArray());
                sinceFlush += workload.spansGenerated() - before;
                if (sinceFlush >= regime.spansPerFlush()) {
                    store.flush();
                    sinceFlush = 0;
                }
            }
        }
        return workload.spansGenerated();
    }

    private static void copy(Path sourceRoot, List<Path> files, Path targetRoot) throws Exception {
        for (Path file : files) {
            Path target = targetRoot.resolve(sourceRoot.relativize(file));
            Files.createDirectories(target.getParent());
            Files.copy(file, target);
        }
    }

    private static LegacyCompactor.Progress silentLegacy() {
        return new LegacyCompactor.Progress() {
            @Override
            public void planned(int merges) {
            }

            @Override
            public void merged(int done, int of, LegacyCompactor.Merge merge) {
            }
        };
    }

    private static void deleteTree(Path root) throws Exception {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
