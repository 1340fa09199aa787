package io.contrail.bench.load;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Prepared requests between the one producer and the clients, bounded by the bytes of the bodies
 * it holds (not by count: request sizes vary with the traces in them). A request larger than the
 * whole bound is still admitted when the queue is empty. Thread-safe.
 *
 * <p>Before timing starts the producer fills it to the bound. Once {@link #timingStarts()} is
 * called, a producer that found it full waits until it has drained to a quarter of the bound
 * before filling it again, so that during the run generation takes CPU from the server in a few
 * bursts, and only when the run really needs more requests, instead of after every request sent.
 *
 * <p>Also measures the two things that tell whether generation held the run back: how long the
 * clients waited for a request, and whether the producer ever had to wait for room.
 */
final class RequestQueue {

    private final long capacityBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<PreparedRequest> requests = new ArrayDeque<>();
    private long bytesHeld;
    private long refillBelowBytes;
    private boolean closed;
    private boolean producerWaiting;
    private boolean draining;
    private long clientWaitNanos;

    RequestQueue(long capacityBytes) {
        this.capacityBytes = capacityBytes;
        this.refillBelowBytes = capacityBytes;
    }

    /**
     * Adds a request, waiting while it would take the queue past its bound, and after timing
     * started, once it was full, until it has drained to a quarter of the bound.
     */
    void put(PreparedRequest request) throws InterruptedException {
        lock.lock();
        try {
            while (bytesHeld > 0 && (bytesHeld + request.body().length > capacityBytes
                    || draining && bytesHeld > refillBelowBytes)) {
                draining = true;
                producerWaiting = true;
                changed.signalAll();
                changed.await();
            }
            draining = false;
            producerWaiting = false;
            requests.addLast(request);
            bytesHeld += request.body().length;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** From now on a full queue is refilled only once it has drained to a quarter of its bound. */
    void timingStarts() {
        lock.lock();
        try {
            refillBelowBytes = capacityBytes / 4;
        } finally {
            lock.unlock();
        }
    }

    /** The producer has put its last request. */
    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The next request, waiting for the producer if need be; null once it is closed and drained. */
    PreparedRequest take() throws InterruptedException {
        lock.lock();
        try {
            long waitStart = 0;
            while (requests.isEmpty() && !closed) {
                if (waitStart == 0) {
                    waitStart = System.nanoTime();
                }
                changed.await();
            }
            if (waitStart != 0) {
                clientWaitNanos += System.nanoTime() - waitStart;
            }
            PreparedRequest request = requests.pollFirst();
            if (request != null) {
                bytesHeld -= request.body().length;
                changed.signalAll();
            }
            return request;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the producer is done or the queue is full (the producer waits for room), so that
     * timing starts with as much generated as memory allows. False if the wait timed out.
     */
    boolean awaitFilled(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        lock.lock();
        try {
            while (!closed && !producerWaiting) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Total time clients spent waiting for a request to be generated. */
    long clientWaitNanos() {
        lock.lock();
        try {
            return clientWaitNanos;
        } finally {
            lock.unlock();
        }
    }

    long bytesHeld() {
        lock.lock();
        try {
            return bytesHeld;
        } finally {
            lock.unlock();
        }
    }
}
