package io.contrail.bench.suite;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The share of the corpus a slow peer loads ({@link SpanCorpus#prefix}): whole requests from the
 * start, whole traces, and every probe value the query suite asks about inside it.
 */
class SpanCorpusTest {

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void prefixIsTheFirstWholeRequestsAndHoldsEveryProbe(@TempDir Path temp) throws Exception {
        SpanCorpus corpus = SpanCorpus.generate(temp, 30_000, 6_000, 7, QUIET);
        List<ExportTraceServiceRequest> all = new ArrayList<>();
        corpus.requests().forEach(all::add);

        SpanCorpus prefix = corpus.prefix(6_000);

        List<ExportTraceServiceRequest> first = new ArrayList<>();
        prefix.requests().forEach(first::add);
        assertThat(first).as("the same requests, in order, from the start").isEqualTo(all.subList(0, first.size()));
        assertThat(prefix.requestCount()).isEqualTo(first.size()).isLessThan(corpus.requestCount());
        assertThat(spans(first)).isEqualTo(prefix.spanCount());
        assertThat(prefix.spanCount()).as("the fewest whole requests holding 6,000 spans")
                .isGreaterThanOrEqualTo(6_000).isLessThan(6_000 + spans(all.subList(first.size() - 1, first.size())));
        long rawSpans = 0;
        long rawBytes = 0;
        int rawRequests = 0;
        for (SpanCorpus.RawRequest raw : prefix.rawRequests()) {
            rawSpans += raw.spans();
            rawBytes += raw.body().length;
            rawRequests++;
        }
        assertThat(rawRequests).isEqualTo(prefix.requestCount());
        assertThat(rawSpans).isEqualTo(prefix.spanCount());
        assertThat(rawBytes).isEqualTo(prefix.otlpBytes()).isLessThan(corpus.otlpBytes());
        assertThat(prefix.gzippedOtlpBytes()).isPositive().isLessThan(prefix.otlpBytes());

        Set<String> tracesInPrefix = traceIds(first);
        Set<String> tracesAfter = traceIds(all.subList(first.size(), all.size()));
        assertThat(tracesInPrefix).as("no trace is cut at the prefix's end").doesNotContainAnyElementsOf(tracesAfter);

        SpanCorpus.Probes probes = prefix.probes();
        assertThat(probes).isEqualTo(corpus.probes());
        assertThat(prefix.holdsProbes()).isTrue();
        Map<String, Set<String>> values = valuesByKey(first);
        assertThat(tracesInPrefix).contains(probes.traceId());
        assertThat(values.get("user.id")).contains(probes.userId());
        assertThat(values.get("http.route")).contains(probes.route());
        assertThat(values.get("exception.type")).contains(probes.exceptionType());
        assertThat(values.get("root")).contains(probes.service() + " " + probes.operation() + " " + probes.traceId());
        long probeTraceStart = startOf(first, probes.traceId());
        assertThat(probeTraceStart).isGreaterThanOrEqualTo(probes.windowStartUnixNano())
                .isLessThan(probes.windowEndUnixNano());
    }

    @Test
    void aGzipStoredCorpusGivesTheSameRequestsAsARawOneOfTheSameSeed(@TempDir Path temp) throws Exception {
        SpanCorpus raw = SpanCorpus.generate(temp.resolve("raw"), 30_000, 6_000, 7, SpanCorpus.Storage.RAW, QUIET);
        SpanCorpus gzipped = SpanCorpus.generate(temp.resolve("gzipped"), 30_000, 6_000, 7, SpanCorpus.Storage.GZIPPED,
                QUIET);

        assertThat(gzipped.storage()).isEqualTo(SpanCorpus.Storage.GZIPPED);
        assertThat(gzipped.fileBytes()).as("each request gzip'd, behind its length")
                .isGreaterThan(gzipped.gzippedOtlpBytes()).isLessThan(gzipped.gzippedOtlpBytes() + 4L * gzipped.requestCount())
                .isLessThan(raw.fileBytes() / 4);
        assertThat(raw.fileBytes()).isGreaterThan(raw.otlpBytes()).isLessThan(raw.otlpBytes() + 4L * raw.requestCount());
        assertThat(List.of(gzipped.spanCount(), gzipped.requestCount(), gzipped.otlpBytes(), gzipped.gzippedOtlpBytes()))
                .isEqualTo(List.of(raw.spanCount(), raw.requestCount(), raw.otlpBytes(), raw.gzippedOtlpBytes()));
        assertThat(gzipped.probes()).isEqualTo(raw.probes());
        assertSameRequests(gzipped, raw);

        SpanCorpus gzippedPrefix = gzipped.prefix(6_000);
        SpanCorpus rawPrefix = raw.prefix(6_000);
        assertThat(gzippedPrefix.requestCount()).isEqualTo(rawPrefix.requestCount()).isLessThan(raw.requestCount());
        assertThat(gzippedPrefix.storage()).isEqualTo(SpanCorpus.Storage.GZIPPED);
        assertThat(gzippedPrefix.holdsProbes()).isTrue();
        assertSameRequests(gzippedPrefix, rawPrefix);
    }

    /** Byte for byte the same OTLP protobuf and span counts from rawRequests(), equal messages from requests(). */
    private static void assertSameRequests(SpanCorpus actual, SpanCorpus expected) {
        List<SpanCorpus.RawRequest> actualRaw = new ArrayList<>();
        actual.rawRequests().forEach(actualRaw::add);
        List<SpanCorpus.RawRequest> expectedRaw = new ArrayList<>();
        expected.rawRequests().forEach(expectedRaw::add);
        assertThat(actualRaw).hasSize((int) expected.requestCount()).hasSameSizeAs(expectedRaw);
        long bytes = 0;
        for (int i = 0; i < actualRaw.size(); i++) {
            assertThat(actualRaw.get(i).body()).as("request %d", i).isEqualTo(expectedRaw.get(i).body());
            assertThat(actualRaw.get(i).spans()).as("request %d", i).isEqualTo(expectedRaw.get(i).spans());
            bytes += actualRaw.get(i).body().length;
        }
        assertThat(bytes).isEqualTo(expected.otlpBytes());
        assertThat(requests(actual)).isEqualTo(requests(expected));
    }

    @Test
    void prefixOfAtLeastTheWholeCorpusIsTheCorpus(@TempDir Path temp) throws Exception {
        SpanCorpus corpus = SpanCorpus.generate(temp, 3_000, 7, QUIET);

        assertThat(corpus.prefix(corpus.spanCount())).isSameAs(corpus);
        assertThat(corpus.prefix(50_000)).isSameAs(corpus);
        assertThat(corpus.holdsProbes()).isTrue();
    }

    @Test
    void probesComeFromTheMiddleOfTheSpansEveryPeerHolds(@TempDir Path temp) throws Exception {
        SpanCorpus wide = SpanCorpus.generate(temp.resolve("wide"), 30_000, 7, QUIET);
        SpanCorpus narrow = SpanCorpus.generate(temp.resolve("narrow"), 30_000, 4_000, 7, QUIET);

        assertThat(narrow.spanCount()).as("the same seeded spans").isEqualTo(wide.spanCount());
        assertThat(narrow.probes().traceId()).isNotEqualTo(wide.probes().traceId());
        assertThat(traceIds(requests(narrow.prefix(4_000)))).contains(narrow.probes().traceId());
        assertThat(traceIds(requests(wide.prefix(4_000)))).doesNotContain(wide.probes().traceId());
        assertThat(wide.prefix(4_000).holdsProbes()).as("probes from the middle of all 30,000 spans").isFalse();
    }

    @Test
    void aShareWithNoErrorAfterItsMiddleStillHoldsTheProbeExceptionType(@TempDir Path temp) throws Exception {
        SpanCorpus corpus = SpanCorpus.generate(temp, 4_000, 2_000, 8, QUIET);
        List<ExportTraceServiceRequest> share = requests(corpus.prefix(2_000));
        long spans = 0;
        for (ExportTraceServiceRequest request : share) {
            spans += spans(List.of(request));
            if (spans >= 1_000) {
                assertThat(valuesByKey(List.of(request))).as("seed 8: no exception from the middle to the end of the"
                        + " share").doesNotContainKey("exception.type");
            }
        }

        assertThat(corpus.prefix(2_000).holdsProbes()).isTrue();
        assertThat(valuesByKey(share).get("exception.type")).contains(corpus.probes().exceptionType());
        assertThat(traceIds(share)).contains(corpus.probes().traceId());
    }

    private static List<ExportTraceServiceRequest> requests(SpanCorpus corpus) {
        List<ExportTraceServiceRequest> requests = new ArrayList<>();
        corpus.requests().forEach(requests::add);
        return requests;
    }

    private static long spans(List<ExportTraceServiceRequest> requests) {
        long spans = 0;
        for (ExportTraceServiceRequest request : requests) {
            for (ResourceSpans rs : request.getResourceSpansList()) {
                for (ScopeSpans ss : rs.getScopeSpansList()) {
                    spans += ss.getSpansCount();
                }
            }
        }
        return spans;
    }

    private static Set<String> traceIds(List<ExportTraceServiceRequest> requests) {
        Set<String> ids = new HashSet<>();
        for (ExportTraceServiceRequest request : requests) {
            for (ResourceSpans rs : request.getResourceSpansList()) {
                for (ScopeSpans ss : rs.getScopeSpansList()) {
                    for (Span span : ss.getSpansList()) {
                        ids.add(HexFormat.of().formatHex(span.getTraceId().toByteArray()));
                    }
                }
            }
        }
        return ids;
    }

    private static long startOf(List<ExportTraceServiceRequest> requests, String traceId) {
        long earliest = Long.MAX_VALUE;
        for (ExportTraceServiceRequest request : requests) {
            for (ResourceSpans rs : request.getResourceSpansList()) {
                for (ScopeSpans ss : rs.getScopeSpansList()) {
                    for (Span span : ss.getSpansList()) {
                        if (HexFormat.of().formatHex(span.getTraceId().toByteArray()).equals(traceId)) {
                            earliest = Math.min(earliest, span.getStartTimeUnixNano());
                        }
                    }
                }
            }
        }
        return earliest;
    }

    /** Attribute and event-attribute values by key, plus "root": "service operation traceId" of every root span. */
    private static Map<String, Set<String>> valuesByKey(List<ExportTraceServiceRequest> requests) {
        Map<String, Set<String>> values = new HashMap<>();
        for (ExportTraceServiceRequest request : requests) {
            for (ResourceSpans rs : request.getResourceSpansList()) {
                String service = rs.getResource().getAttributesList().stream()
                        .filter(kv -> kv.getKey().equals("service.name")).map(kv -> kv.getValue().getStringValue())
                        .findFirst().orElse("");
                for (ScopeSpans ss : rs.getScopeSpansList()) {
                    for (Span span : ss.getSpansList()) {
                        if (span.getParentSpanId().isEmpty()) {
                            values.computeIfAbsent("root", k -> new HashSet<>()).add(service + " " + span.getName()
                                    + " " + HexFormat.of().formatHex(span.getTraceId().toByteArray()));
                        }
                        for (KeyValue kv : span.getAttributesList()) {
                            values.computeIfAbsent(kv.getKey(), k -> new HashSet<>()).add(kv.getValue().getStringValue());
                        }
                        for (Span.Event event : span.getEventsList()) {
                            for (KeyValue kv : event.getAttributesList()) {
                                values.computeIfAbsent(kv.getKey(), k -> new HashSet<>())
                                        .add(kv.getValue().getStringValue());
                            }
                        }
                    }
                }
            }
        }
        return values;
    }
}
