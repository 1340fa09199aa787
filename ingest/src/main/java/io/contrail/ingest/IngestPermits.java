package io.contrail.ingest;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * How many ingest requests are decoded at once, shared by every receiver of one server (OTLP/HTTP,
 * Zipkin, OTLP/gRPC). Each request may hold up to maxBodyBytes plus its decoded spans in memory, so
 * the count is bounded; a request that cannot get a permit within {@link #WAIT_MILLIS} is refused
 * with "retry after {@link #RETRY_AFTER_SECONDS_WHEN_BUSY} s" (503 over HTTP, UNAVAILABLE over gRPC).
 *
 * <p>Thread-safe. Every successful {@link #tryAcquire()} must be followed by one {@link #release()}.
 */
public final class IngestPermits {

    public static final long WAIT_MILLIS = 2_000;
    /** The retry delay announced when no permit was free. */
    public static final int RETRY_AFTER_SECONDS_WHEN_BUSY = 1;
    /** The retry delay announced when the write-ahead log could not be written. */
    public static final int RETRY_AFTER_SECONDS_WHEN_STORAGE_FAILS = 5;

    private final int maxConcurrentRequests;
    private final Semaphore permits;

    public IngestPermits(int maxConcurrentRequests) {
        this.maxConcurrentRequests = maxConcurrentRequests;
        this.permits = new Semaphore(maxConcurrentRequests, true);
    }

    /** Waits up to {@link #WAIT_MILLIS} for a permit; false when none came free. */
    public boolean tryAcquire() throws InterruptedException {
        return permits.tryAcquire(WAIT_MILLIS, TimeUnit.MILLISECONDS);
    }

    public void release() {
        permits.release();
    }

    /** What a refused client is told. */
    public String refusalMessage() {
        return "too many ingest requests in progress (" + maxConcurrentRequests + "); retry later";
    }

    /** Takes every free permit (so the next request is refused) and returns how many; for tests. */
    public int drain() {
        return permits.drainPermits();
    }

    public void release(int count) {
        permits.release(count);
    }
}
