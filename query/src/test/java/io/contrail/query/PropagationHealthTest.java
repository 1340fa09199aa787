package io.contrail.query;

import io.contrail.columnar.Store;
import io.contrail.workload.Workload;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static io.contrail.query.QueryEngineTest.resourceSpans;
import static io.contrail.query.QueryEngineTest.span;
import static org.assertj.core.api.Assertions.assertThat;

class PropagationHealthTest {

    @TempDir
    Path data;

    @Test
    void theWorkloadsInjectedBreaksAreFoundExactly() throws Exception {
        Workload workload = Workload.builder().seed(11).tracesPerSecond(20).recordBrokenHops().build();
        try (Store store = StoreFixture.open(data)) {
            for (int i = 0; i < 40; i++) {
                StoreFixture.append(store, workload.nextRequest(100));
            }
            store.flush();
        }
        Set<String> injected = workload.brokenHops().stream()
                .map(hop -> hop.traceId() + "/" + hop.clientSpanId()).collect(Collectors.toSet());
        assertThat(injected).as("the workload injected breaks to find").hasSizeGreaterThan(20);

        try (QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(data).withMaxRows(100_000))) {
            Set<String> found = new HashSet<>();
            for (List<Object> row : engine.query("SELECT trace_id || '/' || span_id FROM propagation_hops "
                    + "WHERE server_instrumented AND NOT propagated").rows()) {
                found.add((String) row.get(0));
            }
            Set<String> truePositives = new HashSet<>(found);
            truePositives.retainAll(injected);
            double precision = (double) truePositives.size() / found.size();
            double recall = (double) truePositives.size() / injected.size();
            assertThat(precision).as("precision").isEqualTo(1.0);
            assertThat(recall).as("recall").isEqualTo(1.0);

            PropagationQueries.Report report = new PropagationQueries(engine).report(null, null);
            assertThat(report.brokenHops()).isEqualTo(injected.size());
            assertThat(report.edges()).filteredOn(e -> e.clientService().equals("product-catalog")
                            && e.serverService().equals("postgresql"))
                    .singleElement().satisfies(e -> {
                        assertThat(e.serverInstrumented()).isFalse();
                        assertThat(e.brokenHops()).isZero();
                    });
            long brokenFrontendToCurrency = workload.brokenHops().stream()
                    .filter(h -> h.clientService().equals("frontend") && h.serverService().equals("currency")).count();
            assertThat(report.edges()).filteredOn(e -> e.clientService().equals("frontend")
                            && e.serverService().equals("currency"))
                    .singleElement().extracting(PropagationQueries.Edge::brokenHops).isEqualTo(brokenFrontendToCurrency);
            assertThat(report.orphanSpans().count()).isZero();
            assertThat(report.multiRootTraces().count()).isZero();
        }
    }

    @Test
    void orphansLostUpstreamContextAndSeveralRootsAreTold() throws Exception {
        String a = "000000000000000000000000000000a1";
        String b = "000000000000000000000000000000b2";
        String c = "000000000000000000000000000000c3";
        List<Span> spans = List.of(
                // Trace a: a root, and a span whose parent never arrived (an orphan).
                span(a, "00000000000000a1", null, "GET /", Span.SpanKind.SPAN_KIND_SERVER, 0, 10).build(),
                span(a, "00000000000000a2", "00000000000000ff", "work", Span.SpanKind.SPAN_KIND_INTERNAL, 1, 5).build(),
                // Trace b: no span without a parent: the context came from something that reported nothing.
                span(b, "00000000000000b1", "00000000000000ee", "GET /b", Span.SpanKind.SPAN_KIND_SERVER, 0, 10).build(),
                // Trace c: two roots.
                span(c, "00000000000000c1", null, "GET /c", Span.SpanKind.SPAN_KIND_SERVER, 0, 10).build(),
                span(c, "00000000000000c2", null, "consume", Span.SpanKind.SPAN_KIND_CONSUMER, 5, 10).build());
        try (Store store = StoreFixture.open(data)) {
            StoreFixture.append(store, TracesData.newBuilder().addResourceSpans(resourceSpans("svc", spans.toArray(Span[]::new))).build());
            store.flush();
        }
        try (QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(data))) {
            PropagationQueries.Report report = new PropagationQueries(engine).report(null, null);
            assertThat(report.orphanSpans()).isEqualTo(new PropagationQueries.Breaks(1, List.of(a)));
            assertThat(report.rootsWithParent()).isEqualTo(new PropagationQueries.Breaks(1, List.of(b)));
            assertThat(report.multiRootTraces()).isEqualTo(new PropagationQueries.Breaks(1, List.of(c)));
        }
    }

    @Test
    void aWindowStartingInTheLastMicrosecondOfADayKeepsThatDaysSpans() throws Exception {
        // 100 ns before midnight: DuckDB's cast of this time to a date rounds it to the next day, whose folder
        // does not hold these spans (folders floor the time, as Java does).
        long lastMoment = java.time.LocalDate.of(2026, 12, 6).plusDays(1).atStartOfDay(java.time.ZoneOffset.UTC)
                .toEpochSecond() * 1_000_000_000L - 100;
        String b = "000000000000000000000000000000b2";
        String c = "000000000000000000000000000000c3";
        List<Span> spans = List.of(
                span(b, "00000000000000b1", "00000000000000ee", "GET /b", Span.SpanKind.SPAN_KIND_SERVER, 0, 10)
                        .setStartTimeUnixNano(lastMoment).setEndTimeUnixNano(lastMoment + 10).build(),
                span(c, "00000000000000c1", null, "GET /c", Span.SpanKind.SPAN_KIND_SERVER, 0, 10)
                        .setStartTimeUnixNano(lastMoment).setEndTimeUnixNano(lastMoment + 10).build(),
                span(c, "00000000000000c2", null, "consume", Span.SpanKind.SPAN_KIND_CONSUMER, 0, 10)
                        .setStartTimeUnixNano(lastMoment + 5).setEndTimeUnixNano(lastMoment + 15).build());
        try (Store store = StoreFixture.open(data)) {
            StoreFixture.append(store, TracesData.newBuilder().addResourceSpans(resourceSpans("svc", spans.toArray(Span[]::new))).build());
            store.flush();
        }
        try (QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(data))) {
            PropagationQueries.Report report = new PropagationQueries(engine).report(lastMoment, lastMoment + 1_000);
            assertThat(report.rootsWithParent()).isEqualTo(new PropagationQueries.Breaks(1, List.of(b)));
            assertThat(report.multiRootTraces()).isEqualTo(new PropagationQueries.Breaks(1, List.of(c)));
        }
    }
}
