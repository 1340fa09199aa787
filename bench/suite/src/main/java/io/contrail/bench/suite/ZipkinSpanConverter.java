package io.contrail.bench.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import zipkin2.Endpoint;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns OTLP spans into Zipkin v2 spans the way OpenTelemetry's Zipkin exporters do, so the Zipkin
 * peer stores the same information the other peers store.
 *
 * <ul>
 *   <li>IDs as lower-case hex (128-bit trace IDs); times in microseconds, a duration of at least 1 µs;</li>
 *   <li>kind SERVER/CLIENT/PRODUCER/CONSUMER, none for INTERNAL;</li>
 *   <li>local endpoint: the resource's {@code service.name}; remote endpoint: the span's
 *       {@code peer.service};</li>
 *   <li>tags: every span attribute and every resource attribute but {@code service.name} (as the
 *       OpenTelemetry Collector's Zipkin exporter does; a span attribute wins a clash), values as
 *       strings — arrays and maps as JSON, bytes as base64; {@code otel.scope.name} and
 *       {@code otel.scope.version}; {@code otel.status_code}, and {@code error} with the status
 *       message for ERROR;</li>
 *   <li>events become annotations, as the OpenTelemetry specification says:
 *       {@code "name":{attributes as JSON}}. Except {@code exception} events: Zipkin's MySQL
 *       storage keeps an annotation's value in a {@code VARCHAR(255)} column (it silently cuts
 *       longer ones, such as a stack trace) and its API matches a value only as a whole, so an
 *       exception event becomes the annotation {@code "exception"} and its {@code exception.*}
 *       attributes become tags: the only way Zipkin's API can find a span by exception type;</li>
 *   <li>links are dropped: Zipkin's model has none.</li>
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
final class ZipkinSpanConverter {

    static final String EXCEPTION_EVENT = "exception";
    static final String EXCEPTION_ATTRIBUTE_PREFIX = "exception.";

    private static final String SERVICE_NAME = "service.name";
    private static final String PEER_SERVICE = "peer.service";
    private static final long NANOS_PER_MICRO = 1_000L;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final HexFormat HEX = HexFormat.of();

    /** The request's spans in Zipkin's model, in request order. */
    List<zipkin2.Span> convert(ExportTraceServiceRequest request) {
        List<zipkin2.Span> spans = new ArrayList<>();
        for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
            String serviceName = null;
            Map<String, String> resourceTags = new LinkedHashMap<>();
            for (KeyValue attribute : resourceSpans.getResource().getAttributesList()) {
                if (attribute.getKey().equals(SERVICE_NAME)) {
                    serviceName = attribute.getValue().getStringValue();
                } else {
                    resourceTags.put(attribute.getKey(), text(attribute.getValue()));
                }
            }
            Endpoint localEndpoint = Endpoint.newBuilder().serviceName(serviceName).build();
            for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
                String scopeName = scopeSpans.getScope().getName();
                String scopeVersion = scopeSpans.getScope().getVersion();
                for (Span span : scopeSpans.getSpansList()) {
                    spans.add(convert(span, localEndpoint, resourceTags, scopeName, scopeVersion));
                }
            }
        }
        return spans;
    }

    private zipkin2.Span convert(Span span, Endpoint localEndpoint, Map<String, String> resourceTags,
                                 String scopeName, String scopeVersion) {
        long startMicros = span.getStartTimeUnixNano() / NANOS_PER_MICRO;
        long durationMicros = Math.max(1, (span.getEndTimeUnixNano() - span.getStartTimeUnixNano()) / NANOS_PER_MICRO);
        zipkin2.Span.Builder zipkin = zipkin2.Span.newBuilder()
                .traceId(HEX.formatHex(span.getTraceId().toByteArray()))
                .id(HEX.formatHex(span.getSpanId().toByteArray()))
                .name(span.getName())
                .kind(kind(span.getKind()))
                .timestamp(startMicros)
                .duration(durationMicros)
                .localEndpoint(localEndpoint);
        if (!span.getParentSpanId().isEmpty()) {
            zipkin.parentId(HEX.formatHex(span.getParentSpanId().toByteArray()));
        }
        resourceTags.forEach(zipkin::putTag);
        for (KeyValue attribute : span.getAttributesList()) {
            if (attribute.getKey().equals(PEER_SERVICE)) {
                zipkin.remoteEndpoint(Endpoint.newBuilder().serviceName(attribute.getValue().getStringValue()).build());
            }
            zipkin.putTag(attribute.getKey(), text(attribute.getValue()));
        }
        if (!scopeName.isEmpty()) {
            zipkin.putTag("otel.scope.name", scopeName);
        }
        if (!scopeVersion.isEmpty()) {
            zipkin.putTag("otel.scope.version", scopeVersion);
        }
        if (span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR) {
            zipkin.putTag("otel.status_code", "ERROR");
            zipkin.putTag("error", span.getStatus().getMessage());
        } else if (span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_OK) {
            zipkin.putTag("otel.status_code", "OK");
        }
        for (Span.Event event : span.getEventsList()) {
            long micros = event.getTimeUnixNano() / NANOS_PER_MICRO;
            if (event.getName().equals(EXCEPTION_EVENT)) {
                zipkin.addAnnotation(micros, EXCEPTION_EVENT);
                for (KeyValue attribute : event.getAttributesList()) {
                    if (attribute.getKey().startsWith(EXCEPTION_ATTRIBUTE_PREFIX)) {
                        zipkin.putTag(attribute.getKey(), text(attribute.getValue()));
                    }
                }
            } else {
                zipkin.addAnnotation(micros, annotationValue(event));
            }
        }
        return zipkin.build();
    }

    private static String annotationValue(Span.Event event) {
        if (event.getAttributesCount() == 0) {
            return event.getName();
        }
        ObjectNode attributes = NODES.objectNode();
        for (KeyValue attribute : event.getAttributesList()) {
            attributes.set(attribute.getKey(), node(attribute.getValue()));
        }
        return NODES.textNode(event.getName()) + ":" + attributes;
    }

    private static zipkin2.Span.Kind kind(Span.SpanKind kind) {
        return switch (kind) {
            case SPAN_KIND_SERVER -> zipkin2.Span.Kind.SERVER;
            case SPAN_KIND_CLIENT -> zipkin2.Span.Kind.CLIENT;
            case SPAN_KIND_PRODUCER -> zipkin2.Span.Kind.PRODUCER;
            case SPAN_KIND_CONSUMER -> zipkin2.Span.Kind.CONSUMER;
            case SPAN_KIND_INTERNAL, SPAN_KIND_UNSPECIFIED, UNRECOGNIZED -> null;
        };
    }

    /** A tag value: scalars as their text, arrays and maps as JSON, bytes as base64. */
    private static String text(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
            case INT_VALUE -> Long.toString(value.getIntValue());
            case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
            case BYTES_VALUE -> Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray());
            case ARRAY_VALUE, KVLIST_VALUE -> node(value).toString();
            // A string-table index exists only in OTLP profiles, which have the table; spans never use it.
            case STRING_VALUE_STRINDEX, VALUE_NOT_SET -> "";
        };
    }

    private static JsonNode node(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> NODES.textNode(value.getStringValue());
            case BOOL_VALUE -> NODES.booleanNode(value.getBoolValue());
            case INT_VALUE -> NODES.numberNode(value.getIntValue());
            case DOUBLE_VALUE -> NODES.numberNode(value.getDoubleValue());
            case BYTES_VALUE -> NODES.textNode(
                    Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray()));
            case ARRAY_VALUE -> {
                ArrayNode array = NODES.arrayNode();
                value.getArrayValue().getValuesList().forEach(element -> array.add(node(element)));
                yield array;
            }
            case KVLIST_VALUE -> {
                ObjectNode object = NODES.objectNode();
                value.getKvlistValue().getValuesList().forEach(kv -> object.set(kv.getKey(), node(kv.getValue())));
                yield object;
            }
            case STRING_VALUE_STRINDEX, VALUE_NOT_SET -> NODES.nullNode();
        };
    }
}
