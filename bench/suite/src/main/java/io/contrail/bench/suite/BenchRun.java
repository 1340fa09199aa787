package io.contrail.bench.suite;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.contrail.bench.suite.BenchResults.PairEntry;
import io.contrail.bench.suite.BenchResults.PeerEntry;
import io.contrail.bench.suite.BenchResults.QueryEntry;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The benchmark suite of issue 4, in one invocation: generates the corpus, starts every peer, loads
 * the same spans into each (one at a time, each with the machine to itself), times the query suite
 * in interleaved rounds, measures Contrail's freshness, and writes RESULTS.md, results/suite.json
 * and charts. Run it with {@code bench/run} (its {@code --help} lists the options).
 *
 * <p>A peer that cannot start is recorded with the reason and the run goes on without it; so is a
 * peer that fails while loading. Every process a peer started is stopped before the run ends, also
 * on Ctrl-C.
 */
public final class BenchRun {

    static final String SUITE_JSON = "suite.json";
    static final String EXPLAIN_MD = "suite-explain.md";
    static final String FINDINGS_MD = "suite-findings.md";
    static final int PHASES = 6;
    static final long MAX_RESTART_SPANS = 600_000;

    private final BenchOptions options;
    private final PrintStream progress;
    private final List<Peer> started = new ArrayList<>();
    /** Set when the JVM is shutting down (Ctrl-C, SIGTERM): the run stops and writes nothing. */
    private volatile boolean aborted;
    private long runStartedNanos;
    /** This run's duration and disk, estimated from an earlier run's figures; null without one. */
    private RunEstimate estimate;

    public BenchRun(BenchOptions options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
    }

    public static void main(String[] args) {
        List<String> arguments = List.of(args);
        if (arguments.contains("--help") || arguments.contains("-h")) {
            System.out.print(BenchOptions.USAGE);
            return;
        }
        Path root = Path.of(System.getProperty("contrail.bench.repository",
                BenchOptions.findRepositoryRoot(Path.of("")).toString()));
        BenchOptions options;
        try {
            options = BenchOptions.parse(arguments, root);
        } catch (IllegalArgumentException e) {
            System.err.println("bench/run: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            new BenchRun(options, System.out).run();
            System.exit(0);
        } catch (Exception e) {
            System.err.println("bench/run failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    /** Runs everything and writes the outputs; returns what was written. */
    public BenchResults run() throws Exception {
        long runStarted = System.nanoTime();
        runStartedNanos = runStarted;
        String date = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        // The code measured is the code at the start: commits landing during a long run must not relabel it.
        String commit = git("rev-parse", "--short", "HEAD");
        int uncommittedChanges = uncommittedChanges();
        Path work = options.workDir() != null ? Files.createDirectories(options.workDir())
                : Files.createTempDirectory("contrail-bench-");
        // On Ctrl-C or SIGTERM the JVM does not wait for the finally below: stop the peers and delete here.
        Thread cleanup = new Thread(() -> {
            aborted = true;
            closePeers();
            if (!options.keep()) {
                try {
                    DuckDbLimitPeer.deleteTree(work);
                } catch (IOException | RuntimeException e) {
                    progress.println("  could not delete the scratch folder " + work + ": " + e);
                }
            }
        }, "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            progress.printf("Contrail benchmark suite: %s, %,d spans, peers %s%n  scratch folder %s%n", options.command(),
                    options.spans(), String.join(", ", options.peers()), work);
            if (options.sustained()) {
                progress.printf("  a sustained run: Contrail is loaded for %d s with the corpus sent over and over; no "
                        + "query suite%n", options.sustainedSeconds());
            }
            if (options.peers().contains(ZipkinPeer.NAME) && options.zipkinSpans() < options.spans()) {
                progress.printf("  zipkin-mysql loads its share, the first %,d spans (--zipkin-spans)%n",
                        options.zipkinSpans());
            }
            long freeDiskBytes = Files.getFileStore(work).getUsableSpace();
            CorpusStorageChoice storage = CorpusStorageChoice.choose(options.corpusGzip(), options.spans(),
                    freeDiskBytes, work);
            progress.println("  " + storage.describe());
            // Read before this run overwrites it: the previous run's figures, scaled to this run.
            estimate = RunEstimate.fromFirstOf(List.of(options.resultsDir().resolve(SUITE_JSON),
                    options.repositoryRoot().resolve("bench").resolve("results").resolve(SUITE_JSON)), options,
                    storage.storage());
            if (estimate == null) {
                progress.println("  no estimate of the duration: no earlier results/suite.json to scale from");
            } else {
                estimate.describe(freeDiskBytes, work).forEach(line -> progress.println("  " + line));
            }

            phase(1, "corpus: generating " + String.format(Locale.ROOT, "%,d", options.spans()) + " spans (seed "
                    + options.seed() + ")");
            long corpusStarted = System.nanoTime();
            SpanCorpus corpus = SpanCorpus.generate(work.resolve("corpus"), options.spans(),
                    options.spansEveryPeerHolds(), options.seed(), storage.storage(), progress);
            BenchResults.Corpus corpusInfo = new BenchResults.Corpus(corpus.spanCount(), corpus.requestCount(),
                    corpus.otlpBytes(), corpus.gzippedOtlpBytes(), (double) corpus.otlpBytes() / corpus.spanCount(),
                    (double) corpus.gzippedOtlpBytes() / corpus.spanCount(), corpus.probes(),
                    (System.nanoTime() - corpusStarted) / 1e9, options.spansEveryPeerHolds(), corpus.storage(),
                    storage.reason(), corpus.fileBytes());
            progress.printf(Locale.ROOT, "  %,d spans in %,d requests, %.0f B/span OTLP, %.0f B/span gzip'd; %.1f GB on "
                            + "disk%s%n", corpus.spanCount(), corpus.requestCount(), corpusInfo.otlpBytesPerSpan(),
                    corpusInfo.gzippedOtlpBytesPerSpan(), corpusInfo.fileBytes() / 1e9,
                    corpusInfo.storedGzipped() ? " (gzip'd)" : "");

            phase(2, "starting the peers");
            Map<String, PeerEntry> entries = new LinkedHashMap<>();
            for (String name : options.peers()) {
                checkNotAborted();
                entries.put(name, startPeer(name, work.resolve(name)));
            }
            for (String name : PeerCatalog.CLASS_BY_NAME.keySet()) {
                if (!entries.containsKey(name)) {
                    entries.put(name, new PeerEntry(name, "not run", "left out of this run by --peers", null, 0));
                }
            }

            phase(3, "loading the same spans into each peer, one at a time");
            for (Peer peer : List.copyOf(started)) {
                checkNotAborted();
                PeerEntry entry = entries.get(peer.name());
                Double estimated = estimate == null ? null : estimate.loadSeconds(peer.name());
                progress.printf("  %s: loading%s%n", peer.name(), estimated == null ? ""
                        : " (estimated " + RunEstimate.duration(estimated) + ")");
                try {
                    LoadResult load = peer.load(corpus);
                    entries.put(peer.name(), new PeerEntry(peer.name(), "measured", null, load, entry.startSeconds()));
                    progress.printf(Locale.ROOT, "  %s: %,d spans acknowledged in %.1f s (%,.0f spans/s), %,d queryable "
                                    + "after %.1f s, %.1f B/span on disk%s%n", peer.name(), load.spansAcknowledged(),
                            load.ackSeconds(), load.acknowledgedSpansPerSecond(), load.spansStored(), load.storedSeconds(),
                            load.bytesPerSpan(), load.partial(corpus.spanCount()) ? String.format(Locale.ROOT,
                                    " (its share: the first %,d spans)", load.spansOffered()) : "");
                } catch (PeerUnavailableException e) {
                    // The peer saw before loading that it cannot take this corpus here (e.g. too little disk).
                    checkNotAborted();
                    entries.put(peer.name(), new PeerEntry(peer.name(), "unavailable", "not loaded: " + e.getMessage(),
                            null, entry.startSeconds()));
                    progress.printf("  %s: not loaded: %s%n", peer.name(), e.getMessage());
                    closeQuietly(peer);
                    started.remove(peer);
                } catch (Exception e) {
                    checkNotAborted();
                    entries.put(peer.name(), new PeerEntry(peer.name(), "failed", "loading failed: " + e,
                            null, entry.startSeconds()));
                    progress.printf("  %s: loading FAILED: %s%n", peer.name(), e);
                    closeQuietly(peer);
                    started.remove(peer);
                }
            }

            checkNotAborted();
            // The null sink stores nothing: there is nothing to ask it.
            List<Peer> queried = started.stream().filter(peer -> !(peer instanceof NullSinkPeer)).toList();
            List<QueryEntry> queryEntries = new ArrayList<>();
            List<PairEntry> pairEntries = new ArrayList<>();
            if (options.sustained()) {
                phase(4, "query suite: skipped in a sustained run (--sustained)");
            } else {
                phase(4, "query suite: " + options.warmupRounds() + " warm-up + " + options.rounds()
                        + " timed rounds, interleaved across " + queried.size() + " peers");
                List<QueryRounds.Query> queries = new ArrayList<>();
                for (BenchQuery query : BenchQuery.values()) {
                    queries.add(suiteQuery(query, corpus.probes()));
                }
                List<DuckDbSuiteSql.AttributeVersusBuiltIn> pairs = DuckDbSuiteSql.attributeVersusBuiltIn(corpus.probes());
                for (DuckDbSuiteSql.AttributeVersusBuiltIn pair : pairs) {
                    queries.add(extraQuery(pair.attribute()));
                    queries.add(extraQuery(pair.builtIn()));
                }
                QueryRounds rounds = new QueryRounds(queried, queries);
                rounds.run(options.warmupRounds(), options.rounds(), progress);
                for (BenchQuery query : BenchQuery.values()) {
                    queryEntries.add(new QueryEntry(query.name(), query.question(),
                            DuckDbSuiteSql.sql(query, corpus.probes()), rounds.cells(query.name())));
                }
                for (DuckDbSuiteSql.AttributeVersusBuiltIn pair : pairs) {
                    pairEntries.add(new PairEntry(pair.name(), pair.attribute().sql(), pair.builtIn().sql(),
                            rounds.cells(pair.attribute().name()), rounds.cells(pair.builtIn().name())));
                }
            }

            checkNotAborted();
            String explain = null;
            phase(5, (options.explain() ? "query plans; " : "") + "Contrail: acknowledged → visible on an idle server; "
                    + "restart after kill -9 with a full buffer");
            // Plans first: the freshness probes add spans and files the query rounds did not see.
            if (options.explain()) {
                // The scratch folder's path is this machine's: the plans name it <scratch>.
                explain = explainAll(corpus.probes()).replace(work.toString(), "<scratch>");
            }
            BenchResults.ContrailIngest contrailIngest = null;
            for (Peer peer : started) {
                if (peer instanceof ContrailPeer contrail) {
                    ContrailPeer.Freshness freshness = null;
                    String error = null;
                    try {
                        freshness = contrail.measureFreshness();
                        progress.printf(Locale.ROOT, "  visible after median %.2f s, max %.2f s%n", freshness.median(),
                                freshness.max());
                    } catch (IOException e) {
                        error = e.getMessage();
                        progress.println("  freshness not measured: " + error);
                    }
                    // Last: it adds spans and replaces the server.
                    ContrailPeer.Restart restart = null;
                    String restartError = null;
                    long restartSpans = restartSpans(options.spans());
                    progress.printf(Locale.ROOT, "  restart: about %,d new spans at full rate, kill -9 once the buffer is full%n",
                            restartSpans);
                    try {
                        restart = contrail.measureRestart(restartSpans, options.seed() + 1);
                    } catch (IOException | PeerUnavailableException | RuntimeException e) {
                        restartError = e instanceof RuntimeException ? e.toString() : e.getMessage();
                        progress.println("  restart not measured: " + restartError);
                    }
                    contrailIngest = new BenchResults.ContrailIngest(contrail.ingestDetail(), freshness, error, restart,
                            restartError);
                }
            }

            checkNotAborted();
            phase(6, "writing the results");
            closePeers();
            List<PeerEntry> peerEntries = List.copyOf(entries.values());
            List<String> disagreements = disagreements(queryEntries, pairEntries);
            GoalMeasures goals = new GoalMeasures(corpusInfo, peerEntries, queryEntries, pairEntries, contrailIngest);
            List<BenchResults.Measure> measures = goals.all();
            List<BenchResults.Measure> engineMeasures = goals.engine();
            BenchResults results = new BenchResults(new BenchResults.Run(date, commit, uncommittedChanges,
                    options.command(), options.mode(), MachineInfo.current(), options.seed(),
                    options.warmupRounds(), options.rounds(), (System.nanoTime() - runStarted) / 1e9,
                    options.sustainedSeconds()), corpusInfo,
                    peerEntries, queryEntries, pairEntries, contrailIngest, measures, engineMeasures, disagreements);
            write(results, explain);
            progress.printf(Locale.ROOT, "done in %.0f s: %s%n", (System.nanoTime() - runStarted) / 1e9,
                    options.outDir().resolve("RESULTS.md"));
            for (String d : disagreements) {
                progress.println("  answers disagree: " + d);
            }
            return results;
        } finally {
            closePeers();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs anyway
            }
            if (!options.keep()) {
                DuckDbLimitPeer.deleteTree(work);
            } else {
                progress.println("  kept the scratch folder " + work);
            }
        }
    }

    /**
     * New spans sent before the kill -9: as many as the corpus, within [{@value BenchOptions#SMOKE_SPANS},
     * {@value #MAX_RESTART_SPANS}] — more than the buffer holds (400,000 spans, or 256 MiB of
     * chunks ≈ 380k spans of this workload, by default), so that it fills when the flushes fall behind.
     */
    static long restartSpans(long corpusSpans) {
        return Math.max(BenchOptions.SMOKE_SPANS, Math.min(corpusSpans, MAX_RESTART_SPANS));
    }

    private void checkNotAborted() throws InterruptedException {
        if (aborted) {
            throw new InterruptedException("the run was stopped (the JVM is shutting down); no results were written");
        }
    }

    private void phase(int number, String what) {
        double elapsed = (System.nanoTime() - runStartedNanos) / 1e9;
        progress.printf("[%d/%d] %s (%s in%s)%n", number, PHASES, what, RunEstimate.duration(elapsed),
                estimate == null ? "" : "; estimated " + RunEstimate.duration(estimate.seconds()) + " in all");
    }

    /** Starts one peer within the start timeout; an unavailable peer is recorded with the reason. */
    private PeerEntry startPeer(String name, Path workDir) {
        long startedNanos = System.nanoTime();
        Peer peer;
        try {
            peer = PeerCatalog.create(name, options);
        } catch (PeerUnavailableException e) {
            progress.printf("  %s: unavailable: %s%n", name, e.getMessage());
            return new PeerEntry(name, "unavailable", e.getMessage(), null, 0);
        }
        ExecutorService starter = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "bench-start-" + name);
            thread.setDaemon(true);
            return thread;
        });
        try {
            Files.createDirectories(workDir);
            Future<?> start = starter.submit(() -> {
                peer.start(new BenchContext(workDir, options.repositoryRoot(), progress));
                return null;
            });
            start.get(options.startTimeoutSeconds(), TimeUnit.SECONDS);
            started.add(peer);
            double seconds = (System.nanoTime() - startedNanos) / 1e9;
            progress.printf(Locale.ROOT, "  %s: started in %.1f s%n", name, seconds);
            return new PeerEntry(name, "started", null, null, seconds);
        } catch (TimeoutException e) {
            closeQuietly(peer);
            String reason = "did not start within " + options.startTimeoutSeconds() + " s (--start-timeout)";
            progress.printf("  %s: unavailable: %s%n", name, reason);
            return new PeerEntry(name, "unavailable", reason, null, 0);
        } catch (ExecutionException e) {
            closeQuietly(peer);
            Throwable cause = e.getCause();
            String reason = cause instanceof PeerUnavailableException ? cause.getMessage()
                    : "starting failed: " + cause;
            progress.printf("  %s: unavailable: %s%n", name, reason);
            return new PeerEntry(name, "unavailable", reason, null, 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(peer);
            return new PeerEntry(name, "unavailable", "interrupted while starting", null, 0);
        } catch (IOException e) {
            closeQuietly(peer);
            return new PeerEntry(name, "unavailable", "cannot create its scratch folder: " + e, null, 0);
        } finally {
            starter.shutdownNow();
        }
    }

    private static QueryRounds.Query suiteQuery(BenchQuery query, SpanCorpus.Probes probes) {
        return new QueryRounds.Query() {
            @Override
            public String id() {
                return query.name();
            }

            @Override
            public QueryOutcome run(Peer peer) throws Exception {
                return peer.query(query, probes);
            }

            @Override
            public boolean appliesTo(Peer peer) {
                return true;
            }
        };
    }

    private static QueryRounds.Query extraQuery(DuckDbSuiteSql.ExtraQuery extra) {
        return new QueryRounds.Query() {
            @Override
            public String id() {
                return extra.name();
            }

            @Override
            public QueryOutcome run(Peer peer) throws Exception {
                return ((DuckDbDialectPeer) peer).sql(extra.sql());
            }

            @Override
            public boolean appliesTo(Peer peer) {
                return peer instanceof DuckDbDialectPeer;
            }
        };
    }

    /** EXPLAIN ANALYZE of every suite query on every DuckDB-dialect peer, as Markdown. */
    private String explainAll(SpanCorpus.Probes probes) {
        StringBuilder md = new StringBuilder("# Query plans of the benchmark suite\n\n"
                + "`EXPLAIN ANALYZE` of each query, run once after the timed rounds, on Contrail (through `POST /api/sql`, "
                + "so it is the server's DuckDB and views) and on the DuckDB limit. Written by `" + options.command()
                + "` with the RESULTS.md beside it.\n\n");
        for (BenchQuery query : BenchQuery.values()) {
            String sql = DuckDbSuiteSql.sql(query, probes);
            md.append("## ").append(query.name()).append("\n\n```sql\n").append(sql).append("\n```\n\n");
            for (Peer peer : started) {
                if (peer instanceof DuckDbDialectPeer dialect) {
                    md.append("### ").append(peer.name()).append("\n\n```\n");
                    try {
                        md.append(dialect.explainAnalyze(sql).strip());
                    } catch (Exception e) {
                        md.append("EXPLAIN ANALYZE failed: ").append(e.getMessage());
                    }
                    md.append("\n```\n\n");
                }
            }
        }
        return md.toString();
    }

    /** Row counts that differ from the limit's (Contrail and the limit must agree; others are listed). */
    static List<String> disagreements(List<QueryEntry> queries, List<PairEntry> pairs) {
        List<String> found = new ArrayList<>();
        for (QueryEntry query : queries) {
            BenchResults.Cell limit = query.byPeer().get(DuckDbLimitPeer.NAME);
            query.byPeer().forEach((peer, cell) -> {
                if (cell.rowsVaried()) {
                    found.add(query.id() + " on " + peer + ": the row count changed between runs");
                }
                if (limit != null && limit.rows() != null && cell.rows() != null && !peer.equals(DuckDbLimitPeer.NAME)
                        && cell.error() == null && !limit.rows().equals(cell.rows())) {
                    found.add(String.format(Locale.ROOT, "%s: %s answered %,d rows, the limit %,d", query.id(), peer,
                            cell.rows(), limit.rows()));
                }
            });
        }
        for (PairEntry pair : pairs) {
            pair.attribute().forEach((peer, cell) -> {
                BenchResults.Cell builtIn = pair.builtIn().get(peer);
                if (cell.rows() != null && builtIn != null && builtIn.rows() != null && !cell.rows().equals(builtIn.rows())) {
                    found.add(String.format(Locale.ROOT, "%s on %s: attr columns answered %,d rows, built-in columns %,d",
                            pair.name(), peer, cell.rows(), builtIn.rows()));
                }
            });
        }
        return found;
    }

    private void write(BenchResults results, String explain) throws IOException, InterruptedException {
        checkNotAborted();
        Path out = options.outDir();
        Path resultsDir = options.resultsDir();
        Files.createDirectories(resultsDir);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(resultsDir.resolve(SUITE_JSON).toFile(), results);
        List<String> charts = new ArrayList<>();
        try {
            for (String chart : ResultsCharts.write(results, resultsDir)) {
                charts.add("results/" + chart);
            }
        } catch (IOException | RuntimeException e) {
            progress.println("  charts not drawn: " + e);
        }
        String explainLink = null;
        if (explain != null) {
            Files.writeString(resultsDir.resolve(EXPLAIN_MD), explain, StandardCharsets.UTF_8);
            explainLink = "results/" + EXPLAIN_MD;
        }
        String findings = Files.exists(resultsDir.resolve(FINDINGS_MD)) ? "results/" + FINDINGS_MD : null;
        Files.writeString(out.resolve("RESULTS.md"), new ResultsReport(results, charts, explainLink, findings).markdown(),
                StandardCharsets.UTF_8);
    }

    private synchronized void closePeers() {
        for (Peer peer : List.copyOf(started)) {
            closeQuietly(peer);
            started.remove(peer);
        }
    }

    private void closeQuietly(Peer peer) {
        try {
            peer.close();
        } catch (Exception e) {
            progress.printf("  %s: closing failed: %s%n", peer.name(), e);
        }
    }

    private String git(String... args) {
        return git(options.repositoryRoot(), args);
    }

    /** {@code git -C repository ARGS}'s output, or {@code unknown (…)} saying why there is none. */
    static String git(java.nio.file.Path repository, String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-C", repository.toString()));
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

    private int uncommittedChanges() {
        String status = git("status", "--porcelain");
        return status.startsWith("unknown") || status.isBlank() ? 0 : status.split("\n").length;
    }
}
