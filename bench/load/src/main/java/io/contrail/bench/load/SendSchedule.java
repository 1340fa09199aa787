package io.contrail.bench.load;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed send rate shared by all clients: a request of n spans is due when the spans scheduled
 * before it, at {@code spansPerSecond}, have had their time. A client that falls behind sends at
 * once, so the rate is a ceiling the run meets only if the server keeps up. Thread-safe. Public for
 * the bench suite's soak run ({@code bench/soak/run}), which paces its corpus with it.
 */
public final class SendSchedule {

    private final double nanosPerSpan;
    private final long startNanos;
    private final AtomicLong spansScheduled = new AtomicLong();

    public SendSchedule(double spansPerSecond, long startNanos) {
        this.nanosPerSpan = 1e9 / spansPerSecond;
        this.startNanos = startNanos;
    }

    /** When a request of {@code spans} spans, the next one in line, may be sent (System.nanoTime). */
    public long dueNanos(int spans) {
        long before = spansScheduled.getAndAdd(spans);
        return startNanos + (long) (before * nanosPerSpan);
    }

    public static void sleepUntil(long dueNanos) throws InterruptedException {
        for (long left = dueNanos - System.nanoTime(); left > 0; left = dueNanos - System.nanoTime()) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }
}
