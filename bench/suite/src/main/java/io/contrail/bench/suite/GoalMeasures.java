package io.contrail.bench.suite;

import com.fasterxml.jackson.databind.JsonNode;
import io.contrail.bench.suite.BenchResults.Cell;
import io.contrail.bench.suite.BenchResults.Measure;
import io.contrail.bench.suite.BenchResults.MeasureRow;
import io.contrail.bench.suite.BenchResults.PairEntry;
import io.contrail.bench.suite.BenchResults.PeerEntry;
import io.contrail.bench.suite.BenchResults.QueryEntry;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The measures of issue 4 point 5 ({@link #all()}) and of issue 16 point 5 ({@link #engine()}), each with
 * its goal, Contrail's figure, every peer's figure from the same run and Contrail's ratio to it. A measure this run cannot give as the goal states it
 * (a 10-minute sustained load, 10M spans) says what was measured instead and which run gives the
 * rest — nothing is extrapolated.
 */
final class GoalMeasures {

    static final double ACK_GOAL_SPANS_PER_SECOND = 300_000;
    static final double SUSTAINED_GOAL_SPANS_PER_SECOND = 150_000;
    static final double SUSTAINED_GOAL_SECONDS = 600;
    static final double BYTES_GOAL_OF_GZIP = 0.35;
    static final double ATTRIBUTE_GOAL_RATIO = 2.0;
    static final double LIMIT_GOAL_RATIO = 1.2;
    static final double POSTGRES_GOAL_SPEEDUP = 10.0;
    static final double TRACE_BY_ID_GOAL_MILLIS = 10;
    static final double USER_ID_GOAL_MILLIS = 50;
    static final long GOAL_SCALE_SPANS = 10_000_000;
    static final long HEAP_GOAL_BYTES = 1L << 30;
    static final double FRESHNESS_GOAL_SECONDS = 2.0;
    /** Issue 16's goals for the engine that decodes into columns. */
    static final double CPU_TO_COMPACTED_GOAL_MICROS = 12;
    static final double SUSTAINED_ENGINE_GOAL_SPANS_PER_SECOND = 120_000;
    static final double NULL_SINK_GOAL_RATIO = 0.6;
    static final double GC_PAUSE_GOAL_MILLIS = 50;
    static final double RESTART_GOAL_SECONDS = 5;
    static final String POSTGRES = "postgresql";
    /** The ClickHouse peer of the goal "beats ClickHouse (otel_traces)": the OTel Collector exporter's schema. */
    static final String CLICKHOUSE = "clickhouse";

    /** The aggregations compared with PostgreSQL: every question that scans and groups or counts. */
    static final Set<BenchQuery> AGGREGATIONS = EnumSet.of(BenchQuery.FILTER_ONE_GROUP_BY_ANOTHER,
            BenchQuery.PERCENTILES_PER_OPERATION_PER_MINUTE, BenchQuery.ERROR_RATE_PER_SERVICE,
            BenchQuery.DISTINCT_TRACES_PER_ROUTE, BenchQuery.CROSS_SERVICE_EDGES, BenchQuery.FULL_COUNT,
            BenchQuery.RESOURCE_ATTRIBUTE);

    private final BenchResults.Corpus corpus;
    private final List<PeerEntry> peers;
    private final List<QueryEntry> queries;
    private final List<PairEntry> pairs;
    private final BenchResults.ContrailIngest contrail;

    GoalMeasures(BenchResults.Corpus corpus, List<PeerEntry> peers, List<QueryEntry> queries, List<PairEntry> pairs,
                 BenchResults.ContrailIngest contrail) {
        this.corpus = corpus;
        this.peers = peers;
        this.queries = queries;
        this.pairs = pairs;
        this.contrail = contrail;
    }

    List<Measure> all() {
        return List.of(acknowledged(), sustained(), bytesPerSpan(), attributeVersusBuiltIn(), suiteVersusLimit(),
                aggregationsVersusPostgres(), needle(BenchQuery.TRACE_BY_ID, "trace by ID without time range",
                        TRACE_BY_ID_GOAL_MILLIS), needle(BenchQuery.HIGH_CARDINALITY_EQUALITY,
                        "equality filter on a high-cardinality attribute (user.id)", USER_ID_GOAL_MILLIS),
                heap(), freshness(), cpuPerSpan(), versusClickHouse());
    }

    /**
     * The goals of issue 16 (the engine that decodes into columns), each with this run's figure and
     * verdict, in the order of the table.
     */
    List<Measure> engine() {
        return List.of(cpuToCompactedParquet(), sustainedIntoCompactedParquet(), acknowledgedVersusNullSink(),
                gcPauses(), restartAfterKill());
    }

    private ContrailPeer.IngestDetail ingest() {
        return contrail == null ? null : contrail.ingest();
    }

    private Measure cpuToCompactedParquet() {
        String name = "server CPU per span, request → compacted Parquet";
        String goal = String.format(Locale.ROOT, "≤ %.0f µs", CPU_TO_COMPACTED_GOAL_MICROS);
        ContrailPeer.IngestDetail d = ingest();
        if (d == null || d.cpuMicrosPerSpanToCompacted() < 0) {
            return notMeasured(name, goal);
        }
        List<MeasureRow> rows = new ArrayList<>();
        rows.add(new MeasureRow(ContrailPeer.NAME, String.format(Locale.ROOT, "%s: %.1f s of server CPU for %,d spans, "
                        + "from the first request until the compaction had caught up (%.1f s later)",
                micros(d.cpuMicrosPerSpanToCompacted()), d.serverCpuSecondsToCompacted(), d.sender().spansAcknowledged(),
                d.secondsToCompacted()), "—"));
        PeerEntry nullSink = peer(NullSinkPeer.NAME);
        if (nullSink != null && nullSink.measured() && nullSink.load().cpuMicrosPerSpan() >= 0) {
            rows.add(new MeasureRow(NullSinkPeer.NAME, micros(nullSink.load().cpuMicrosPerSpan())
                    + " reading the request bodies, nothing more (its load)", ratio(d.cpuMicrosPerSpanToCompacted(),
                    nullSink.load().cpuMicrosPerSpan())));
        }
        double figure = d.cpuMicrosPerSpanToCompacted();
        return new Measure(name, goal, rows, verdict(figure <= CPU_TO_COMPACTED_GOAL_MICROS, micros(figure)),
                "CPU time (user + system, /proc/PID/stat, 10 ms ticks) of the server JVM from just before the first "
                        + "request until /health said `compactionPending` 0 after every span was visible, ÷ the spans it "
                        + "acknowledged: HTTP, decoding, the write-ahead log, the Parquet flushes, the compaction passes, "
                        + "GC and JIT, and whatever the idle server spent while it waited for its next compaction pass "
                        + "(--compact-interval). The null sink's row is the same measure over its own load.");
    }

    private Measure sustainedIntoCompactedParquet() {
        String name = "sustained into Parquet for 10 minutes, compaction keeping up";
        String goal = String.format(Locale.ROOT, "≥ %s over ≥ 10 minutes", rate(SUSTAINED_ENGINE_GOAL_SPANS_PER_SECOND));
        ContrailPeer.IngestDetail d = ingest();
        LoadResult mine = load(ContrailPeer.NAME);
        if (d == null || mine == null) {
            return notMeasured(name, goal);
        }
        JsonNode end = d.healthAtLoadEnd();
        String backlog = end == null ? "?" : String.format(Locale.ROOT, "%,d spans buffered, %s merges pending, %,d files",
                end.path("spansBuffered").asLong(-1), end.path("compactionPending").isNumber()
                        ? String.format(Locale.ROOT, "%,d", end.path("compactionPending").asLong()) : "?",
                end.path("files").asLong(-1));
        List<MeasureRow> rows = new ArrayList<>();
        rows.add(new MeasureRow(ContrailPeer.NAME + " (into compacted Parquet)", String.format(Locale.ROOT,
                "%s: %,d spans acknowledged, all in Parquet and the compaction caught up %.1f s after the first request",
                rate(d.compactedSpansPerSecond()), d.sender().spansAcknowledged(), d.secondsToCompacted()), "—"));
        rows.add(new MeasureRow(ContrailPeer.NAME + " (acknowledged and queryable)", String.format(Locale.ROOT,
                "%s over %s (acknowledged over %s)", rate(mine.storedSpansPerSecond()), seconds(mine.storedSeconds()),
                seconds(mine.ackSeconds())), "—"));
        rows.add(new MeasureRow(ContrailPeer.NAME + " (backlog when the load ended)", backlog + String.format(Locale.ROOT,
                "; visible %.1f s after the last acknowledgement, compaction caught up %.0f s after that",
                d.drainSeconds(), d.compactionSeconds()), "—"));
        double figure = d.compactedSpansPerSecond();
        boolean longEnough = d.sustainedSeconds() >= BenchOptions.SUSTAINED_GOAL_SECONDS
                && mine.ackSeconds() >= BenchOptions.SUSTAINED_GOAL_SECONDS * 0.99;
        String verdict = longEnough ? verdict(figure >= SUSTAINED_ENGINE_GOAL_SPANS_PER_SECOND, String.format(Locale.ROOT,
                "%s into compacted Parquet, %.0f%% of the goal", rate(figure), 100 * figure
                        / SUSTAINED_ENGINE_GOAL_SPANS_PER_SECOND))
                : String.format(Locale.ROOT, "not measured as the goal states it: this load lasted %s, not 10 minutes "
                        + "(%s into compacted Parquet over that time, %.0f%% of the goal rate); `bench/run --sustained 600` "
                        + "measures it", seconds(mine.ackSeconds()), rate(figure),
                100 * figure / SUSTAINED_ENGINE_GOAL_SPANS_PER_SECOND);
        return new Measure(name, goal, rows, verdict, "The figure is the strict one: spans acknowledged ÷ the time from "
                + "the first request until every one was in Parquet and /health said no merge was pending, so a "
                + "compaction that falls behind lowers it. " + (d.sustainedSeconds() > 0 ? String.format(Locale.ROOT,
                "This was a sustained run (`--sustained %d`): the corpus sent %d times, each pass after the first with "
                        + "new trace IDs.", d.sustainedSeconds(), d.passes())
                : "This run sent the corpus once; `bench/run --sustained 600 --out DIR` loads Contrail for 10 minutes."));
    }

    private Measure acknowledgedVersusNullSink() {
        String name = "acknowledged vs a read-only null sink, same run";
        String goal = String.format(Locale.ROOT, "≥ %.1f×", NULL_SINK_GOAL_RATIO);
        LoadResult mine = load(ContrailPeer.NAME);
        if (mine == null) {
            return notMeasured(name, goal);
        }
        PeerEntry sink = peer(NullSinkPeer.NAME);
        if (sink == null || !sink.measured()) {
            return new Measure(name, goal, List.of(), "not measured: " + why(NullSinkPeer.NAME), "");
        }
        LoadResult theirs = sink.load();
        double r = mine.acknowledgedSpansPerSecond() / theirs.acknowledgedSpansPerSecond();
        List<MeasureRow> rows = List.of(
                new MeasureRow(ContrailPeer.NAME, rate(mine.acknowledgedSpansPerSecond()) + " acknowledged (durable)", "—"),
                new MeasureRow(NullSinkPeer.NAME, rate(theirs.acknowledgedSpansPerSecond()) + String.format(Locale.ROOT,
                        " acknowledged, bodies read and nothing else; %s of its CPU per span",
                        theirs.cpuMicrosPerSpan() < 0 ? "?" : micros(theirs.cpuMicrosPerSpan())),
                        String.format(Locale.ROOT, "%.2f×", r)));
        ContrailPeer.IngestDetail d = ingest();
        return new Measure(name, goal, rows, verdict(r >= NULL_SINK_GOAL_RATIO, String.format(Locale.ROOT, "%.2f×", r)),
                "Both loaded one after the other by the same clients (same count, same corpus, OTLP protobuf over "
                        + "HTTP/1.1) on the same cores; the null sink is a Javalin server in a JVM of its own that reads "
                        + "each body and answers an empty ExportTraceServiceResponse."
                        + (d != null && d.sustainedSeconds() > 0 ? " In this sustained run Contrail's rate is over the "
                        + "sustained load, the null sink's over one pass of the corpus." : ""));
    }

    private Measure gcPauses() {
        String name = "GC pause at full rate";
        ContrailPeer.IngestDetail d = ingest();
        String heap = d == null ? "" : d.serverMaxHeap();
        String goal = String.format(Locale.ROOT, "max ≤ %.0f ms with -Xmx1g", GC_PAUSE_GOAL_MILLIS);
        if (d == null) {
            return notMeasured(name, goal);
        }
        if (d.gcDuringLoad() == null) {
            return new Measure(name, goal, List.of(), "not measured: " + d.gcError(), "");
        }
        GcPauses load = d.gcDuringLoad();
        List<MeasureRow> rows = new ArrayList<>();
        rows.add(new MeasureRow(ContrailPeer.NAME + " (first request → last acknowledgement)", pauses(load), "—"));
        if (d.gcToCompacted() != null) {
            rows.add(new MeasureRow(ContrailPeer.NAME + " (first request → compaction caught up)",
                    pauses(d.gcToCompacted()), "—"));
        }
        boolean goalHeap = "1g".equalsIgnoreCase(heap) || "1024m".equalsIgnoreCase(heap);
        String verdict = verdict(load.maxMillis() <= GC_PAUSE_GOAL_MILLIS, "max " + millis(load.maxMillis())
                + (goalHeap ? "" : ", with -Xmx" + heap + ", not the goal's 1g"));
        return new Measure(name, goal, rows, verdict, "The server JVM logs every stop-the-world pause its collector makes "
                + "(`-Xlog:gc`, one line per pause with the collector's own duration, wall-clock time on each line); "
                + "the pauses that began in each window are counted. Time to reach the safepoint is not included. "
                + "Server heap -Xmx" + heap + ".");
    }

    private static String pauses(GcPauses p) {
        return String.format(Locale.ROOT, "max %s, %,d pauses, %s paused in all (%.1f%% of %s)%s", millis(p.maxMillis()),
                p.pauses(), millis(p.totalMillis()), p.pausedPercent(), seconds(p.windowSeconds()),
                p.longest() == null ? "" : "; the longest: " + p.longest());
    }

    private Measure restartAfterKill() {
        String name = "restart after kill -9 with a full buffer → every acknowledged span queryable";
        String goal = String.format(Locale.ROOT, "≤ %.0f s", RESTART_GOAL_SECONDS);
        if (contrail == null || contrail.restart() == null) {
            return new Measure(name, goal, List.of(), "not measured" + (contrail != null && contrail.restartError() != null
                    ? ": " + contrail.restartError() : ingest() == null ? ": " + why(ContrailPeer.NAME) : ""), "");
        }
        ContrailPeer.Restart r = contrail.restart();
        List<MeasureRow> rows = List.of(
                new MeasureRow(ContrailPeer.NAME + " (restart)", String.format(Locale.ROOT, "every acknowledged span "
                                + "queryable after %.2f s; /health 200 after %.2f s; listening after %.2f s; %,d spans "
                                + "recovered from the write-ahead log", r.secondsToQueryable(), r.secondsToHealth(),
                        r.secondsToListening(), r.spansRecoveredOnStart()), "—"),
                new MeasureRow(ContrailPeer.NAME + " (at the kill)", String.format(Locale.ROOT, "%,d spans buffered (peak "
                                + "%,d) after %.1f s of full-rate load, %,d spans acknowledged, %,d requests refused; "
                                + "killed because %s; %,d spans stored before the load, %,d queryable after",
                        r.spansBufferedAtKill(), r.peakSpansBuffered(), r.loadSeconds(), r.spansAcknowledged(),
                        r.refusedBeforeKill(), r.trigger(), r.spansBeforeLoad(), r.spansAfter()), "—"),
                new MeasureRow(ContrailPeer.NAME + " (for scale: its first start)", peer(ContrailPeer.NAME) == null ? "—"
                        : String.format(Locale.ROOT, "%.1f s from launching the JVM to listening, on an empty data "
                        + "folder, before the load", peer(ContrailPeer.NAME).startSeconds()), "—"));
        String detail = String.format(Locale.ROOT, "%.2f s", r.secondsToQueryable())
                + (r.bufferFull() ? "" : String.format(Locale.ROOT, "; the buffer never filled: %,d spans "
                + "buffered at the kill", r.spansBufferedAtKill()));
        return new Measure(name, goal, rows, verdict(r.secondsToQueryable() <= RESTART_GOAL_SECONDS, detail),
                r.method() + ".");
    }

    private PeerEntry peer(String name) {
        return peers.stream().filter(p -> p.name().equals(name)).findFirst().orElse(null);
    }

    private LoadResult load(String peer) {
        return peers.stream().filter(p -> p.name().equals(peer) && p.measured()).map(PeerEntry::load).findFirst()
                .orElse(null);
    }

    /** The peers beside Contrail that store spans (not the null sink, which only reads request bodies). */
    private List<PeerEntry> others() {
        return peers.stream().filter(p -> !p.name().equals(ContrailPeer.NAME) && !p.name().equals(NullSinkPeer.NAME))
                .toList();
    }

    /** Every peer beside Contrail, the null sink included: for measures of taking requests in. */
    private List<PeerEntry> receivers() {
        return peers.stream().filter(p -> !p.name().equals(ContrailPeer.NAME)).toList();
    }

    private Measure acknowledged() {
        String goal = "≥ 300k spans/s on this 2-core machine";
        LoadResult mine = load(ContrailPeer.NAME);
        if (mine == null) {
            return notMeasured("acknowledged (durable in the write-ahead log), OTLP protobuf over HTTP", goal);
        }
        List<MeasureRow> rows = new ArrayList<>();
        rows.add(new MeasureRow(ContrailPeer.NAME, rate(mine.acknowledgedSpansPerSecond()) + " acknowledged", "—"));
        for (PeerEntry peer : receivers()) {
            rows.add(peer.measured()
                    ? new MeasureRow(peer.name(), rate(peer.load().acknowledgedSpansPerSecond())
                    + (isLimit(peer) ? " written in-process through ParquetSpanWriter (no HTTP, no WAL: a reference)"
                    : isNullSink(peer) ? " acknowledged, bodies read and nothing else (the ceiling HTTP sets)"
                    : " acknowledged") + share(peer), ratio(mine.acknowledgedSpansPerSecond(),
                    peer.load().acknowledgedSpansPerSecond()))
                    : absent(peer));
        }
        double figure = mine.acknowledgedSpansPerSecond();
        String note = contrail != null && contrail.ingest() != null ? usage(contrail.ingest()) : "";
        return new Measure("acknowledged (durable in the write-ahead log), OTLP protobuf over HTTP", goal, rows,
                verdict(figure >= ACK_GOAL_SPANS_PER_SECOND, String.format(Locale.ROOT, "%.0f%% of the goal",
                        100 * figure / ACK_GOAL_SPANS_PER_SECOND)), note);
    }

    private Measure sustained() {
        String name = "sustained: acknowledged and converted into Parquet, for ≥ 10 minutes";
        String goal = "≥ 150k spans/s on this 2-core machine";
        LoadResult mine = load(ContrailPeer.NAME);
        if (mine == null) {
            return notMeasured(name, goal);
        }
        List<MeasureRow> rows = new ArrayList<>();
        rows.add(new MeasureRow(ContrailPeer.NAME, rate(mine.storedSpansPerSecond()) + " acknowledged and queryable, over "
                + seconds(mine.storedSeconds()), "—"));
        for (PeerEntry peer : others()) {
            rows.add(peer.measured() ? new MeasureRow(peer.name(), rate(peer.load().storedSpansPerSecond())
                    + (isLimit(peer) ? " written into one file in-process" : " stored and queryable") + ", over "
                    + seconds(peer.load().storedSeconds()) + share(peer),
                    ratio(mine.storedSpansPerSecond(), peer.load().storedSpansPerSecond())) : absent(peer));
        }
        boolean longEnough = mine.storedSeconds() >= SUSTAINED_GOAL_SECONDS;
        String verdict = longEnough
                ? verdict(mine.storedSpansPerSecond() >= SUSTAINED_GOAL_SPANS_PER_SECOND, String.format(Locale.ROOT,
                "%.0f%% of the goal", 100 * mine.storedSpansPerSecond() / SUSTAINED_GOAL_SPANS_PER_SECOND))
                : String.format(Locale.ROOT, "not measured as the goal states it: this load lasted %s, not 10 minutes "
                        + "(%s acknowledged and in Parquet over that time, %.0f%% of the goal rate)", seconds(mine.storedSeconds()),
                rate(mine.storedSpansPerSecond()), 100 * mine.storedSpansPerSecond() / SUSTAINED_GOAL_SPANS_PER_SECOND);
        String note = longEnough ? "" : "A 10-minute figure needs a load that lasts 10 minutes: `bench/run --sustained 600 "
                + "--out DIR` (the corpus sent over and over with new trace IDs, into Contrail alone) measures it; so would "
                + String.format(Locale.ROOT, "a corpus of about %,d spans at this run's rate (`bench/run --spans %d --peers "
                + "contrail`).", roundUp(mine.storedSpansPerSecond() * SUSTAINED_GOAL_SECONDS),
                roundUp(mine.storedSpansPerSecond() * SUSTAINED_GOAL_SECONDS));
        return new Measure(name, goal, rows, verdict, note);
    }

    private Measure bytesPerSpan() {
        String name = "bytes per span on disk after compaction (all spans in Parquet, the background compaction caught up)";
        double gzip = corpus.gzippedOtlpBytesPerSpan();
        String goal = String.format(Locale.ROOT, "≤ 0.35× the gzip'd OTLP protobuf size of the same spans (%.1f B/span "
                + "gzip'd here, so ≤ %.1f B/span)", gzip, BYTES_GOAL_OF_GZIP * gzip);
        LoadResult mine = load(ContrailPeer.NAME);
        if (mine == null) {
            return notMeasured(name, goal);
        }
        List<MeasureRow> rows = new ArrayList<>();
        rows.add(new MeasureRow(ContrailPeer.NAME, bytes(mine.bytesPerSpan(), gzip), "—"));
        for (PeerEntry peer : others()) {
            rows.add(peer.measured() ? new MeasureRow(peer.name(), bytes(peer.load().bytesPerSpan(), gzip) + share(peer),
                    ratio(mine.bytesPerSpan(), peer.load().bytesPerSpan())) : absent(peer));
        }
        rows.add(new MeasureRow("(OTLP protobuf, for scale)", String.format(Locale.ROOT, "%.1f B/span, %.1f B/span gzip'd",
                corpus.otlpBytesPerSpan(), gzip), ratio(mine.bytesPerSpan(), gzip) + " of gzip'd"));
        return new Measure(name, goal, rows, verdict(mine.bytesPerSpan() <= BYTES_GOAL_OF_GZIP * gzip,
                String.format(Locale.ROOT, "%.2f× the gzip'd size", mine.bytesPerSpan() / gzip)),
                "Contrail: Parquet files under data/spans after everything was flushed (the write-ahead log is deleted "
                        + "once flushed), once the background compaction had no merge left to make after the load (`compactionPending` 0 in /health). Ratios are Contrail ÷ peer: below 1 means Contrail is smaller.");
    }

    private Measure attributeVersusBuiltIn() {
        String name = "arbitrary-attribute filter / group-by vs the same on a built-in column";
        String goal = "≤ 2×";
        List<MeasureRow> rows = new ArrayList<>();
        double worst = -1;
        for (PairEntry pair : pairs) {
            for (String peer : pair.attribute().keySet()) {
                Cell attribute = pair.attribute().get(peer);
                Cell builtIn = pair.builtIn().get(peer);
                if (attribute != null && builtIn != null && attribute.timed() && builtIn.timed()) {
                    double r = attribute.medianMillis() / builtIn.medianMillis();
                    rows.add(new MeasureRow(peer + ": " + pair.name(), String.format(Locale.ROOT,
                            "%s on attr columns vs %s on built-in columns", millis(attribute.medianMillis()),
                            millis(builtIn.medianMillis())), String.format(Locale.ROOT, "%.2f× (attr ÷ built-in)", r)));
                    if (peer.equals(ContrailPeer.NAME)) {
                        worst = Math.max(worst, r);
                    }
                }
            }
        }
        if (worst < 0) {
            return new Measure(name, goal, rows, "not measured: Contrail did not answer both queries of a pair", "");
        }
        return new Measure(name, goal, rows, verdict(worst <= ATTRIBUTE_GOAL_RATIO,
                String.format(Locale.ROOT, "worst pair %.2f×", worst)),
                "Each pair asks one question twice: once through \"attr.*\" columns, once through the promoted built-in "
                        + "columns (http_method, http_route) that hold copies of the same values. The limit's ratio shows "
                        + "what the file format itself costs.");
    }

    private Measure suiteVersusLimit() {
        String name = "query suite vs the DuckDB limit";
        String goal = "≤ 1.2×";
        List<Double> ratios = new ArrayList<>();
        String worstQuery = null;
        double worst = 0;
        int over = 0;
        for (QueryEntry query : queries) {
            Double r = ratioOf(query, DuckDbLimitPeer.NAME);
            if (r != null) {
                ratios.add(r);
                if (r > worst) {
                    worst = r;
                    worstQuery = query.id();
                }
                if (r > LIMIT_GOAL_RATIO) {
                    over++;
                }
            }
        }
        if (ratios.isEmpty()) {
            return new Measure(name, goal, List.of(), "not measured: " + why(DuckDbLimitPeer.NAME), "");
        }
        double geomean = geometricMean(ratios);
        List<MeasureRow> rows = List.of(new MeasureRow(DuckDbLimitPeer.NAME, String.format(Locale.ROOT,
                "Contrail ÷ limit over %d queries: geometric mean %.2f×, worst %.2f× (%s); %d of %d above 1.2×",
                ratios.size(), geomean, worst, worstQuery, over, ratios.size()), String.format(Locale.ROOT, "%.2f×", geomean)));
        return new Measure(name, goal, rows, verdict(geomean <= LIMIT_GOAL_RATIO, String.format(Locale.ROOT,
                "geometric mean %.2f×", geomean)), "Per query in the query-suite table below.");
    }

    private Measure aggregationsVersusPostgres() {
        String name = "aggregations vs PostgreSQL JSONB";
        String goal = "≥ 10× faster";
        List<Double> speedups = new ArrayList<>();
        double slowest = Double.MAX_VALUE;
        String slowestQuery = null;
        for (QueryEntry query : queries) {
            if (!AGGREGATIONS.contains(BenchQuery.valueOf(query.id()))) {
                continue;
            }
            Double r = ratioOf(query, POSTGRES);
            if (r != null) {
                speedups.add(1 / r);
                if (1 / r < slowest) {
                    slowest = 1 / r;
                    slowestQuery = query.id();
                }
            }
        }
        if (speedups.isEmpty()) {
            return new Measure(name, goal, List.of(new MeasureRow(POSTGRES, "—", "—")), "not measured: " + why(POSTGRES), "");
        }
        double geomean = geometricMean(speedups);
        return new Measure(name, goal, List.of(new MeasureRow(POSTGRES, String.format(Locale.ROOT,
                        "PostgreSQL ÷ Contrail over %d aggregations: geometric mean %.1f×, least %.1f× (%s)", speedups.size(),
                        geomean, slowest, slowestQuery), String.format(Locale.ROOT, "%.1f× faster", geomean))),
                verdict(slowest >= POSTGRES_GOAL_SPEEDUP, String.format(Locale.ROOT, "least speedup %.1f×", slowest)),
                "Aggregations: " + AGGREGATIONS + ".");
    }

    private Measure needle(BenchQuery query, String name, double goalMillis) {
        String goal = String.format(Locale.ROOT, "≤ %.0f ms at 10M spans", goalMillis);
        QueryEntry entry = queries.stream().filter(q -> q.id().equals(query.name())).findFirst().orElse(null);
        Cell mine = entry == null ? null : entry.byPeer().get(ContrailPeer.NAME);
        if (mine == null || !mine.timed()) {
            return new Measure(name, goal, List.of(), "not measured: Contrail did not answer "
                    + query.name() + (mine != null && mine.error() != null ? " (" + mine.error() + ")" : ""), "");
        }
        List<MeasureRow> rows = new ArrayList<>();
        rows.add(new MeasureRow(ContrailPeer.NAME, millis(mine.medianMillis()), "—"));
        for (PeerEntry peer : others()) {
            Cell cell = entry.byPeer().get(peer.name());
            rows.add(!peer.measured() ? absent(peer) : cell == null || !cell.timed()
                    ? new MeasureRow(peer.name(), cell == null ? "—" : cell.unsupported() != null
                    ? "unsupported: " + cell.unsupported() : "failed: " + cell.error(), "—")
                    : new MeasureRow(peer.name(), millis(cell.medianMillis()) + smallerStore(peer),
                    ratio(mine.medianMillis(), cell.medianMillis())));
        }
        String verdict = corpus.spans() >= GOAL_SCALE_SPANS
                ? verdict(mine.medianMillis() <= goalMillis, millis(mine.medianMillis()))
                : String.format(Locale.ROOT, "not measured at the goal's scale: %s at %,d spans; `bench/run --full` measures "
                + "it at 10M spans", millis(mine.medianMillis()), corpus.spans());
        return new Measure(name, goal, rows, verdict, "Medians; ratios are Contrail ÷ peer (below 1: Contrail faster).");
    }

    private Measure heap() {
        String name = "heap while ingesting at full rate";
        String goal = "bounded by configuration, ≤ 1 GiB";
        if (contrail == null || contrail.ingest() == null) {
            return notMeasured(name, goal);
        }
        ProcessResources.Usage usage = contrail.ingest().usage();
        List<MeasureRow> rows = new ArrayList<>();
        rows.add(new MeasureRow(ContrailPeer.NAME, String.format(Locale.ROOT,
                "peak heap used %s (committed %s, -Xmx%s); old generation after GC at most %s; peak RSS %s",
                mib(usage.peakHeapUsedBytes()), mib(usage.peakHeapCommittedBytes()), contrail.ingest().serverMaxHeap(),
                mib(usage.oldGenAfterGcBytes()), mib(usage.peakRssBytes())), "—"));
        for (PeerEntry peer : others()) {
            rows.add(new MeasureRow(peer.name(), peer.measured() ? "not sampled by the suite" : "not measured: "
                    + peer.status(), "—"));
        }
        String verdict = usage.peakHeapUsedBytes() < 0 ? "not measured: " + usage.note()
                : verdict(usage.peakHeapUsedBytes() <= HEAP_GOAL_BYTES, "peak heap used " + mib(usage.peakHeapUsedBytes()));
        return new Measure(name, goal, rows, verdict, "Heap from `jstat -gc` every 0.5 s during the load (young + old "
                + "occupancy, before collection — the collector lets the young generation fill up to what -Xmx allows); "
                + "the old generation right after a collection is what the server keeps. RSS adds DuckDB's native memory "
                + "and the JVM's own." + (usage.note() == null ? "" : " " + usage.note()));
    }

    private Measure freshness() {
        String name = "acknowledged → visible to SQL";
        String goal = "≤ 2 s";
        if (contrail == null || contrail.freshness() == null) {
            return new Measure(name, goal, List.of(), "not measured" + (contrail != null && contrail.freshnessError() != null
                    ? ": " + contrail.freshnessError() : ""), "");
        }
        ContrailPeer.Freshness f = contrail.freshness();
        List<MeasureRow> rows = new ArrayList<>();
        rows.add(new MeasureRow(ContrailPeer.NAME + " (idle server)", String.format(Locale.ROOT, "median %.2f s, max %.2f s "
                + "over %d single-span requests", f.median(), f.max(), f.seconds().size()), "—"));
        if (contrail.ingest() != null) {
            rows.add(new MeasureRow(ContrailPeer.NAME + " (end of the full-rate load)", String.format(Locale.ROOT,
                    "%.2f s from the last acknowledgement until count(*) showed every span", contrail.ingest().drainSeconds()),
                    "—"));
        }
        return new Measure(name, goal, rows, verdict(f.max() <= FRESHNESS_GOAL_SECONDS, String.format(Locale.ROOT,
                "max %.2f s idle", f.max())), f.method() + ". The figure at the end of the load is the backlog draining, "
                + "polled every " + ContrailPeer.VISIBILITY_POLL_MILLIS + " ms.");
    }

    private Measure cpuPerSpan() {
        String name = "server CPU per span while loading";
        String goal = "none set (issue 15 asks for the figure beside ClickHouse's)";
        LoadResult mine = load(ContrailPeer.NAME);
        if (mine == null || mine.cpuMicrosPerSpan() < 0) {
            return notMeasured(name, goal);
        }
        List<MeasureRow> rows = new ArrayList<>();
        rows.add(new MeasureRow(ContrailPeer.NAME, micros(mine.cpuMicrosPerSpan()), "—"));
        for (PeerEntry peer : receivers()) {
            if (!peer.measured()) {
                rows.add(absent(peer));
            } else if (peer.load().cpuMicrosPerSpan() < 0) {
                rows.add(new MeasureRow(peer.name(), "not sampled by the suite", "—"));
            } else {
                rows.add(new MeasureRow(peer.name(), micros(peer.load().cpuMicrosPerSpan()) + share(peer),
                        ratio(mine.cpuMicrosPerSpan(), peer.load().cpuMicrosPerSpan())));
            }
        }
        return new Measure(name, goal, rows, String.format(Locale.ROOT, "measured (Contrail %s)",
                micros(mine.cpuMicrosPerSpan())), "CPU time (user + system, from /proc/PID/stat) of the server process "
                + "alone, divided by the spans it acknowledged: for Contrail the server JVM from the first request until "
                + "every span was queryable (its WAL, Parquet flushes, compaction passes in that time, HTTP and OTLP "
                + "decoding); for ClickHouse the chDB process from the first INSERT to the last acknowledgement (parsing "
                + "JSONEachRow, sorting and compressing parts, the side table's view, the merges that ran meanwhile; the "
                + "rows were made in the benchmark JVM, as a collector makes them, and are not counted). Ratios are "
                + "Contrail ÷ peer: below 1 means Contrail spends less CPU per span.");
    }

    private Measure versusClickHouse() {
        String name = "query suite and bytes per span vs ClickHouse (otel_traces)";
        String goal = "beats ClickHouse (otel_traces) on every query and on bytes per span";
        LoadResult mine = load(ContrailPeer.NAME);
        LoadResult theirs = load(CLICKHOUSE);
        if (mine == null || theirs == null) {
            return new Measure(name, goal, List.of(), "not measured: " + (mine == null ? why(ContrailPeer.NAME)
                    : why(CLICKHOUSE)), "");
        }
        List<Double> ratios = new ArrayList<>();
        List<String> lost = new ArrayList<>();
        double worst = 0;
        String worstQuery = null;
        for (QueryEntry query : queries) {
            Double r = ratioOf(query, CLICKHOUSE);
            if (r == null) {
                lost.add(query.id() + " (not answered by both)");
                continue;
            }
            ratios.add(r);
            if (r > worst) {
                worst = r;
                worstQuery = query.id();
            }
            if (r >= 1) {
                lost.add(String.format(Locale.ROOT, "%s %.2f×", query.id(), r));
            }
        }
        double bytesRatio = mine.bytesPerSpan() / theirs.bytesPerSpan();
        List<MeasureRow> rows = new ArrayList<>();
        if (!ratios.isEmpty()) {
            rows.add(new MeasureRow(CLICKHOUSE + ": queries", String.format(Locale.ROOT, "Contrail ÷ ClickHouse over %d "
                            + "queries: geometric mean %.2f×, worst %.2f× (%s); %d of %d at or above 1×", ratios.size(),
                    geometricMean(ratios), worst, worstQuery, ratios.size() - ratios.stream().filter(r -> r < 1).count(),
                    ratios.size()), String.format(Locale.ROOT, "%.2f×", geometricMean(ratios))));
        }
        rows.add(new MeasureRow(CLICKHOUSE + ": bytes per span", String.format(Locale.ROOT, "%.1f B/span vs %.1f B/span",
                mine.bytesPerSpan(), theirs.bytesPerSpan()), String.format(Locale.ROOT, "%.2f×", bytesRatio)));
        boolean met = lost.isEmpty() && ratios.size() == queries.size() && bytesRatio < 1;
        String detail = (lost.isEmpty() ? "every query faster" : "slower or equal on " + String.join(", ", lost))
                + String.format(Locale.ROOT, "; bytes %.2f×", bytesRatio);
        return new Measure(name, goal, rows, verdict(met, detail), "Ratios are Contrail ÷ ClickHouse (otel_traces, "
                + "not fsynced): below 1 means Contrail is faster or smaller. Per query in the query-suite table below. "
                + "Why each ratio is what it is, measure by measure, is written by hand from a run of this suite in "
                + "`bench/results-clickhouse/FINDINGS.md`.");
    }

    private static String micros(double perSpan) {
        return String.format(Locale.ROOT, "%.1f µs/span", perSpan);
    }

    /** Contrail ÷ {@code peer} for one query, or null when either has no median. */
    static Double ratioOf(QueryEntry query, String peer) {
        Cell mine = query.byPeer().get(ContrailPeer.NAME);
        Cell theirs = query.byPeer().get(peer);
        if (mine == null || theirs == null || !mine.timed() || !theirs.timed() || theirs.medianMillis() <= 0) {
            return null;
        }
        return mine.medianMillis() / theirs.medianMillis();
    }

    private String why(String peer) {
        return peers.stream().filter(p -> p.name().equals(peer)).findFirst()
                .map(p -> p.measured() ? "no query answered on both" : p.name() + " " + p.status() + " — " + p.reason())
                .orElse(peer + " was not in this run (--peers)");
    }

    /** After a per-span figure of a peer that loaded only a share of the corpus: which share; else "". */
    private String share(PeerEntry peer) {
        LoadResult load = peer.load();
        return load == null || !load.partial(corpus.spans()) ? "" : String.format(Locale.ROOT,
                " — on its share, the first %,d of %,d spans (see Peers)", load.spansOffered(), corpus.spans());
    }

    /** After a query time of a peer that loaded only a share of the corpus: that its store is smaller; else "". */
    private String smallerStore(PeerEntry peer) {
        LoadResult load = peer.load();
        return load == null || !load.partial(corpus.spans()) ? "" : String.format(Locale.ROOT,
                " — on a smaller store: only the first %,d of %,d spans (see Peers)", load.spansOffered(), corpus.spans());
    }

    private static boolean isNullSink(PeerEntry peer) {
        return peer.name().equals(NullSinkPeer.NAME);
    }

    private static boolean isLimit(PeerEntry peer) {
        return peer.name().equals(DuckDbLimitPeer.NAME);
    }

    private static MeasureRow absent(PeerEntry peer) {
        return new MeasureRow(peer.name(), peer.status() + ": see Peers", "—");
    }

    private Measure notMeasured(String name, String goal) {
        return new Measure(name, goal, List.of(), "not measured: " + why(ContrailPeer.NAME), "");
    }

    private static String verdict(boolean met, String detail) {
        return (met ? "met" : "not met") + " (" + detail + ")";
    }

    private String usage(ContrailPeer.IngestDetail detail) {
        ProcessResources.Usage u = detail.usage();
        return String.format(Locale.ROOT, "%d clients on the same machine; during the load the server used %.0f%% CPU, this "
                        + "benchmark JVM (the clients" + (corpus.storedGzipped()
                        ? ", decompressing each request of the gzip'd corpus file before sending it" : "")
                        + ") %.0f%%, the whole machine %.0f%% of %d00%% (other users included); "
                        + "ack latency p50 %.0f ms, p99 %.0f ms; %d×429, %d×503.", detail.clients(), u.serverCpuPercent(),
                u.benchCpuPercent(), u.machineCpuPercent(), u.cores(), detail.sender().latencyP50Nanos() / 1e6,
                detail.sender().latencyP99Nanos() / 1e6, detail.sender().refused429(), detail.sender().refused503());
    }

    static double geometricMean(List<Double> values) {
        return Math.exp(values.stream().mapToDouble(Math::log).average().orElse(0));
    }

    static String ratio(double mine, double theirs) {
        return theirs <= 0 ? "—" : String.format(Locale.ROOT, "%.2f×", mine / theirs);
    }

    static String rate(double spansPerSecond) {
        return String.format(Locale.ROOT, "%,.0f spans/s", spansPerSecond);
    }

    static String seconds(double s) {
        return String.format(Locale.ROOT, "%.1f s", s);
    }

    static String millis(double ms) {
        return ms >= 100 ? String.format(Locale.ROOT, "%,.0f ms", ms) : String.format(Locale.ROOT, "%.2f ms", ms);
    }

    static String mib(long bytes) {
        return bytes < 0 ? "?" : String.format(Locale.ROOT, "%,d MiB", bytes >> 20);
    }

    private static String bytes(double perSpan, double gzip) {
        return String.format(Locale.ROOT, "%.1f B/span (%.2f× gzip'd OTLP)", perSpan, perSpan / gzip);
    }

    private static long roundUp(double spans) {
        long million = 1_000_000;
        return Math.max(million, (long) Math.ceil(spans / million) * million);
    }
}
