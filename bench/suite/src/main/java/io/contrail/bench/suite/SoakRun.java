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
 * loaded as fast as it acknowledges to measure its capacity, then left to write what it buffered,
 * then loaded at a fixed fraction of that capacity for a given time while {@link SoakQueries} asks
 * it questions and {@link SoakSampler} records its heap, memory and files every 10 s. Writes the
 * samples, the queries and the verdicts ({@link SoakVerdicts}: is the heap, the file count, the
 * resident memory and the query latency as high at the end as at the start?) to the output folder.
 *
 * <p>The load is the bench corpus sent over and over ({@link LiveRequests}: new trace IDs in every
 * pass, times moved to now) by {@link OtlpSender}'s clients, the same in both phases, so that the
 * sending side costs the shared cores as much while capacity is measured as during the soak.
 */
public final class SoakRun {

    static final String USAGE = """
            usage: bench/soak/run [options]

            Loads one Contrail server (-Xmx%s, compaction on) as fast as it acknowledges to measure its
            capacity, lets it write what it buffered, then loads it at a fraction of that capacity for a
            while, with a query every few seconds, sampling its heap after GC, resident memory, live
            files and files on disk every %d s. Writes README.md (verdicts), samples.csv, queries.csv and
            gc-heap.csv into the output folder.

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
    static final long DEFAULT_CAPACITY_SECONDS = 90;
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
            if (warmup < 0 || warmup >= capacitySeconds) {
                throw new IllegalArgumentException("--capacity-warmup-seconds must be at least 0 and less than "
                        + "--capacity-seconds (" + capacitySeconds + ")");
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
                  double capacityWindowSeconds, OtlpSender.Result capacityLoad, double drainSeconds, boolean drained,
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

            progress.printf(Locale.ROOT, "[3/5] capacity: %d clients as fast as acknowledged for %d s (the first %d s "
                    + "left out)%n", options.clients(), options.capacitySeconds(), options.capacityWarmupSeconds());
            OtlpSender capacitySender = new OtlpSender(server.baseUrl(), options.clients(), false);
            sampler.phase("capacity", capacitySender);
            long capacityStart = System.nanoTime();
            long deadline = capacityStart + TimeUnit.SECONDS.toNanos(options.capacitySeconds());
            long warmupEnd = capacityStart + TimeUnit.SECONDS.toNanos(options.capacityWarmupSeconds());
            LiveRequests capacityRequests = new LiveRequests(new SustainedRequests(corpus, deadline), null);
            ExecutorService sending = Executors.newSingleThreadExecutor(r -> {
                Thread thread = new Thread(r, "soak-load");
                thread.setDaemon(true);
                return thread;
            });
            Future<OtlpSender.Result> capacityLoad = sending.submit(() ->
                    capacitySender.send(capacityRequests, 0, "capacity", progress, () -> ""));
            sleepUntil(warmupEnd);
            long acknowledgedAtWarmup = capacitySender.spansAcknowledged();
            sleepUntil(deadline);
            long acknowledgedAtEnd = capacitySender.spansAcknowledged();
            double windowSeconds = options.capacitySeconds() - options.capacityWarmupSeconds();
            double capacity = (acknowledgedAtEnd - acknowledgedAtWarmup) / windowSeconds;
            OtlpSender.Result capacityResult = result(capacityLoad);
            progress.printf(Locale.ROOT, "  capacity: %,.0f spans/s acknowledged over the last %.0f s (%,d refused, "
                    + "%d errors)%n", capacity, windowSeconds, capacityResult.refused429() + capacityResult.refused503(),
                    capacityResult.errors().values().stream().mapToLong(Long::longValue).sum());
            if (capacity <= 0) {
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
            sampler.phase("soak", soakSender);
            SoakQueries queries = new SoakQueries(server.baseUrl(), soakRequests::recentTraceId,
                    Duration.ofSeconds(options.queryIntervalSeconds()));
            open.add(0, queries);
            Future<OtlpSender.Result> soakLoad = sending.submit(() ->
                    soakSender.send(soakRequests, 0, "soak", progress, () -> ""));
            queries.start();
            OtlpSender.Result soakResult = result(soakLoad);
            double soakSeconds = (System.nanoTime() - soakStart) / 1e9;
            queries.close();
            sampleAfterTheLoad(sampler);
            sampler.close();
            sending.shutdown();
            String loadAtEnd = loadAverages();
            List<HeapAfterGc> collections = HeapAfterGc.read(gcLog);
            server.close();
            List<String> logLines = Files.readAllLines(server.log(), StandardCharsets.UTF_8);
            List<String> warnings = logLines.stream().filter(line -> line.matches(".*\\b(WARN|ERROR)\\b.*")).toList();
            return new Result(options, date, commit, uncommitted, MachineInfo.current(), loadAtStart, loadAtEnd,
                    corpus.spanCount(), capacity, windowSeconds, capacityResult, drainSeconds, drained, target,
                    soakStartEpochMillis, soakSeconds, soakResult, sampler.samples(), queries.outcomes(), collections,
                    server.command(), warnings.stream().distinct().limit(SoakReport.WARNINGS_SHOWN).toList(),
                    warnings.size(), work);
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

    /** One more interval's samples once the load stopped, labelled "after". */
    private static void sampleAfterTheLoad(SoakSampler sampler) {
        sampler.phase("after", null);
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
        List<String> command = new ArrayList<>(List.of("git", "-C", repositoryRoot.toString()));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0 ? out : "unknown (git: " + out + ")";
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
