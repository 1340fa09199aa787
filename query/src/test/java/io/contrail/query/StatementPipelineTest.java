package io.contrail.query;

import static io.contrail.query.QueryEngineTest.resourceSpans;
import static io.contrail.query.QueryEngineTest.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.contrail.columnar.Store;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each statement is parsed by DuckDB once, and that one tree goes through guard, rewrite and render
 * ({@link StatementPipeline}). The engine caps answers at one row, so that every user statement here is capped.
 */
class StatementPipelineTest {

    private static final String FIRST = "1af7651916cd43dd8448eb211c80319c";
    private static final String SECOND = "2af7651916cd43dd8448eb211c80319c";

    @TempDir
    Path data;
    private Store store;
    private QueryEngine engine;

    @BeforeEach
    void writeTwoTraces() throws Exception {
        store = StoreFixture.open(data);
        engine = QueryEngine.open(QueryEngine.Config.defaults(data).withMaxRows(1), store.files());
        StoreFixture.append(store, TracesData.newBuilder()
                .addResourceSpans(resourceSpans("frontend",
                        span(FIRST, "00000000000000a0", null, "GET /", Span.SpanKind.SPAN_KIND_SERVER, 0, 50_000_000).build(),
                        span(SECOND, "00000000000000b0", null, "GET /", Span.SpanKind.SPAN_KIND_SERVER, 0, 50_000_000).build()))
                .build());
        store.flush();
    }

    @AfterEach
    void close() throws Exception {
        engine.close();
        store.close();
    }

    @Test
    void aGuardedCappedStatementReadingTracesIsParsedOnce() throws Exception {
        long before = engine.parses();
        QueryResult result = engine.query("SELECT trace_id, span_count FROM traces ORDER BY trace_id");

        assertThat(result.rows()).as("the traces summaries were synced for it").containsExactly(List.of(FIRST, 1L));
        assertThat(result.truncated()).as("it was capped").isTrue();
        assertThat(engine.parses() - before).as("parse trees made for the statement").isEqualTo(1);
    }

    @Test
    void aRejectedStatementIsParsedOnce() {
        long before = engine.parses();
        assertThatThrownBy(() -> engine.query("DELETE FROM traces"))
                .isInstanceOf(QueryException.class)
                .extracting(e -> ((QueryException) e).reason()).isEqualTo(QueryException.Reason.REJECTED);
        assertThat(engine.parses() - before).isEqualTo(1);
    }

    @Test
    void spansReadsAreRewrittenFromTheSameTree() throws Exception {
        String sql = "SELECT count(*) FROM spans JOIN traces USING (trace_id)";
        assertThat(engine.query(sql).rows()).containsExactly(List.of(2L));
        long ownSql = engine.parses();
        engine.run("SELECT count(*) FROM spans WHERE name = ?", List.of("GET /"), rs -> rs.next());

        // The source over the live files was parsed for the first statement and is kept: one tree per statement.
        long before = engine.parses();
        assertThat(engine.query(sql).rows()).containsExactly(List.of(2L));
        assertThat(engine.parses() - before).as("user statement").isEqualTo(1);
        assertThat(before - ownSql).as("Contrail's own statement").isEqualTo(1);
    }

    @Test
    void theSpanColumnsAreDescribedOncePerChangeOfTheFiles() throws Exception {
        assertThat(engine.spanColumns()).extracting(QueryResult.Column::name).doesNotContain("attr.cart.size");
        long before = engine.parses();
        assertThat(engine.spanColumns()).extracting(QueryResult.Column::name).contains("trace_id", "name");
        assertThat(engine.parses() - before).as("parse trees made for the second ask, the files unchanged").isZero();

        StoreFixture.append(store, TracesData.newBuilder()
                .addResourceSpans(resourceSpans("checkout",
                        span(FIRST, "00000000000000c0", "00000000000000a0", "add to cart", Span.SpanKind.SPAN_KIND_INTERNAL,
                                1_000_000, 2_000_000)
                                .addAttributes(KeyValue.newBuilder().setKey("cart.size")
                                        .setValue(AnyValue.newBuilder().setIntValue(3)))
                                .build()))
                .build());
        store.flush();

        assertThat(engine.spanColumns()).as("described again after the flush")
                .extracting(QueryResult.Column::name).contains("attr.cart.size");
    }

    @Test
    void columnsDescribedBeforeTheFirstFilesAreNotKept(@TempDir Path empty) throws Exception {
        // An engine over a folder another process writes: its files' generation moves only when told.
        try (QueryEngine reader = QueryEngine.open(QueryEngine.Config.defaults(empty))) {
            assertThat(reader.spanColumns()).extracting(QueryResult.Column::name).doesNotContain("attr.cart.size");
            try (Store writer = StoreFixture.open(empty)) {
                StoreFixture.append(writer, TracesData.newBuilder()
                        .addResourceSpans(resourceSpans("checkout",
                                span(FIRST, "00000000000000c0", null, "add to cart", Span.SpanKind.SPAN_KIND_SERVER, 0, 2_000_000)
                                        .addAttributes(KeyValue.newBuilder().setKey("cart.size")
                                                .setValue(AnyValue.newBuilder().setIntValue(3)))
                                        .build()))
                        .build());
                writer.flush();
            }
            // A query finds the first files (the views look for them while there are none), at the same generation.
            assertThat(reader.query("SELECT count(*) FROM spans").rows()).containsExactly(List.of(1L));
            assertThat(reader.spanColumns()).extracting(QueryResult.Column::name).contains("attr.cart.size");
        }
    }
}
