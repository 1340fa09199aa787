package io.contrail.query;

import io.contrail.columnar.LiveFiles;
import io.contrail.columnar.Store;
import io.contrail.columnar.StoreConfig;
import io.contrail.workload.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Files that retention (or compaction) retires stay on disk while a query that may read them runs. */
class FileRetirementTest {

    @TempDir
    Path data;

    @Test
    void aRetiredFileOutlivesEveryQueryThatBeganBeforeItWasRetired() throws Exception {
        // Three hours of traffic: three hour partitions.
        Workload workload = Workload.builder().seed(3).tracesPerSecond(0.01).build();
        try (Store store = StoreFixture.open(data);
             QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(data), store.files())) {
            for (int i = 0; i < 12; i++) {
                StoreFixture.append(store, workload.nextRequest(15));
            }
            store.flush();
            long all = count(engine);
            List<Object> partitions = engine.query("SELECT count(DISTINCT (\"date\", \"hour\")) FROM spans").rows().get(0);
            assertThat(((Number) partitions.get(0)).intValue()).isGreaterThanOrEqualTo(3);
            List<Path> live = store.files().snapshot();

            List<Path> retired;
            try (LiveFiles.ReadLease runningQuery = engine.lease()) {
                Store.RetentionPass pass = store.retireOnce(StoreConfig.Retention.none().withMaxBytes(1), Instant.now());
                assertThat(pass.files()).isPositive();
                List<Path> kept = store.files().snapshot();
                retired = live.stream().filter(f -> !kept.contains(f)).toList();
                assertThat(retired).hasSize(pass.files());
                // Deletion waits for the query begun before, past the store's grace for readers it cannot see:
                // the files stay on disk, failing at once should one go.
                org.awaitility.Awaitility.await("files kept for the running query")
                        .failFast("a file was deleted while the query ran", () -> !retired.stream().allMatch(Files::exists))
                        .during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                        .until(() -> retired.stream().allMatch(Files::exists));
                assertThat(count(engine)).as("a new query sees only the kept partition").isLessThan(all);
            }
            org.awaitility.Awaitility.await("deletion once the query ended").atMost(Duration.ofSeconds(10))
                    .until(() -> retired.stream().noneMatch(Files::exists));
            assertThat(store.files().layout().spanFiles()).hasSize(1);
            assertThat(count(engine)).isPositive().isLessThan(all);
        }
    }

    private static long count(QueryEngine engine) throws QueryException {
        return ((Number) engine.query("SELECT count(*) FROM spans").rows().get(0).get(0)).longValue();
    }
}
