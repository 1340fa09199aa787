package io.contrail.ingest;

/** Where a span sits in a {@code TracesData}: its indexes in resourceSpans, scopeSpans and spans. */
record SpanPosition(int resource, int scope, int span) {

    /** The position as an OTLP/JSON path, e.g. {@code resourceSpans[0].scopeSpans[1].spans[3]}. */
    String path() {
        return "resourceSpans[" + resource + "].scopeSpans[" + scope + "].spans[" + span + "]";
    }
}
