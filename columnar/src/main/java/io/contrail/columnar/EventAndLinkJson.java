package io.contrail.columnar;

import io.opentelemetry.proto.trace.v1.Span;

/**
 * The JSON in which a span's events and links travel to DuckDB: Arrow would need nested vectors for them, so the
 * EVENTS and LINKS columns stage them as text that {@link ArrowSpanBatch#selectList} turns into LIST of STRUCT
 * with {@code from_json}. The one thing to know: the short field names here ({@code t}, {@code n}, {@code a} ...)
 * are the ones that SELECT list reads; change both together.
 */
final class EventAndLinkJson {

    private EventAndLinkJson() {
    }

    /** The span's events as the JSON the EVENTS column stages ({@code []} for none). */
    static String eventsJson(Span span) {
        if (span.getEventsCount() == 0) {
            return "[]";
        }
        return AttributeValues.render(g -> {
            g.writeStartArray();
            for (Span.Event event : span.getEventsList()) {
                g.writeStartObject();
                g.writeNumberField("t", event.getTimeUnixNano());
                g.writeStringField("n", event.getName());
                g.writeFieldName("a");
                AttributeValues.writeObject(g, event.getAttributesList());
                g.writeNumberField("d", event.getDroppedAttributesCount());
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    /** The span's links as the JSON the LINKS column stages ({@code []} for none). */
    static String linksJson(Span span) {
        if (span.getLinksCount() == 0) {
            return "[]";
        }
        return AttributeValues.render(g -> {
            g.writeStartArray();
            for (Span.Link link : span.getLinksList()) {
                g.writeStartObject();
                g.writeStringField("t", ArrowSpanBatch.hex(link.getTraceId()));
                g.writeStringField("s", ArrowSpanBatch.hex(link.getSpanId()));
                g.writeStringField("ts", ArrowSpanBatch.emptyToNull(link.getTraceState()));
                g.writeFieldName("a");
                AttributeValues.writeObject(g, link.getAttributesList());
                g.writeNumberField("d", link.getDroppedAttributesCount());
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }
}
