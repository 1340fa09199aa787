package io.contrail.query;

import static io.contrail.query.QueryEngineTest.resourceSpans;
import static io.contrail.query.QueryEngineTest.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.contrail.columnar.Store;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Self time and critical path on a hand-built trace (times in ms):
 * <pre>
 * root    [0 ......................................... 100]   frontend
 *   a     [0 ............ 60]                                 cart      parallel, finishes before b: off the path
 *   b        [10 ..................... 90]                    checkout
 *     d          [20 .... 50]                                 payment   parallel with e, finishes first: off
 *     e              [30 ............ 85]                     currency
 *   c                                        [92 .. 98]       email     after b
 * </pre>
 * Critical path, walking back from the root's end: root 98–100, c 92–98, root 90–92, b 85–90,
 * e 30–85, b 10–30, root 0–10. So root 14, c 6, b 25, e 55, a 0, d 0 — 100 in all.
 */
class SpanTimingTest {

    private static final long MS = 1_000_000L;
    private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";

    @TempDir
    static Path data;

    @BeforeAll
    static void writeTheTrace() throws Exception {
        try (Store store = StoreFixture.open(data)) {
            StoreFixture.append(store, TracesData.newBuilder()
                    .addResourceSpans(resourceSpans("frontend", span(TRACE, "00000000000000a0", null, "GET /",
                            Span.SpanKind.SPAN_KIND_SERVER, 0, 100 * MS).build()))
                    .addResourceSpans(resourceSpans("cart", span(TRACE, "00000000000000a1", "00000000000000a0", "a",
                            Span.SpanKind.SPAN_KIND_SERVER, 0, 60 * MS).build()))
                    .addResourceSpans(resourceSpans("checkout", span(TRACE, "00000000000000a2", "00000000000000a0", "b",
                            Span.SpanKind.SPAN_KIND_SERVER, 10 * MS, 80 * MS).build()))
                    .addResourceSpans(resourceSpans("payment", span(TRACE, "00000000000000a4", "00000000000000a2", "d",
                            Span.SpanKind.SPAN_KIND_SERVER, 20 * MS, 30 * MS).build()))
                    .addResourceSpans(resourceSpans("currency", span(TRACE, "00000000000000a5", "00000000000000a2", "e",
                            Span.SpanKind.SPAN_KIND_SERVER, 30 * MS, 55 * MS).build()))
                    .addResourceSpans(resourceSpans("email", span(TRACE, "00000000000000a3", "00000000000000a0", "c",
                            Span.SpanKind.SPAN_KIND_SERVER, 92 * MS, 6 * MS).build()))
                    .build());
            store.flush();
        }
    }

    private static final Map<String, Long> CRITICAL_MS = Map.of("GET /", 14L, "a", 0L, "b", 25L, "c", 6L, "d", 0L, "e", 55L);
    private static final Map<String, Long> SELF_MS = Map.of("GET /", 4L, "a", 60L, "b", 15L, "c", 6L, "d", 30L, "e", 55L);

    @Test
    void theSpanTimingViewGivesSelfTimeAndCriticalPathExactly() throws Exception {
        try (QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(data))) {
            Map<String, Long> critical = new HashMap<>();
            Map<String, Long> self = new HashMap<>();
            for (List<Object> row : engine.query("SELECT name, critical_path_nanos, self_nanos FROM span_timing").rows()) {
                critical.put((String) row.get(0), ((Number) row.get(1)).longValue() / MS);
                self.put((String) row.get(0), ((Number) row.get(2)).longValue() / MS);
            }
            assertThat(critical).isEqualTo(CRITICAL_MS);
            assertThat(self).isEqualTo(SELF_MS);

            assertThat(engine.query("SELECT service_name FROM span_timing_between(TIMESTAMP '2025-01-01', "
                    + "TIMESTAMP '2100-01-01') ORDER BY critical_path_nanos DESC LIMIT 1").rows())
                    .as("which service dominates the critical path: one GROUP BY away").containsExactly(List.of("currency"));
        }
    }

    @Test
    void theTraceApiCarriesTheSameTiming() throws Exception {
        try (QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(data))) {
            TraceQueries.Trace trace = new TraceQueries(engine).trace(TRACE).orElseThrow();
            for (TraceQueries.SpanView span : trace.spans()) {
                assertThat(span.criticalPathNanos() / MS).as("critical path of %s", span.name())
                        .isEqualTo(CRITICAL_MS.get(span.name()));
                assertThat(span.selfNanos() / MS).as("self time of %s", span.name()).isEqualTo(SELF_MS.get(span.name()));
            }
        }
    }

    @Test
    void theTraceApiAndTheViewAgreeOnEverySpanOfTheShopWorkload(@TempDir Path shop) throws Exception {
        io.contrail.workload.Workload workload = io.contrail.workload.Workload.builder().seed(5).build();
        try (Store store = StoreFixture.open(shop)) {
            for (int i = 0; i < 3; i++) {
                StoreFixture.append(store, workload.nextRequest(100));
            }
            store.flush();
        }
        try (QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(shop).withMaxRows(100_000))) {
            Map<String, List<Long>> fromView = new HashMap<>();
            for (List<Object> row : engine.query("SELECT trace_id || '/' || span_id || '/' || kind, self_nanos, "
                    + "critical_path_nanos FROM span_timing").rows()) {
                fromView.put((String) row.get(0), List.of(((Number) row.get(1)).longValue(), ((Number) row.get(2)).longValue()));
            }
            List<String> traceIds = engine.query("SELECT DISTINCT trace_id FROM spans ORDER BY 1").rows().stream()
                    .map(r -> (String) r.get(0)).toList();
            Map<String, List<Long>> fromApi = new HashMap<>();
            for (TraceQueries.Trace trace : new TraceQueries(engine).traces(traceIds)) {
                for (TraceQueries.SpanView span : trace.spans()) {
                    fromApi.put(span.traceId() + "/" + span.spanId() + "/" + span.kind(),
                            List.of(span.selfNanos(), span.criticalPathNanos()));
                }
            }
            assertThat(fromApi).hasSizeGreaterThan(3_000).isEqualTo(fromView);
        }
    }
}
