package io.contrail.query;

import io.contrail.columnar.DataLayout;
import io.contrail.columnar.SpanFiles;
import io.contrail.columnar.Store;
import io.contrail.workload.Workload;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * User SQL whose reads of {@code spans} the engine points at the files directly ({@link SpansReads})
 * answers exactly as the same SQL over the {@code spans} view does, for every shape of read.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DirectReadsTest {

    @TempDir
    static Path data;
    private QueryEngine engine;
    private Connection throughViews;
    private String traceId;

    @BeforeAll
    void writeFlushesAndOpen() throws Exception {
        Workload workload = Workload.builder().seed(11).tracesPerSecond(2).build();
        try (Store store = StoreFixture.open(data, writes -> writes.withMaxBufferAge(Duration.ofHours(1)))) {
            for (int flush = 0; flush < 5; flush++) {
                StoreFixture.append(store, workload.nextRequest(40));
                store.flush();
            }
        }
        engine = QueryEngine.open(QueryEngine.Config.defaults(data).withMaxRows(100_000));
        DataLayout layout = new DataLayout(data);
        throughViews = DriverManager.getConnection("jdbc:duckdb:");
        SpanViews.create(throughViews, layout, SpanFiles.live(layout), false, null);
        traceId = (String) engine.query("SELECT trace_id FROM spans WHERE status_code = 'ERROR' ORDER BY trace_id LIMIT 1")
                .rows().get(0).get(0);
    }

    @AfterAll
    void close() throws Exception {
        engine.close();
        throughViews.close();
    }

    private List<List<Object>> viaViews(String sql) throws Exception {
        try (Statement statement = throughViews.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            return QueryEngine.readAll(rs, 100_000).rows();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT count(*), count(DISTINCT trace_id), sum(duration_nanos) FROM spans",
            "SELECT spans.service_name, count(*) FROM spans GROUP BY ALL ORDER BY ALL",
            "SELECT s.service_name, \"attr.http.route\", count(*) FROM spans AS s WHERE s.kind = 'SERVER' GROUP BY ALL ORDER BY ALL",
            "SELECT p.service_name AS caller, c.service_name AS callee, count(*) FROM spans c JOIN spans p "
                    + "ON c.trace_id = p.trace_id AND c.parent_span_id = p.span_id GROUP BY ALL ORDER BY ALL",
            "WITH roots AS (SELECT trace_id, duration_nanos FROM spans WHERE parent_span_id IS NULL) "
                    + "SELECT count(*), max(duration_nanos) FROM roots",
            "SELECT count(*) FROM spans WHERE trace_id IN (SELECT trace_id FROM spans WHERE status_code = 'ERROR')",
            "SELECT x.a, count(*) FROM spans AS x(a) GROUP BY 1 ORDER BY 1",
            "SELECT e.name, count(*) FROM span_events e JOIN spans s USING (trace_id, span_id) GROUP BY 1 ORDER BY 1",
            "SELECT client_service, server_service, calls, broken_hops FROM propagation_edges ORDER BY ALL",
            "SELECT * FROM spans ORDER BY trace_id, span_id, kind LIMIT 50",
            "FROM spans SELECT name, count(*) GROUP BY name ORDER BY 2 DESC, 1 LIMIT 5",
            // end_time is computed from start_time and duration_nanos, by name or through a star
            "SELECT service_name, max(End_Time), min(s.end_time - start_time) FROM spans s GROUP BY 1 ORDER BY 1",
            "SELECT max(t) FROM (SELECT COLUMNS('end_.*') AS t FROM spans)",
    })
    void answersAsTheViewDoes(String sql) throws Exception {
        List<List<Object>> expected = viaViews(sql);
        assertThat(expected).isNotEmpty();
        assertThat(engine.query(sql).rows()).isEqualTo(expected);
    }

    @Test
    void aTraceLookupAnswersAsTheViewDoesWhateverColumnsItNames() throws Exception {
        for (String sql : List.of(
                "SELECT * FROM spans WHERE trace_id = '" + traceId + "' ORDER BY start_time, span_id, kind",
                "SELECT s.name, s.\"attr.http.route\", s.\"resource.k8s.pod.name\" FROM spans s "
                        + "WHERE s.trace_id = '" + traceId + "' AND s.kind <> 'INTERNAL' ORDER BY ALL",
                "SELECT span_id, end_time FROM spans WHERE trace_id = '" + traceId + "' ORDER BY ALL",
                "SELECT count(*), sum(duration_nanos) FROM spans WHERE trace_id IN ('" + traceId + "', "
                        + "'ffffffffffffffffffffffffffffffff')")) {
            List<List<Object>> expected = viaViews(sql);
            assertThat(expected).as(sql).isNotEmpty();
            assertThat(engine.query(sql).rows()).as(sql).isEqualTo(expected);
        }
    }
}
