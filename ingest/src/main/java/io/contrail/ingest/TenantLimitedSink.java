package io.contrail.ingest;

import io.contrail.columnar.SpanChunk;
import io.contrail.columnar.SpanSink;

import java.io.IOException;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * One tenant's sink: its store's, behind the tenant's ingest limits. A request whose spans would take the
 * tenant past {@code max spans per second} (a token bucket holding one second of spans, refilled continuously)
 * is refused whole before anything is logged; so is one that finds the tenant's own buffer full while its store
 * writes fine (its store's {@link SpanSink.OverloadedException}; a buffer full because flushes fail stays the
 * server's 503). Both are {@link LimitExceededException}s, which {@link Admission} answers as
 * {@link Refusal#LIMITED} (429 with Retry-After): the tenant waits, every other tenant goes on. A tenant whose
 * bucket is empty is refused before its request is decoded ({@link #checkNotExhausted}, the admission's gate),
 * so it cannot hold the permits every tenant shares. The rate is read on every request, so a changed limit
 * applies at once. Thread-safe.
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
    /** Whether the store's flushes work: only then is its full buffer the tenant's doing. */
    private final BooleanSupplier storeWrites;
    private final LongSupplier clockNanos;
    /** Spans the bucket holds now (negative: a large request borrowed ahead), as of {@link #refilledAt}. */
    private double available;
    private long refilledAt;
    private long rateSeen = -1;

    public TenantLimitedSink(String tenant, SpanSink store, LongSupplier maxSpansPerSecond, BooleanSupplier storeWrites) {
        this(tenant, store, maxSpansPerSecond, storeWrites, System::nanoTime);
    }

    TenantLimitedSink(String tenant, SpanSink store, LongSupplier maxSpansPerSecond, BooleanSupplier storeWrites,
                      LongSupplier clockNanos) {
        this.tenant = tenant;
        this.store = store;
        this.maxSpansPerSecond = maxSpansPerSecond;
        this.storeWrites = storeWrites;
        this.clockNanos = clockNanos;
    }

    @Override
    public void append(SpanChunk chunk, int format, byte[] request) throws IOException {
        int spans = chunk.spanCount();
        take(spans);
        boolean stored = false;
        try {
            store.append(chunk, format, request);
            stored = true;
        } catch (SpanSink.OverloadedException e) {
            if (!storeWrites.getAsBoolean()) {
                throw e;
            }
            throw new LimitExceededException("tenant '" + tenant + "': " + e.getMessage(), e.retryAfterSeconds());
        } finally {
            if (!stored) {
                giveBack(spans);
            }
        }
    }

    /**
     * Refuses at once when the tenant's bucket is empty (it sent its second's worth, or more): the check before
     * a request is decoded. A request that passes may still be refused by {@link #append} for its size.
     */
    public synchronized void checkNotExhausted() throws LimitExceededException {
        long rate = refill();
        if (rate > 0 && available < 1) {
            throw overRate(rate, 1, "it has sent its spans for now");
        }
    }

    /**
     * Takes {@code spans} from the bucket, or throws naming the limit and when to retry. A request larger than
     * the bucket is let through when the bucket is full and leaves it owing, so the limit holds on average
     * without refusing a large request forever.
     */
    private synchronized void take(int spans) throws LimitExceededException {
        long rate = refill();
        if (rate <= 0) {
            return;
        }
        double needed = Math.min(spans, rate);
        if (available < needed) {
            throw overRate(rate, needed, "this request of " + spans + " spans is over it");
        }
        available -= spans;
    }

    /** Returns the spans of a request that was not stored after all. */
    private synchronized void giveBack(int spans) {
        if (rateSeen > 0) {
            available = Math.min(rateSeen, available + spans);
        }
    }

    /** Brings the bucket up to now and returns the rate in force (0: unlimited). */
    private long refill() {
        long rate = maxSpansPerSecond.getAsLong();
        if (rate <= 0) {
            rateSeen = -1;
            return 0;
        }
        long now = clockNanos.getAsLong();
        if (rate != rateSeen) {
            available = rate;
            refilledAt = now;
            rateSeen = rate;
        }
        available = Math.min(rate, available + (now - refilledAt) / 1e9 * rate);
        refilledAt = now;
        return rate;
    }

    /** The refusal of a request over the rate: retry when the bucket will hold {@code needed} spans. */
    private LimitExceededException overRate(long rate, double needed, String why) {
        int retryAfter = (int) Math.max(1, Math.ceil((needed - available) / rate));
        return new LimitExceededException("tenant '" + tenant + "' may send " + rate
                + " spans per second (max_spans_per_second in the auth file); " + why + ", retry after " + retryAfter
                + " s", retryAfter);
    }
}
