package io.contrail.columnar;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;

/**
 * Renders OTLP attribute values as JSON or text for the places where a value is not stored in a
 * column of its own type (event and link attributes, mixed-type attribute columns).
 */
final class AttributeValues {

    private static final JsonFactory JSON = new JsonFactory();

    private AttributeValues() {
    }

    /** A JSON object of the attributes, keys in arrival order. */
    static String toJsonObject(List<KeyValue> attributes) {
        return render(generator -> writeObject(generator, attributes));
    }

    /** The value as text: strings as they are, everything else as JSON. */
    static String toText(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
            case INT_VALUE -> Long.toString(value.getIntValue());
            case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
            case BYTES_VALUE -> Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray());
            default -> toJson(value);
        };
    }

    static String toJson(AnyValue value) {
        return render(generator -> writeValue(generator, value));
    }

    interface JsonWriting {
        void write(JsonGenerator generator) throws IOException;
    }

    static String render(JsonWriting writing) {
        StringWriter out = new StringWriter(64);
        try (JsonGenerator generator = JSON.createGenerator(out)) {
            writing.write(generator);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    static void writeObject(JsonGenerator generator, List<KeyValue> attributes) throws IOException {
        generator.writeStartObject();
        for (KeyValue kv : attributes) {
            generator.writeFieldName(kv.getKey());
            writeValue(generator, kv.getValue());
        }
        generator.writeEndObject();
    }

    static void writeValue(JsonGenerator generator, AnyValue value) throws IOException {
        switch (value.getValueCase()) {
            case STRING_VALUE -> generator.writeString(value.getStringValue());
            case BOOL_VALUE -> generator.writeBoolean(value.getBoolValue());
            case INT_VALUE -> generator.writeNumber(value.getIntValue());
            case DOUBLE_VALUE -> {
                double d = value.getDoubleValue();
                if (Double.isFinite(d)) {
                    generator.writeNumber(d);
                } else {
                    generator.writeString(Double.toString(d));
                }
            }
            case BYTES_VALUE -> generator.writeString(
                    Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray()));
            case ARRAY_VALUE -> {
                generator.writeStartArray();
                for (AnyValue element : value.getArrayValue().getValuesList()) {
                    writeValue(generator, element);
                }
                generator.writeEndArray();
            }
            case KVLIST_VALUE -> writeObject(generator, value.getKvlistValue().getValuesList());
            default -> generator.writeNull();
        }
    }
}
