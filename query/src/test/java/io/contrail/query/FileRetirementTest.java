package io.contrail.query;

import io.contrail.columnar.DataLayout;
import io.contrail.columnar.FileReaper;
import io.contrail.columnar.Retention;
import io.contrail.columnar.Warehouse;
import io.contrail.workload.Workload;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.TracesData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        try (Warehouse warehouse = Warehouse.open(Warehouse.Config.defaults(data))) {
            for (int i = 0; i < 12; i++) {
                ExportTraceServiceRequest request = workload.nextRequest(15);
                warehouse.append(TracesData.newBuilder().addAllResourceSpans(request.getResourceSpansList()).build());
            }
            warehouse.flush();
        }
        DataLayout layout = new DataLayout(data);
        io.contrail.columnar.LiveFiles files = io.contrail.columnar.LiveFiles.of(data);
        try (QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(data), files);
             FileReaper reaper = new FileReaper(layout, Duration.ZERO, Duration.ofHours(1), files::oldestReadStartNanos)) {
            long all = count(engine);
            List<Object> partitions = engine.query("SELECT count(DISTINCT (\"date\", \"hour\")) FROM spans").rows().get(0);
            assertThat(((Number) partitions.get(0)).intValue()).isGreaterThanOrEqualTo(3);
            Retention retention = new Retention(layout, Retention.Config.none().withMaxBytes(1), reaper);
            retention.onFilesChanged(files::changed);

            Retention.Pass pass;
            try (io.contrail.columnar.LiveFiles.ReadLease runningQuery = engine.lease()) {
                pass = retention.applyOnce(Instant.now());
                assertThat(pass.files()).isPositive();
                // Deletion is due at once (no minimum delay) but waits for the query begun before: the files
                // stay pending for half a second, failing at once should one go.
                org.awaitility.Awaitility.await("files kept for the running query")
                        .failFast("a file was deleted while the query ran", () -> reaper.pending() != pass.files())
                        .during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                        .until(() -> reaper.pending() == pass.files());
                assertThat(count(engine)).as("a new query sees only the kept partition").isLessThan(all);
            }
            org.awaitility.Awaitility.await("deletion once the query ended").atMost(Duration.ofSeconds(10))
                    .until(() -> reaper.pending() == 0);
            assertThat(reaper.pending()).as("deleted once the query ended").isZero();
            assertThat(layout.spanFiles()).hasSize(1);
            assertThat(count(engine)).isPositive().isLessThan(all);
        }
    }

    private static long count(QueryEngine engine) throws QueryException {
        return ((Number) engine.query("SELECT count(*) FROM spans").rows().get(0).get(0)).longValue();
    }
}
