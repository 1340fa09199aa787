package io.contrail.bench.suite;

import io.contrail.bench.load.SendSchedule;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The soak run ({@code bench/soak/run}): one Contrail server, in a child JVM of its own started
 * from a private copy of {@code http/target/contrail.jar}, with its default compaction, is first
 * loaded as fast as it acknowledges to measure its capacity, while {@link SoakQueries} asks it the
 * soak's questions, then left to write what it buffered, then loaded at a fixed fraction of that
 * capacity for a given time with the same questions while {@link SoakSampler} records its heap,
 * memory and files every 10 s. Writes the samples, the queries and the verdicts
 * ({@link SoakVerdicts}: is the heap, the file count, the resident memory and the query latency as
 * high at the end as at the start?) to the output folder.
 *
 * <p>The capacity is the median of the acknowledged rates of the phase's whole 10-s windows after
 * its warm-up ({@link SoakVerdicts#capacity}). The soak's rate is a ceiling ({@link SendSchedule}:
 * behind, it sends at once); when a 60-s window acknowledged less than 95% of it, the run says on
 * the console and in its README that the target was not sustained and the flatness verdicts do not
 * apply, since they then describe an overloaded server.
 *
 * <p>The load is the bench corpus sent over and over ({@link LiveRequests}: new trace IDs in every
 * pass, times moved to now) by {@link OtlpSender}'s clients, the same in both phases, so that the
 * sending side costs the shared cores as much while capacity is measured as during the soak.
 */
public final class SoakRun {

    static final String USAGE = """
            usage: bench/soak/run [options]

            Loads one Contrail server (-Xmx%s, compaction on) as fast as it acknowledges to measure its
            capacity (the median acknowledged rate of its 10-s windows after the warm-up) while the
            soak's queries run, lets it write what it buffered, then loads it at a fraction of that
            capacity for a while with the same queries, sampling its heap after GC, resident memory, open
            files, files awaiting compaction, live files, files on disk and DuckDB's spill folder every %d s. Says so when the target rate was not
            sustained (a 60-s window under 95%% of it). Writes README.md (verdicts), samples.csv,
            queries.csv and gc-heap.csv into the output folder.

              --minutes M                 length of the soak (default %d)
              --fraction F                the soak's rate as a share of the measured capacity (default %s)
              --capacity-seconds S        length of the capacity phase (default %d)
              --capacity-warmup-seconds S its first seconds, left out of the capacity figure (default %d)
              --query-interval S          seconds between the starts of two rounds of queries (default %d)
              --clients N                 concurrent OTLP/HTTP clients in both phases (default %d)
              --corpus-spans N            spans in the corpus sent over and over (default %d)
              --out DIR                   where the results go (default bench/results/soak)
              --keep                      keep the scratch folder (server data, logs, corpus)
              --help                      this text
            """;

    static final String MAX_HEAP = ContrailServerProcess.DEFAULT_MAX_HEAP;
    static final long MAX_HEAP_BYTES = 1L << 30;
    static final double DEFAULT_MINUTES = 30;
    static final double DEFAULT_FRACTION = 0.8;
    /** With the warm-up, twelve 10-s windows for the capacity's median. */
    static final long DEFAULT_CAPACITY_SECONDS = 150;
    static final long DEFAULT_CAPACITY_WARMUP_SECONDS = 30;
    static final long DEFAULT_QUERY_INTERVAL_SECONDS = 5;
    static final long DEFAULT_CORPUS_SPANS = 1_000_000;
    static final long SEED = 42;
    /** Longest wait, between the phases, for the server to write its buffer and finish its merges. */
    static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(3);
    static final List<String> SERVE_ARGS = List.of("--grpc-port", "-1");

    /** What one soak run does. */
    record Options(double minutes, double fraction, long capacitySeconds, long capacityWarmupSeconds,
                   long queryIntervalSeconds, int clients, long corpusSpans, Path out, boolean keep, String command) {

        static Options parse(List<String> args) {
            double minutes = DEFAULT_MINUTES;
            double fraction = DEFAULT_FRACTION;
            long capacitySeconds = DEFAULT_CAPACITY_SECONDS;
            long warmup = DEFAULT_CAPACITY_WARMUP_SECONDS;
            long queryInterval = DEFAULT_QUERY_INTERVAL_SECONDS;
            int clients = OtlpSender.DEFAULT_CLIENTS;
            long corpusSpans = DEFAULT_CORPUS_SPANS;
            Path out = Path.of("bench", "results", "soak");
            boolean keep = false;
            for (int i = 0; i < args.size(); i++) {
                String option = args.get(i);
                switch (option) {
                    case "--minutes" -> minutes = positive(option, value(args, ++i, option));
                    case "--fraction" -> fraction = positive(option, value(args, ++i, option));
                    case "--capacity-seconds" -> capacitySeconds = (long) positive(option, value(args, ++i, option));
                    case "--capacity-warmup-seconds" -> warmup = (long) Double.parseDouble(value(args, ++i, option));
                    case "--query-interval" -> queryInterval = (long) positive(option, value(args, ++i, option));
                    case "--clients" -> clients = (int) positive(option, value(args, ++i, option));
                    case "--corpus-spans" -> corpusSpans = (long) positive(option, value(args, ++i, option));
                    case "--out" -> out = Path.of(value(args, ++i, option));
                    case "--keep" -> keep = true;
                    default -> throw new IllegalArgumentException("unknown option '" + option + "' (see --help)");
                }
            }
            if (fraction > 1) {
                throw new IllegalArgumentException("--fraction " + fraction + ": at most 1 (a share of the capacity)");
            }
            double window = SoakVerdicts.CAPACITY_WINDOW_SECONDS;
            if (warmup < 0 || Math.ceil(warmup / window) * window + window > capacitySeconds) {
                throw new IllegalArgumentException("--capacity-warmup-seconds must be at least 0 and leave a whole "
                        + (long) window + "-s window before --capacity-seconds (" + capacitySeconds + ") ends");
            }
            String command = "bench/soak/run" + (args.isEmpty() ? "" : " " + String.join(" ", args));
            return new Options(minutes, fraction, capacitySeconds, warmup, queryInterval, clients, corpusSpans, out,
                    keep, command);
        }

        private static String value(List<String> args, int i, String option) {
            if (i >= args.size()) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args.get(i);
        }

        private static double positive(String option, String value) {
            double d;
            try {
                d = Double.parseDouble(value.replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " " + value + ": not a number");
            }
            if (!(d > 0) || Double.isInfinite(d)) {
                throw new IllegalArgumentException(option + " " + value + ": must be positive");
            }
            return d;
        }

        double soakSeconds() {
            return minutes * 60;
        }
    }

    /** What the run measured, for {@link SoakReport}. */
    record Result(Options options, String date, String commit, int uncommittedChanges, BenchResults.Machine machine,
                  String loadAverageAtStart, String loadAverageAtEnd, long corpusSpans, double capacitySpansPerSecond,
                  double[] capacityWindowRates, OtlpSender.Result capacityLoad, double drainSeconds, boolean drained,
                  double targetSpansPerSecond, long soakStartEpochMillis, double soakSeconds,
                  OtlpSender.Result soakLoad, List<SoakSampler.Sample> samples, List<SoakQueries.Outcome> queries,
                  List<HeapAfterGc> collections, List<String> serverCommand, List<String> serverWarnings,
                  long serverWarningCount, Path scratch) {
    }

    private final Options options;
    private final Path repositoryRoot;
    private final PrintStream progress;

    SoakRun(Options options, Path repositoryRoot, PrintStream progress) {
        this.options = options;
        this.repositoryRoot = repositoryRoot;
        this.progress = progress;
    }

    public static void main(String[] args) {
        List<String> arguments = List.of(args);
        if (arguments.contains("--help") || arguments.contains("-h")) {
            System.out.printf(Locale.ROOT, USAGE, MAX_HEAP, SoakSampler.INTERVAL_SECONDS, (long) DEFAULT_MINUTES,
                    DEFAULT_FRACTION, DEFAULT_CAPACITY_SECONDS, DEFAULT_CAPACITY_WARMUP_SECONDS,
                    DEFAULT_QUERY_INTERVAL_SECONDS, OtlpSender.DEFAULT_CLIENTS, DEFAULT_CORPUS_SPANS);
            return;
        }
        Options options;
        try {
            options = Options.parse(arguments);
        } catch (IllegalArgumentException e) {
            System.err.println("bench/soak/run: " + e.getMessage());
            System.exit(2);
            return;
        }
        Path root = Path.of(System.getProperty("contrail.bench.repository",
                BenchOptions.findRepositoryRoot(Path.of("")).toString()));
        try {
            Result result = new SoakRun(options, root, System.out).run();
            Path readme = new SoakReport(result).write(options.out());
            System.out.println("written: " + readme);
            System.exit(0);
        } catch (Exception e) {
            System.err.println("bench/soak/run failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    Result run() throws Exception {
        String date = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        String commit = git("rev-parse", "--short", "HEAD");
        String status = git("status", "--porcelain");
        int uncommitted = status.isBlank() || status.startsWith("unknown") ? 0 : status.split("\n").length;
        String loadAtStart = loadAverages();
        Path work = Files.createTempDirectory("contrail-soak-");
        List<AutoCloseable> open = new ArrayList<>();
        Thread cleanup = new Thread(() -> closeAll(open), "soak-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            progress.printf(Locale.ROOT, "soak run: %s; git %s; load average %s; scratch folder %s%n", options.command(),
                    commit, loadAtStart, work);
            // The server runs from a copy: a build of http/ during the run cannot change the code under it.
            Path jar = Files.copy(repositoryRoot.resolve("http").resolve("target").resolve("contrail.jar"),
                    work.resolve("contrail.jar"));
            progress.printf(Locale.ROOT, "[1/5] corpus: %,d spans (seed %d)%n", options.corpusSpans(), SEED);
            SpanCorpus corpus = SpanCorpus.generate(work.resolve("corpus"), options.corpusSpans(), SEED, progress);

            progress.println("[2/5] starting the server");
            Path dataDir = work.resolve("server").resolve("data");
            Path gcLog = work.resolve("server").resolve("gc.log");
            Files.createDirectories(dataDir);
            ContrailServerProcess server = ContrailServerProcess.start(dataDir, work.resolve("server").resolve("server.log"),
                    gcLog, jar.toString(), MAX_HEAP, List.of(), SERVE_ARGS);
            open.add(server);
            progress.printf("  pid %d, %s%n", server.pid(), server.baseUrl());
            SoakSampler sampler = new SoakSampler(server, dataDir, gcLog, progress);
            open.add(0, sampler);
            sampler.start();

            progress.printf(Locale.ROOT, "[3/5] capacity: %d clients as fast as acknowledged for %d s with the query mix "
                    + "every %d s; the median of the 10-s windows' rates after the first %d s%n", options.clients(),
                    options.capacitySeconds(), options.queryIntervalSeconds(), options.capacityWarmupSeconds());
            OtlpSender capacitySender = new OtlpSender(server.baseUrl(), options.clients(), false);
            sampler.phase("capacity", capacitySender);
            long capacityStart = System.nanoTime();
            long deadline = capacityStart + TimeUnit.SECONDS.toNanos(options.capacitySeconds());
            LiveRequests capacityRequests = new LiveRequests(new SustainedRequests(corpus, deadline), null);
            SoakQueries capacityQueries = new SoakQueries(server.baseUrl(), "capacity", capacityRequests::recentTraceId,
                    Duration.ofSeconds(options.queryIntervalSeconds()));
            open.add(0, capacityQueries);
            ExecutorService sending = Executors.newSingleThreadExecutor(r -> {
                Thread thread = new Thread(r, "soak-load");
                thread.setDaemon(true);
                return thread;
            });
            Future<OtlpSender.Result> capacityLoad = sending.submit(() ->
                    capacitySender.send(capacityRequests, 0, "capacity", progress, () -> ""));
            capacityQueries.start();
            long windowNanos = (long) (SoakVerdicts.CAPACITY_WINDOW_SECONDS * 1e9);
            long[] acknowledgedAtWindowEnds = new long[(int) (options.capacitySeconds() / SoakVerdicts.CAPACITY_WINDOW_SECONDS)];
            for (int i = 0; i < acknowledgedAtWindowEnds.length; i++) {
                sleepUntil(capacityStart + (i + 1) * windowNanos);
                acknowledgedAtWindowEnds[i] = capacitySender.spansAcknowledged();
            }
            double[] windowRates = SoakVerdicts.capacityWindowRates(acknowledgedAtWindowEnds,
                    options.capacityWarmupSeconds());
            double capacity = SoakVerdicts.capacity(windowRates);
            OtlpSender.Result capacityResult = result(capacityLoad);
            capacityQueries.close();
            progress.printf(Locale.ROOT, "  capacity: %,.0f spans/s, the median of %d 10-s windows after the warm-up "
                            + "(spans/s: %s); %,d refused, %d errors; %d queries asked%n", capacity, windowRates.length,
                    rateList(windowRates), capacityResult.refused429() + capacityResult.refused503(),
                    capacityResult.errors().values().stream().mapToLong(Long::longValue).sum(),
                    capacityQueries.outcomes().size());
            if (!(capacity > 0)) {
                throw new IOException("nothing was acknowledged while the capacity was measured; the server's log:\n"
                        + server.logTail());
            }

            progress.printf(Locale.ROOT, "[4/5] drain: waiting (at most %d s) for the buffer to be written and the "
                    + "merges to finish%n", DRAIN_TIMEOUT.toSeconds());
            sampler.phase("drain", null);
            long drainStart = System.nanoTime();
            boolean drained = awaitDrained(sampler, drainStart + DRAIN_TIMEOUT.toNanos());
            double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
            progress.printf(Locale.ROOT, "  %s after %.0f s%n", drained ? "drained" : "NOT drained", drainSeconds);

            double target = options.fraction() * capacity;
            progress.printf(Locale.ROOT, "[5/5] soak: %,.0f spans/s (%.0f%% of %,.0f) for %s min, queries every %d s%n",
                    target, 100 * options.fraction(), capacity, trim(options.minutes()), options.queryIntervalSeconds());
            OtlpSender soakSender = new OtlpSender(server.baseUrl(), options.clients(), false);
            long soakStartEpochMillis = System.currentTimeMillis();
            long soakStart = System.nanoTime();
            long soakDeadline = soakStart + (long) (options.soakSeconds() * 1e9);
            LiveRequests soakRequests = new LiveRequests(new SustainedRequests(corpus, soakDeadline),
                    new SendSchedule(target, soakStart));
            sampler.phase("soak", soakSender, target);
            SoakQueries queries = new SoakQueries(server.baseUrl(), "soak", soakRequests::recentTraceId,
                    Duration.ofSeconds(options.queryIntervalSeconds()));
            open.add(0, queries);
            Future<OtlpSender.Result> soakLoad = sending.submit(() ->
                    soakSender.send(soakRequests, 0, "soak", progress, () -> ""));
            queries.start();
            OtlpSender.Result soakResult = result(soakLoad);
            double soakSeconds = (System.nanoTime() - soakStart) / 1e9;
            sampler.phase("after", null);
            queries.close();
            sampleAfterTheLoad(sampler);
            sampler.close();
            sending.shutdown();
            String loadAtEnd = loadAverages();
            List<HeapAfterGc> collections = HeapAfterGc.read(gcLog);
            server.close();
            List<String> logLines = Files.readAllLines(server.log(), StandardCharsets.UTF_8);
            List<String> warnings = logLines.stream().filter(line -> line.matches(".*\\b(WARN|ERROR)\\b.*")).toList();
            List<SoakQueries.Outcome> asked = new ArrayList<>(capacityQueries.outcomes());
            asked.addAll(queries.outcomes());
            Result result = new Result(options, date, commit, uncommitted, MachineInfo.current(), loadAtStart, loadAtEnd,
                    corpus.spanCount(), capacity, windowRates, capacityResult, drainSeconds, drained, target,
                    soakStartEpochMillis, soakSeconds, soakResult, sampler.samples(), asked, collections,
                    server.command(), warnings.stream().distinct().limit(SoakReport.WARNINGS_SHOWN).toList(),
                    warnings.size(), work);
            printRate(result);
            return result;
        } finally {
            closeAll(open);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs anyway
            }
            if (options.keep()) {
                progress.println("kept the scratch folder " + work);
            } else {
                DuckDbLimitPeer.deleteTree(work);
            }
        }
    }

    /** Whether the soak kept its target, on the console: loudly when it did not. */
    private void printRate(Result result) {
        SoakVerdicts.Sustained sustained = SoakReport.sustained(result);
        double achieved = result.soakLoad().spansAcknowledged() / result.soakSeconds();
        progress.printf(Locale.ROOT, "  soak: %,.0f spans/s acknowledged of a target of %,.0f (%.0f%%); slowest 60-s "
                        + "window %,.0f spans/s (%.0f%%); %d of %d 60-s windows under %.0f%% of the target%n", achieved,
                result.targetSpansPerSecond(), 100 * achieved / result.targetSpansPerSecond(),
                sustained.lowest() == null ? Double.NaN : sustained.lowest().value(), 100 * sustained.lowestShare(),
                sustained.shortWindows(), sustained.windows(), 100 * SoakVerdicts.SUSTAINED_SHARE);
        if (!sustained.sustained()) {
            progress.println("  !! " + SoakReport.NOT_SUSTAINED);
        }
    }

    private static String rateList(double[] rates) {
        List<String> each = new ArrayList<>();
        for (double rate : rates) {
            each.add(String.format(Locale.ROOT, "%,.0f", rate));
        }
        return String.join(" ", each);
    }

    /** One more interval's samples once the load stopped (the phase already labelled "after"). */
    private static void sampleAfterTheLoad(SoakSampler sampler) {
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(SoakSampler.INTERVAL_SECONDS + 1));
    }

    private boolean awaitDrained(SoakSampler sampler, long deadlineNanos) {
        while (System.nanoTime() < deadlineNanos) {
            var health = sampler.health();
            if (health.path("spansBuffered").asLong(-1) == 0 && health.path("compactionPending").asLong(-1) == 0) {
                return true;
            }
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
        }
        return false;
    }

    private static OtlpSender.Result result(Future<OtlpSender.Result> load) throws Exception {
        try {
            return load.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        SendSchedule.sleepUntil(nanos);
    }

    private static void closeAll(List<AutoCloseable> open) {
        synchronized (open) {
            for (AutoCloseable closeable : open) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    System.err.println("closing " + closeable + " failed: " + e);
                }
            }
            open.clear();
        }
    }

    /** The 1, 5 and 15 minute load averages of /proc/loadavg. */
    static String loadAverages() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    static String trim(double number) {
        return number == Math.rint(number) ? Long.toString((long) number) : Double.toString(number);
    }

    private String git(String... args) {
        return BenchRun.git(repositoryRoot, args);
    }
}
