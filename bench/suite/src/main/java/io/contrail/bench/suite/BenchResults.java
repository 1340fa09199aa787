package io.contrail.bench.suite;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every number of one run, as written to {@code results/suite.json}; {@link ResultsReport} renders
 * the same object as RESULTS.md, so the two cannot disagree. Times are milliseconds, sizes bytes.
 */
public record BenchResults(Run run, Corpus corpus, List<PeerEntry> peers, List<QueryEntry> queries,
                           List<PairEntry> attributeVersusBuiltIn, ContrailIngest contrail, List<Measure> measures,
                           List<Measure> engineMeasures, List<String> disagreements) {

    /** The invocation and the machine. */
    public record Run(String date, String commit, int uncommittedChanges, String command, String mode, Machine machine,
                      long seed, int warmupRounds, int rounds, double totalSeconds, long sustainedSeconds) {
    }

    public record Machine(int cores, long memoryBytes, String cpuModel, String java, String os) {
    }

    /**
     * The spans every peer was given (a peer may load a share: see {@link LoadResult#spansOffered()}).
     *
     * @param probesWithinSpans the probes come from the middle of this many first spans, which every peer holds
     * @param storage           how the corpus file held each request: RAW (OTLP protobuf) or GZIPPED, in which case
     *                          the load clients decompressed each request before sending it
     * @param storageReason     why that storage ({@link CorpusStorageChoice})
     * @param fileBytes         the corpus file's size on disk
     */
    public record Corpus(long spans, long requests, long otlpBytes, long gzippedOtlpBytes, double otlpBytesPerSpan,
                         double gzippedOtlpBytesPerSpan, SpanCorpus.Probes probes, double generateSeconds,
                         long probesWithinSpans, SpanCorpus.Storage storage, String storageReason, long fileBytes) {

        public boolean storedGzipped() {
            return storage == SpanCorpus.Storage.GZIPPED;
        }
    }

    /**
     * One peer: {@code status} is "measured", "unavailable" (could not start; {@code reason} says
     * why) or "failed" (started, then failed to load; {@code reason} says how).
     */
    public record PeerEntry(String name, String status, String reason, LoadResult load, double startSeconds) {
        public boolean measured() {
            return "measured".equals(status);
        }

        /** Whether the peer loaded only a share of a corpus of {@code corpusSpans} spans. */
        public boolean partial(long corpusSpans) {
            return load != null && load.partial(corpusSpans);
        }

        /** The name, and for a peer that loaded a share, which share: for table headers and chart legends. */
        public String label(long corpusSpans) {
            return partial(corpusSpans) ? String.format(Locale.ROOT, "%s (first %,d spans)", name,
                    load.spansOffered()) : name;
        }
    }

    /**
     * One query on one peer: the median and every timed run, the rows answered, or why not.
     * {@code rowsVaried} is true when runs of the same query answered different row counts.
     */
    public record Cell(Double medianMillis, List<Double> runsMillis, Long rows, boolean rowsVaried,
                       String unsupported, String error) {
        public boolean timed() {
            return medianMillis != null;
        }
    }

    public record QueryEntry(String id, String question, String duckDbSql, Map<String, Cell> byPeer) {
    }

    /** An attribute column against the same question on a built-in column, per DuckDB-dialect peer. */
    public record PairEntry(String name, String attributeSql, String builtInSql, Map<String, Cell> attribute,
                            Map<String, Cell> builtIn) {
    }

    /**
     * Contrail's load in detail, acknowledged → visible for single spans on an idle server, and the
     * restart after a kill -9 with a full buffer (null with {@code restartError} saying why when not measured).
     */
    public record ContrailIngest(ContrailPeer.IngestDetail ingest, ContrailPeer.Freshness freshness,
                                 String freshnessError, ContrailPeer.Restart restart, String restartError) {
    }

    /**
     * One measure against its goal: of issue 4 point 5 ({@code measures}) or of issue 16, the engine
     * ({@code engineMeasures}).
     *
     * @param verdict "met", "not met", or "not measured" — followed by what was measured instead
     */
    public record Measure(String measure, String goal, List<MeasureRow> rows, String verdict, String note) {
    }

    /** One peer's figure for a measure, and Contrail's ratio to it. */
    public record MeasureRow(String peer, String figure, String ratio) {
    }
}
