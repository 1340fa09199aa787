package io.contrail.columnar;

import java.util.List;

/**
 * Decides which logged spans go on to Parquet, and what each stands for ({@link ChunkRows#weight}).
 * The {@link Warehouse} logs every acknowledged span first and only then offers it here, so a
 * sampler never puts acknowledged data at risk: a span it holds stays in the write-ahead log
 * (its segment is kept, see {@link #oldestHeldSegment()}) until it is decided and, if kept, written.
 *
 * <p>Threading: the warehouse calls {@link #admit} and {@link #decideDue} one at a time, in log
 * order, under the log's append lock, so they must not block; the other methods may be called from
 * any thread.
 */
public interface SpanSampler {

    /**
     * Takes rows just written to log segment {@code segment}. Returns the rows decided at once
     * (kept, with their final weight), one {@link ChunkRows} per chunk with its rows ascending; holds
     * the others for {@link #decideDue}. A held row keeps its chunk alive until it is decided.
     */
    List<ChunkRows> admit(ChunkRows rows, long segment, long nowNanos);

    /**
     * Decides the held traces whose wait is over, or that must go to stay within bounds; returns the
     * kept rows, one {@link ChunkRows} per chunk with its rows ascending.
     */
    List<ChunkRows> decideDue(long nowNanos);

    /** The oldest log segment that still holds an undecided span, or {@link Long#MAX_VALUE}. */
    long oldestHeldSegment();

    /** Spans held, waiting for a decision. */
    long heldSpans();

    /** How long from {@code nowNanos} until {@link #decideDue} has work, or {@link Long#MAX_VALUE}. */
    long nanosUntilNextDecision(long nowNanos);

    /** The default: every span is kept as it arrives, with its upstream weight. */
    /** Saves what the sampler keeps across restarts; called by the {@link Store} before it releases the folder. */
    default void close() {
    }

    SpanSampler KEEP_ALL = new SpanSampler() {
        @Override
        public List<ChunkRows> admit(ChunkRows rows, long segment, long nowNanos) {
            return rows.size() == 0 ? List.of() : List.of(rows);
        }

        @Override
        public List<ChunkRows> decideDue(long nowNanos) {
            return List.of();
        }

        @Override
        public long oldestHeldSegment() {
            return Long.MAX_VALUE;
        }

        @Override
        public long heldSpans() {
            return 0;
        }

        @Override
        public long nanosUntilNextDecision(long nowNanos) {
            return Long.MAX_VALUE;
        }
    };
}
