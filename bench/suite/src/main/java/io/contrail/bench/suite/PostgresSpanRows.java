package io.contrail.bench.suite;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;

import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Turns OTLP requests into rows of PostgreSQL's {@code COPY … FROM STDIN} text format for the
 * {@code spans} table of {@link PostgresPeer}: lower-case hex IDs, UTC timestamps, and attributes,
 * resource attributes and events as JSON that keeps each value's OTLP type (int and double as JSON
 * numbers, bool as true/false, arrays and key/value lists as arrays and objects, bytes as base64).
 *
 * <p>Not thread-safe: one instance writes one COPY stream.
 */
final class PostgresSpanRows {

    /** The columns every row fills, in order; for {@code COPY spans (…) FROM STDIN}. */
    static final String COLUMNS = "trace_id, span_id, parent_span_id, service_name, name, kind, start_time, end_time,"
            + " duration_nanos, status_code, status_message, attributes, resource, events";
    static final String UNKNOWN_SERVICE = "unknown_service";

    private static final String NULL = "\\N";
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final Writer out;
    private final Writer escaped;
    private final JsonGenerator json;
    private final StringWriter resourceText = new StringWriter(1024);
    private final JsonGenerator resourceJson;
    private final HexFormat hex = HexFormat.of();

    PostgresSpanRows(Writer out) throws IOException {
        this.out = out;
        this.escaped = new CopyTextEscaper(out);
        JsonFactory factory = JsonFactory.builder().disable(StreamWriteFeature.FLUSH_PASSED_TO_STREAM)
                .disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();
        this.json = factory.createGenerator(escaped);
        this.json.setRootValueSeparator(null);
        this.resourceJson = factory.createGenerator(resourceText);
        this.resourceJson.setRootValueSeparator(null);
    }

    /** Writes one row per span of {@code request}; returns how many. */
    long write(ExportTraceServiceRequest request) throws IOException {
        long rows = 0;
        for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
            Resource resource = resourceSpans.getResource();
            String serviceName = serviceName(resource.getAttributesList());
            String resourceField = resourceJson(resource.getAttributesList());
            for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
                for (Span span : scopeSpans.getSpansList()) {
                    writeRow(span, serviceName, resourceField);
                    rows++;
                }
            }
        }
        return rows;
    }

    private void writeRow(Span span, String serviceName, String resourceField) throws IOException {
        out.write(hex.formatHex(span.getTraceId().toByteArray()));
        out.write('\t');
        out.write(hex.formatHex(span.getSpanId().toByteArray()));
        out.write('\t');
        out.write(span.getParentSpanId().isEmpty() ? NULL : hex.formatHex(span.getParentSpanId().toByteArray()));
        out.write('\t');
        escaped.write(serviceName);
        out.write('\t');
        escaped.write(span.getName());
        out.write('\t');
        out.write(kind(span.getKind()));
        out.write('\t');
        out.write(timestamp(span.getStartTimeUnixNano()));
        out.write('\t');
        out.write(timestamp(span.getEndTimeUnixNano()));
        out.write('\t');
        out.write(Long.toString(span.getEndTimeUnixNano() - span.getStartTimeUnixNano()));
        out.write('\t');
        out.write(statusCode(span.getStatus().getCode()));
        out.write('\t');
        if (span.getStatus().getMessage().isEmpty()) {
            out.write(NULL);
        } else {
            escaped.write(span.getStatus().getMessage());
        }
        out.write('\t');
        writeObject(json, span.getAttributesList());
        json.flush();
        out.write('\t');
        escaped.write(resourceField);
        out.write('\t');
        if (span.getEventsCount() == 0) {
            out.write(NULL);
        } else {
            writeEvents(span.getEventsList());
        }
        out.write('\n');
    }

    private void writeEvents(List<Span.Event> events) throws IOException {
        json.writeStartArray();
        for (Span.Event event : events) {
            json.writeStartObject();
            json.writeNumberField("time_unix_nano", event.getTimeUnixNano());
            json.writeStringField("name", event.getName());
            json.writeFieldName("attributes");
            writeObject(json, event.getAttributesList());
            json.writeEndObject();
        }
        json.writeEndArray();
        json.flush();
    }

    /** The resource's attributes as JSON text (not yet escaped for COPY); the same for all its spans. */
    private String resourceJson(List<KeyValue> attributes) throws IOException {
        resourceText.getBuffer().setLength(0);
        writeObject(resourceJson, attributes);
        resourceJson.flush();
        return resourceText.toString();
    }

    private static void writeObject(JsonGenerator generator, List<KeyValue> attributes) throws IOException {
        generator.writeStartObject();
        for (KeyValue attribute : attributes) {
            generator.writeFieldName(attribute.getKey());
            writeValue(generator, attribute.getValue());
        }
        generator.writeEndObject();
    }

    private static void writeValue(JsonGenerator generator, AnyValue value) throws IOException {
        switch (value.getValueCase()) {
            case STRING_VALUE -> generator.writeString(value.getStringValue());
            case BOOL_VALUE -> generator.writeBoolean(value.getBoolValue());
            case INT_VALUE -> generator.writeNumber(value.getIntValue());
            // NaN and infinities are not JSON numbers; Jackson writes them as strings.
            case DOUBLE_VALUE -> generator.writeNumber(value.getDoubleValue());
            case ARRAY_VALUE -> {
                generator.writeStartArray();
                for (AnyValue element : value.getArrayValue().getValuesList()) {
                    writeValue(generator, element);
                }
                generator.writeEndArray();
            }
            case KVLIST_VALUE -> writeObject(generator, value.getKvlistValue().getValuesList());
            case BYTES_VALUE -> generator.writeString(Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray()));
            case VALUE_NOT_SET -> generator.writeNull();
        }
    }

    private static String serviceName(List<KeyValue> resourceAttributes) {
        String name = UNKNOWN_SERVICE;
        for (KeyValue attribute : resourceAttributes) {
            if (attribute.getKey().equals("service.name") && attribute.getValue().hasStringValue()
                    && !attribute.getValue().getStringValue().isEmpty()) {
                name = attribute.getValue().getStringValue();
            }
        }
        return name;
    }

    /** ISO 8601 in UTC; PostgreSQL rounds the nanoseconds to its microseconds. */
    private static String timestamp(long unixNano) {
        return Instant.ofEpochSecond(Math.floorDiv(unixNano, NANOS_PER_SECOND), Math.floorMod(unixNano, NANOS_PER_SECOND))
                .toString();
    }

    /** The same spelling as Contrail's {@code kind} column: SERVER, CLIENT, … */
    private static String kind(Span.SpanKind kind) {
        return switch (kind) {
            case SPAN_KIND_INTERNAL -> "INTERNAL";
            case SPAN_KIND_SERVER -> "SERVER";
            case SPAN_KIND_CLIENT -> "CLIENT";
            case SPAN_KIND_PRODUCER -> "PRODUCER";
            case SPAN_KIND_CONSUMER -> "CONSUMER";
            case SPAN_KIND_UNSPECIFIED, UNRECOGNIZED -> "UNSPECIFIED";
        };
    }

    /** The same spelling as Contrail's {@code status_code} column: UNSET, OK, ERROR. */
    private static String statusCode(Status.StatusCode code) {
        return switch (code) {
            case STATUS_CODE_OK -> "OK";
            case STATUS_CODE_ERROR -> "ERROR";
            case STATUS_CODE_UNSET, UNRECOGNIZED -> "UNSET";
        };
    }

    /**
     * Escapes what the COPY text format gives a meaning to (backslash, newline, carriage return,
     * tab) and drops NUL, which PostgreSQL text cannot hold.
     */
    private static final class CopyTextEscaper extends Writer {
        private final Writer out;

        CopyTextEscaper(Writer out) {
            this.out = out;
        }

        @Override
        public void write(char[] chars, int offset, int length) throws IOException {
            int start = offset;
            int end = offset + length;
            for (int i = offset; i < end; i++) {
                String replacement = replacement(chars[i]);
                if (replacement != null) {
                    out.write(chars, start, i - start);
                    out.write(replacement);
                    start = i + 1;
                }
            }
            out.write(chars, start, end - start);
        }

        @Override
        public void write(String text, int offset, int length) throws IOException {
            int start = offset;
            int end = offset + length;
            for (int i = offset; i < end; i++) {
                String replacement = replacement(text.charAt(i));
                if (replacement != null) {
                    out.write(text, start, i - start);
                    out.write(replacement);
                    start = i + 1;
                }
            }
            out.write(text, start, end - start);
        }

        private static String replacement(char c) {
            return switch (c) {
                case '\\' -> "\\\\";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                case '\0' -> "";
                default -> null;
            };
        }

        /** The row writer flushes the underlying stream when the COPY ends, not per value. */
        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
