package io.contrail.lake;

import java.util.concurrent.TimeUnit;

/**
 * How a lake thread waits between rounds: until its interval has passed or someone has work for it
 * ({@link #wake()}: a flush, a commit, a close). A wake-up before the wait is not lost. Thread-safe.
 */
final class Wakeup {

    private boolean woken;

    synchronized void wake() {
        woken = true;
        notifyAll();
    }

    /** Returns after {@code millis}, or at once when woken since the last return; false when interrupted. */
    synchronized boolean await(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        try {
            while (!woken) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            woken = false;
        }
    }
}
