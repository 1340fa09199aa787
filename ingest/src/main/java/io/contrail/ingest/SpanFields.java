package io.contrail.ingest;

import io.contrail.columnar.SpanChunkBuilder;
import io.contrail.columnar.SpanSchema;

/**
 * The fields of the span {@link OtlpProtobufDecoder} is reading that the chunk keeps or the validator looks at:
 * numbers, and offsets of slices of the request body. Reused from span to span; what a caller must know is that
 * {@link #clear} starts each span and {@link #isValid} must agree with {@link SpanValidator#problemsOf} being
 * empty (the decoder equivalence tests hold the two together).
 */
final class SpanFields {

    private static final int TRACE_ID_BYTES = 16;
    private static final int SPAN_ID_BYTES = 8;

    int traceIdStart;
    int traceIdEnd;
    int spanIdStart;
    int spanIdEnd;
    int parentSpanIdStart;
    int parentSpanIdEnd;
    int traceStateStart;
    int traceStateEnd;
    int nameStart;
    int nameEnd;
    int statusMessageStart;
    int statusMessageEnd;
    int statusCode;
    int kind;
    int flags;
    long startTimeUnixNano;
    long endTimeUnixNano;
    int droppedAttributesCount;
    int droppedEventsCount;
    int droppedLinksCount;
    boolean keysStorable;
    boolean eventsAndLinksStorable;

    void clear() {
        traceIdStart = traceIdEnd = spanIdStart = spanIdEnd = parentSpanIdStart = parentSpanIdEnd = 0;
        traceStateStart = traceStateEnd = nameStart = nameEnd = statusMessageStart = statusMessageEnd = 0;
        statusCode = kind = flags = 0;
        startTimeUnixNano = endTimeUnixNano = 0;
        droppedAttributesCount = droppedEventsCount = droppedLinksCount = 0;
        keysStorable = eventsAndLinksStorable = true;
    }

    /** {@link SpanValidator#problemsOf(Span)} is empty: the same rules, without naming the problems. */
    boolean isValid(byte[] body) {
        int parentBytes = parentSpanIdEnd - parentSpanIdStart;
        return isId(body, traceIdStart, traceIdEnd, TRACE_ID_BYTES)
                && isId(body, spanIdStart, spanIdEnd, SPAN_ID_BYTES)
                && (parentBytes == 0 || parentBytes == SPAN_ID_BYTES)
                && SpanSchema.isStorableTime(startTimeUnixNano)
                && SpanSchema.isStorableTime(endTimeUnixNano)
                && Long.compareUnsigned(endTimeUnixNano, startTimeUnixNano) >= 0
                && keysStorable
                && eventsAndLinksStorable;
    }

    private static boolean isId(byte[] body, int start, int end, int expectedBytes) {
        if (end - start != expectedBytes) {
            return false;
        }
        for (int i = start; i < end; i++) {
            if (body[i] != 0) {
                return true;
            }
        }
        return false;
    }

    void writeTo(SpanChunkBuilder chunk, byte[] body) {
        chunk.traceId(body, traceIdStart, traceIdEnd - traceIdStart);
        chunk.spanId(body, spanIdStart, spanIdEnd - spanIdStart);
        chunk.parentSpanId(body, parentSpanIdStart, parentSpanIdEnd - parentSpanIdStart);
        chunk.traceState(body, traceStateStart, traceStateEnd - traceStateStart);
        chunk.name(body, nameStart, nameEnd - nameStart);
        chunk.flags(flags);
        chunk.kind(kind);
        chunk.startTimeUnixNano(startTimeUnixNano);
        chunk.endTimeUnixNano(endTimeUnixNano);
        chunk.status(statusCode, body, statusMessageStart, statusMessageEnd - statusMessageStart);
        chunk.droppedAttributesCount(droppedAttributesCount);
        chunk.droppedEventsCount(droppedEventsCount);
        chunk.droppedLinksCount(droppedLinksCount);
    }
}
