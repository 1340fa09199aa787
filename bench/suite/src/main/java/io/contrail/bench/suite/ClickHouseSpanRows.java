package io.contrail.bench.suite;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Turns OTLP requests into ClickHouse {@code JSONEachRow} rows of one {@link ClickHouseSchema}, holding
 * what each project's writer puts in each column:
 * <ul>
 * <li>{@link ClickHouseSchema#OTEL_TRACES}: as the Collector's ClickHouse exporter does — hex IDs ('' when
 * absent), kind and status as {@code traceutil.SpanKindStr}/{@code StatusCodeStr} name them ("Server",
 * "Error"), every attribute value as text ({@code pcommon.Value.AsString}: numbers in decimal, bools as
 * true/false, arrays and maps as JSON, bytes as base64), ServiceName from the resource's service.name.</li>
 * <li>{@link ClickHouseSchema#JAEGER}: as Jaeger's {@code dbmodel.ToRow} does — attributes split by type into
 * the bool/double/int/str nested arrays, arrays, maps and bytes into "complex" as JSON (bytes base64), kind in
 * lower case ('' when unspecified), status as its OTLP name ("Error").</li>
 * </ul>
 * Not thread-safe: one instance writes one stream.
 */
final class ClickHouseSpanRows {

    private static final String[] OTEL_KINDS = {"Unspecified", "Internal", "Server", "Client", "Producer", "Consumer"};
    private static final String[] JAEGER_KINDS = {"", "internal", "server", "client", "producer", "consumer"};
    private static final String[] STATUS = {"Unset", "Ok", "Error"};
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final ClickHouseSchema schema;
    private final JsonGenerator json;
    private final JsonFactory factory;
    private final HexFormat hex = HexFormat.of();

    ClickHouseSpanRows(ClickHouseSchema schema, OutputStream out) throws IOException {
        this.schema = schema;
        this.factory = JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();
        this.json = factory.createGenerator(out);
        this.json.setRootValueSeparator(null);
    }

    /** Writes one row (one line) per span of {@code request}; returns how many. */
    long write(ExportTraceServiceRequest request) throws IOException {
        long rows = 0;
        for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
            List<KeyValue> resource = resourceSpans.getResource().getAttributesList();
            String serviceName = "";
            for (KeyValue attribute : resource) {
                if (attribute.getKey().equals("service.name")) {
                    serviceName = attribute.getValue().getStringValue();
                }
            }
            for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
                for (Span span : scopeSpans.getSpansList()) {
                    if (schema == ClickHouseSchema.OTEL_TRACES) {
                        otelRow(span, serviceName, resource, scopeSpans.getScope());
                    } else {
                        jaegerRow(span, serviceName, resource, scopeSpans.getScope());
                    }
                    rows++;
                }
            }
        }
        json.flush();
        return rows;
    }

    private void otelRow(Span span, String serviceName, List<KeyValue> resource, InstrumentationScope scope)
            throws IOException {
        json.writeStartObject();
        json.writeStringField("Timestamp", time(span.getStartTimeUnixNano()));
        json.writeStringField("TraceId", hex(span.getTraceId().toByteArray()));
        json.writeStringField("SpanId", hex(span.getSpanId().toByteArray()));
        json.writeStringField("ParentSpanId", hex(span.getParentSpanId().toByteArray()));
        json.writeStringField("TraceState", span.getTraceState());
        json.writeStringField("SpanName", span.getName());
        json.writeStringField("SpanKind", name(OTEL_KINDS, span.getKindValue()));
        json.writeStringField("ServiceName", serviceName);
        json.writeFieldName("ResourceAttributes");
        stringMap(resource);
        json.writeStringField("ScopeName", scope.getName());
        json.writeStringField("ScopeVersion", scope.getVersion());
        json.writeFieldName("SpanAttributes");
        stringMap(span.getAttributesList());
        json.writeNumberField("Duration", Math.max(0, span.getEndTimeUnixNano() - span.getStartTimeUnixNano()));
        json.writeStringField("StatusCode", name(STATUS, span.getStatus().getCodeValue()));
        json.writeStringField("StatusMessage", span.getStatus().getMessage());
        json.writeArrayFieldStart("Events.Timestamp");
        for (Span.Event event : span.getEventsList()) {
            json.writeString(time(event.getTimeUnixNano()));
        }
        json.writeEndArray();
        json.writeArrayFieldStart("Events.Name");
        for (Span.Event event : span.getEventsList()) {
            json.writeString(event.getName());
        }
        json.writeEndArray();
        json.writeArrayFieldStart("Events.Attributes");
        for (Span.Event event : span.getEventsList()) {
            stringMap(event.getAttributesList());
        }
        json.writeEndArray();
        json.writeArrayFieldStart("Links.TraceId");
        for (Span.Link link : span.getLinksList()) {
            json.writeString(hex(link.getTraceId().toByteArray()));
        }
        json.writeEndArray();
        json.writeArrayFieldStart("Links.SpanId");
        for (Span.Link link : span.getLinksList()) {
            json.writeString(hex(link.getSpanId().toByteArray()));
        }
        json.writeEndArray();
        json.writeArrayFieldStart("Links.TraceState");
        for (Span.Link link : span.getLinksList()) {
            json.writeString(link.getTraceState());
        }
        json.writeEndArray();
        json.writeArrayFieldStart("Links.Attributes");
        for (Span.Link link : span.getLinksList()) {
            stringMap(link.getAttributesList());
        }
        json.writeEndArray();
        json.writeEndObject();
        json.writeRaw('\n');
    }

    private void jaegerRow(Span span, String serviceName, List<KeyValue> resource, InstrumentationScope scope)
            throws IOException {
        json.writeStartObject();
        json.writeStringField("id", hex(span.getSpanId().toByteArray()));
        json.writeStringField("trace_id", hex(span.getTraceId().toByteArray()));
        json.writeStringField("trace_state", span.getTraceState());
        json.writeStringField("parent_span_id", hex(span.getParentSpanId().toByteArray()));
        json.writeStringField("name", span.getName());
        json.writeStringField("kind", name(JAEGER_KINDS, span.getKindValue()));
        json.writeStringField("start_time", time(span.getStartTimeUnixNano()));
        json.writeStringField("status_code", name(STATUS, span.getStatus().getCodeValue()));
        json.writeStringField("status_message", span.getStatus().getMessage());
        json.writeNumberField("duration", span.getEndTimeUnixNano() - span.getStartTimeUnixNano());
        typedColumns("", span.getAttributesList());
        json.writeArrayFieldStart("events.name");
        for (Span.Event event : span.getEventsList()) {
            json.writeString(event.getName());
        }
        json.writeEndArray();
        json.writeArrayFieldStart("events.timestamp");
        for (Span.Event event : span.getEventsList()) {
            json.writeString(time(event.getTimeUnixNano()));
        }
        json.writeEndArray();
        List<Typed> eventAttributes = new ArrayList<>();
        for (Span.Event event : span.getEventsList()) {
            eventAttributes.add(Typed.of(event.getAttributesList(), this));
        }
        nestedTyped("events.", eventAttributes);
        json.writeArrayFieldStart("links.trace_id");
        for (Span.Link link : span.getLinksList()) {
            json.writeString(hex(link.getTraceId().toByteArray()));
        }
        json.writeEndArray();
        json.writeArrayFieldStart("links.span_id");
        for (Span.Link link : span.getLinksList()) {
            json.writeString(hex(link.getSpanId().toByteArray()));
        }
        json.writeEndArray();
        json.writeArrayFieldStart("links.trace_state");
        for (Span.Link link : span.getLinksList()) {
            json.writeString(link.getTraceState());
        }
        json.writeEndArray();
        List<Typed> linkAttributes = new ArrayList<>();
        for (Span.Link link : span.getLinksList()) {
            linkAttributes.add(Typed.of(link.getAttributesList(), this));
        }
        nestedTyped("links.", linkAttributes);
        json.writeStringField("service_name", serviceName);
        typedColumns("resource_", resource);
        json.writeStringField("scope_name", scope.getName());
        json.writeStringField("scope_version", scope.getVersion());
        typedColumns("scope_", scope.getAttributesList());
        json.writeEndObject();
        json.writeRaw('\n');
    }

    /** Attributes split by value type, as Jaeger's dbmodel splits them. */
    private record Typed(List<KeyValue> bools, List<KeyValue> doubles, List<KeyValue> ints, List<KeyValue> strs,
                         List<String[]> complex) {
        static Typed of(List<KeyValue> attributes, ClickHouseSpanRows rows) throws IOException {
            Typed typed = new Typed(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
                    new ArrayList<>());
            for (KeyValue attribute : attributes) {
                AnyValue value = attribute.getValue();
                switch (value.getValueCase()) {
                    case BOOL_VALUE -> typed.bools.add(attribute);
                    case DOUBLE_VALUE -> typed.doubles.add(attribute);
                    case INT_VALUE -> typed.ints.add(attribute);
                    case STRING_VALUE -> typed.strs.add(attribute);
                    case BYTES_VALUE -> typed.complex.add(new String[] {attribute.getKey(),
                            Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray())});
                    default -> typed.complex.add(new String[] {attribute.getKey(), rows.jsonText(value)});
                }
            }
            return typed;
        }
    }

    private void typedColumns(String prefix, List<KeyValue> attributes) throws IOException {
        Typed typed = Typed.of(attributes, this);
        keys(prefix + "bool_attributes.key", typed.bools);
        json.writeArrayFieldStart(prefix + "bool_attributes.value");
        for (KeyValue attribute : typed.bools) {
            json.writeBoolean(attribute.getValue().getBoolValue());
        }
        json.writeEndArray();
        keys(prefix + "double_attributes.key", typed.doubles);
        json.writeArrayFieldStart(prefix + "double_attributes.value");
        for (KeyValue attribute : typed.doubles) {
            json.writeNumber(attribute.getValue().getDoubleValue());
        }
        json.writeEndArray();
        keys(prefix + "int_attributes.key", typed.ints);
        json.writeArrayFieldStart(prefix + "int_attributes.value");
        for (KeyValue attribute : typed.ints) {
            json.writeNumber(attribute.getValue().getIntValue());
        }
        json.writeEndArray();
        keys(prefix + "str_attributes.key", typed.strs);
        json.writeArrayFieldStart(prefix + "str_attributes.value");
        for (KeyValue attribute : typed.strs) {
            json.writeString(attribute.getValue().getStringValue());
        }
        json.writeEndArray();
        json.writeArrayFieldStart(prefix + "complex_attributes.key");
        for (String[] pair : typed.complex) {
            json.writeString(pair[0]);
        }
        json.writeEndArray();
        json.writeArrayFieldStart(prefix + "complex_attributes.value");
        for (String[] pair : typed.complex) {
            json.writeString(pair[1]);
        }
        json.writeEndArray();
    }

    /** Events' or links' attributes: per event, a list of {key, value} tuples per type. */
    private void nestedTyped(String prefix, List<Typed> perItem) throws IOException {
        json.writeArrayFieldStart(prefix + "bool_attributes");
        for (Typed typed : perItem) {
            json.writeStartArray();
            for (KeyValue attribute : typed.bools) {
                json.writeStartObject();
                json.writeStringField("key", attribute.getKey());
                json.writeBooleanField("value", attribute.getValue().getBoolValue());
                json.writeEndObject();
            }
            json.writeEndArray();
        }
        json.writeEndArray();
        json.writeArrayFieldStart(prefix + "double_attributes");
        for (Typed typed : perItem) {
            json.writeStartArray();
            for (KeyValue attribute : typed.doubles) {
                json.writeStartObject();
                json.writeStringField("key", attribute.getKey());
                json.writeNumberField("value", attribute.getValue().getDoubleValue());
                json.writeEndObject();
            }
            json.writeEndArray();
        }
        json.writeEndArray();
        json.writeArrayFieldStart(prefix + "int_attributes");
        for (Typed typed : perItem) {
            json.writeStartArray();
            for (KeyValue attribute : typed.ints) {
                json.writeStartObject();
                json.writeStringField("key", attribute.getKey());
                json.writeNumberField("value", attribute.getValue().getIntValue());
                json.writeEndObject();
            }
            json.writeEndArray();
        }
        json.writeEndArray();
        json.writeArrayFieldStart(prefix + "str_attributes");
        for (Typed typed : perItem) {
            json.writeStartArray();
            for (KeyValue attribute : typed.strs) {
                json.writeStartObject();
                json.writeStringField("key", attribute.getKey());
                json.writeStringField("value", attribute.getValue().getStringValue());
                json.writeEndObject();
            }
            json.writeEndArray();
        }
        json.writeEndArray();
        json.writeArrayFieldStart(prefix + "complex_attributes");
        for (Typed typed : perItem) {
            json.writeStartArray();
            for (String[] pair : typed.complex) {
                json.writeStartObject();
                json.writeStringField("key", pair[0]);
                json.writeStringField("value", pair[1]);
                json.writeEndObject();
            }
            json.writeEndArray();
        }
        json.writeEndArray();
    }

    private void keys(String field, List<KeyValue> attributes) throws IOException {
        json.writeArrayFieldStart(field);
        for (KeyValue attribute : attributes) {
            json.writeString(attribute.getKey());
        }
        json.writeEndArray();
    }

    /** A {@code Map(String, String)} value: every attribute as text, as {@code pcommon.Value.AsString} writes it. */
    private void stringMap(List<KeyValue> attributes) throws IOException {
        json.writeStartObject();
        for (KeyValue attribute : attributes) {
            json.writeStringField(attribute.getKey(), asString(attribute.getValue()));
        }
        json.writeEndObject();
    }

    /** {@code pcommon.Value.AsString}: strings as they are, numbers in decimal, the rest as JSON or base64. */
    String asString(AnyValue value) throws IOException {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case INT_VALUE -> Long.toString(value.getIntValue());
            case DOUBLE_VALUE -> BigDecimal.valueOf(value.getDoubleValue()).stripTrailingZeros().toPlainString();
            case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
            case BYTES_VALUE -> Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray());
            case VALUE_NOT_SET -> "";
            default -> jsonText(value);
        };
    }

    /** An array or key/value list as JSON text (numbers, bools and strings keep their JSON types). */
    private String jsonText(AnyValue value) throws IOException {
        StringWriter text = new StringWriter();
        try (JsonGenerator out = factory.createGenerator(text)) {
            jsonValue(out, value);
        }
        return text.toString();
    }

    private static void jsonValue(JsonGenerator out, AnyValue value) throws IOException {
        switch (value.getValueCase()) {
            case STRING_VALUE -> out.writeString(value.getStringValue());
            case INT_VALUE -> out.writeNumber(value.getIntValue());
            case DOUBLE_VALUE -> out.writeNumber(value.getDoubleValue());
            case BOOL_VALUE -> out.writeBoolean(value.getBoolValue());
            case BYTES_VALUE -> out.writeString(Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray()));
            case ARRAY_VALUE -> {
                out.writeStartArray();
                for (AnyValue element : value.getArrayValue().getValuesList()) {
                    jsonValue(out, element);
                }
                out.writeEndArray();
            }
            case KVLIST_VALUE -> {
                out.writeStartObject();
                for (KeyValue entry : value.getKvlistValue().getValuesList()) {
                    out.writeFieldName(entry.getKey());
                    jsonValue(out, entry.getValue());
                }
                out.writeEndObject();
            }
            default -> out.writeNull();
        }
    }

    private String hex(byte[] bytes) {
        return bytes.length == 0 ? "" : hex.formatHex(bytes);
    }

    private static String name(String[] names, int code) {
        return code >= 0 && code < names.length ? names[code] : names[0];
    }

    /** A DateTime64(9) value as ClickHouse parses it from JSON: Unix seconds with nine decimals. */
    static String time(long unixNano) {
        return Math.floorDiv(unixNano, NANOS_PER_SECOND) + "." + String.format("%09d", Math.floorMod(unixNano, NANOS_PER_SECOND));
    }
}
