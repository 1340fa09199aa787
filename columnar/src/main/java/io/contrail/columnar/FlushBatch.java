package io.contrail.columnar;

import java.util.List;

/**
 * What one flush took from the {@link SpanBuffer}, handed to the {@link Flusher}: the rows (the buffer's own
 * list, not a copy), the spans and heap bytes they count against the buffer's bounds until written, and the
 * oldest log segment still holding a span the sampler holds (segments from it on must stay).
 */
record FlushBatch(List<ChunkRows> rows, long spans, long bytes, long oldestHeldSegment) {
}
