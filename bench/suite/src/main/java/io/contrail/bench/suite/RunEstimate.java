package io.contrail.bench.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How long a run will take and how much disk it will fill, estimated before it starts from an
 * earlier run's {@code results/suite.json}: each step's seconds and bytes per span there, times the
 * spans the step handles now (the Zipkin peer's share, not the corpus, for Zipkin). A guide for
 * the progress display, never a figure in RESULTS.md: a step that grows faster than its spans (an
 * index build) makes it low, fixed costs (starting a server) make it high for a smaller run.
 */
final class RunEstimate {

    /** One step of the run: its estimated seconds and the bytes it leaves on disk while the run lasts. */
    record Step(String what, double seconds, long diskBytes) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double MILLIS_PER_SECOND = 1_000;

    private final String basis;
    private final List<Step> steps;
    private final Map<String, Double> loadSecondsByPeer;
    private final List<String> peersWithoutFigures;

    private RunEstimate(String basis, List<Step> steps, Map<String, Double> loadSecondsByPeer,
                        List<String> peersWithoutFigures) {
        this.basis = basis;
        this.steps = steps;
        this.loadSecondsByPeer = loadSecondsByPeer;
        this.peersWithoutFigures = peersWithoutFigures;
    }

    /**
     * The estimate from the first of {@code candidates} that exists and holds a measured corpus, or
     * null when none does (a fresh clone without results, a run that wrote elsewhere); the corpus
     * file takes its bytes per span as {@code corpusStorage} stores it.
     */
    static RunEstimate fromFirstOf(List<Path> candidates, BenchOptions options, SpanCorpus.Storage corpusStorage) {
        for (Path candidate : candidates) {
            if (!Files.isRegularFile(candidate)) {
                continue;
            }
            try {
                RunEstimate estimate = from(JSON.readTree(candidate.toFile()), candidate.toString(), options,
                        corpusStorage);
                if (estimate != null) {
                    return estimate;
                }
            } catch (IOException e) {
                // An unreadable file gives no estimate; the run does not depend on one.
            }
        }
        return null;
    }

    /** The estimate from an earlier run's suite.json ({@code source} names it), or null when it has no corpus. */
    static RunEstimate from(JsonNode previous, String source, BenchOptions options, SpanCorpus.Storage corpusStorage) {
        JsonNode corpus = previous.path("corpus");
        long previousSpans = corpus.path("spans").asLong(0);
        int previousRounds = previous.path("run").path("rounds").asInt(0);
        if (previousSpans <= 0 || previousRounds <= 0) {
            return null;
        }
        List<Step> steps = new ArrayList<>();
        Map<String, Double> loadSeconds = new LinkedHashMap<>();
        List<String> without = new ArrayList<>();
        long spans = options.spans();
        double otlpBytesPerSpan = corpus.path("otlpBytesPerSpan").asDouble();
        // Generating gzips every request whatever the storage, so only the file's size depends on it.
        double fileBytesPerSpan = corpusStorage == SpanCorpus.Storage.GZIPPED
                ? corpus.path("gzippedOtlpBytesPerSpan").asDouble(otlpBytesPerSpan) : otlpBytesPerSpan;
        steps.add(new Step("corpus", corpus.path("generateSeconds").asDouble() / previousSpans * spans,
                (long) (fileBytesPerSpan * spans)));
        Map<String, Double> queryMillisPerRound = queryMillisPerRound(previous, previousRounds);
        for (String peer : options.peers()) {
            JsonNode entry = peerEntry(previous, peer);
            JsonNode load = entry == null ? null : entry.path("load");
            // The null sink stores nothing: what it took is what it acknowledged.
            long held = load == null ? 0 : load.path(peer.equals(NullSinkPeer.NAME) ? "spansAcknowledged" : "spansStored")
                    .asLong(0);
            double storedSeconds = load == null ? 0 : load.path("storedSeconds").asDouble(0);
            if (load == null || load.isNull() || held <= 0 || storedSeconds <= 0) {
                without.add(peer);
                continue;
            }
            long offered = peer.equals(ZipkinPeer.NAME) ? Math.min(spans, options.zipkinSpans()) : spans;
            double loading = entry.path("startSeconds").asDouble(0) + storedSeconds / held * offered;
            loadSeconds.put(peer, loading);
            steps.add(new Step(peer + " load", loading, (long) (load.path("bytesOnDisk").asDouble() / held * offered)));
            int rounds = options.warmupRounds() + options.rounds()
                    + (options.explain() && isDuckDbDialect(peer) ? 1 : 0);
            double querying = queryMillisPerRound.getOrDefault(peer, 0.0) / MILLIS_PER_SECOND / held * offered * rounds;
            steps.add(new Step(peer + " queries", querying, 0));
        }
        String basis = String.format(Locale.ROOT, "from %s: `%s`, %,d spans, %s; each step's seconds and bytes per span "
                        + "there, times its spans now", source, previous.path("run").path("command").asText("?"),
                previousSpans, previous.path("run").path("date").asText("?"));
        return new RunEstimate(basis, List.copyOf(steps), loadSeconds, List.copyOf(without));
    }

    private static boolean isDuckDbDialect(String peer) {
        return peer.equals(ContrailPeer.NAME) || peer.equals(DuckDbLimitPeer.NAME);
    }

    private static JsonNode peerEntry(JsonNode previous, String name) {
        for (JsonNode peer : previous.path("peers")) {
            if (name.equals(peer.path("name").asText()) && "measured".equals(peer.path("status").asText())) {
                return peer;
            }
        }
        return null;
    }

    /** Milliseconds of every timed run of every query and pair, per peer, divided by the timed rounds. */
    private static Map<String, Double> queryMillisPerRound(JsonNode previous, int rounds) {
        Map<String, Double> millis = new LinkedHashMap<>();
        List<JsonNode> byPeerMaps = new ArrayList<>();
        previous.path("queries").forEach(query -> byPeerMaps.add(query.path("byPeer")));
        previous.path("attributeVersusBuiltIn").forEach(pair -> {
            byPeerMaps.add(pair.path("attribute"));
            byPeerMaps.add(pair.path("builtIn"));
        });
        for (JsonNode byPeer : byPeerMaps) {
            byPeer.fields().forEachRemaining(cell -> {
                double sum = 0;
                for (JsonNode run : cell.getValue().path("runsMillis")) {
                    sum += run.asDouble();
                }
                millis.merge(cell.getKey(), sum / rounds, Double::sum);
            });
        }
        return millis;
    }

    List<Step> steps() {
        return steps;
    }

    double seconds() {
        return steps.stream().mapToDouble(Step::seconds).sum();
    }

    long diskBytes() {
        return steps.stream().mapToLong(Step::diskBytes).sum();
    }

    /** Estimated seconds to start and load {@code peer}, or null without a figure for it. */
    Double loadSeconds(String peer) {
        return loadSecondsByPeer.get(peer);
    }

    /** Progress lines: the total, each step, where the figures come from. */
    List<String> describe(long freeDiskBytes, Path scratch) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "estimate: about %s in all, %.1f GB of disk (%.1f GB free in %s)",
                duration(seconds()), diskBytes() / 1e9, freeDiskBytes / 1e9, scratch));
        StringBuilder each = new StringBuilder();
        for (Step step : steps) {
            each.append(each.length() == 0 ? "" : "; ").append(step.what()).append(' ').append(duration(step.seconds()));
        }
        lines.add("  " + each);
        if (!peersWithoutFigures.isEmpty()) {
            lines.add("  not counted, no figures for: " + String.join(", ", peersWithoutFigures));
        }
        lines.add("  (" + basis + ")");
        if (diskBytes() > freeDiskBytes) {
            lines.add(String.format(Locale.ROOT, "WARNING: the run needs about %.1f GB of disk and %.1f GB are free in %s;"
                    + " a peer that sees too little room when it loads is skipped, and RESULTS.md says why",
                    diskBytes() / 1e9, freeDiskBytes / 1e9, scratch));
        }
        return lines;
    }

    /** "45 s", "12.5 min" or "1.8 h". */
    static String duration(double seconds) {
        if (seconds < 90) {
            return String.format(Locale.ROOT, "%.0f s", seconds);
        }
        if (seconds < 90 * 60) {
            return String.format(Locale.ROOT, "%.1f min", seconds / 60);
        }
        return String.format(Locale.ROOT, "%.1f h", seconds / 3_600);
    }
}
