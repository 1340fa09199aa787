package io.contrail.bench.suite;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The corpus sent over and over for --sustained: every pass new trace IDs, nothing else changed. */
class SustainedRequestsTest {

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void aLaterPassMasksEveryTraceIdOfSpansAndLinksAndLeavesTheRestAsItWas(@TempDir Path temp) throws Exception {
        SpanCorpus corpus = SpanCorpus.generate(temp, 2_000, 7, QUIET);
        int linked = 0;
        for (SpanCorpus.RawRequest raw : corpus.rawRequests()) {
            ExportTraceServiceRequest original = ExportTraceServiceRequest.parseFrom(raw.body());
            ExportTraceServiceRequest masked = ExportTraceServiceRequest.parseFrom(
                    SustainedRequests.withTraceIdsMasked(raw.body(), 3));
            List<Span> before = spans(original);
            List<Span> after = spans(masked);
            assertThat(after).hasSameSizeAs(before);
            byte[] mask = SustainedRequests.mask(3);
            for (int i = 0; i < before.size(); i++) {
                Span a = before.get(i);
                Span b = after.get(i);
                assertThat(b.getTraceId()).isNotEqualTo(a.getTraceId()).isEqualTo(masked(a.getTraceId(), mask));
                for (int l = 0; l < a.getLinksCount(); l++) {
                    linked++;
                    assertThat(b.getLinks(l).getTraceId()).isEqualTo(masked(a.getLinks(l).getTraceId(), mask));
                }
                // Unmasked, the span is the one generated: nothing but the trace IDs changed.
                Span.Builder restored = b.toBuilder().setTraceId(a.getTraceId());
                for (int l = 0; l < a.getLinksCount(); l++) {
                    restored.setLinks(l, b.getLinks(l).toBuilder().setTraceId(a.getLinks(l).getTraceId()));
                }
                assertThat(restored.build()).isEqualTo(a);
            }
            assertThat(masked.getResourceSpansList()).extracting(r -> r.getResource())
                    .isEqualTo(original.getResourceSpansList().stream().map(r -> r.getResource()).toList());
        }
        assertThat(linked).as("the workload has links, so their masking is checked").isPositive();
        assertThat(SustainedRequests.withTraceIdsMasked(corpus.rawRequests().iterator().next().body(), 0))
                .isEqualTo(corpus.rawRequests().iterator().next().body());
    }

    @Test
    void passesRepeatTheCorpusWithDistinctTraceIdsUntilTheDeadline(@TempDir Path temp) throws Exception {
        SpanCorpus corpus = SpanCorpus.generate(temp, 2_000, 7, QUIET);
        SustainedRequests requests = new SustainedRequests(corpus, Long.MAX_VALUE);
        Set<ByteString> traceIds = new HashSet<>();
        long spans = 0;
        var iterator = requests.iterator();
        while (spans < 3 * corpus.spanCount()) {
            SpanCorpus.RawRequest request = iterator.next();
            spans += request.spans();
            spans(ExportTraceServiceRequest.parseFrom(request.body())).forEach(span -> traceIds.add(span.getTraceId()));
        }
        assertThat(requests.passes()).isEqualTo(3);
        assertThat(requests.spansOffered()).isEqualTo(3 * corpus.spanCount());
        Set<ByteString> onePass = new HashSet<>();
        for (SpanCorpus.RawRequest request : corpus.rawRequests()) {
            spans(ExportTraceServiceRequest.parseFrom(request.body())).forEach(span -> onePass.add(span.getTraceId()));
        }
        assertThat(traceIds).hasSize(3 * onePass.size());

        SustainedRequests ended = new SustainedRequests(corpus, System.nanoTime() - 1);
        assertThat(ended.iterator().hasNext()).isFalse();
    }

    private static List<Span> spans(ExportTraceServiceRequest request) {
        return request.getResourceSpansList().stream().flatMap(r -> r.getScopeSpansList().stream())
                .flatMap(s -> s.getSpansList().stream()).toList();
    }

    private static ByteString masked(ByteString traceId, byte[] mask) {
        byte[] bytes = traceId.toByteArray();
        for (int i = 0; i < mask.length; i++) {
            bytes[i] ^= mask[i];
        }
        return ByteString.copyFrom(bytes);
    }
}
