package io.contrail.bench.suite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark suite cannot rot: a smoke run (a few thousand spans) through the same runner as
 * {@code bench/run}, with the peers that start in seconds — Contrail as a real child server fed over
 * OTLP/HTTP, the null sink beside it, the DuckDB limit, and PostgreSQL when it starts here within a few
 * seconds (otherwise it is recorded as unavailable, which is what RESULTS.md must say) — and a short
 * sustained run. Issue 16's measures are asserted to give numbers, not good ones.
 */
class BenchSmokeTest {

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void smokeRunAnswersEveryQueryOnContrailAndTheLimitWithTheSameRows(@TempDir Path temp) throws Exception {
        Path out = temp.resolve("out");
        SmokeRun run = smokeRun(temp, "--peers", "contrail,nullsink,duckdb-limit,postgresql", "--start-timeout", "20");
        BenchResults results = run.results();
        String progress = run.progress();
        assertThat(out.resolve("RESULTS.md")).isNotEmptyFile();
        assertThat(out.resolve("results").resolve(BenchRun.SUITE_JSON)).isNotEmptyFile();
        assertThat(out.resolve("results").resolve(ResultsCharts.QUERIES_PNG)).isNotEmptyFile();
        assertThat(results.peers()).extracting(BenchResults.PeerEntry::name)
                .containsExactly("contrail", "nullsink", "duckdb-limit", "postgresql", "zipkin-mysql", "clickhouse",
                        "clickhouse-fsync", "clickhouse-jaeger");
        assertThat(results.peers().subList(4, 8)).allMatch(peer -> peer.status().equals("not run"));
        assertThat(results.peers().subList(0, 3)).as(progress).allMatch(BenchResults.PeerEntry::measured);
        assertThat(peer(results, "contrail").load().spansStored()).isEqualTo(results.corpus().spans());
        assertThat(peer(results, "duckdb-limit").load().spansStored()).isEqualTo(results.corpus().spans());
        for (BenchResults.QueryEntry query : results.queries()) {
            BenchResults.Cell contrail = query.byPeer().get(ContrailPeer.NAME);
            BenchResults.Cell limit = query.byPeer().get(DuckDbLimitPeer.NAME);
            assertThat(contrail.timed()).as(query.id() + " on contrail: " + contrail).isTrue();
            assertThat(limit.timed()).as(query.id() + " on the limit: " + limit).isTrue();
            assertThat(contrail.rows()).as(query.id() + " rows").isPositive().isEqualTo(limit.rows());
        }
        assertThat(results.measures()).hasSize(12);
        String markdown = Files.readString(out.resolve("RESULTS.md"));
        assertThat(markdown).contains("## Query suite", "TRACE_BY_ID", "postgresql");
        BenchResults.PeerEntry postgres = peer(results, "postgresql");
        if (!postgres.measured()) {
            assertThat(postgres.reason()).isNotBlank();
            assertThat(markdown).contains(postgres.reason().lines().findFirst().orElseThrow());
        }
        assertThat(results.contrail().freshness().seconds()).isNotEmpty();
        assertThat(progress).contains("contrail: compaction caught up");
        assertThat(markdown).contains("once the background compaction had caught up");
        engineMeasuresHaveFigures(results, markdown, progress);
    }

    /** Issue 16's measures at smoke scale: each gives a number (their values mean nothing at 3,000 spans). */
    private static void engineMeasuresHaveFigures(BenchResults results, String markdown, String progress) {
        ContrailPeer.IngestDetail ingest = results.contrail().ingest();
        assertThat(ingest.cpuMicrosPerSpanToCompacted()).as("server CPU µs per span to compacted Parquet").isPositive();
        assertThat(ingest.secondsToCompacted()).isPositive();
        assertThat(ingest.gcDuringLoad()).as(ingest.gcError()).isNotNull();
        assertThat(ingest.gcToCompacted()).isNotNull();
        assertThat(ingest.gcToCompacted().pauses()).as("GC pauses until compacted").isNotNegative();
        assertThat(ingest.healthAtLoadEnd().path("compactionPending").isNumber()).as(ingest.healthAtLoadEnd().toString())
                .isTrue();
        BenchResults.PeerEntry nullSink = peer(results, NullSinkPeer.NAME);
        assertThat(nullSink.measured()).as(nullSink.reason() + "\n" + progress).isTrue();
        assertThat(nullSink.load().spansAcknowledged()).isEqualTo(results.corpus().spans());
        assertThat(nullSink.load().acknowledgedSpansPerSecond()).isPositive();
        assertThat(nullSink.load().cpuMicrosPerSpan()).isNotNegative();
        ContrailPeer.Restart restart = results.contrail().restart();
        assertThat(restart).as(results.contrail().restartError() + "\n" + progress).isNotNull();
        assertThat(restart.spansAcknowledged()).isPositive();
        assertThat(restart.secondsToHealth()).isPositive().isLessThanOrEqualTo(restart.secondsToQueryable());
        assertThat(restart.spansAfter()).isGreaterThanOrEqualTo(restart.spansBeforeLoad() + restart.spansAcknowledged());
        assertThat(results.engineMeasures()).extracting(BenchResults.Measure::measure).containsExactly(
                "server CPU per span, request → compacted Parquet",
                "sustained into Parquet for 10 minutes, compaction keeping up",
                "acknowledged vs a read-only null sink, same run", "GC pause at full rate",
                "restart after kill -9 with a full buffer → every acknowledged span queryable");
        for (BenchResults.Measure measure : results.engineMeasures()) {
            assertThat(measure.verdict()).as(measure.measure()).doesNotStartWith("not measured:")
                    .containsPattern("[0-9]");
        }
        assertThat(markdown).contains("## Measures against the goals of issue 16", "| GC pause at full rate | max ≤ 50 ms");
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void clickHouseSchemasAnswerEveryQueryWithContrailsRows(@TempDir Path temp) throws Exception {
        Path out = temp.resolve("out");
        SmokeRun run = smokeRun(temp, "--peers", "contrail,clickhouse,clickhouse-jaeger");
        BenchResults results = run.results();
        String progress = run.progress();
        assertThat(results.peers().stream().filter(BenchResults.PeerEntry::measured).map(BenchResults.PeerEntry::name))
                .as(progress).containsExactly("contrail", "clickhouse", "clickhouse-jaeger");
        for (BenchResults.PeerEntry peer : results.peers().stream().filter(BenchResults.PeerEntry::measured).toList()) {
            assertThat(peer.load().spansStored()).as(peer.name()).isEqualTo(results.corpus().spans());
            assertThat(peer.load().cpuMicrosPerSpan()).as(peer.name() + " CPU per span").isPositive();
        }
        for (BenchResults.QueryEntry query : results.queries()) {
            BenchResults.Cell contrail = query.byPeer().get(ContrailPeer.NAME);
            assertThat(contrail.timed()).as(query.id() + " on contrail: " + contrail).isTrue();
            for (String peer : List.of("clickhouse", "clickhouse-jaeger")) {
                BenchResults.Cell cell = query.byPeer().get(peer);
                assertThat(cell.timed()).as(query.id() + " on " + peer + ": " + cell).isTrue();
                assertThat(cell.rows()).as(query.id() + " rows on " + peer).isPositive().isEqualTo(contrail.rows());
            }
        }
        String markdown = Files.readString(out.resolve("RESULTS.md"));
        assertThat(markdown).contains("contrail ÷ clickhouse", "server CPU per span while loading",
                "beats ClickHouse (otel_traces) on every query and on bytes per span", "otel_traces_trace_id_ts");
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aGzipStoredCorpusLoadsEverySpanAndTheReportSaysTheClientsDecompressed(@TempDir Path temp) throws Exception {
        Path out = temp.resolve("out");
        SmokeRun run = smokeRun(temp, "--corpus-gzip", "--peers", "contrail,duckdb-limit",
                "--server-arg", "--query-timeout=600");
        BenchResults results = run.results();
        String progress = run.progress();
        assertThat(progress).contains("corpus stored gzip'd, the load clients decompress each request before sending "
                + "it: asked for with --corpus-gzip");
        assertThat(progress).as("contrail serve took the option: the server started").contains(
                "contrail: starting the server (child JVM, -Xmx" + ContrailServerProcess.DEFAULT_MAX_HEAP + ") with --compact-interval=1s --query-timeout=600");
        assertThat(results.corpus().storage()).isEqualTo(SpanCorpus.Storage.GZIPPED);
        assertThat(results.corpus().fileBytes()).isPositive().isLessThan(results.corpus().otlpBytes() / 4);
        assertThat(List.of(peer(results, "contrail"), peer(results, "duckdb-limit"))).as(progress)
                .allMatch(BenchResults.PeerEntry::measured);
        assertThat(peer(results, "contrail").load().spansStored()).as("Contrail took every request as OTLP protobuf")
                .isEqualTo(results.corpus().spans());
        assertThat(results.contrail().ingest().sender().errors()).isEmpty();
        assertThat(results.contrail().ingest().sender().bodyBytesSent()).isEqualTo(results.corpus().otlpBytes());
        assertThat(peer(results, "duckdb-limit").load().spansStored()).isEqualTo(results.corpus().spans());
        assertThat(Files.readString(out.resolve("RESULTS.md"))).contains("**stored gzip'd**",
                "the load clients decompressed each request before sending it",
                "the benchmark JVM's share includes decompressing each request of the gzip'd corpus file");
        assertThat(Files.readString(out.resolve("results").resolve(BenchRun.SUITE_JSON)))
                .contains("\"storage\" : \"GZIPPED\"", "\"storageReason\" : \"asked for with --corpus-gzip\"");
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aSustainedRunLoadsContrailForTheGivenSecondsWithNewTraceIdsInEachPass(@TempDir Path temp) throws Exception {
        Path out = temp.resolve("out");
        SmokeRun run = smokeRun(temp, "--sustained", "4");
        BenchResults results = run.results();
        String progress = run.progress();
        assertThat(results.peers().stream().filter(BenchResults.PeerEntry::measured).map(BenchResults.PeerEntry::name))
                .as(progress).containsExactly("contrail");
        ContrailPeer.IngestDetail ingest = results.contrail().ingest();
        LoadResult load = peer(results, "contrail").load();
        assertThat(ingest.sustainedSeconds()).isEqualTo(4);
        assertThat(ingest.passes()).isGreaterThan(1);
        assertThat(load.ackSeconds()).isGreaterThanOrEqualTo(4);
        assertThat(load.spansAcknowledged()).isGreaterThan(results.corpus().spans());
        assertThat(load.spansStored()).as("every pass's spans are new spans").isEqualTo(load.spansAcknowledged());
        assertThat(results.queries()).isEmpty();
        assertThat(ingest.compactedSpansPerSecond()).isPositive();
        BenchResults.Measure sustained = results.engineMeasures().get(1);
        assertThat(sustained.verdict()).startsWith("not measured as the goal states it: this load lasted");
        assertThat(Files.readString(out.resolve("RESULTS.md"))).contains("**A sustained run** (`--sustained 4`)",
                "## Query suite\n\nNot run: a sustained run", "the corpus sent " + ingest.passes() + " times");
    }

    private static BenchResults.PeerEntry peer(BenchResults results, String name) {
        return results.peers().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    private record SmokeRun(BenchResults results, String progress) {
    }

    /** {@code bench/run --smoke} with {@code args}, writing into {@code temp}/out and {@code temp}/work. */
    private static SmokeRun smokeRun(Path temp, String... args) throws Exception {
        // Compaction every second: the suite waits for it to catch up after the load (every minute by default).
        List<String> all = new java.util.ArrayList<>(List.of("--smoke", "--server-arg", "--compact-interval=1s"));
        all.addAll(List.of(args));
        all.addAll(List.of("--out", temp.resolve("out").toString(), "--work", temp.resolve("work").toString()));
        BenchOptions options = BenchOptions.parse(all, BenchOptions.findRepositoryRoot(Path.of("")));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        BenchResults results;
        try (PrintStream progress = new PrintStream(log, true, StandardCharsets.UTF_8)) {
            results = new BenchRun(options, progress).run();
        }
        return new SmokeRun(results, log.toString(StandardCharsets.UTF_8));
    }
}
