package io.contrail.query.traceql;

import static io.contrail.query.QueryEngineTest.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.contrail.query.TraceQueries;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * TraceQL metrics over real Parquet files through a real DuckDB, on {@link TraceQlSearchTest}'s two traces, in four
 * intervals of 500 ms from T0 − 500 ms. Intervals are right-closed, so the spans fall as
 * <pre>
 * interval 0 (T0-500, T0]      a1 (starts at T0, 100 ms, http.status_code=200)
 * interval 1 (T0, T0+500]      a4 (5 ms), a2 (50 ms, ERROR, checkout, cart.size=3), a3 (20 ms, checkout)
 * interval 2 (T0+500, T0+1000] b1 (starts at T0+1000, 10 ms, ERROR, http.status_code=500)
 * interval 3 (T0+1000, T0+1500] b2 (2 ms, auth, cart.size="three")
 * </pre>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TraceQlMetricsTest {

    private static final long MS = 1_000_000L;
    private static final long START = T0 - 500 * MS;
    private static final long STEP = 500 * MS;
    private static final double NAN = Double.NaN;

    private TracesOnDisk onDisk;
    private TraceQueries traces;

    @BeforeAll
    void writeTwoTraces(@TempDir Path data) throws Exception {
        onDisk = TracesOnDisk.write(data, TraceQlSearchTest.twoTraces());
        traces = onDisk.traces();
    }

    @AfterAll
    void close() throws Exception {
        onDisk.close();
    }

    private TraceQlMetrics.SeriesSet series(String query) throws Exception {
        return traces.metricsTraceQl(query, START, STEP, 4, 100);
    }

    /** Each series' labels as text ("key=value", a string quoted) → its values. */
    private Map<String, List<Double>> values(String query) throws Exception {
        Map<String, List<Double>> byLabels = new LinkedHashMap<>();
        for (TraceQlMetrics.Series s : series(query).series()) {
            byLabels.put(labels(s), Arrays.stream(s.values()).boxed().toList());
        }
        return byLabels;
    }

    private static String labels(TraceQlMetrics.Series series) {
        return series.labels().stream().map(l -> l.key() + "=" + (l.value() instanceof String text ? '"' + text + '"'
                : l.value() + "")).collect(Collectors.joining(","));
    }

    @Test
    void countOverTimeCountsTheSpansStartingInEachRightClosedInterval() throws Exception {
        assertThat(values("{} | count_over_time()"))
                .containsExactly(Map.entry("__name__=\"count_over_time\"", List.of(1.0, 3.0, 1.0, 1.0)));
    }

    @Test
    void rateIsPerSecondAndByGivesASeriesPerValueHeaviestFirst() throws Exception {
        // One error span each; a tie is ordered by the value.
        assertThat(values("{ status = error } | rate() by (resource.service.name)")).containsExactly(
                Map.entry("resource.service.name=\"checkout\"", List.of(0.0, 2.0, 0.0, 0.0)),
                Map.entry("resource.service.name=\"frontend\"", List.of(0.0, 0.0, 2.0, 0.0)));
        assertThat(values("{} | count_over_time() by (status)")).containsExactly(
                Map.entry("status=\"unset\"", List.of(1.0, 2.0, 0.0, 1.0)),
                Map.entry("status=\"error\"", List.of(0.0, 1.0, 1.0, 0.0)));
    }

    @Test
    void labelsKeepTheirTypeAndANilValueIsNamedOnlyWhenAllAreNil() throws Exception {
        TraceQlMetrics.SeriesSet set = series("{} | max_over_time(duration) by (span.http.status_code)");
        Map<Object, double[]> byValue = new LinkedHashMap<>();
        for (TraceQlMetrics.Series s : set.series()) {
            assertThat(s.labels()).hasSize(1);
            assertThat(s.labels().get(0).key()).isEqualTo("span.http.status_code");
            byValue.put(s.labels().get(0).value(), s.values());
        }
        // Durations in seconds; no span, no sample (NaN), as Tempo's max_over_time.
        assertThat(byValue).containsOnlyKeys("nil", 200L, 500L);
        assertThat(byValue.get("nil")).containsExactly(new double[] {NAN, 0.05, NAN, 0.002}, within(1e-12));
        assertThat(byValue.get(200L)).containsExactly(new double[] {0.1, NAN, NAN, NAN}, within(1e-12));
        assertThat(byValue.get(500L)).containsExactly(new double[] {NAN, NAN, 0.01, NAN}, within(1e-12));
        assertThat(values("{ resource.service.name = \"checkout\" } | count_over_time() by (span.db.system, span.cart.size)"))
                .containsOnlyKeys("span.cart.size=\"3\"", "span.db.system=\"postgres\"");
    }

    @Test
    void minMaxSumAndAverageOverTime() throws Exception {
        assertThat(values("{} | min_over_time(duration)").values().iterator().next())
                .containsExactly(0.1, 0.005, 0.01, 0.002);
        assertThat(values("{} | sum_over_time(duration)").values().iterator().next().get(1)).isCloseTo(0.075, within(1e-12));
        assertThat(values("{} | avg_over_time(duration)").values().iterator().next().get(1)).isCloseTo(0.025, within(1e-12));
        // cart.size is 3 on a2 and "three" on b2: the text that is no number has no value.
        assertThat(values("{} | avg_over_time(span.cart.size)"))
                .containsExactly(Map.entry("__name__=\"avg_over_time\"", List.of(NAN, 3.0, NAN, NAN)));
    }

    @Test
    void quantilesAreASeriesEachLabelledP() throws Exception {
        // Interval 1 holds 5, 20 and 50 ms: the median is 20 ms, the maximum 50 ms.
        assertThat(values("{} | quantile_over_time(duration, 0.5, 1)")).containsExactly(
                Map.entry("p=0.5", List.of(0.1, 0.02, 0.01, 0.002)),
                Map.entry("p=1.0", List.of(0.1, 0.05, 0.01, 0.002)));
    }

    @Test
    void quantilesAreZeroWhereNoSpanIsAndTakeNoNilLabel() throws Exception {
        // HistogramAggregator.Results: 0 in an interval without spans; labelsFor: the p label is enough.
        assertThat(values("{ name = \"GetCart\" } | quantile_over_time(duration, 0.5)"))
                .containsExactly(Map.entry("p=0.5", List.of(0.0, 0.05, 0.0, 0.0)));
        assertThat(values("{} | quantile_over_time(duration, 0.5) by (span.db.system)")).containsOnlyKeys(
                "span.db.system=\"postgres\",p=0.5", "p=0.5");
        assertThat(values("{} | histogram_over_time(duration) by (span.db.system)").keySet())
                .contains("span.db.system=\"postgres\",__bucket=0.033554432", "__bucket=0.134217728");
    }

    @Test
    void labelsAreNamedAsTempoNamesThemAndDurationsStayDurations() throws Exception {
        assertThat(values("{ name = \"Check\" } | count_over_time() by (span:name, span:duration, trace:rootService)"))
                .containsOnlyKeys("name=\"Check\",duration=PT0.002S,rootServiceName=\"frontend\"");
        assertThat(values("{ name = \"Check\" } | count_over_time() by (span.\"cart.size\")"))
                .containsOnlyKeys("span.cart.size=\"three\"");
        assertThatThrownBy(() -> TraceQl.check("{} | quantile_over_time(duration" + ", 0.5".repeat(101) + ")"))
                .hasMessageContaining("at most 100 quantiles");
    }

    @Test
    void histogramBucketsAreThePowersOfTwoAboveEachDurationInSeconds() throws Exception {
        Map<String, List<Double>> histogram = values("{} | histogram_over_time(duration)");
        // 20 ms = 20,000,000 ns, under 2^25 = 33,554,432 ns; 100 ms under 2^27.
        assertThat(histogram).containsEntry("__bucket=0.033554432", List.of(0.0, 1.0, 0.0, 0.0))
                .containsEntry("__bucket=0.134217728", List.of(1.0, 0.0, 0.0, 0.0));
        assertThat(histogram).hasSize(6);
        assertThat(histogram.values().stream().mapToDouble(v -> v.stream().mapToDouble(d -> d).sum()).sum())
                .isEqualTo(6.0);
    }

    @Test
    void topkAndBottomkKeepTheLargestAndSmallestValuesAtEachInterval() throws Exception {
        // count by service: frontend [1, 1, 1, 0], checkout [0, 2, 0, 0], auth [0, 0, 0, 1], heaviest first.
        assertThat(values("{} | count_over_time() by (resource.service.name) | topk(1)")).containsExactly(
                Map.entry("resource.service.name=\"frontend\"", List.of(1.0, NAN, 1.0, NAN)),
                Map.entry("resource.service.name=\"checkout\"", List.of(NAN, 2.0, NAN, NAN)),
                Map.entry("resource.service.name=\"auth\"", List.of(NAN, NAN, NAN, 1.0)));
        // Ties (the zeros) go to the series listed first.
        assertThat(values("{} | count_over_time() by (resource.service.name) | bottomk(1)")).containsExactly(
                Map.entry("resource.service.name=\"frontend\"", List.of(NAN, NAN, NAN, 0.0)),
                Map.entry("resource.service.name=\"checkout\"", List.of(0.0, NAN, 0.0, NAN)),
                Map.entry("resource.service.name=\"auth\"", List.of(NAN, 0.0, NAN, NAN)));
        assertThat(values("{} | count_over_time() by (resource.service.name) | topk(3)")).hasSize(3)
                .containsEntry("resource.service.name=\"auth\"", List.of(0.0, 0.0, 0.0, 1.0));
    }

    @Test
    void aComparisonKeepsTheSamplesWhereItHolds() throws Exception {
        assertThat(values("{} | count_over_time() by (resource.service.name) > 1"))
                .containsExactly(Map.entry("resource.service.name=\"checkout\"", List.of(NAN, 2.0, NAN, NAN)));
        // A duration compares in seconds; a comparison can follow topk and precede it.
        assertThat(values("{} | max_over_time(duration) > 40ms"))
                .containsExactly(Map.entry("__name__=\"max_over_time\"", List.of(0.1, 0.05, NAN, NAN)));
        assertThat(values("{} | count_over_time() by (resource.service.name) >= 1 | topk(1) != 2"))
                .containsOnlyKeys("resource.service.name=\"frontend\"", "resource.service.name=\"auth\"");
        assertThatThrownBy(() -> TraceQl.check("{} | rate() | topk(0)")).hasMessageContaining("limit must be greater than 0");
    }

    @Test
    void structuralQueriesFeedMetricsToo() throws Exception {
        assertThat(values("{ resource.service.name = \"frontend\" } >> { kind = client } | count_over_time()"))
                .containsExactly(Map.entry("__name__=\"count_over_time\"", List.of(0.0, 1.0, 0.0, 1.0)));
    }

    @Test
    void anInstantQueryIsOneIntervalOverTheRange() throws Exception {
        TraceQlMetrics.SeriesSet set = traces.metricsTraceQl("{} | rate()", START, 2000 * MS, 1, 100);
        assertThat(set.series()).singleElement().satisfies(s -> assertThat(s.values()).containsExactly(3.0));
    }

    @Test
    void seriesBeyondTheLimitAreLeftOutAndSaidToBe() throws Exception {
        TraceQlMetrics.SeriesSet set = traces.metricsTraceQl("{} | count_over_time() by (span:id)", START, STEP, 4, 2);
        assertThat(set.truncated()).isTrue();
        assertThat(set.series()).hasSize(2);
        assertThat(traces.metricsTraceQl("{} | count_over_time() by (span:id)", START, STEP, 4, 6).truncated())
                .isFalse();
    }

    /**
     * A query's series are the same whether every series' cells are read and the heaviest chosen here (one GROUP BY,
     * what a request asks first), the heaviest are chosen in SQL, or every series' cells were more than read (here one)
     * and the heaviest were asked of SQL after: one filter straight over the spans and a pipeline of stages, each
     * function, ties, nil labels, a bound on series.
     */
    @Test
    void everySeriesReadHereAndTheHeaviestChosenInSqlAgree() throws Exception {
        List<String> queries = List.of("{ status = error } | rate() by (resource.service.name)",
                "{} | count_over_time() by (span:id)", "{} | count_over_time() by (span.http.status_code)",
                "{ duration > 1ms } | avg_over_time(duration) by (resource.service.name, span.cart.size)",
                "{} | min_over_time(span.cart.size)", "{} | max_over_time(duration) by (name)",
                "{} | sum_over_time(span.cart.size) by (resource.service.name)",
                "{} | histogram_over_time(duration) by (resource.service.name)",
                "{} | quantile_over_time(duration, 0.5, 0.9) by (resource.service.name)",
                "{ resource.service.name = \"frontend\" } >> { kind = client } | count_over_time() by (name)",
                "{} | by(resource.service.name) | count() > 1 | rate() by (resource.service.name) | topk(1)",
                "{ trace:rootService = \"frontend\" } | rate() by (trace:rootName)",
                "{ span:childCount > 0 } | count_over_time() by (resource.service.name)");
        for (String query : queries) {
            for (int maxSeries : List.of(100, 2, 1)) {
                List<String> answers = new java.util.ArrayList<>();
                for (int maxCells : List.of(TraceQlMetrics.MAX_CELLS, 0, 1)) {
                    TraceQlMetrics.SeriesSet set = traces.metricsTraceQl(query, START, STEP, 4, maxSeries, maxCells);
                    answers.add(set.truncated() + " " + set.series().stream()
                            .map(x -> labels(x) + Arrays.toString(x.values())).toList());
                }
                assertThat(answers).as("%s, at most %d series", query, maxSeries).containsOnly(answers.get(0));
                if (maxSeries == 100) {
                    assertThat(answers.get(0)).as(query).doesNotEndWith(" []");
                }
            }
        }
    }

    /** A metrics query of one filter aggregates the spans it holds for, no stage between (bench/results/traceql). */
    @Test
    void oneFilterIsAggregatedStraightOverTheSpans() throws Exception {
        Map<String, String> types = onDisk.engine().spanColumnTypes();
        for (int maxCells : List.of(TraceQlMetrics.MAX_CELLS, 0)) {
            assertThat(TraceQl.compile("{ status = error } | rate() by (resource.service.name)", types)
                    .metrics("spans", "true", List.of(), START, STEP, 4, 100, maxCells).sql())
                    .doesNotContain("traceql_stage").contains("FROM spans WHERE ((true) AND ((status_code) = ");
            assertThat(TraceQl.compile("{ span:childCount > 0 } | rate()", types)
                    .metrics("spans", "true", List.of(), START, STEP, 4, 100, maxCells).sql()).contains("traceql_stage0");
        }
    }

    /** Past {@code maxCells} cells of every series, none is read: the heaviest are to be asked of SQL. */
    @Test
    void moreCellsThanReadAskForTheHeaviestSeriesInstead() throws Exception {
        CompiledTraceQl compiled = TraceQl.compile("{} | rate() by (resource.service.name)",
                onDisk.engine().spanColumnTypes());
        String cells = "SELECT 'service ' || (i % 1000) AS by0, 'STRING' AS kind0, i // 1000 AS i, 1.0 AS v, "
                + "(i % 1000 % 7)::DOUBLE AS w FROM range(100000) t(i)";
        TraceQlMetrics.SeriesSet all = onDisk.engine().run(cells, List.of(),
                rs -> compiled.readSeries(rs, STEP, 100, 1000, 100_000));
        assertThat(all.series()).hasSize(1000);
        assertThat(all.series().get(0).labels()).containsExactly(new TraceQlMetrics.Label("resource.service.name",
                "service 104")); // the heaviest, 6 a cell, first of them by text
        TraceQlMetrics.SeriesSet past = onDisk.engine().run(cells, List.of(),
                rs -> compiled.readSeries(rs, STEP, 100, 1000, 99_999));
        assertThat(past).isNull();
        assertThat(onDisk.engine().run(cells, List.of(), rs -> compiled.readSeries(rs, STEP, 100, 1000, 0)).series())
                .hasSize(1000);
    }

    @Test
    void aSearchAndAMetricsQueryAreNotMistakenForEachOther() {
        assertThatThrownBy(() -> traces.searchTraceQl("{} | rate()", io.contrail.query.TimeWindow.ALL, 20, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("metrics query (rate())");
        assertThatThrownBy(() -> series("{ status = error }"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a TraceQL metrics query");
    }

    @Test
    void whatIsNotCompiledIsRefusedByName() {
        assertThatThrownBy(() -> TraceQl.check("{} | compare({ status = error })"))
                .hasMessageContaining("compare() is not supported");
        assertThatThrownBy(() -> TraceQl.check("({} | rate()) * 100")).isInstanceOfSatisfying(TraceQlException.class,
                e -> assertThat(e.reason()).isEqualTo(TraceQlException.Reason.UNSUPPORTED));
        assertThatThrownBy(() -> TraceQl.check("{} | min_over_time(name)")).isInstanceOfSatisfying(
                TraceQlException.class, e -> assertThat(e.getMessage()).contains("min_over_time() needs a number"));
        assertThatThrownBy(() -> TraceQl.check("{} | quantile_over_time(duration, 1.5)"))
                .hasMessageContaining("between 0 and 1, not 1.5");
        // Hints are read and do not change the answer.
        assertThat(TraceQl.compile("{} | count_over_time() by (name) with(sample=0.1)", Map.of()).isMetrics()).isTrue();
    }
}
