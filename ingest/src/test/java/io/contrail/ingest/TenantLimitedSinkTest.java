package io.contrail.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.contrail.columnar.SpanChunk;
import io.contrail.columnar.SpanSink;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A tenant's limits in front of its store: the token bucket of spans per second, and its full buffer. */
class TenantLimitedSinkTest {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final AtomicLong rate = new AtomicLong(100);
    private final AtomicLong appended = new AtomicLong();
    private volatile boolean diskFails;
    private final SpanSink store = (chunk, format, request) -> {
        if (diskFails) {
            throw new IOException("the disk is full");
        }
        appended.addAndGet(chunk.spanCount());
    };
    private final TenantLimitedSink sink = new TenantLimitedSink("shop", store, rate::get, () -> true, nanos::get);

    private static SpanChunk spans(int count) {
        ScopeSpans.Builder scope = ScopeSpans.newBuilder();
        for (int i = 0; i < count; i++) {
            byte[] id = new byte[16];
            id[15] = (byte) (i + 1);
            byte[] spanId = new byte[8];
            spanId[7] = (byte) (i + 1);
            scope.addSpans(Span.newBuilder().setTraceId(ByteString.copyFrom(id)).setSpanId(ByteString.copyFrom(spanId))
                    .setName("op").setStartTimeUnixNano(1_700_000_000_000_000_000L).setEndTimeUnixNano(1_700_000_000_001_000_000L));
        }
        return SpanChunk.fromTraces(TracesData.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(scope)).build());
    }

    private void append(int count) throws IOException {
        sink.append(spans(count), SpanSink.TRACES_DATA, new byte[0]);
    }

    private int refusedRetryAfter(int count) {
        TenantLimitedSink.LimitExceededException refused =
                catchThrowableOfType(TenantLimitedSink.LimitExceededException.class, () -> append(count));
        assertThat(refused).as("a request of %d spans is refused", count).isNotNull();
        assertThat(refused.getMessage()).contains("tenant 'shop'").contains("max_spans_per_second");
        return refused.retryAfterSeconds();
    }

    @Test
    void aFullBucketTakesOneSecondOfSpansThenRefillsAtTheRate() throws IOException {
        append(60);
        append(40);
        assertThat(refusedRetryAfter(10)).isEqualTo(1);
        nanos.addAndGet(100_000_000L); // 0.1 s: 10 spans back
        append(10);
        assertThat(refusedRetryAfter(1)).isEqualTo(1);
        nanos.addAndGet(5_000_000_000L); // long idle: the bucket holds one second's worth, not more
        append(100);
        refusedRetryAfter(1);
        assertThat(appended.get()).isEqualTo(210);
    }

    @Test
    void aRequestLargerThanTheBucketPassesWhenItIsFullAndLeavesItOwing() throws IOException {
        append(350); // 3.5 s of spans
        assertThat(refusedRetryAfter(1)).as("owing 250 spans, plus one").isEqualTo(3);
        nanos.addAndGet(2_000_000_000L);
        assertThat(refusedRetryAfter(1)).isEqualTo(1);
        nanos.addAndGet(1_010_000_000L);
        append(1);
    }

    @Test
    void noLimitTakesEverythingAndAChangedLimitAppliesAtOnce() throws IOException {
        rate.set(0);
        append(10_000);
        rate.set(5);
        append(5);
        refusedRetryAfter(1);
        assertThat(appended.get()).isEqualTo(10_005);
    }

    @Test
    void theStoresFullBufferIsTheTenantsLimitWhileItsFlushesWork() {
        SpanSink full = (chunk, format, request) -> {
            throw new SpanSink.OverloadedException("512 MB of spans wait for Parquet", 2);
        };
        TenantLimitedSink.LimitExceededException refused = catchThrowableOfType(TenantLimitedSink.LimitExceededException.class,
                () -> new TenantLimitedSink("shop", full, () -> 0, () -> true).append(spans(1), SpanSink.TRACES_DATA, new byte[0]));
        assertThat(refused.getMessage()).isEqualTo("tenant 'shop': 512 MB of spans wait for Parquet");
        assertThat(refused.retryAfterSeconds()).isEqualTo(2);
        // Full because its flushes fail: the server's fault, answered 503 as before, not the tenant's 429.
        SpanSink.OverloadedException overloaded = catchThrowableOfType(SpanSink.OverloadedException.class,
                () -> new TenantLimitedSink("shop", full, () -> 0, () -> false).append(spans(1), SpanSink.TRACES_DATA, new byte[0]));
        assertThat(overloaded).isNotInstanceOf(TenantLimitedSink.LimitExceededException.class);
    }

    @Test
    void spansThatWereNotStoredAreGivenBack() throws IOException {
        diskFails = true;
        assertThat(catchThrowableOfType(IOException.class, () -> append(80))).hasMessage("the disk is full");
        diskFails = false;
        append(100);
        assertThat(appended.get()).isEqualTo(100);
    }

    @Test
    void anEmptyBucketIsRefusedBeforeDecodingAndRefillsToOneSpan() throws IOException {
        sink.checkNotExhausted();
        append(100);
        TenantLimitedSink.LimitExceededException refused =
                catchThrowableOfType(TenantLimitedSink.LimitExceededException.class, sink::checkNotExhausted);
        assertThat(refused.retryAfterSeconds()).isEqualTo(1);
        assertThat(refused.getMessage()).contains("it has sent its spans for now");
        nanos.addAndGet(10_000_000L); // 0.01 s: one span back
        sink.checkNotExhausted();
    }
}
