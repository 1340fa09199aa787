package io.contrail.query;

import io.contrail.columnar.DataLayout;
import io.contrail.columnar.LiveFiles;
import io.contrail.columnar.SpanFiles;
import io.contrail.columnar.Store;
import io.contrail.workload.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TraceIdIndexTest {

    @TempDir
    Path data;

    /** Eight flushes of workload traces, so the data is spread over many files. */
    private void writeFlushes() throws Exception {
        Workload workload = Workload.builder().seed(5).tracesPerSecond(2).build();
        try (Store store = StoreFixture.open(data, writes -> writes.withMaxBufferAge(Duration.ofHours(1)))) {
            for (int f = 0; f < 8; f++) {
                StoreFixture.append(store, workload.nextRequest(60));
                store.flush();
            }
        }
    }

    private static List<String> sampleTraceIds(QueryEngine engine) throws Exception {
        List<String> ids = new ArrayList<>();
        for (List<Object> row : engine.query("SELECT trace_id FROM (SELECT DISTINCT trace_id FROM spans) "
                + "ORDER BY hash(trace_id) LIMIT 25").rows()) {
            ids.add((String) row.get(0));
        }
        return ids;
    }

    @Test
    void traceLookupThroughTheIndexReadsOnlyTheFilesHoldingTheTraceAndAnswersAsAFullScan() throws Exception {
        writeFlushes();
        try (QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(data))) {
            TraceQueries traces = new TraceQueries(engine);
            int liveFiles = SpanFiles.live(new DataLayout(data)).size();
            assertThat(liveFiles).isGreaterThanOrEqualTo(8);
            List<String> ids = sampleTraceIds(engine);
            assertThat(ids).hasSize(25);
            for (String id : ids) {
                List<Path> files = engine.filesHoldingTrace(id);
                long holding = (Long) engine.query("SELECT count(DISTINCT filename) FROM read_parquet("
                        + "'" + new DataLayout(data).spansGlob() + "', filename = true) WHERE trace_id = '" + id + "'")
                        .rows().get(0).get(0);
                assertThat(files).as("files named for %s", id).hasSize((int) holding);
                assertThat(traces.trace(id)).as("trace %s", id).isEqualTo(traces.traceByFullScan(id));
            }
            assertThat(traces.trace("0123456789abcdef0123456789abcdef")).isEmpty();
        }
    }

    @Test
    void sqlForOneTraceWithoutATimeRangeOpensOnlyTheFilesHoldingIt() throws Exception {
        writeFlushes();
        DataLayout layout = new DataLayout(data);
        try (QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(data))) {
            String id = sampleTraceIds(engine).get(0);
            String lookup = "SELECT * FROM spans WHERE trace_id = '" + id + "' ORDER BY start_time, span_id";
            String byFullScan = "SELECT * FROM spans WHERE trace_id || '' = '" + id + "' ORDER BY start_time, span_id";
            QueryResult expected = engine.query(byFullScan);
            assertThat(expected.rows()).isNotEmpty();
            assertThat(engine.query(lookup)).isEqualTo(expected);

            // Wreck a file that does not hold the trace: a full scan now fails, the lookup never opens it.
            List<Path> holding = engine.filesHoldingTrace(id);
            Path other = SpanFiles.live(layout).stream().filter(f -> !holding.contains(f)).findFirst().orElseThrow();
            Files.write(other, new byte[(int) Files.size(other)]);
            assertThatThrownBy(() -> engine.query(byFullScan)).isInstanceOf(QueryException.class);
            assertThat(engine.query(lookup)).isEqualTo(expected);
            assertThat(engine.query("SELECT count(*) AS spans, min(name) FROM spans AS s WHERE s.trace_id IN ('"
                    + id + "', '0123456789abcdef0123456789abcdef')").rows())
                    .containsExactly(List.of((long) expected.rows().size(),
                            engine.query("SELECT min(name) FROM (" + lookup + ")").rows().get(0).get(0)));
            assertThat(engine.query("SELECT count(*) FROM spans WHERE trace_id = '0123456789abcdef0123456789abcdef'")
                    .rows()).containsExactly(List.of(0L));
        }
    }

    @Test
    void theIndexFollowsCompactionAndIsRebuiltWhenSidecarsAreMissing() throws Exception {
        writeFlushes();
        DataLayout layout = new DataLayout(data);
        List<String> ids;
        List<TraceQueries.Trace> before = new ArrayList<>();
        try (Store store = StoreFixture.open(data);
             QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(data), store.files())) {
            TraceQueries traces = new TraceQueries(engine);
            ids = sampleTraceIds(engine);
            for (String id : ids) {
                before.add(traces.trace(id).orElseThrow());
            }
            // A read in progress: the merge's inputs stay on disk until it ends.
            try (LiveFiles.ReadLease reading = store.files().lease()) {
                assertThat(store.compactOnce(System.out).merges()).isNotEmpty();
                // The inputs are still on disk, yet each trace is read once, from the merged file.
                for (int i = 0; i < ids.size(); i++) {
                    assertThat(engine.filesHoldingTrace(ids.get(i)))
                            .allMatch(p -> SpanFiles.parse(p).compacted());
                    assertThat(traces.trace(ids.get(i))).contains(before.get(i));
                }
            }
        }
        try (Stream<Path> walk = Files.walk(layout.spansDir())) {
            for (Path sidecar : walk.filter(p -> p.toString().endsWith(".traceids")).toList()) {
                Files.delete(sidecar);
            }
        }
        try (QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(data))) {
            TraceQueries traces = new TraceQueries(engine);
            for (int i = 0; i < ids.size(); i++) {
                assertThat(traces.trace(ids.get(i))).contains(before.get(i));
            }
        }
        try (Stream<Path> walk = Files.walk(layout.spansDir())) {
            assertThat(walk.filter(p -> p.toString().endsWith(".traceids")).count())
                    .as("sidecars rebuilt").isEqualTo(SpanFiles.live(layout).size());
        }
    }
}
