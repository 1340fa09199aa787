package io.contrail.columnar;

import io.opentelemetry.proto.trace.v1.Span;

/** Identifies a span across the log and the files, for recovery: trace, span and kind (Zipkin shares span IDs between client and server). */
final class WrittenSpans {

    private WrittenSpans() {
    }

    static String key(Span span) {
        return key(ArrowSpanBatch.hex(span.getTraceId()), ArrowSpanBatch.hex(span.getSpanId()),
                SpanSchema.kindName(span.getKindValue()));
    }

    /** The key of a chunk's row. */
    static String key(SpanChunk chunk, int row) {
        ByteColumn traces = chunk.traceIds();
        ByteColumn spans = chunk.spanIds();
        return key(traces.isEmpty(row) ? null : java.util.HexFormat.of().formatHex(traces.data(), traces.start(row), traces.end(row)),
                spans.isEmpty(row) ? null : java.util.HexFormat.of().formatHex(spans.data(), spans.start(row), spans.end(row)),
                SpanSchema.kindName(chunk.kind(row)));
    }

    /** The key of a row as written: the {@code trace_id}, {@code span_id} and {@code kind} columns. */
    static String key(String traceId, String spanId, String kind) {
        return traceId + '/' + spanId + '/' + kind;
    }
}
