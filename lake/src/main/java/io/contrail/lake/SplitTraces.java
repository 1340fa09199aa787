package io.contrail.lake;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * Counts traces whose spans reached this node and another one: what tail sampling must not see, since a
 * node decides on the spans it holds (README, "Beyond one machine": a load balancer keyed by trace ID
 * in front of the nodes). It compares the trace-ID keys of this node's files with those of the other
 * nodes' files as the cache downloads them, over the most recent {@link #WINDOW} traces of each side.
 * Not thread-safe: the cache's sync calls it.
 */
final class SplitTraces {

    /** Recent traces remembered per side: 100,000 keys, about 10 MB. */
    static final int WINDOW = 100_000;

    private final Side own = new Side();
    private final Side others = new Side();
    private volatile long count;

    /** Adds a file's trace keys ({@code keys} null: its sidecar was missing; nothing is known). */
    void add(boolean ownFile, long[] keys) {
        if (keys == null) {
            return;
        }
        Side mine = ownFile ? own : others;
        Side theirs = ownFile ? others : own;
        long found = 0;
        for (long key : keys) {
            if (theirs.contains(key) && !mine.contains(key)) {
                found++;
            }
            mine.add(key);
        }
        count += found;
    }

    /** Traces seen on this node and on another. */
    long count() {
        return count;
    }

    private static final class Side {
        private final Set<Long> keys = new HashSet<>();
        private final ArrayDeque<Long> order = new ArrayDeque<>();

        boolean contains(long key) {
            return keys.contains(key);
        }

        void add(long key) {
            if (keys.add(key)) {
                order.addLast(key);
                if (order.size() > WINDOW) {
                    keys.remove(order.removeFirst());
                }
            }
        }
    }
}
