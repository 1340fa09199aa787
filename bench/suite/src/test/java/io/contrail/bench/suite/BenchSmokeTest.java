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
 * OTLP/HTTP, the DuckDB limit, and PostgreSQL when it starts here within a few seconds (otherwise it
 * is recorded as unavailable, which is what RESULTS.md must say).
 */
class BenchSmokeTest {

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void smokeRunAnswersEveryQueryOnContrailAndTheLimitWithTheSameRows(@TempDir Path temp) throws Exception {
        Path out = temp.resolve("out");
        SmokeRun run = smokeRun(temp, "--peers", "contrail,duckdb-limit,postgresql", "--start-timeout", "20");
        BenchResults results = run.results();
        String progress = run.progress();
        assertThat(out.resolve("RESULTS.md")).isNotEmptyFile();
        assertThat(out.resolve("results").resolve(BenchRun.SUITE_JSON)).isNotEmptyFile();
        assertThat(out.resolve("results").resolve(ResultsCharts.QUERIES_PNG)).isNotEmptyFile();
        assertThat(results.peers()).extracting(BenchResults.PeerEntry::name)
                .containsExactly("contrail", "duckdb-limit", "postgresql", "zipkin-mysql", "clickhouse", "clickhouse-fsync",
                        "clickhouse-jaeger");
        assertThat(results.peers().subList(3, 7)).allMatch(peer -> peer.status().equals("not run"));
        assertThat(results.peers().subList(0, 2)).as(progress).allMatch(BenchResults.PeerEntry::measured);
        assertThat(results.peers().get(0).load().spansStored()).isEqualTo(results.corpus().spans());
        assertThat(results.peers().get(1).load().spansStored()).isEqualTo(results.corpus().spans());
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
        BenchResults.PeerEntry postgres = results.peers().get(2);
        if (!postgres.measured()) {
            assertThat(postgres.reason()).isNotBlank();
            assertThat(markdown).contains(postgres.reason().lines().findFirst().orElseThrow());
        }
        assertThat(results.contrail().freshness().seconds()).isNotEmpty();
        assertThat(progress).contains("contrail: compaction caught up");
        assertThat(markdown).contains("once the background compaction had caught up");
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
        assertThat(results.peers().subList(0, 2)).as(progress).allMatch(BenchResults.PeerEntry::measured);
        assertThat(results.peers().get(0).load().spansStored()).as("Contrail took every request as OTLP protobuf")
                .isEqualTo(results.corpus().spans());
        assertThat(results.contrail().ingest().sender().errors()).isEmpty();
        assertThat(results.contrail().ingest().sender().bodyBytesSent()).isEqualTo(results.corpus().otlpBytes());
        assertThat(results.peers().get(1).load().spansStored()).isEqualTo(results.corpus().spans());
        assertThat(Files.readString(out.resolve("RESULTS.md"))).contains("**stored gzip'd**",
                "the load clients decompressed each request before sending it",
                "the benchmark JVM's share includes decompressing each request of the gzip'd corpus file");
        assertThat(Files.readString(out.resolve("results").resolve(BenchRun.SUITE_JSON)))
                .contains("\"storage\" : \"GZIPPED\"", "\"storageReason\" : \"asked for with --corpus-gzip\"");
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
