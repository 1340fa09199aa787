package io.contrail.columnar;

import io.contrail.workload.Workload;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Thread CPU per span of building one Parquet file's Arrow batch, span by span from SpanRefs
 * ({@link ArrowSpanBatch#fromSpanRefs}) against column by column from span chunks
 * ({@link ArrowSpanBatch#build}), on the same spans of the seeded shop workload, in one JVM, the two
 * interleaved round by round. Only the build is measured: the spans are decoded (SpanRefs) or
 * chunked (SpanChunk.fromTraces) beforehand, and DuckDB's COPY is not run. Thread CPU is the
 * building thread's; process CPU adds the collector's (and any other JVM thread's) during the build.
 * See README.md.
 *
 *   ArrowBuildCpu [requests=365] [rounds=15]   (20 traces per request, ~274 spans each)
 */
public final class ArrowBuildCpu {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    public static void main(String[] args) throws Exception {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : 365;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        Workload workload = Workload.builder().seed(42).startTimeUnixNano(1_764_000_000_000_000_000L).build();
        List<SpanRef> refs = new ArrayList<>();
        List<ChunkRows> chunks = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            TracesData traces = TracesData.parseFrom(workload.nextRequest(20).toByteArray());
            for (ResourceSpans resourceSpans : traces.getResourceSpansList()) {
                for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
                    for (Span span : scopeSpans.getSpansList()) {
                        refs.add(new SpanRef(resourceSpans.getResource(), scopeSpans.getScope(), span));
                    }
                }
            }
            chunks.add(new ChunkRows(SpanChunk.fromTraces(traces), null, null));
        }
        int spans = refs.size();
        System.out.printf(Locale.ROOT, "%d spans in %d requests; %s; %d rounds after 3 of warm-up%n", spans, requests,
                Runtime.version(), rounds);
        long[][] cpu = new long[2][rounds];
        long[][] processCpu = new long[2][rounds];
        long[][] allocated = new long[2][rounds];
        long[] gcMillis = new long[2];
        try (BufferAllocator allocator = new RootAllocator()) {
            for (int round = -3; round < rounds; round++) {
                for (int variant = 0; variant < 2; variant++) {
                    // Alternate which goes first, so neither always runs right after the other's garbage.
                    int v = (round & 1) == 0 ? variant : 1 - variant;
                    // A collection now, outside the clock, so that neither build pays for the other's garbage.
                    System.gc();
                    long gc0 = gcMillis();
                    long bytes0 = THREADS.getCurrentThreadAllocatedBytes();
                    long process0 = OS.getProcessCpuTime();
                    long cpu0 = THREADS.getCurrentThreadCpuTime();
                    int rows;
                    try (ArrowSpanBatch batch = v == 0
                            ? ArrowSpanBatch.fromSpanRefs(allocator, refs, new AttributeShapes())
                            : ArrowSpanBatch.build(allocator, chunks, new AttributeShapes())) {
                        rows = batch.rowCount();
                    }
                    long cpuNanos = THREADS.getCurrentThreadCpuTime() - cpu0;
                    long processNanos = OS.getProcessCpuTime() - process0;
                    long gcMs = gcMillis() - gc0;
                    long bytes = THREADS.getCurrentThreadAllocatedBytes() - bytes0;
                    if (rows != spans) {
                        throw new IllegalStateException("variant " + v + " built " + rows + " rows of " + spans);
                    }
                    if (round >= 0) {
                        cpu[v][round] = cpuNanos;
                        processCpu[v][round] = processNanos;
                        gcMillis[v] += gcMs;
                        allocated[v][round] = bytes;
                    }
                }
            }
        }
        String[] names = {"old: fromSpanRefs (List<SpanRef>)", "new: build (List<ChunkRows>)"};
        System.out.println("| build | thread CPU µs/span, median | min | max | process CPU µs/span, median | heap allocated B/span | GC ms per build |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        for (int v = 0; v < 2; v++) {
            long[] c = cpu[v].clone();
            long[] a = allocated[v].clone();
            Arrays.sort(c);
            Arrays.sort(a);
            System.out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f | %.0f | %.1f |%n", names[v], c[rounds / 2] / 1e3 / spans,
                    c[0] / 1e3 / spans, c[rounds - 1] / 1e3 / spans, median(processCpu[v]) / 1e3 / spans,
                    (double) a[rounds / 2] / spans, (double) gcMillis[v] / rounds);
        }
        System.out.printf(Locale.ROOT, "old ÷ new, median thread CPU: %.2f; median process CPU: %.2f%n",
                (double) median(cpu[0]) / median(cpu[1]), (double) median(processCpu[0]) / median(processCpu[1]));
    }

    /** Milliseconds the collectors spent so far, all of them. */
    private static long gcMillis() {
        long millis = 0;
        for (java.lang.management.GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            millis += Math.max(0, gc.getCollectionTime());
        }
        return millis;
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
