package io.contrail.bench.suite;

import io.contrail.bench.load.SendSchedule;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The corpus sent as if it happened now: times moved by one amount per request, nothing else changed. */
class LiveRequestsTest {

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
    private static final long NOW_UNIX_NANO = 1_800_000_000_000_000_000L;

    private static List<Span> spans(ExportTraceServiceRequest request) {
        return request.getResourceSpansList().stream().flatMap(r -> r.getScopeSpansList().stream())
                .flatMap(s -> s.getSpansList().stream()).toList();
    }

    @Test
    void everyTimeOfARequestMovesByTheAmountThatPutsItsFirstSpanAtNow(@TempDir Path temp) throws Exception {
        SpanCorpus corpus = SpanCorpus.generate(temp, 2_000, 7, QUIET);
        int events = 0;
        for (SpanCorpus.RawRequest raw : corpus.rawRequests()) {
            ExportTraceServiceRequest original = ExportTraceServiceRequest.parseFrom(raw.body());
            byte[] body = raw.body().clone();
            byte[] traceId = LiveRequests.movedToNow(body, NOW_UNIX_NANO);
            List<Span> before = spans(original);
            List<Span> after = spans(ExportTraceServiceRequest.parseFrom(body));
            long delta = NOW_UNIX_NANO - before.get(0).getStartTimeUnixNano();

            assertThat(traceId).isEqualTo(before.get(0).getTraceId().toByteArray());
            assertThat(after).hasSameSizeAs(before);
            for (int i = 0; i < before.size(); i++) {
                Span was = before.get(i);
                Span.Builder expected = was.toBuilder().setStartTimeUnixNano(was.getStartTimeUnixNano() + delta)
                        .setEndTimeUnixNano(was.getEndTimeUnixNano() + delta);
                for (int e = 0; e < was.getEventsCount(); e++) {
                    expected.getEventsBuilder(e).setTimeUnixNano(was.getEvents(e).getTimeUnixNano() + delta);
                    events++;
                }
                assertThat(after.get(i)).isEqualTo(expected.build());
            }
        }
        assertThat(events).as("the corpus has span events, so their times were checked").isPositive();
    }

    @Test
    void theRecentTraceIdIsOneOfTheRequestLastHandedOut(@TempDir Path temp) throws Exception {
        SpanCorpus corpus = SpanCorpus.generate(temp, 2_000, 7, QUIET);
        LiveRequests live = new LiveRequests(new SustainedRequests(corpus, Long.MAX_VALUE),
                new SendSchedule(1e12, System.nanoTime()));
        var requests = live.iterator();

        assertThat(live.recentTraceId()).isNull();
        SpanCorpus.RawRequest first = requests.next();
        String firstTrace = HexFormat.of().formatHex(
                spans(ExportTraceServiceRequest.parseFrom(first.body())).get(0).getTraceId().toByteArray());
        assertThat(live.recentTraceId()).isEqualTo(firstTrace);
    }
}
