package io.contrail.ingest.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.contrail.columnar.ChunkRows;
import io.contrail.columnar.SamplingStatsLayout;
import io.contrail.columnar.SpanChunk;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tail sampler's decisions, driven the way the warehouse drives it, on a clock the test owns. */
class TailSamplerTest {

    private static final long MS = 1_000_000L;
    private static final Resource CHECKOUT = Resource.newBuilder().addAttributes(KeyValue.newBuilder()
            .setKey("service.name").setValue(AnyValue.newBuilder().setStringValue("checkout"))).build();

    @TempDir
    Path dir;

    private int nextTrace = 1;
    /** Trace IDs are random, as W3C asks: the probabilistic policy reads their randomness. */
    private final java.util.Random random = new java.util.Random(7);

    private TailSampler sampler(String yaml) throws IOException {
        Path file = dir.resolve("sampling-" + nextTrace + ".yaml");
        Files.writeString(file, yaml);
        return new TailSampler(SamplingConfig.read(file), null);
    }

    /** A trace of {@code spans} spans: a root lasting {@code rootMillis} and children under it. */
    private List<Span> trace(int spans, long rootMillis, SpanCustomizer customize) {
        byte[] traceId = new byte[16];
        int id = nextTrace++;
        random.nextBytes(traceId);
        List<Span> trace = new ArrayList<>();
        for (int i = 0; i < spans; i++) {
            Span.Builder span = Span.newBuilder().setTraceId(ByteString.copyFrom(traceId))
                    .setSpanId(ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, (byte) id, (byte) (i + 1)}))
                    .setName(i == 0 ? "POST /checkout" : "child").setStartTimeUnixNano(1_000 * MS)
                    .setEndTimeUnixNano(1_000 * MS + (i == 0 ? rootMillis : 1) * MS);
            if (i > 0) {
                span.setParentSpanId(ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, (byte) id, 1}));
            }
            customize.customize(i, span);
            trace.add(span.build());
        }
        return trace;
    }

    private List<Span> trace(int spans, long rootMillis) {
        return trace(spans, rootMillis, (i, span) -> { });
    }

    /** One request holding {@code spans} of the checkout service, as the warehouse offers it. */
    private static ChunkRows request(List<Span> spans) {
        return request(CHECKOUT, spans);
    }

    private static ChunkRows request(Resource resource, List<Span> spans) {
        return request(TracesData.newBuilder().addResourceSpans(resourceSpans(resource, spans)).build());
    }

    private static ChunkRows request(TracesData traces) {
        return ChunkRows.all(SpanChunk.fromTraces(traces));
    }

    private static ResourceSpans resourceSpans(Resource resource, List<Span> spans) {
        return ResourceSpans.newBuilder().setResource(resource)
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(spans)).build();
    }

    /** A span the sampler kept, with the weight it is written with. */
    record Kept(Span span, double weight) {
    }

    /** The spans of what the sampler returned, each with its weight, in order. */
    private static List<Kept> kept(List<ChunkRows> decided) {
        List<Kept> kept = new ArrayList<>();
        for (ChunkRows rows : decided) {
            for (int i = 0; i < rows.size(); i++) {
                Span span = rows.slice(i, i + 1).toTraces().getResourceSpans(0).getScopeSpans(0).getSpans(0);
                kept.add(new Kept(span, rows.weight(i)));
            }
        }
        return kept;
    }

    interface SpanCustomizer {
        void customize(int index, Span.Builder span);
    }

    private static KeyValue attribute(String key, AnyValue value) {
        return KeyValue.newBuilder().setKey(key).setValue(value).build();
    }

    @Test
    void holdsATraceUntilItsRootIsQuietThenKeepsItWhole() throws IOException {
        TailSampler sampler = sampler("quietPeriodMillis: 100\npolicies: [{name: errors, type: error}]\n");
        List<Span> spans = trace(3, 10, (i, span) -> {
            if (i == 2) {
                span.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
            }
        });
        assertThat(sampler.admit(request(spans.subList(1, 3)), 7, 0)).isEmpty();
        assertThat(sampler.decideDue(500 * MS)).as("no root yet: wait").isEmpty();
        assertThat(sampler.admit(request(spans.subList(0, 1)), 8, 600 * MS)).isEmpty();
        assertThat(sampler.oldestHeldSegment()).isEqualTo(7);
        assertThat(sampler.heldSpans()).isEqualTo(3);
        assertThat(sampler.decideDue(650 * MS)).as("root arrived, not yet quiet").isEmpty();
        List<Kept> kept = kept(sampler.decideDue(700 * MS));
        assertThat(kept).hasSize(3).allSatisfy(ref -> assertThat(ref.weight()).isEqualTo(1.0));
        assertThat(sampler.oldestHeldSegment()).isEqualTo(Long.MAX_VALUE);
        assertThat(sampler.heldSpans()).isZero();
    }

    @Test
    void decidesATraceWithoutRootAtTheMaximumWait() throws IOException {
        TailSampler sampler = sampler("maxWaitMillis: 1000\npolicies: [{type: latency, thresholdMillis: 0}]\n");
        List<Span> spans = trace(2, 10);
        sampler.admit(request(spans.subList(1, 2)), 1, 0);
        assertThat(sampler.decideDue(999 * MS)).isEmpty();
        assertThat(kept(sampler.decideDue(1_000 * MS))).hasSize(1);
    }

    @Test
    void lateSpansFollowTheirTracesDecision() throws IOException {
        TailSampler sampler = sampler("quietPeriodMillis: 10\npolicies: [{name: slow, type: latency, thresholdMillis: 500}]\n");
        List<Span> slow = trace(3, 900);
        List<Span> fast = trace(3, 10);
        sampler.admit(request(slow.subList(0, 2)), 1, 0);
        sampler.admit(request(fast.subList(0, 2)), 1, 0);
        assertThat(kept(sampler.decideDue(20 * MS))).hasSize(2);
        assertThat(kept(sampler.admit(request(List.of(slow.get(2), fast.get(2))), 2, 30 * MS)))
                .extracting(kept -> kept.span().getSpanId()).containsExactly(slow.get(2).getSpanId());
        assertThat(sampler.stats().lateSpansKept()).isEqualTo(1);
        assertThat(sampler.stats().lateSpansDropped()).isEqualTo(1);
    }

    @Test
    void probabilisticKeepsByTraceIdAndWeighsByTheSmallerProbability() throws IOException {
        TailSampler sampler = sampler("quietPeriodMillis: 1\npolicies: [{name: base, type: probabilistic, percentage: 10}]\n");
        int kept = 0;
        int traces = 2_000;
        for (int t = 0; t < traces; t++) {
            // Half the traces were head-sampled at 50% upstream (ot=th:8): they stand for 2 spans already.
            boolean headSampled = t % 2 == 0;
            ChunkRows spans = request(trace(1, 5, (i, span) -> span.setTraceState(headSampled ? "ot=th:8" : "")));
            assertThat(spans.weight(0)).isEqualTo(headSampled ? 2.0 : 1.0);
            sampler.admit(spans, 1, 0);
            List<Kept> decided = kept(sampler.decideDue(10 * MS));
            for (Kept ref : decided) {
                assertThat(ref.weight()).as("max(1/0.1, upstream)").isEqualTo(10.0);
                kept++;
            }
        }
        assertThat(kept).isBetween(150, 250);
    }

    @Test
    void alwaysKeepPoliciesKeepTheUpstreamWeight() throws IOException {
        TailSampler sampler = sampler("quietPeriodMillis: 1\npolicies: [{type: latency, thresholdMillis: 1}]\n");
        sampler.admit(request(trace(2, 5, (i, span) -> span.setTraceState("ot=th:c"))), 1, 0);
        assertThat(kept(sampler.decideDue(10 * MS))).hasSize(2).allSatisfy(ref -> assertThat(ref.weight()).isEqualTo(4.0));
    }

    @Test
    void attributePolicyMatchesStringsNumbersBooleansAndRanges() throws IOException {
        TailSampler sampler = sampler("""
                quietPeriodMillis: 1
                policies:
                  - {name: gold, type: attribute, key: user.tier, values: [gold]}
                  - {name: retried, type: attribute, key: retry, values: [true]}
                  - {name: big, type: attribute, key: order.items, minValue: 10}
                """);
        sampler.admit(request(trace(1, 5, (i, s) -> s.addAttributes(attribute("user.tier",
                AnyValue.newBuilder().setStringValue("gold").build())))), 1, 0);
        sampler.admit(request(trace(1, 5, (i, s) -> s.addAttributes(attribute("user.tier",
                AnyValue.newBuilder().setStringValue("silver").build())))), 1, 0);
        sampler.admit(request(trace(1, 5, (i, s) -> s.addAttributes(attribute("retry",
                AnyValue.newBuilder().setBoolValue(true).build())))), 1, 0);
        sampler.admit(request(trace(1, 5, (i, s) -> s.addAttributes(attribute("order.items",
                AnyValue.newBuilder().setIntValue(12).build())))), 1, 0);
        sampler.admit(request(trace(1, 5, (i, s) -> s.addAttributes(attribute("order.items",
                AnyValue.newBuilder().setIntValue(3).build())))), 1, 0);
        assertThat(kept(sampler.decideDue(10 * MS))).hasSize(3);
        assertThat(sampler.stats().rows()).filteredOn(SamplingStatsLayout.Row::kept)
                .extracting(SamplingStatsLayout.Row::policy).containsExactlyInAnyOrder("gold", "retried", "big");
    }

    @Test
    void latencyPercentileLearnsEachOperationsNormal() throws IOException {
        TailSampler sampler = sampler("""
                quietPeriodMillis: 1
                policies: [{name: p99, type: latency_percentile, percentile: 99, windowTraces: 200, minTraces: 100}]
                """);
        for (int t = 0; t < 150; t++) {
            sampler.admit(request(trace(1, 10 + t % 10)), 1, 0);
        }
        assertThat(sampler.decideDue(10 * MS)).as("nothing is slow before the window has learned").isEmpty();
        sampler.admit(request(trace(1, 50)), 1, 20 * MS);
        sampler.admit(request(trace(1, 12)), 1, 20 * MS);
        List<Kept> kept = kept(sampler.decideDue(30 * MS));
        assertThat(kept).singleElement().satisfies(ref ->
                assertThat(ref.span().getEndTimeUnixNano() - ref.span().getStartTimeUnixNano()).isEqualTo(50 * MS));
    }

    @Test
    void rateLimitingKeepsAtMostTheBudgetPerSecond() throws IOException {
        TailSampler sampler = sampler("quietPeriodMillis: 1\npolicies: [{name: budget, type: rate_limiting, spansPerSecond: 10}]\n");
        for (int t = 0; t < 5; t++) {
            sampler.admit(request(trace(4, 5)), 1, 0);
        }
        assertThat(kept(sampler.decideDue(10 * MS))).as("two traces of 4 spans fit in 10 spans/s").hasSize(8);
    }

    @Test
    void compositeTriesItsPoliciesInOrderAndNamesTheOneThatKept() throws IOException {
        TailSampler sampler = sampler("""
                quietPeriodMillis: 1
                policies:
                  - name: important
                    type: composite
                    policies: [{name: errors, type: error}, {name: slow, type: latency, thresholdMillis: 100}]
                """);
        sampler.admit(request(trace(1, 500)), 1, 0);
        assertThat(kept(sampler.decideDue(10 * MS))).hasSize(1);
        assertThat(sampler.stats().rows()).filteredOn(SamplingStatsLayout.Row::kept).singleElement()
                .satisfies(row -> assertThat(row.policy()).isEqualTo("important/slow"));
    }

    @Test
    void samplingPriorityKeepsATraceNoPolicyWants() throws IOException {
        TailSampler sampler = sampler("quietPeriodMillis: 1\npolicies: [{type: latency, thresholdMillis: 100000}]\n");
        sampler.admit(request(trace(2, 5, (i, s) -> s.addAttributes(attribute("sampling.priority",
                AnyValue.newBuilder().setIntValue(1).build())))), 1, 0);
        assertThat(kept(sampler.decideDue(10 * MS))).hasSize(2);
    }

    @Test
    void pastTheBoundTheOldestTracesAreDecidedEarlyAndCounted() throws IOException {
        TailSampler sampler = sampler("maxTracesInFlight: 2\npolicies: [{type: latency, thresholdMillis: 0}]\n");
        sampler.admit(request(trace(1, 5)), 4, 0);
        sampler.admit(request(trace(1, 5)), 5, 0);
        List<Kept> decidedAtOnce = kept(sampler.admit(request(trace(1, 5)), 6, 0));
        assertThat(decidedAtOnce).hasSize(1);
        assertThat(sampler.stats().decidedEarly()).isEqualTo(1);
        assertThat(sampler.oldestHeldSegment()).isEqualTo(5);
    }

    /** A span of trace {@code traceId} named {@code name}; a root unless it has a parent. */
    private static Span span(byte[] traceId, String name, boolean root, String traceState) {
        Span.Builder span = Span.newBuilder().setTraceId(ByteString.copyFrom(traceId))
                .setSpanId(ByteString.copyFromUtf8(String.format("%-8.8s", name))).setName(name)
                .setTraceState(traceState).setStartTimeUnixNano(1_000 * MS).setEndTimeUnixNano(1_010 * MS);
        if (!root) {
            span.setParentSpanId(ByteString.copyFromUtf8("root    "));
        }
        return span.build();
    }

    @Test
    void aTraceFromTwoRequestsComesBackAsTheRowsOfBothChunksWithTheirWeights() throws IOException {
        // 25%: kept spans stand for at least 4; all ones in the low 56 bits are kept, all zeros are not.
        TailSampler sampler = sampler("quietPeriodMillis: 1\npolicies: [{type: probabilistic, percentage: 25}]\n");
        byte[] keptTrace = new byte[16];
        java.util.Arrays.fill(keptTrace, (byte) 0xff);
        byte[] droppedTrace = new byte[16];
        droppedTrace[0] = 1;
        ChunkRows first = request(List.of(span(droppedTrace, "root", true, ""), span(keptTrace, "a", false, ""),
                span(keptTrace, "b", false, "ot=th:e")));
        ChunkRows second = request(List.of(span(droppedTrace, "c", false, ""), span(keptTrace, "root", true, "")));
        assertThat(sampler.admit(first, 1, 0)).isEmpty();
        assertThat(sampler.admit(second, 2, 0)).isEmpty();
        assertThat(sampler.heldSpans()).isEqualTo(5);

        List<ChunkRows> kept = sampler.decideDue(10 * MS);

        assertThat(kept).hasSize(2);
        assertThat(kept.get(0).chunk()).isSameAs(first.chunk());
        assertThat(kept.get(0).rows()).containsExactly(1, 2);
        assertThat(kept.get(0).weights()).as("upstream 1 raised to 4; upstream 8 stays").containsExactly(4.0, 8.0);
        assertThat(kept.get(1).chunk()).isSameAs(second.chunk());
        assertThat(kept.get(1).rows()).containsExactly(1);
        assertThat(kept.get(1).weights()).containsExactly(4.0);
        assertThat(kept).flatExtracting(rows -> rows.toTraces().getResourceSpans(0).getScopeSpans(0).getSpansList())
                .extracting(Span::getName).containsExactly("a", "b", "root");
        assertThat(sampler.heldSpans()).isZero();
    }

    @Test
    void rowsOfOneChunkComeBackAscendingWhicheverTraceWasDecidedFirst() throws IOException {
        TailSampler sampler = sampler("quietPeriodMillis: 1\npolicies: [{type: latency, thresholdMillis: 0}]\n");
        byte[] one = new byte[16];
        one[15] = 1;
        byte[] two = new byte[16];
        two[15] = 2;
        ChunkRows request = request(List.of(span(two, "root", true, ""), span(one, "root", true, "ot=th:8"),
                span(two, "x", false, ""), span(one, "y", false, "")));

        assertThat(sampler.admit(request, 1, 0)).as("nothing is decided at once").isEmpty();

        List<ChunkRows> kept = sampler.decideDue(10 * MS);

        assertThat(kept).singleElement().satisfies(rows -> {
            assertThat(rows.rows()).containsExactly(0, 1, 2, 3);
            assertThat(rows.weights()).containsExactly(1.0, 2.0, 1.0, 1.0);
        });
    }

    @Test
    void badSamplingFilesAreRefusedWithTheFieldAndTheProblem() throws IOException {
        assertThatThrownBy(() -> sampler("policies: [{type: sometimes}]\n"))
                .hasMessageContaining("policies[0].type").hasMessageContaining("sometimes");
        assertThatThrownBy(() -> sampler("policies: [{type: probabilistic}]\n"))
                .hasMessageContaining("policies[0].percentage is missing");
        assertThatThrownBy(() -> sampler("policies: [{type: probabilistic, percentage: 150}]\n"))
                .hasMessageContaining("percentage must be in (0, 100]");
        assertThatThrownBy(() -> sampler("polices: []\n")).hasMessageContaining("polices");
        assertThatThrownBy(() -> sampler("policies: [{name: a, type: error}, {name: a, type: error}]\n"))
                .hasMessageContaining("'a' is used twice");
    }

    @Test
    void statisticsCountSpansUnderTheServiceNameTheirColumnHolds() throws IOException {
        TailSampler sampler = sampler("quietPeriodMillis: 1\npolicies: [{name: all, type: probabilistic, percentage: 100}]\n");
        Resource twice = Resource.newBuilder()
                .addAttributes(attribute("service.name", AnyValue.newBuilder().setStringValue("first").build()))
                .addAttributes(attribute("service.name", AnyValue.newBuilder().setStringValue("last").build())).build();
        Resource empty = Resource.newBuilder()
                .addAttributes(attribute("service.name", AnyValue.newBuilder().setStringValue("").build())).build();
        ChunkRows spans = request(TracesData.newBuilder().addResourceSpans(resourceSpans(twice, trace(1, 5)))
                .addResourceSpans(resourceSpans(empty, trace(1, 5))).build());
        sampler.admit(spans, 1, 0);
        assertThat(kept(sampler.decideDue(10 * MS))).hasSize(2);

        // service_name: the last service.name; unknown_service for an empty one (SpanSchema.serviceNameOf).
        assertThat(sampler.stats().rows()).extracting(SamplingStatsLayout.Row::serviceName)
                .containsExactlyInAnyOrder("last", "unknown_service");
    }
}
