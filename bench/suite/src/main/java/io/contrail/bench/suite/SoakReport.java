package io.contrail.bench.suite;

import io.contrail.bench.suite.SoakVerdicts.Flatness;
import io.contrail.bench.suite.SoakVerdicts.Point;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * What a soak run writes into its output folder: {@code README.md} (the run, the verdicts and the
 * rules they follow), {@code samples.csv} (every 10 s), {@code queries.csv} (every query) and
 * {@code gc-heap.csv} (the heap after every collection). Paths of the machine it ran on are replaced
 * by placeholders, so the files can be committed.
 */
final class SoakReport {

    static final String README = "README.md";
    static final String SAMPLES_CSV = "samples.csv";
    static final String QUERIES_CSV = "queries.csv";
    static final String GC_HEAP_CSV = "gc-heap.csv";
    static final int WARNINGS_SHOWN = 10;
    static final int FAILED_QUERIES_SHOWN = 10;
    /** Heap: the medians and the drift per hour may each move by this share of the maximum heap. */
    static final double HEAP_ALLOWANCE_OF_MAX = 0.10;
    /** Resident memory: by this share of its first window's median. */
    static final double RSS_ALLOWANCE_OF_FIRST = 0.20;
    /** File counts: by this share of the first window's median, or this many files if more. */
    static final double FILES_ALLOWANCE_OF_FIRST = 0.20;
    static final double FILES_ALLOWANCE_MIN = 5;
    /** DuckDB's spill folder: by this many MiB (a query or merge spilling while a sample is taken). */
    static final double SPILL_ALLOWANCE_MIB = 256;
    /** Query latency: the last window's median may exceed the first's by this share of it, or this many ms if more. */
    static final double QUERY_ALLOWANCE_OF_FIRST = 0.50;
    static final double QUERY_ALLOWANCE_MIN_MILLIS = 10;
    /** Said in the README's verdict and on the console when a 60-s window fell under 95% of the target. */
    static final String NOT_SUSTAINED = "TARGET NOT SUSTAINED: the soak was overloaded, flatness verdicts do not apply";
    private static final double MIB = 1 << 20;

    private final SoakRun.Result run;
    private final double soakSeconds;
    private final List<SoakSampler.Sample> soakSamples;
    private final List<SoakQueries.Outcome> soakQueries;

    SoakReport(SoakRun.Result run) {
        this.run = run;
        this.soakSeconds = run.soakSeconds();
        this.soakSamples = run.samples().stream().filter(s -> s.phase().equals("soak")).toList();
        this.soakQueries = run.queries().stream().filter(q -> q.phase().equals("soak")).toList();
    }

    /** Whether every 60-s window of the soak acknowledged at least 95% of its target ({@link SoakVerdicts#sustained}). */
    static SoakVerdicts.Sustained sustained(SoakRun.Result run) {
        List<Point> acknowledged = new ArrayList<>(List.of(new Point(0, 0)));
        run.samples().stream().filter(s -> s.phase().equals("soak"))
                .map(s -> new Point(s.secondsSince(run.soakStartEpochMillis()), s.acknowledgedSpans()))
                .filter(p -> p.seconds() > 0 && p.seconds() <= run.soakSeconds()).forEach(acknowledged::add);
        return SoakVerdicts.sustained(acknowledged, run.targetSpansPerSecond());
    }

    /** Writes the four files into {@code out}; returns the README's path. */
    Path write(Path out) throws IOException {
        Files.createDirectories(out);
        long start = run.soakStartEpochMillis();
        List<String> samples = new ArrayList<>(List.of(SoakSampler.Sample.CSV_HEADER));
        run.samples().forEach(s -> samples.add(s.csv(start)));
        Files.write(out.resolve(SAMPLES_CSV), samples, StandardCharsets.UTF_8);
        List<String> queries = new ArrayList<>(List.of(SoakQueries.Outcome.CSV_HEADER));
        run.queries().forEach(q -> queries.add(q.csv(start)));
        Files.write(out.resolve(QUERIES_CSV), queries, StandardCharsets.UTF_8);
        List<String> gc = new ArrayList<>(List.of("epoch_ms,seconds,pause,used_after_mib,heap_mib"));
        run.collections().forEach(c -> gc.add(String.format(Locale.ROOT, "%d,%.1f,\"%s\",%.0f,%.0f", c.epochMillis(),
                (c.epochMillis() - start) / 1e3, c.pause(), c.usedAfterBytes() / MIB, c.heapBytes() / MIB)));
        Files.write(out.resolve(GC_HEAP_CSV), gc, StandardCharsets.UTF_8);
        Path readme = out.resolve(README);
        Files.writeString(readme, scrub(markdown()), StandardCharsets.UTF_8);
        return readme;
    }

    /** Replaces the scratch folder, the repository and any other absolute path of this machine. */
    String scrub(String text) {
        String root = Path.of(System.getProperty("contrail.bench.repository", ".")).toAbsolutePath().normalize().toString();
        return text.replace(run.scratch().toString(), "<scratch>").replace(root, "<repository>")
                .replaceAll("(?<![\\w<])/(?:work|tmp|home|root|var)/[^\\s`'\",)]*", "<path>");
    }

    List<Point> heapPoints() {
        long start = run.soakStartEpochMillis();
        return run.collections().stream()
                .map(c -> new Point((c.epochMillis() - start) / 1e3, c.usedAfterBytes() / MIB))
                .filter(p -> p.seconds() >= 0 && p.seconds() <= soakSeconds).toList();
    }

    private List<Point> samplePoints(ToDoubleFunction<SoakSampler.Sample> value) {
        long start = run.soakStartEpochMillis();
        return soakSamples.stream().map(s -> new Point(s.secondsSince(start), value.applyAsDouble(s)))
                .filter(p -> p.value() >= 0 && !Double.isNaN(p.value())).toList();
    }

    private Flatness relative(List<Point> points, double share, double minimum) {
        double first = SoakVerdicts.median(SoakVerdicts.values(points, 0, SoakVerdicts.windowSeconds(soakSeconds)));
        return SoakVerdicts.flatness(points, soakSeconds, Math.max(share * (Double.isNaN(first) ? 0 : first), minimum));
    }

    String markdown() {
        SoakRun.Options o = run.options();
        OtlpSender.Result soak = run.soakLoad();
        OtlpSender.Result capacity = run.capacityLoad();
        double window = SoakVerdicts.windowSeconds(soakSeconds);
        double settle = SoakVerdicts.settleSeconds(soakSeconds);
        double achieved = soak.spansAcknowledged() / soakSeconds;
        SoakVerdicts.Sustained sustained = sustained(run);
        boolean overloaded = !sustained.sustained();

        Flatness heap = SoakVerdicts.flatness(heapPoints(), soakSeconds, HEAP_ALLOWANCE_OF_MAX * SoakRun.MAX_HEAP_BYTES / MIB);
        Flatness openFiles = relative(samplePoints(s -> s.openFiles()), FILES_ALLOWANCE_OF_FIRST, FILES_ALLOWANCE_MIN);
        Flatness flushFiles = relative(samplePoints(s -> s.flushFilesOnDisk()), FILES_ALLOWANCE_OF_FIRST,
                FILES_ALLOWANCE_MIN);
        Flatness liveFiles = relative(samplePoints(s -> s.liveFiles()), 0, 0);
        Flatness diskFiles = relative(samplePoints(s -> s.filesOnDisk()), 0, 0);
        Flatness rss = relative(samplePoints(SoakSampler.Sample::rssMib), RSS_ALLOWANCE_OF_FIRST, 0);
        Flatness buffered = relative(samplePoints(s -> s.spansBuffered()), 0, 0);
        Flatness wal = relative(samplePoints(s -> s.walBytes() / MIB), 0, 0);
        Flatness dataBytes = relative(samplePoints(s -> s.dataBytes() / MIB), 0, 0);
        Flatness spill = relative(samplePoints(s -> s.spillBytes() / MIB), 0, SPILL_ALLOWANCE_MIB);

        long start = run.soakStartEpochMillis();
        Map<String, Boolean> queryFlat = new LinkedHashMap<>();
        for (String name : SoakQueries.NAMES) {
            List<SoakQueries.Outcome> these = soakQueries.stream().filter(q -> q.name().equals(name)).toList();
            queryFlat.put(name, latencyFlat(SoakVerdicts.median(millis(these, start, 0, window)),
                    SoakVerdicts.median(millis(these, start, soakSeconds - window, Double.MAX_VALUE))));
        }
        long queriesFlat = queryFlat.values().stream().filter(flat -> flat).count();
        List<SoakQueries.Outcome> failed = soakQueries.stream().filter(q -> !q.ok()).toList();
        List<SoakQueries.Outcome> capacityQueries = run.queries().stream().filter(q -> q.phase().equals("capacity"))
                .toList();
        double[] capacityRates = run.capacityWindowRates();
        long ingestErrors = soak.errors().values().stream().mapToLong(Long::longValue).sum();
        boolean allFlat = heap.flat() && openFiles.flat() && flushFiles.flat() && rss.flat() && spill.flat();

        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, """
                # Soak run: %s minutes at %.0f%% of measured capacity, with queries

                Generated by `%s` (`SoakRun` of `bench/suite`); every figure below comes from this one invocation, and \
                every verdict is computed by the program by the rules under [Rules](#rules). Samples every %d s are in \
                [`%s`](%s), every query in [`%s`](%s), the heap after every collection in [`%s`](%s).

                **Verdict: %sheap %s, open files %s, files awaiting compaction %s, resident memory %s, DuckDB's spill \
                %s; latency flat for %d of the \
                %d queries; %d non-2xx query answers; %,.0f of %,.0f spans/s acknowledged, the slowest 60-s window \
                %.0f%% of the target.**

                | run | |
                |---|---|
                | date | %s |
                | command | `%s` |
                | git commit | %s%s |
                | machine | %d cores (%s), %.1f GiB RAM, %s; shared with other work |
                | java | %s |
                | load average (1, 5, 15 min) | %s at the start, %s at the end |
                | server | `%s` (a copy of `http/target/contrail.jar`; default compaction; `-XX:MaxGCPauseMillis=30` as `./contrail` starts it) |
                | load | the bench corpus, %,d spans (seed %d), sent over and over with new trace IDs in every pass and every span's times moved to the moment its request is sent; %d clients, OTLP protobuf over HTTP/1.1, 429/503 retried after Retry-After; the load runs in the bench JVM on the same cores |
                | queries | one round every %d s through the HTTP API, one query after another: %s |

                ## Capacity and rate

                | phase | figure |
                |---|---|
                | capacity (as fast as acknowledged, %d s, with the query mix) | **%,.0f spans/s**: the median of the acknowledged rates of %d whole 10-s windows after the first %d s (min %,.0f, p25 %,.0f, max %,.0f); %,d spans acknowledged in all, %,d × 429, %,d × 503, %d errors; %d queries asked, %d non-2xx |
                | drain between the phases | %s after %.0f s (buffer written, no merge pending) |
                | soak target | %,.0f spans/s = %.2f × capacity, for %.0f s |
                | soak achieved | **%,.0f spans/s** acknowledged (%,d spans in %.0f s); per 10-s sample min %,.0f, median %,.0f, max %,.0f |
                | target sustained | %s: %d of %d 60-s windows under %.0f%% of the target; the slowest %,.0f spans/s (%.0f%%), ending %.0f s into the soak |
                | refused during the soak | %,d × 429, %,d × 503 (each retried) |
                | ingest errors during the soak | %s |

                """,
                SoakRun.trim(o.minutes()), 100 * o.fraction(), o.command(), SoakSampler.INTERVAL_SECONDS,
                SAMPLES_CSV, SAMPLES_CSV, QUERIES_CSV, QUERIES_CSV, GC_HEAP_CSV, GC_HEAP_CSV,
                overloaded ? NOT_SUSTAINED + ". Would be: " : "",
                heap.verdict(), openFiles.verdict(), flushFiles.verdict(), rss.verdict(), spill.verdict(), queriesFlat,
                queryFlat.size(),
                failed.size(), achieved, run.targetSpansPerSecond(), 100 * sustained.lowestShare(),
                run.date(), o.command(), run.commit(),
                run.uncommittedChanges() == 0 ? "" : " with " + run.uncommittedChanges() + " uncommitted change(s)",
                run.machine().cores(), run.machine().cpuModel(), run.machine().memoryBytes() / (double) (1L << 30),
                run.machine().os(), run.machine().java(), run.loadAverageAtStart(), run.loadAverageAtEnd(),
                serverCommand(), run.corpusSpans(), SoakRun.SEED, o.clients(), o.queryIntervalSeconds(),
                queryList(),
                o.capacitySeconds(), run.capacitySpansPerSecond(), capacityRates.length, o.capacityWarmupSeconds(),
                SoakVerdicts.percentile(capacityRates, 0), SoakVerdicts.percentile(capacityRates, 0.25),
                SoakVerdicts.percentile(capacityRates, 1),
                capacity.spansAcknowledged(), capacity.refused429(), capacity.refused503(),
                capacity.errors().values().stream().mapToLong(Long::longValue).sum(), capacityQueries.size(),
                capacityQueries.stream().filter(q -> !q.ok()).count(),
                run.drained() ? "drained" : "NOT drained (gave up)", run.drainSeconds(),
                run.targetSpansPerSecond(), o.fraction(), soakSeconds,
                achieved, soak.spansAcknowledged(), soakSeconds, samplePercentile(0), samplePercentile(0.5),
                samplePercentile(1),
                overloaded ? "**no**" : "yes", sustained.shortWindows(), sustained.windows(),
                100 * SoakVerdicts.SUSTAINED_SHARE, sustained.lowest() == null ? Double.NaN : sustained.lowest().value(),
                100 * sustained.lowestShare(), sustained.lowest() == null ? Double.NaN : sustained.lowest().seconds(),
                soak.refused429(), soak.refused503(),
                ingestErrors == 0 ? "none" : ingestErrors + " " + soak.errors()));

        md.append(String.format(Locale.ROOT, """
                ## Flat or not

                First and last window: the first and the last %.0f s of the soak; drift: the Theil–Sen line through \
                every value from %.0f s into the soak to its end, per hour.%s

                | measure | first window (median) | last window (median) | max | drift per hour | allowance | verdict |
                |---|---:|---:|---:|---:|---:|---|
                """, window, settle, overloaded ? "\n\n**The target was not sustained: the soak was overloaded, and these "
                        + "verdicts describe an overloaded server, not one at the rate asked for; they do not apply.**"
                        : ""));
        row(md, "heap after GC (MiB, every collection)", heap, "%.0f", true, overloaded);
        row(md, "open files (file descriptors of the server)", openFiles, "%.0f", true, overloaded);
        row(md, "files awaiting compaction (flush files on disk)", flushFiles, "%.0f", true, overloaded);
        row(md, "resident memory (MiB)", rss, "%.0f", true, overloaded);
        row(md, "DuckDB spill folder `" + SoakSampler.SPILL_FOLDER + "` (MiB, column `duckdb_tmp_bytes`)", spill,
                "%,.1f", true, overloaded);
        row(md, "live files (`/health` `files`)", liveFiles, "%.0f", false, overloaded);
        row(md, "files on disk under the data folder", diskFiles, "%.0f", false, overloaded);
        row(md, "spans buffered (`/health`)", buffered, "%,.0f", false, overloaded);
        row(md, "write-ahead log (MiB, `/health` `walBytes`)", wal, "%.1f", false, overloaded);
        row(md, "data folder (MiB)", dataBytes, "%,.0f", false, overloaded);
        SoakSampler.Sample lastSample = soakSamples.isEmpty() ? null : soakSamples.get(soakSamples.size() - 1);
        long storedSpans = capacity.spansAcknowledged() + soak.spansAcknowledged();
        md.append(String.format(Locale.ROOT, "%nThe data folder grows with the spans stored, as it must, and so do the "
                + "live files and the files on disk: compaction leaves one file per %,d spans of an hour "
                + "(`--compact-target-spans`), each with its trace-ID sidecar, so a store that keeps every span gains "
                + "files as it gains spans (at the end %s live files for %,d spans acknowledged since the start: one "
                + "per %,.0f). They are listed for scale, as are the buffer and the write-ahead log (levels that follow "
                + "the load, not the time). What must not grow is what a leak or a compaction falling behind would "
                + "grow: the files the server holds open, the flush files not yet merged, and DuckDB's spill, which a "
                + "query or a merge frees when it ends. "
                + "%,d collections logged during the soak; %s.%n%n", io.contrail.columnar.StoreConfig.Compaction.DEFAULT_TARGET_SPANS,
                lastSample == null ? "?" : String.format(Locale.ROOT, "%,d", lastSample.liveFiles()), storedSpans,
                lastSample == null || lastSample.liveFiles() <= 0 ? Double.NaN : (double) storedSpans / lastSample.liveFiles(),
                heapPoints().size(), gcKinds()));

        md.append(String.format(Locale.ROOT, """
                ## Queries

                Latency in ms from sending the request to having the whole answer, in the same windows (the queries \
                asked while the capacity was measured are in `%s`, not here). Every query reads a window of bounded \
                size (the last five or fifteen minutes, one trace), so that the mix costs as much at the end of the \
                soak as at its start; each one's latency is judged.

                | query | asked | non-2xx | first window p50 / p99 | last window p50 / p99 | whole soak p50 / p99 / max | verdict |
                |---|---:|---:|---:|---:|---:|---|
                """, QUERIES_CSV));
        for (String name : SoakQueries.NAMES) {
            List<SoakQueries.Outcome> these = soakQueries.stream().filter(q -> q.name().equals(name)).toList();
            double[] first = millis(these, start, 0, window);
            double[] last = millis(these, start, soakSeconds - window, Double.MAX_VALUE);
            double[] all = millis(these, start, -Double.MAX_VALUE, Double.MAX_VALUE);
            Boolean flat = queryFlat.get(name);
            md.append(String.format(Locale.ROOT, "| `%s` | %d | %d | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f / %.1f | %s |%n",
                    name, these.size(), these.stream().filter(q -> !q.ok()).count(),
                    SoakVerdicts.percentile(first, 0.5), SoakVerdicts.percentile(first, 0.99),
                    SoakVerdicts.percentile(last, 0.5), SoakVerdicts.percentile(last, 0.99),
                    SoakVerdicts.percentile(all, 0.5), SoakVerdicts.percentile(all, 0.99),
                    SoakVerdicts.percentile(all, 1), verdict(flat ? "flat" : "not flat", overloaded)));
        }
        md.append('\n');
        if (failed.isEmpty()) {
            md.append("Every query was answered 2xx.\n\n");
        } else {
            Map<String, Long> byKind = failed.stream().collect(Collectors.groupingBy(
                    q -> q.name() + " → " + (q.status() == 0 ? "no answer" : "HTTP " + q.status()), TreeMap::new,
                    Collectors.counting()));
            md.append(String.format(Locale.ROOT, "**%d queries were not answered 2xx**: %s. The first %d:%n%n",
                    failed.size(), byKind, Math.min(FAILED_QUERIES_SHOWN, failed.size())));
            failed.stream().limit(FAILED_QUERIES_SHOWN).forEach(q -> md.append(String.format(Locale.ROOT,
                    "- %.0f s into the soak, `%s`: %s in %.0f ms — `%s`%n", (q.epochMillis() - start) / 1e3, q.name(),
                    q.status() == 0 ? "no answer" : "HTTP " + q.status(), q.millis(), q.excerpt().replace('`', '\''))));
            md.append('\n');
        }

        md.append(String.format(Locale.ROOT, "## The server's log%n%n%,d lines at WARN or ERROR.%s%n%n",
                run.serverWarningCount(), run.serverWarnings().isEmpty() ? ""
                        : " The first distinct ones:\n\n```\n" + String.join("\n", run.serverWarnings()) + "\n```"));

        md.append(String.format(Locale.ROOT, """
                ## Rules

                - **Windows.** First window: the soak's first %.0f s; last window: its last %.0f s (five minutes each, a \
                third of a soak shorter than 15 minutes). The medians are of the values in each window. Drift: the \
                Theil–Sen slope (the median of the slopes between every two values; brief spikes, such as a merge \
                holding its inputs open, do not move it, a steady climb shows whole) through the values from %.0f s \
                into the soak (two minutes, a quarter of a shorter soak) to its end, in units per hour.
                - **Flat** means: last-window median − first-window median ≤ the allowance, **and** drift per hour ≤ \
                the allowance (falling is always flat).
                - **Heap after GC**: every collection's "used after" from the server's GC log (`-Xlog:gc`, G1); \
                allowance %.0f%% of the maximum heap (%.0f MiB of -Xmx%s).
                - **Open files** (the entries of /proc/PID/fd: span files, sockets, the log) **and files awaiting \
                compaction** (Parquet files under the data folder named as a flush names them, not as a merge does): \
                allowance %.0f%% of the first-window median or %.0f files, whichever is more. Files on disk count every \
                regular file under the data folder (Parquet, trace-ID sidecars, write-ahead log segments, DuckDB's \
                spill); they and the live files are reported, not judged (they grow with the spans stored).
                - **DuckDB's spill folder**: allowance %.0f MiB.
                - **Resident memory** (VmRSS of /proc): allowance %.0f%% of the first-window median.
                - **Query latency**, each query on its own: the last-window median may exceed the first-window median by \
                %.0f%% of it or %.0f ms, whichever is more (p99 is reported, not judged: one slow answer on a shared \
                2-core machine moves it).
                - **Capacity**: the as-fast-as-acknowledged phase runs for %d s with the soak's query mix; its \
                acknowledged spans are counted at the end of every whole %.0f-s window from its start, and the capacity \
                is the median (nearest rank) of the rates of the windows that start at or after %d s (the warm-up), \
                so that a machine getting quieter or busier during the phase moves it less than a mean of its end would.
                - **Target sustained**: for each sample of the soak, the spans acknowledged since the latest sample (or \
                the soak's start) at least %.0f s earlier, per second; every such window must reach %.0f%% of the \
                target. The pacing sends a request late at once when behind, so a soak that is not sustained is one \
                at the server's full rate, overloaded: then the flatness verdicts above **do not apply**.
                """, window, window, settle, 100 * HEAP_ALLOWANCE_OF_MAX, HEAP_ALLOWANCE_OF_MAX * SoakRun.MAX_HEAP_BYTES / MIB,
                SoakRun.MAX_HEAP, 100 * FILES_ALLOWANCE_OF_FIRST, FILES_ALLOWANCE_MIN, SPILL_ALLOWANCE_MIB,
                100 * RSS_ALLOWANCE_OF_FIRST,
                100 * QUERY_ALLOWANCE_OF_FIRST, QUERY_ALLOWANCE_MIN_MILLIS, o.capacitySeconds(),
                SoakVerdicts.CAPACITY_WINDOW_SECONDS, o.capacityWarmupSeconds(), SoakVerdicts.SUSTAINED_WINDOW_SECONDS,
                100 * SoakVerdicts.SUSTAINED_SHARE));
        if (overloaded) {
            md.append("\n**" + NOT_SUSTAINED
                    + ".** Repeat the run on a quieter machine, or at a lower --fraction.\n");
        } else if (!allFlat) {
            md.append("\nNot everything stayed flat: see the table above and the samples.\n");
        }
        return md.toString();
    }

    /** The last window's median latency is within the allowance of the first's. */
    static boolean latencyFlat(double firstMedianMillis, double lastMedianMillis) {
        return !Double.isNaN(firstMedianMillis) && !Double.isNaN(lastMedianMillis) && lastMedianMillis - firstMedianMillis
                <= Math.max(QUERY_ALLOWANCE_OF_FIRST * firstMedianMillis, QUERY_ALLOWANCE_MIN_MILLIS);
    }

    private void row(StringBuilder md, String name, Flatness f, String format, boolean judged, boolean overloaded) {
        md.append(String.format(Locale.ROOT, "| %s | " + format + " | " + format + " | " + format + " | %+.1f | %s | %s |%n",
                name, f.firstMedian(), f.lastMedian(), f.max(), f.slopePerHour(),
                judged ? String.format(Locale.ROOT, "%.0f", f.allowance()) : "—",
                judged ? verdict(f.verdict(), overloaded) : "—"));
    }

    /** A verdict in bold, or, when the soak was overloaded, what it would be and that it does not apply. */
    private static String verdict(String verdict, boolean overloaded) {
        return overloaded ? "does not apply (overloaded; would be " + verdict + ")" : "**" + verdict + "**";
    }

    private String serverCommand() {
        return run.serverCommand().stream().map(part -> part.endsWith("/bin/java") ? "java" : part)
                .collect(Collectors.joining(" "));
    }

    private String queryList() {
        return "`POST /api/sql` `SELECT count(*)` over the last 5 minutes (`sql-count-5m`), `POST /api/sql` p99 of "
                + "`duration_nanos` per `service_name` over the last 5 minutes (`sql-p99-by-service-5m`), `GET /api/search` "
                + "of service `" + SoakQueries.SERVICE + "` over the last 5 minutes (`search-5m`), `GET /api/traces/{id}` of "
                + "a trace handed to the load one round earlier (`trace-by-id`), `GET /api/metrics/red` of service `"
                + SoakQueries.SERVICE + "` over the last 15 minutes (`red-15m`; not `range=all`, which reads everything "
                + "stored and grows with it)";
    }

    private String gcKinds() {
        Map<String, Long> kinds = new LinkedHashMap<>();
        long start = run.soakStartEpochMillis();
        run.collections().stream().filter(c -> c.epochMillis() >= start && (c.epochMillis() - start) / 1e3 <= soakSeconds)
                .forEach(c -> kinds.merge(c.pause(), 1L, Long::sum));
        return kinds.isEmpty() ? "none" : kinds.entrySet().stream().map(e -> e.getValue() + " × " + e.getKey())
                .collect(Collectors.joining(", "));
    }

    private double samplePercentile(double p) {
        double[] rates = soakSamples.stream().mapToDouble(SoakSampler.Sample::spansPerSecond).toArray();
        return SoakVerdicts.percentile(rates, p);
    }

    private static double[] millis(List<SoakQueries.Outcome> outcomes, long startMillis, double from, double to) {
        return outcomes.stream().filter(q -> {
            double seconds = (q.epochMillis() - startMillis) / 1e3;
            return seconds >= from && seconds < to;
        }).mapToDouble(SoakQueries.Outcome::millis).toArray();
    }
}
