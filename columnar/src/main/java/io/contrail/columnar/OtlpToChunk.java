package io.contrail.columnar;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;

import java.util.List;

/**
 * OTLP protobuf objects turned into a {@link SpanChunk} through a {@link SpanChunkBuilder}, as the wire decoder
 * would fill it ({@link SpanChunk#fromTraces}): for the OTLP/JSON and Zipkin paths, recovery and tests. What a
 * caller must know: it takes every span as given; validation happens before, in the decoders.
 */
final class OtlpToChunk {

    private OtlpToChunk() {
    }

    /** The chunk a decoder makes of these spans: every span of {@code traces}, in order. */
    static SpanChunk fromTraces(TracesData traces) {
        int expected = 0;
        for (ResourceSpans resourceSpans : traces.getResourceSpansList()) {
            for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
                expected += scopeSpans.getSpansCount();
            }
        }
        SpanChunkBuilder builder = new SpanChunkBuilder(expected);
        for (ResourceSpans resourceSpans : traces.getResourceSpansList()) {
            builder.beginResource();
            builder.resourceDroppedAttributesCount(resourceSpans.getResource().getDroppedAttributesCount());
            attributes(builder, resourceSpans.getResource().getAttributesList());
            builder.endResource();
            for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
                builder.scope(scopeSpans.getScope().getName(), scopeSpans.getScope().getVersion());
                for (Span span : scopeSpans.getSpansList()) {
                    add(builder, span);
                }
            }
        }
        return builder.build();
    }

    private static void add(SpanChunkBuilder builder, Span span) {
        builder.beginSpan();
        bytes(span.getTraceId(), builder::traceId);
        bytes(span.getSpanId(), builder::spanId);
        bytes(span.getParentSpanId(), builder::parentSpanId);
        bytes(span.getTraceStateBytes(), builder::traceState);
        bytes(span.getNameBytes(), builder::name);
        builder.flags(span.getFlags());
        builder.kind(span.getKindValue());
        builder.startTimeUnixNano(span.getStartTimeUnixNano());
        builder.endTimeUnixNano(span.getEndTimeUnixNano());
        byte[] message = span.getStatus().getMessageBytes().toByteArray();
        builder.status(span.getStatus().getCodeValue(), message, 0, message.length);
        builder.droppedAttributesCount(span.getDroppedAttributesCount());
        builder.droppedEventsCount(span.getDroppedEventsCount());
        builder.droppedLinksCount(span.getDroppedLinksCount());
        attributes(builder, span.getAttributesList());
        if (span.getEventsCount() > 0 || span.getLinksCount() > 0) {
            byte[] eventsAndLinks = Span.newBuilder().addAllEvents(span.getEventsList())
                    .addAllLinks(span.getLinksList()).build().toByteArray();
            builder.nested(eventsAndLinks, 0, eventsAndLinks.length);
        }
        builder.commitSpan();
    }

    private interface BytesField {
        void set(byte[] b, int off, int len);
    }

    private static void bytes(ByteString value, BytesField field) {
        byte[] b = value.toByteArray();
        field.set(b, 0, b.length);
    }

    private static void attributes(SpanChunkBuilder builder, List<KeyValue> attributes) {
        for (KeyValue kv : attributes) {
            byte[] keyBytes = kv.getKeyBytes().toByteArray();
            int key = builder.key(keyBytes, 0, keyBytes.length);
            AnyValue value = kv.getValue();
            int kind = kindOf(value);
            switch (kind) {
                case 0 -> builder.attribute(key, 0, 0, null, 0, 0);
                case SpanChunk.K_BOOL -> builder.attribute(key, kind, value.getBoolValue() ? 1 : 0, null, 0, 0);
                case SpanChunk.K_INT -> builder.attribute(key, kind, value.getIntValue(), null, 0, 0);
                case SpanChunk.K_DOUBLE -> builder.attribute(key, kind, Double.doubleToRawLongBits(value.getDoubleValue()),
                        null, 0, 0);
                case SpanChunk.K_STRING -> {
                    byte[] text = value.getStringValueBytes().toByteArray();
                    builder.attribute(key, kind, 0, text, 0, text.length);
                }
                default -> {
                    byte[] encoded = value.toByteArray();
                    builder.attribute(key, kind, 0, encoded, 0, encoded.length);
                }
            }
        }
    }

    /** The {@link SpanChunk} kind of one attribute value; 0 when it holds none. */
    static int kindOf(AnyValue value) {
        return switch (value.getValueCase()) {
            case BOOL_VALUE -> SpanChunk.K_BOOL;
            case INT_VALUE -> SpanChunk.K_INT;
            case DOUBLE_VALUE -> SpanChunk.K_DOUBLE;
            case STRING_VALUE -> SpanChunk.K_STRING;
            case ARRAY_VALUE -> arrayKind(value.getArrayValue().getValuesList());
            case VALUE_NOT_SET -> 0;
            default -> SpanChunk.K_OTHER;
        };
    }

    private static int arrayKind(List<AnyValue> values) {
        int elements = 0;
        for (AnyValue value : values) {
            elements |= SpanChunk.elementKind(value.getValueCase().getNumber());
        }
        return SpanChunk.arrayKindOf(elements, values.size());
    }
}
