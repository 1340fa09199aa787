package io.contrail.bench.suite;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Starts the real ClickHouse peers (chDB under Node.js, from bench/clickhouse), loads a small generated
 * corpus into each schema and asks every question of the suite; each answers with as many rows as the
 * DuckDB limit answers on the same spans. Fails, rather than skips, when Node.js or the chdb package
 * is missing: CI installs them (bench/clickhouse/install).
 */
class ClickHousePeerTest {

    @TempDir
    static Path temp;
    private static SpanCorpus corpus;
    private static final Map<BenchQuery, Long> LIMIT_ROWS = new EnumMap<>(BenchQuery.class);

    @BeforeAll
    static void loadTheLimit() throws Exception {
        corpus = SpanCorpus.generate(temp.resolve("corpus"), 3000, 7, System.out);
        Path workDir = Files.createDirectories(temp.resolve("limit"));
        try (DuckDbLimitPeer limit = new DuckDbLimitPeer()) {
            limit.start(new BenchContext(workDir, Path.of("").toAbsolutePath(), System.out));
            limit.load(corpus);
            for (BenchQuery query : BenchQuery.values()) {
                LIMIT_ROWS.put(query, limit.query(query, corpus.probes()).rows());
            }
        }
    }

    @Test
    void otelTracesAnswersEveryQuestionWithTheLimitsRows() throws Exception {
        loadAndAsk("clickhouse", "otel_traces", "not fsynced");
    }

    @Test
    void jaegerSchemaAnswersEveryQuestionWithTheLimitsRows() throws Exception {
        loadAndAsk("clickhouse-jaeger", "spans", "not fsynced");
    }

    @Test
    void theFsyncPeerSetsFsyncAfterInsertAndSaysSo() throws Exception {
        loadAndAsk("clickhouse-fsync", "otel_traces", "fsync_after_insert = 1");
    }

    private static void loadAndAsk(String name, String table, String durability) throws Exception {
        Path workDir = Files.createDirectories(temp.resolve(name));
        try (ClickHousePeer peer = ClickHousePeer.named(name)) {
            assertThat(peer.name()).isEqualTo(name);
            try {
                peer.start(new BenchContext(workDir, BenchOptions.findRepositoryRoot(Path.of("")), System.out));
            } catch (PeerUnavailableException e) {
                fail("the ClickHouse peer cannot start here: " + e.getMessage(), e);
            }
            LoadResult load = peer.load(corpus);
            assertThat(load.spansAcknowledged()).isEqualTo(corpus.spanCount());
            assertThat(load.spansStored()).isEqualTo(corpus.spanCount());
            assertThat(load.ackSeconds()).isPositive();
            assertThat(load.bytesOnDisk()).isPositive();
            assertThat(load.serverCpuSeconds()).isGreaterThanOrEqualTo(0);
            assertThat(load.notes()).contains("system.parts", table, durability);

            for (BenchQuery query : BenchQuery.values()) {
                QueryOutcome outcome = peer.query(query, corpus.probes());
                assertThat(outcome.supported()).as(query.name()).isTrue();
                assertThat(outcome.elapsedNanos()).as(query.name()).isPositive();
                assertThat(outcome.rows()).as(query + " on " + name + ": " + peer.schema().sql(query, corpus.probes()))
                        .isPositive().isEqualTo(LIMIT_ROWS.get(query));
            }
        }
        assertThat(workDir.resolve("data")).doesNotExist();
    }
}
