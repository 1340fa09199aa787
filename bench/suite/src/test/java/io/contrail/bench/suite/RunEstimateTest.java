package io.contrail.bench.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The duration and disk printed at the start of a run, scaled from an earlier run's suite.json. */
class RunEstimateTest {

    /** A 1M-span run: Contrail stored it in 30 s, Zipkin 500,000 spans in 4,000 s; PostgreSQL did not run. */
    private static final String QUICK_RUN = """
            {"run": {"command": "bench/run --quick", "date": "2026-11-25T18:14:07Z", "rounds": 5},
             "corpus": {"spans": 1000000, "generateSeconds": 8.0, "otlpBytesPerSpan": 625.0},
             "peers": [
               {"name": "contrail", "status": "measured", "startSeconds": 2.0,
                "load": {"spansStored": 1000000, "storedSeconds": 30.0, "bytesOnDisk": 46000000}},
               {"name": "postgresql", "status": "unavailable", "startSeconds": 0, "load": null},
               {"name": "zipkin-mysql", "status": "measured", "startSeconds": 6.0,
                "load": {"spansStored": 500000, "storedSeconds": 4000.0, "bytesOnDisk": 4000000000}}],
             "queries": [{"id": "FULL_COUNT", "byPeer": {
               "contrail": {"runsMillis": [100, 100, 100, 100, 100]},
               "zipkin-mysql": {"runsMillis": [1000, 1000, 1000, 1000, 1000]}}}],
             "attributeVersusBuiltIn": []}
            """;

    @Test
    void scalesEveryStepByTheSpansItHandlesAndZipkinByItsShare() throws Exception {
        JsonNode previous = new ObjectMapper().readTree(QUICK_RUN);
        BenchOptions full = BenchOptions.parse(List.of("--full", "--peers", "contrail,postgresql,zipkin-mysql"),
                Path.of("/repo"));

        RunEstimate estimate = RunEstimate.from(previous, "bench/results/suite.json", full,
                SpanCorpus.Storage.RAW);

        assertThat(estimate.loadSeconds("contrail")).as("2 s start + 30 s per 1M spans × 10M")
                .isCloseTo(302.0, within(0.01));
        assertThat(estimate.loadSeconds("zipkin-mysql")).as("6 s start + 125 spans/s for its 50,000 spans")
                .isCloseTo(406.0, within(0.01));
        assertThat(estimate.loadSeconds("postgresql")).isNull();
        assertThat(estimate.steps()).extracting(RunEstimate.Step::what).containsExactly("corpus", "contrail load",
                "contrail queries", "zipkin-mysql load", "zipkin-mysql queries");
        // corpus 80 s; contrail 302 s + 0.1 s per round at 1M × 10 × 7 rounds (warm-up, 5 timed, plans);
        // zipkin 406 s + 1 s per round at 500,000 × 0.1 × 6 rounds
        assertThat(estimate.seconds()).isCloseTo(80 + 302 + 7 + 406 + 0.6, within(0.01));
        assertThat(estimate.diskBytes()).isEqualTo(6_250_000_000L + 460_000_000L + 400_000_000L);
        List<String> lines = estimate.describe(5_000_000_000L, Path.of("/scratch"));
        assertThat(String.join("\n", lines)).contains("about 13.3 min in all", "7.1 GB of disk",
                "not counted, no figures for: postgresql", "`bench/run --quick`, 1,000,000 spans",
                "WARNING: the run needs about 7.1 GB of disk and 5.0 GB are free in /scratch");
    }

    @Test
    void aGzipStoredCorpusTakesItsGzippedBytesPerSpanOfDisk() throws Exception {
        JsonNode previous = new ObjectMapper().readTree(QUICK_RUN.replace("\"otlpBytesPerSpan\": 625.0",
                "\"otlpBytesPerSpan\": 625.0, \"gzippedOtlpBytesPerSpan\": 81.0"));
        BenchOptions hundredMillion = BenchOptions.parse(List.of("--spans", "100000000", "--peers", "contrail"),
                Path.of("/repo"));

        RunEstimate raw = RunEstimate.from(previous, "suite.json", hundredMillion, SpanCorpus.Storage.RAW);
        RunEstimate gzipped = RunEstimate.from(previous, "suite.json", hundredMillion, SpanCorpus.Storage.GZIPPED);

        assertThat(raw.steps().get(0).diskBytes()).isEqualTo(62_500_000_000L);
        assertThat(gzipped.steps().get(0).diskBytes()).isEqualTo(8_100_000_000L);
        assertThat(gzipped.steps().get(0).seconds()).as("generating gzips every request either way")
                .isEqualTo(raw.steps().get(0).seconds()).isCloseTo(800.0, within(0.01));
        assertThat(gzipped.diskBytes()).isEqualTo(8_100_000_000L + 4_600_000_000L);
    }

    @Test
    void givesNoEstimateWithoutAnEarlierRun(@TempDir Path temp) throws Exception {
        BenchOptions quick = BenchOptions.parse(List.of("--quick"), temp);
        Path empty = Files.writeString(temp.resolve("suite.json"), "{}");

        assertThat(RunEstimate.fromFirstOf(List.of(temp.resolve("missing.json"), empty), quick,
                SpanCorpus.Storage.RAW)).isNull();
    }
}
