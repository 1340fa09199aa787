package io.contrail.ingest.sampling;

import io.contrail.columnar.ByteColumn;
import io.contrail.columnar.SpanChunk;

import java.util.Arrays;
import java.util.List;

/**
 * The spans of one trace held while the {@link TailSampler} waits to decide it: per span its chunk,
 * row and weight, in arrival order, in parallel arrays (16 bytes a span, no objects per span). The
 * chunks stay alive until the trace is decided. Not thread-safe.
 */
final class PendingTrace {

    private static final int STATUS_CODE_ERROR = 2;
    private static final int INITIAL_CAPACITY = 4;

    private SpanChunk[] chunks = new SpanChunk[INITIAL_CAPACITY];
    private int[] rows = new int[INITIAL_CAPACITY];
    private double[] weights = new double[INITIAL_CAPACITY];
    private int size;
    final long oldestSegment;
    final long firstArrivalNanos;
    long lastArrivalNanos;
    boolean rootArrived;

    PendingTrace(long segment, long nowNanos) {
        this.oldestSegment = segment;
        this.firstArrivalNanos = nowNanos;
        this.lastArrivalNanos = nowNanos;
    }

    /** Holds row {@code row} of {@code chunk}, standing for {@code weight} spans. */
    void add(SpanChunk chunk, int row, double weight, long nowNanos) {
        if (size == rows.length) {
            int capacity = size * 2;
            chunks = Arrays.copyOf(chunks, capacity);
            rows = Arrays.copyOf(rows, capacity);
            weights = Arrays.copyOf(weights, capacity);
        }
        chunks[size] = chunk;
        rows[size] = row;
        weights[size] = weight;
        size++;
        lastArrivalNanos = nowNanos;
        if (chunk.parentSpanIds().isEmpty(row)) {
            rootArrived = true;
        }
    }

    /** Spans held. */
    int size() {
        return size;
    }

    SpanChunk chunk(int span) {
        return chunks[span];
    }

    int row(int span) {
        return rows[span];
    }

    double weight(int span) {
        return weights[span];
    }

    boolean hasError() {
        for (int i = 0; i < size; i++) {
            if (chunks[i].statusCode(rows[i]) == STATUS_CODE_ERROR) {
                return true;
            }
        }
        return false;
    }

    private boolean isRoot(int span) {
        return chunks[span].parentSpanIds().isEmpty(rows[span]);
    }

    private long start(int span) {
        return chunks[span].startTimeUnixNano(rows[span]);
    }

    /** The held span that is the root (no parent), else the earliest one: what the trace is "a request to". */
    int root() {
        int best = -1;
        for (int i = 0; i < size; i++) {
            boolean isRoot = isRoot(i);
            boolean bestIsRoot = best >= 0 && isRoot(best);
            if (best < 0 || (isRoot && !bestIsRoot) || (isRoot == bestIsRoot && start(i) < start(best))) {
                best = i;
            }
        }
        return best;
    }

    /** The root's service and name, what a latency percentile is learned per. */
    String rootOperation() {
        int root = root();
        SpanChunk chunk = chunks[root];
        int row = rows[root];
        return chunk.serviceName(chunk.resourceOf(row)) + '\u0000' + chunk.names().string(row);
    }

    /** The root's duration, or first start to last end when the root is missing. */
    long durationNanos() {
        int root = root();
        if (root >= 0 && isRoot(root)) {
            return chunks[root].endTimeUnixNano(rows[root]) - start(root);
        }
        long start = Long.MAX_VALUE;
        long end = Long.MIN_VALUE;
        for (int i = 0; i < size; i++) {
            start = Math.min(start, start(i));
            end = Math.max(end, chunks[i].endTimeUnixNano(rows[i]));
        }
        return Math.max(0, end - start);
    }

    /** A test of one value of an attribute column. */
    interface ValueTest {
        boolean test(SpanChunk.AttributeColumn column, int value);
    }

    /** Whether some value of attribute {@code key} on the trace's spans or their resources passes {@code test}. */
    boolean anyAttribute(String key, ValueTest test) {
        SpanChunk chunk = null;
        SpanChunk.AttributeColumn spanValues = null;
        SpanChunk.AttributeColumn resourceValues = null;
        int lastResource = -1;
        for (int i = 0; i < size; i++) {
            if (chunks[i] != chunk) {
                chunk = chunks[i];
                spanValues = column(chunk.spanAttributes(), key);
                resourceValues = column(chunk.resourceAttributes(), key);
                lastResource = -1;
            }
            if (spanValues != null && anyOf(spanValues, rows[i], test)) {
                return true;
            }
            int resource = chunk.resourceOf(rows[i]);
            if (resourceValues != null && resource != lastResource) {
                if (anyOf(resourceValues, resource, test)) {
                    return true;
                }
                lastResource = resource;
            }
        }
        return false;
    }

    private static SpanChunk.AttributeColumn column(List<SpanChunk.AttributeColumn> family, String key) {
        for (SpanChunk.AttributeColumn column : family) {
            if (column.key().equals(key)) {
                return column;
            }
        }
        return null;
    }

    /** Whether a value of {@code owner} (span row or resource) in {@code column} passes {@code test}. */
    private static boolean anyOf(SpanChunk.AttributeColumn column, int owner, ValueTest test) {
        int low = 0;
        int high = column.size();
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (column.owner(middle) < owner) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        for (int i = low; i < column.size() && column.owner(i) == owner; i++) {
            if (test.test(column, i)) {
                return true;
            }
        }
        return false;
    }

    /** The lowest 56 bits of the trace ID: the randomness W3C trace IDs carry, for consistent sampling. */
    long randomness() {
        ByteColumn ids = chunks[0].traceIds();
        int row = rows[0];
        long value = 0;
        for (int i = Math.max(ids.start(row), ids.end(row) - 7); i < ids.end(row); i++) {
            value = (value << 8) | (ids.data()[i] & 0xff);
        }
        return value;
    }
}
