package io.contrail.columnar;

import com.google.protobuf.InvalidProtocolBufferException;
import io.contrail.columnar.SpanChunk.AttributeColumn;
import io.opentelemetry.proto.common.v1.AnyValue;

import java.nio.charset.StandardCharsets;

import static io.contrail.columnar.SpanChunk.K_BOOL;
import static io.contrail.columnar.SpanChunk.K_DOUBLE;
import static io.contrail.columnar.SpanChunk.K_INT;
import static io.contrail.columnar.SpanChunk.K_STRING;

/**
 * A chunk's attribute value as the text or JSON an Arrow column of a batch holds: a VARCHAR column, a list
 * column, a text promoted column or the overflow column, each as {@link AttributeValues#toText} (or
 * {@code toJson}) renders the same value from protobuf. What a caller must know: strings and booleans are
 * copied as bytes, but numbers become Strings and arrays and {@link SpanChunk#K_OTHER} values are parsed back
 * into protobuf objects, so those kinds allocate per value.
 */
final class AttributeText {

    static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
    static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);
    /** What {@link AttributeValues#toText} gives for an attribute without a value. */
    static final byte[] NULL_TEXT = "null".getBytes(StandardCharsets.US_ASCII);

    private AttributeText() {
    }

    /** Value {@code i} of {@code column} as text, as {@link AttributeValues#toText} renders it. */
    static String textOf(AttributeColumn column, int i) {
        return switch (column.kind(i)) {
            case K_STRING -> column.bytes().string(i);
            case K_BOOL -> column.bits(i) != 0 ? "true" : "false";
            case K_INT -> Long.toString(column.bits(i));
            case K_DOUBLE -> Double.toString(Double.longBitsToDouble(column.bits(i)));
            default -> AttributeValues.toText(anyValue(column, i));
        };
    }

    /** Sets {@code row} to value {@code i} of {@code column} as text, as {@link AttributeValues#toText} renders it. */
    static void setText(VarCharStaging text, int row, AttributeColumn column, int i) {
        int kind = column.kind(i);
        switch (kind) {
            case K_STRING -> {
                ByteColumn bytes = column.bytes();
                text.set(row, bytes.data(), bytes.start(i), bytes.length(i));
            }
            case K_BOOL -> text.set(row, column.bits(i) != 0 ? TRUE : FALSE);
            case 0 -> text.set(row, NULL_TEXT);
            default -> text.set(row, textOf(column, i));
        }
    }

    /** Value {@code i} of {@code column} as a JSON array, as a list column holds it (a scalar as a one-element VARCHAR list). */
    static String listJson(AttributeColumn column, int i) {
        int kind = column.kind(i);
        AnyValue value = switch (kind) {
            case K_STRING -> AnyValue.newBuilder().setStringValue(column.bytes().string(i)).build();
            case K_BOOL -> AnyValue.newBuilder().setBoolValue(column.bits(i) != 0).build();
            case K_INT -> AnyValue.newBuilder().setIntValue(column.bits(i)).build();
            case K_DOUBLE -> AnyValue.newBuilder().setDoubleValue(Double.longBitsToDouble(column.bits(i))).build();
            default -> anyValue(column, i);
        };
        return listJson(value);
    }

    /** {@code value} as a JSON array, as a list column holds it (a scalar as a one-element VARCHAR list). */
    static String listJson(AnyValue value) {
        return value.hasArrayValue()
                ? AttributeValues.toJson(value)
                : AttributeValues.render(g -> {
                    g.writeStartArray();
                    g.writeString(AttributeValues.toText(value));
                    g.writeEndArray();
                });
    }

    /** Value {@code i} of an array or {@link SpanChunk#K_OTHER} kind, from its encoded AnyValue. */
    static AnyValue anyValue(AttributeColumn column, int i) {
        ByteColumn bytes = column.bytes();
        try {
            return AnyValue.parser().parseFrom(bytes.data(), bytes.start(i), bytes.length(i));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("attribute " + column.key() + " holds a malformed value", e);
        }
    }

    static Long parsedInteger(AttributeColumn column, int i) {
        return SpanSchema.promotedInteger(column.bytes().string(i));
    }
}
