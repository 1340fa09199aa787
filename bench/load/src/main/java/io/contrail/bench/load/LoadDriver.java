package io.contrail.bench.load;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Drives OTLP/HTTP load against a running Contrail server and reports what it acknowledged: the
 * first piece of the ingest benchmark ({@code bench/load/run} starts a fresh server around it).
 *
 * <p>A run: read {@code /health}; generate requests from the seeded workload into a bounded
 * {@link RequestQueue} until it is full or holds the whole run; then start the clock and the
 * {@link ExportClient}s, which post until the span total or the duration is reached, while a
 * {@link ProcessSampler} watches the server's CPU and memory; read {@code /health} again and
 * report. Progress goes to stderr, the summary to stdout. Exit status 0 when every request was
 * acknowledged, 1 when some were not, 2 for bad options or an unreachable server.
 *
 * <p>Usage: see {@link LoadOptions#USAGE} or {@code --help}.
 */
public final class LoadDriver {

    /** Longest wait for generation to fill the queue before timing starts anyway. */
    static final long PREGENERATION_TIMEOUT_SECONDS = 600;

    private static final PrintStream OUT =
            new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    private static final PrintStream PROGRESS =
            new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);

    private LoadDriver() {
    }

    public static void main(String[] args) throws Exception {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            OUT.print(LoadOptions.USAGE);
            return;
        }
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            PROGRESS.println("load driver: " + e.getMessage());
            System.exit(2);
            return;
        }
        ServerHealth before;
        try {
            before = ServerHealth.fetch(options.baseUrl());
        } catch (IOException e) {
            PROGRESS.println("load driver: cannot read " + options.baseUrl() + "/health: " + e);
            System.exit(2);
            return;
        }
        LoadReport report = run(options, before);
        report.print(OUT);
        if (options.jsonOut() != null) {
            report.writeJson(options.jsonOut());
            PROGRESS.println("report written to " + options.jsonOut().toAbsolutePath());
        }
        boolean allAcknowledged = report.refusals().otherErrors() == 0 && report.refusals().failedSpans() == 0
                && report.throughput().acknowledgedSpans() > 0 && report.generation().failure() == null;
        System.exit(allAcknowledged ? 0 : 1);
    }

    static LoadReport run(LoadOptions options, ServerHealth before) throws InterruptedException {
        Instant startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        RequestQueue queue = new RequestQueue(options.bufferBytes());
        RequestProducer producer = new RequestProducer(options, queue, System.currentTimeMillis() * 1_000_000L);
        Thread producerThread = new Thread(producer, "load-request-producer");
        producerThread.setDaemon(true);

        PROGRESS.printf(Locale.ROOT, "generating requests (up to %,d MB held in memory) …%n", options.bufferBytes() >> 20);
        long generationStart = System.nanoTime();
        producerThread.start();
        if (!queue.awaitFilled(PREGENERATION_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            PROGRESS.println("generation is still filling the buffer after " + PREGENERATION_TIMEOUT_SECONDS
                    + " s; starting anyway");
        }
        producer.timingStarts();
        queue.timingStarts();
        RequestProducer.Stats generated = producer.stats();
        PROGRESS.printf(Locale.ROOT, "generated %,d spans in %,d requests (%,d MB) in %.1f s; %s%n", generated.spans(),
                generated.requests(), queue.bytesHeld() >> 20, (System.nanoTime() - generationStart) / 1e9,
                generated.spans() >= options.totalSpans() ? "the whole run is in memory"
                        : "the producer refills the buffer during the run");

        LoadCounters counters = new LoadCounters();
        ProcessSampler sampler = new ProcessSampler(options.serverPid(), counters.acknowledgedSpans::sum, PROGRESS);
        PROGRESS.println("sending: " + options.describe());
        sampler.start();
        // The clock starts before the clients are made, so the schedule and deadline include their start-up.
        CountDownLatch startSignal = new CountDownLatch(1);
        long startNanos = System.nanoTime();
        long deadlineNanos = options.timed() ? startNanos + TimeUnit.SECONDS.toNanos(options.durationSeconds())
                : Long.MAX_VALUE;
        SendSchedule schedule = options.spansPerSecond() > 0 ? new SendSchedule(options.spansPerSecond(), startNanos) : null;
        List<ExportClient> clients = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < options.clients(); i++) {
            // Several servers: client i sends to the (i mod n)-th, so the load splits evenly.
            ExportClient client = new ExportClient(options.urls().get(i % options.urls().size()), queue, schedule,
                    deadlineNanos, startSignal, counters);
            clients.add(client);
            Thread thread = new Thread(client, "load-client-" + i);
            thread.start();
            threads.add(thread);
        }
        startSignal.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        long endNanos = counters.lastAcknowledgedNanos() > 0 ? counters.lastAcknowledgedNanos() : System.nanoTime();
        sampler.close();
        producer.stop();
        producerThread.interrupt();

        ServerHealth delta = null;
        long spansWrittenToParquet = -1;
        if (options.urls().size() > 1) {
            PROGRESS.println("several servers: the /health delta of the first alone would not match the load; not read");
        } else {
            try {
                ServerHealth after = ServerHealth.fetch(options.baseUrl());
                delta = after.since(before);
                spansWrittenToParquet = delta.spansAccepted() - (after.spansBuffered() - before.spansBuffered());
            } catch (IOException e) {
                PROGRESS.println("cannot read /health after the run: " + e);
            }
        }

        List<LatencyLog> logs = new ArrayList<>();
        clients.forEach(c -> logs.add(c.latencies()));
        long[] latencies = LatencyLog.mergeSorted(logs);
        double seconds = Math.max(1e-9, (endNanos - startNanos) / 1e9);
        long spans = counters.acknowledgedSpans.sum();
        long wireBytes = counters.acknowledgedWireBytes.sum();
        List<ProcessSampler.Sample> samples = sampler.samples();
        double[] perSecond = LoadReport.perSecondRates(samples, endNanos);
        var throughput = new LoadReport.Throughput(spans, counters.acknowledgedRequests.sum(), seconds, spans / seconds,
                wireBytes / seconds / 1e6, spans > 0 ? (double) wireBytes / spans : 0, perSecond[0], perSecond[1],
                perSecond[2], spansWrittenToParquet);
        var refusals = new LoadReport.Refusals(counters.refused429.sum(), counters.refused503.sum(),
                counters.errorCount(), counters.errorsByKind(), counters.failedSpans.sum(),
                counters.abandonedSpans.sum(), counters.partiallyRejectedSpans.sum());
        return new LoadReport(startedAt.toString(), options.urls().stream().map(Object::toString)
                .collect(java.util.stream.Collectors.joining(",")), options.describe(), throughput,
                LoadReport.Latency.of(latencies), refusals, delta, sampler.resourceUse(), producer.stats(),
                queue.clientWaitNanos() / 1e9, LoadReport.timeline(samples));
    }
}
