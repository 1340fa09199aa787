package io.contrail.bench.suite;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How a benchmark run is set up, parsed from {@code bench/run}'s arguments ({@link #USAGE}).
 *
 * @param mode                one of quick, full, smoke, custom (from --spans)
 * @param spans               spans in the corpus (whole traces: a few more)
 * @param zipkinSpans         the share of the corpus the Zipkin peer loads (its first whole requests holding
 *                            this many spans); the probes lie within it, whichever peers run
 * @param peers               peer names, in the order they load and appear in tables
 * @param rounds              timed query rounds, after {@code warmupRounds}
 * @param outDir              where RESULTS.md goes; JSON and charts go to {@code outDir/results}
 * @param workDir             scratch folder (corpus, data folders); null for a new temporary one
 * @param startTimeoutSeconds a peer that has not started by then is recorded as unavailable
 * @param explain             also record EXPLAIN ANALYZE of every query on the DuckDB-dialect peers
 * @param serverArgs          more options of {@code contrail serve} for the Contrail peer's server
 * @param corpusGzip          store the corpus gzip'd whatever the free disk ({@link CorpusStorageChoice} decides
 *                            otherwise)
 */
public record BenchOptions(String mode, long spans, long zipkinSpans, List<String> peers, int rounds, int warmupRounds, int clients,
                           boolean gzip, boolean corpusGzip, long seed, String serverMaxHeap, List<String> serverJvmArgs,
                           List<String> serverArgs, Path outDir, Path workDir, boolean keep, long startTimeoutSeconds,
                           boolean explain, Path repositoryRoot, String command, long sustainedSeconds) {

    public static final long QUICK_SPANS = 1_000_000;
    public static final long FULL_SPANS = 10_000_000;
    public static final long SMOKE_SPANS = 3_000;
    public static final int DEFAULT_ROUNDS = 5;
    public static final int DEFAULT_WARMUP_ROUNDS = 1;
    public static final long DEFAULT_SEED = 42;
    public static final long DEFAULT_START_TIMEOUT_SECONDS = 300;
    /** The duration issue 16 names for the sustained figure. */
    public static final long SUSTAINED_GOAL_SECONDS = 600;
    /** Peers measured in every run unless --peers says otherwise, in table order. */
    public static final List<String> ALL_PEERS = List.of(ContrailPeer.NAME, NullSinkPeer.NAME, DuckDbLimitPeer.NAME,
            "postgresql", "zipkin-mysql", "clickhouse", "clickhouse-fsync", "clickhouse-jaeger");
    /** Peers a smoke run starts by default: the ones that start in seconds. */
    public static final List<String> SMOKE_PEERS = List.of(ContrailPeer.NAME, NullSinkPeer.NAME, DuckDbLimitPeer.NAME,
            "postgresql", "clickhouse", "clickhouse-jaeger");
    /** Peers of a sustained run unless --peers says otherwise. */
    public static final List<String> SUSTAINED_PEERS = List.of(ContrailPeer.NAME);

    public static final String USAGE = """
            bench/run [--quick | --full | --smoke | --spans N] [--sustained SECONDS] [options]

              --quick               1,000,000 spans (the default)
              --full                10,000,000 spans
              --smoke               3,000 spans, peers that start in seconds (contrail, nullsink, duckdb-limit,
                                    postgresql, clickhouse, clickhouse-jaeger),
                                    3 rounds; a check that the suite works, not a measurement
              --spans N             N spans
              --sustained SECONDS   a sustained run: Contrail alone (unless --peers says more) is loaded for SECONDS,
                                    the corpus (--quick, --spans …) sent over and over with new trace IDs in each
                                    pass; then everything is measured as ever but the query suite. Issue 16's
                                    figure: bench/run --sustained 600 --out DIR (DIR/RESULTS.md, not bench/'s)
              --peers a,b,…         peers to measure (default: contrail,nullsink,duckdb-limit,postgresql,
                                    zipkin-mysql,clickhouse,clickhouse-fsync,clickhouse-jaeger); nullsink is a
                                    Javalin server that only reads the OTLP bodies, loaded like Contrail, for the
                                    ceiling HTTP sets; the ClickHouse peers run
                                    chDB under Node.js from bench/clickhouse (bench/clickhouse/install;
                                    bench/run runs it)
              --zipkin-spans N      the Zipkin peer loads only the first N spans of the corpus (default 50,000):
                                    it stores ~130 spans/s here; RESULTS.md says so beside its figures
              --rounds N            timed query rounds after one warm-up (default 5; the median is reported)
              --clients N           concurrent OTLP/HTTP clients loading Contrail and the null sink (default 8)
              --gzip                send OTLP bodies gzipped
              --corpus-gzip         store the corpus file gzip'd (~81 B/span instead of ~625): the load clients
                                    then decompress each request and send OTLP protobuf as ever (gzip'd only
                                    with --gzip), in the benchmark JVM. Chosen by itself when the raw corpus
                                    (reckoned at 650 B/span) would take more than half the free disk of the
                                    scratch folder, e.g. --spans 100000000 (~62 GB raw, ~8 GB gzip'd); the run
                                    says which at its start and RESULTS.md records it
              --seed N              workload seed (default 42)
              --server-xmx SIZE     the Contrail server's -Xmx (default 1g, the heap goal), and the null sink's
              --server-jvm-arg ARG  another JVM option for the Contrail server (repeatable), e.g.
                                    -XX:StartFlightRecording=filename=/tmp/contrail.jfr
              --server-arg ARG      another option of `contrail serve` (repeatable), e.g. --query-timeout=600: at
                                    100M spans a suite query can take longer than its default 30 s
              --out DIR             where RESULTS.md goes (default: bench/); results/suite.json and charts beside it
              --work DIR            scratch folder (default: a new temporary folder, deleted afterwards)
              --keep                keep the scratch folder (corpus, data folders, server log)
              --start-timeout S     a peer not started after S seconds is recorded as unavailable (default 300)
              --no-explain          skip recording EXPLAIN ANALYZE plans (results/suite-explain.md)
            """;

    /** Parses arguments; {@code repositoryRoot} is where bench/ is. */
    public static BenchOptions parse(List<String> args, Path repositoryRoot) {
        String mode = "quick";
        long spans = QUICK_SPANS;
        long zipkinSpans = ZipkinPeer.DEFAULT_SPAN_SHARE;
        List<String> peers = null;
        Integer rounds = null;
        int clients = OtlpSender.DEFAULT_CLIENTS;
        boolean gzip = false;
        boolean corpusGzip = false;
        long seed = DEFAULT_SEED;
        String xmx = ContrailServerProcess.DEFAULT_MAX_HEAP;
        List<String> jvmArgs = new ArrayList<>();
        List<String> serveArgs = new ArrayList<>();
        Path out = repositoryRoot.resolve("bench");
        Path work = null;
        boolean keep = false;
        long startTimeout = DEFAULT_START_TIMEOUT_SECONDS;
        boolean explain = true;
        long sustained = 0;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            switch (arg) {
                case "--quick" -> {
                    mode = "quick";
                    spans = QUICK_SPANS;
                }
                case "--full" -> {
                    mode = "full";
                    spans = FULL_SPANS;
                }
                case "--smoke" -> {
                    mode = "smoke";
                    spans = SMOKE_SPANS;
                }
                case "--spans" -> {
                    mode = "custom";
                    spans = positive(arg, value(args, ++i, arg));
                }
                case "--zipkin-spans" -> zipkinSpans = positive(arg, value(args, ++i, arg));
                case "--peers" -> peers = Arrays.stream(value(args, ++i, arg).split(","))
                        .map(String::trim).filter(s -> !s.isEmpty()).toList();
                case "--rounds" -> rounds = (int) positive(arg, value(args, ++i, arg));
                case "--clients" -> clients = (int) positive(arg, value(args, ++i, arg));
                case "--gzip" -> gzip = true;
                case "--corpus-gzip" -> corpusGzip = true;
                case "--seed" -> seed = Long.parseLong(value(args, ++i, arg));
                case "--server-xmx" -> xmx = value(args, ++i, arg);
                case "--server-jvm-arg" -> jvmArgs.add(value(args, ++i, arg));
                case "--server-arg" -> serveArgs.add(value(args, ++i, arg));
                case "--out" -> out = Path.of(value(args, ++i, arg)).toAbsolutePath();
                case "--work" -> work = Path.of(value(args, ++i, arg)).toAbsolutePath();
                case "--keep" -> keep = true;
                case "--start-timeout" -> startTimeout = positive(arg, value(args, ++i, arg));
                case "--no-explain" -> explain = false;
                case "--sustained" -> sustained = positive(arg, value(args, ++i, arg));
                default -> throw new IllegalArgumentException("unknown option " + arg + "\n\n" + USAGE);
            }
        }
        if (peers == null) {
            peers = sustained > 0 ? SUSTAINED_PEERS : mode.equals("smoke") ? SMOKE_PEERS : ALL_PEERS;
        }
        if (peers.isEmpty()) {
            throw new IllegalArgumentException("--peers names no peer");
        }
        for (String peer : peers) {
            if (!PeerCatalog.knows(peer)) {
                throw new IllegalArgumentException("--peers: no peer is called " + peer + "; known: "
                        + String.join(",", ALL_PEERS));
            }
        }
        int timedRounds = rounds != null ? rounds : mode.equals("smoke") ? 3 : DEFAULT_ROUNDS;
        String command = "bench/run" + (args.isEmpty() ? "" : " " + String.join(" ", args));
        return new BenchOptions(mode, spans, zipkinSpans, peers, timedRounds, DEFAULT_WARMUP_ROUNDS, clients, gzip,
                corpusGzip, seed, xmx, List.copyOf(jvmArgs), List.copyOf(serveArgs), out, work, keep, startTimeout,
                explain && !mode.equals("smoke") && sustained == 0, repositoryRoot, command, sustained);
    }

    /** The repository root: the nearest folder up from {@code start} holding bench/suite. */
    public static Path findRepositoryRoot(Path start) {
        for (Path p = start.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("bench").resolve("suite")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        return start.toAbsolutePath();
    }

    /** The spans every peer holds, from whose middle the probes are picked. */
    public long spansEveryPeerHolds() {
        return Math.min(spans, zipkinSpans);
    }

    /** Whether this is a sustained run ({@code --sustained}): a time-bounded load, no query suite. */
    public boolean sustained() {
        return sustainedSeconds > 0;
    }

    public Path resultsDir() {
        return outDir.resolve("results");
    }

    private static String value(List<String> args, int index, String option) {
        if (index >= args.size()) {
            throw new IllegalArgumentException(option + " needs a value\n\n" + USAGE);
        }
        return args.get(index);
    }

    private static long positive(String option, String value) {
        try {
            long parsed = Long.parseLong(value.replace("_", "").replace(",", ""));
            if (parsed <= 0) {
                throw new IllegalArgumentException(option + " must be positive: " + value);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a whole number: " + value);
        }
    }
}
