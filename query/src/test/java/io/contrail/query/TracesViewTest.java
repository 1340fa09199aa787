package io.contrail.query;

import static io.contrail.query.QueryEngineTest.resourceSpans;
import static io.contrail.query.QueryEngineTest.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.contrail.columnar.Store;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The traces view stays whole while a trace's spans land in different flushes, files and hours. */
class TracesViewTest {

    private static final long MS = 1_000_000L;
    private static final long HOUR = 3_600_000 * MS;
    private static final String WHOLE = "1af7651916cd43dd8448eb211c80319c";
    private static final String ORPHANED = "2af7651916cd43dd8448eb211c80319c";

    @TempDir
    Path data;

    private static final String SQL = "SELECT trace_id, span_count, error_count, services, root_service_name, root_name, "
            + "has_orphans, duration_nanos FROM traces ORDER BY trace_id";

    @Test
    void aTraceSplitAcrossFlushesAndHoursIsOneRowKeptUpToDate() throws Exception {
        try (Store store = StoreFixture.open(data);
             QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(data))) {
            store.files().onChange(engine::filesChanged);
            StoreFixture.append(store, traces(resourceSpans("frontend", span(WHOLE, "00000000000000a0", null, "GET /",
                    Span.SpanKind.SPAN_KIND_SERVER, HOUR - 10 * MS, 50 * MS).build())));
            store.flush();
            assertThat(engine.query(SQL).rows()).containsExactly(
                    List.of(WHOLE, 1L, 0L, List.of("frontend"), "frontend", "GET /", false, 50 * MS));

            // The child lands in the next flush, in the next hour's partition; a second trace has lost its parent.
            StoreFixture.append(store, traces(
                    resourceSpans("cart", span(WHOLE, "00000000000000a1", "00000000000000a0", "GetCart",
                            Span.SpanKind.SPAN_KIND_SERVER, HOUR + 5 * MS, 30 * MS)
                            .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)).build()),
                    resourceSpans("email", span(ORPHANED, "00000000000000b1", "00000000000000b0", "Send",
                            Span.SpanKind.SPAN_KIND_SERVER, HOUR, 5 * MS).build())));
            store.flush();
            assertThat(store.files().layout().spanFiles()).as("one file per flush and hour").hasSize(2);
            assertThat(engine.query(SQL).rows()).containsExactly(
                    List.of(WHOLE, 2L, 1L, List.of("cart", "frontend"), "frontend", "GET /", false, 50 * MS),
                    java.util.Arrays.asList(ORPHANED, 1L, 0L, List.of("email"), null, null, true, 5 * MS));

            // A file that goes (retention, compaction) takes its part of the summaries with it.
            Path firstHour = store.files().layout().spanFiles().get(0);
            Files.delete(firstHour);
            engine.filesChanged();
            assertThat(engine.query(SQL).rows()).first().isEqualTo(
                    java.util.Arrays.asList(WHOLE, 1L, 1L, List.of("cart"), null, null, true, 30 * MS));
        }
    }

    @Test
    void summariesAreBuiltOnlyForStatementsThatReadTheTracesView() throws Exception {
        try (Store store = StoreFixture.open(data);
             QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(data))) {
            store.files().onChange(engine::filesChanged);
            StoreFixture.append(store, traces(resourceSpans("frontend", span(WHOLE, "00000000000000a0", null, "GET /",
                    Span.SpanKind.SPAN_KIND_SERVER, HOUR, 50 * MS).build())));
            store.flush();
            String parts = "SELECT count(*) FROM " + TraceSummaries.PARTS;

            // "traces" as an alias, a column name or in a string is no read of the view.
            assertThat(engine.query("SELECT count(DISTINCT trace_id) AS traces FROM spans").rows())
                    .containsExactly(List.of(1L));
            assertThat(engine.query("SELECT 'traces' AS traces, name AS \"traces\" FROM spans").rows()).hasSize(1);
            assertThat(engine.query(parts).rows()).as("nothing summarized yet").containsExactly(List.of(0L));

            assertThat(engine.query("WITH t AS (SELECT * FROM (SELECT trace_id FROM traces)) SELECT count(*) FROM t")
                    .rows()).containsExactly(List.of(1L));
            assertThat(engine.query(parts).rows()).containsExactly(List.of(1L));
        }
    }

    private static TracesData traces(io.opentelemetry.proto.trace.v1.ResourceSpans... resourceSpans) {
        return TracesData.newBuilder().addAllResourceSpans(List.of(resourceSpans)).build();
    }
}
