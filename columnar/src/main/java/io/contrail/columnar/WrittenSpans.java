package io.contrail.columnar;

import io.opentelemetry.proto.trace.v1.Span;

/** Identifies a span across the log and the files, for recovery: trace, span and kind (Zipkin shares span IDs between client and server). */
final class WrittenSpans {

    private WrittenSpans() {
    }

    static String key(Span span) {
        return key(ArrowSpanBatch.hex(span.getTraceId()), ArrowSpanBatch.hex(span.getSpanId()),
                ArrowSpanBatch.kindName(span.getKind()));
    }

    /** The key of a row as written: the {@code trace_id}, {@code span_id} and {@code kind} columns. */
    static String key(String traceId, String spanId, String kind) {
        return traceId + '/' + spanId + '/' + kind;
    }
}
