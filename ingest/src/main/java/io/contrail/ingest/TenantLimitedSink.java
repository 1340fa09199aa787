package io.contrail.ingest;

import io.contrail.columnar.SpanChunk;
import io.contrail.columnar.SpanSink;

import java.io.IOException;
import java.util.function.LongSupplier;

/**
 * One tenant's sink: its store's, behind the tenant's ingest limits. A request whose spans would take the
 * tenant past {@code max spans per second} (a token bucket holding one second of spans, refilled continuously)
 * is refused whole before anything is logged; so is one that finds the tenant's own buffer full (its store's
 * {@link SpanSink.OverloadedException}). Both are {@link LimitExceededException}s, which {@link Admission}
 * answers as {@link Refusal#LIMITED} (429 with Retry-After): the tenant waits, every other tenant goes on.
 * The rate is read on every request, so a changed limit applies at once. Thread-safe.
 */
public final class TenantLimitedSink implements SpanSink {

    /** Thrown when a tenant is over one of its limits; nothing was written. */
    public static final class LimitExceededException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int retryAfterSeconds;

        LimitExceededException(String message, int retryAfterSeconds) {
            super(message);
            this.retryAfterSeconds = retryAfterSeconds;
        }

        public int retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    private final String tenant;
    private final SpanSink store;
    /** Spans per second the tenant may send; 0 when unlimited. */
    private final LongSupplier maxSpansPerSecond;
    private final LongSupplier clockNanos;
    /** Spans the bucket holds now (negative: a large request borrowed ahead), as of {@link #refilledAt}. */
    private double available;
    private long refilledAt;
    private long rateSeen = -1;

    public TenantLimitedSink(String tenant, SpanSink store, LongSupplier maxSpansPerSecond) {
        this(tenant, store, maxSpansPerSecond, System::nanoTime);
    }

    TenantLimitedSink(String tenant, SpanSink store, LongSupplier maxSpansPerSecond, LongSupplier clockNanos) {
        this.tenant = tenant;
        this.store = store;
        this.maxSpansPerSecond = maxSpansPerSecond;
        this.clockNanos = clockNanos;
    }

    @Override
    public void append(SpanChunk chunk, int format, byte[] request) throws IOException {
        take(chunk.spanCount());
        try {
            store.append(chunk, format, request);
        } catch (SpanSink.OverloadedException e) {
            throw new LimitExceededException("tenant '" + tenant + "': " + e.getMessage(), e.retryAfterSeconds());
        }
    }

    /**
     * Takes {@code spans} from the bucket, or throws naming the limit and when to retry. A request larger than
     * the bucket is let through when the bucket is full and leaves it owing, so the limit holds on average
     * without refusing a large request forever.
     */
    private synchronized void take(int spans) throws LimitExceededException {
        long rate = maxSpansPerSecond.getAsLong();
        if (rate <= 0) {
            rateSeen = -1;
            return;
        }
        long now = clockNanos.getAsLong();
        if (rate != rateSeen) {
            available = rate;
            refilledAt = now;
            rateSeen = rate;
        }
        available = Math.min(rate, available + (now - refilledAt) / 1e9 * rate);
        refilledAt = now;
        double needed = Math.min(spans, rate);
        if (available < needed) {
            int retryAfter = (int) Math.max(1, Math.ceil((needed - available) / rate));
            throw new LimitExceededException("tenant '" + tenant + "' may send " + rate
                    + " spans per second (max_spans_per_second in the auth file); this request of " + spans
                    + " spans is over it, retry after " + retryAfter + " s", retryAfter);
        }
        available -= spans;
    }
}
