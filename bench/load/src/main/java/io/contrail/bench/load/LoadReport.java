package io.contrail.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of one load run: printed as a one-screen summary, optionally written as JSON.
 * Megabytes are 10^6 bytes; CPU is in percent of one core (all cores busy = cores × 100).
 */
record LoadReport(String startedAt, String url, String settings, Throughput throughput, Latency latency,
                  Refusals refusals, ServerHealth serverDelta, ProcessSampler.ResourceUse resources,
                  RequestProducer.Stats generation, double clientWaitSeconds, List<TimelinePoint> timeline) {

    /** Acknowledged (HTTP 200) spans only; the clock runs from the first send to the last acknowledgement. */
    record Throughput(long acknowledgedSpans, long acknowledgedRequests, double seconds, double spansPerSecond,
                      double wireMegabytesPerSecond, double wireBytesPerSpan, double perSecondMin,
                      double perSecondMedian, double perSecondMax, long spansWrittenToParquet) {

        /**
         * Spans the server moved from its buffer into Parquet while the run lasted, per second: what
         * it can keep up with once its buffer is full. -1 when /health could not be read.
         */
        double parquetSpansPerSecond() {
            return spansWrittenToParquet < 0 ? -1 : spansWrittenToParquet / seconds;
        }
    }

    /** Acknowledgement latency of each acknowledged attempt: send to complete response. */
    record Latency(long requests, double p50Millis, double p90Millis, double p99Millis, double maxMillis,
                   double meanMillis) {

        static Latency of(long[] sortedNanos) {
            double mean = sortedNanos.length == 0 ? 0 : Arrays.stream(sortedNanos).average().orElse(0) / 1e6;
            return new Latency(sortedNanos.length, millis(LatencyLog.percentile(sortedNanos, 0.50)),
                    millis(LatencyLog.percentile(sortedNanos, 0.90)), millis(LatencyLog.percentile(sortedNanos, 0.99)),
                    millis(sortedNanos.length == 0 ? 0 : sortedNanos[sortedNanos.length - 1]), mean);
        }

        private static double millis(long nanos) {
            return nanos / 1e6;
        }
    }

    /** What was not acknowledged, and the refusals that were retried. */
    record Refusals(long http429, long http503, long otherErrors, Map<String, Long> errorsByKind, long failedSpans,
                    long abandonedSpans, long partiallyRejectedSpans) {
    }

    /** Acknowledged spans and the server's state at one sample, {@code seconds} after the start. */
    record TimelinePoint(double seconds, long acknowledgedSpans, long serverRssBytes) {
    }

    static List<TimelinePoint> timeline(List<ProcessSampler.Sample> samples) {
        List<TimelinePoint> points = new ArrayList<>();
        long start = samples.get(0).nanos();
        for (ProcessSampler.Sample s : samples) {
            points.add(new TimelinePoint(Math.round((s.nanos() - start) / 1e6) / 1e3, s.acknowledgedSpans(),
                    s.serverRssBytes()));
        }
        return points;
    }

    /** Acknowledged spans/s over each whole second of the samples: {min, median, max}; zeros if under a second. */
    static double[] perSecondRates(List<ProcessSampler.Sample> samples, long lastAcknowledgedNanos) {
        int step = (int) (1000 / ProcessSampler.INTERVAL_MILLIS);
        List<Double> rates = new ArrayList<>();
        for (int i = step; i < samples.size(); i += step) {
            ProcessSampler.Sample from = samples.get(i - step);
            ProcessSampler.Sample to = samples.get(i);
            if (to.nanos() > lastAcknowledgedNanos) {
                break; // the tail after the last acknowledgement is not throughput
            }
            rates.add((to.acknowledgedSpans() - from.acknowledgedSpans()) / ((to.nanos() - from.nanos()) / 1e9));
        }
        if (rates.isEmpty()) {
            return new double[] {0, 0, 0};
        }
        rates.sort(null);
        return new double[] {rates.get(0), rates.get(rates.size() / 2), rates.get(rates.size() - 1)};
    }

    void print(PrintStream out) {
        Throughput t = throughput;
        out.println();
        out.println("Contrail ingest load — " + url + " — " + startedAt);
        out.println("  " + settings);
        out.printf(Locale.ROOT, "  acknowledged   %,d spans in %,d requests in %.2f s%n", t.acknowledgedSpans(),
                t.acknowledgedRequests(), t.seconds());
        out.printf(Locale.ROOT, "  throughput     %,.0f spans/s   %.1f MB/s on the wire (%.0f B/span)%n",
                t.spansPerSecond(), t.wireMegabytesPerSecond(), t.wireBytesPerSpan());
        out.printf(Locale.ROOT, "  per second     min %,.0f   median %,.0f   max %,.0f spans/s%n", t.perSecondMin(),
                t.perSecondMedian(), t.perSecondMax());
        if (t.spansWrittenToParquet() >= 0) {
            out.printf(Locale.ROOT, "  into Parquet   %,d spans during the run = %,.0f spans/s (the rest was still buffered"
                    + " at the end)%n", t.spansWrittenToParquet(), t.parquetSpansPerSecond());
        }
        out.printf(Locale.ROOT, "  ack latency    p50 %.1f ms   p90 %.1f ms   p99 %.1f ms   max %.1f ms   mean %.1f ms%n",
                latency.p50Millis(), latency.p90Millis(), latency.p99Millis(), latency.maxMillis(), latency.meanMillis());
        out.printf(Locale.ROOT, "  refused        429: %,d   503: %,d (each retried after Retry-After)%n",
                refusals.http429(), refusals.http503());
        out.printf(Locale.ROOT, "  not acked      errors: %,d   spans failed: %,d   abandoned at the deadline: %,d"
                + "   rejected in a 200: %,d%n", refusals.otherErrors(), refusals.failedSpans(),
                refusals.abandonedSpans(), refusals.partiallyRejectedSpans());
        refusals.errorsByKind().forEach((kind, count) -> out.printf(Locale.ROOT, "                 %,d × %s%n", count, kind));
        if (serverDelta != null) {
            ServerHealth h = serverDelta;
            String check = h.spansAccepted() == t.acknowledgedSpans() ? "= acknowledged"
                    : String.format(Locale.ROOT, "≠ %,d acknowledged", t.acknowledgedSpans());
            out.printf(Locale.ROOT, "  server health  spansAccepted +%,d (%s)   WAL fsyncs +%,d (%,.0f spans/fsync)%n",
                    h.spansAccepted(), check, h.walFsyncs(),
                    h.walFsyncs() > 0 ? (double) h.spansAccepted() / h.walFsyncs() : 0);
            out.printf(Locale.ROOT, "                 files +%,d   Parquet +%.1f MB   still buffered %,d spans"
                    + "   requestsRefused +%,d   flushFailures +%,d%n", h.filesWritten(),
                    h.parquetBytesWritten() / 1e6, h.spansBuffered(), h.requestsRefused(), h.flushFailures());
        }
        ProcessSampler.ResourceUse r = resources;
        if (r.serverSampled()) {
            out.printf(Locale.ROOT, "  server         CPU %.0f%% (of %d%% = %d cores)   peak RSS %,d MB (VmHWM %,d MB)%n",
                    r.serverCpuPercent(), r.cores() * 100, r.cores(), r.serverPeakRssBytes() >> 20,
                    r.serverHwmBytes() >> 20);
        } else {
            out.println("  server         CPU and memory not sampled (give --server-pid)");
        }
        if (r.serverNote() != null) {
            out.println("                 " + r.serverNote());
        }
        out.printf(Locale.ROOT, "  same machine   load driver CPU %.0f%%   other processes %.0f%%   iowait %.0f%%%n",
                r.driverCpuPercent(), r.otherCpuPercent(), r.iowaitPercent());
        RequestProducer.Stats g = generation;
        out.printf(Locale.ROOT, "  generation     %,d spans (%.0f B/span protobuf, %.0f B/span gzipped) at %,.0f spans/s"
                + " on one thread; %,d before timing%n", g.spans(), g.otlpBytesPerSpan(), g.gzipBytesPerSpan(),
                g.spansPerSecond(), g.spansBeforeTiming());
        out.printf(Locale.ROOT, "                 clients waited %.2f s in all for requests to be generated%s%n",
                clientWaitSeconds, clientWaitSeconds > 0.05 * t.seconds() ? "  ← GENERATION HELD THE RUN BACK" : "");
        if (g.failure() != null) {
            out.println("                 generation failed: " + g.failure());
        }
    }

    void writeJson(Path file) throws IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), this);
    }
}
