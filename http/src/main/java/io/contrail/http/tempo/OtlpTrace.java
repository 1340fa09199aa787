package io.contrail.http.tempo;

import com.google.protobuf.ByteString;
import io.contrail.query.TraceQueries;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;

import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A stored trace back in OTLP's shape ({@link TracesData}), as Tempo keeps and answers traces: spans grouped by
 * resource (its stored attributes plus {@code service.name}, which Contrail keeps in {@code service_name}), then by
 * instrumentation scope (name and version). Attribute values keep the type they were stored with (text, integer,
 * float, boolean, lists, maps). Not kept by Contrail, so not in the answer: resource and scope dropped-attribute
 * counts, the span's own dropped counts and flags, and scope attributes.
 */
final class OtlpTrace {

    private static final HexFormat HEX = HexFormat.of();

    private OtlpTrace() {
    }

    static TracesData of(TraceQueries.Trace trace) {
        Map<Map<String, Object>, Map<List<String>, ScopeSpans.Builder>> byResource = new LinkedHashMap<>();
        for (TraceQueries.SpanView span : trace.spans()) {
            Map<String, Object> resource = new TreeMap<>(span.resource());
            resource.putIfAbsent(TraceQueries.SpanView.SERVICE_NAME_ATTRIBUTE, span.serviceName());
            List<String> scope = java.util.Arrays.asList(span.scopeName(), span.scopeVersion());
            byResource.computeIfAbsent(resource, r -> new LinkedHashMap<>())
                    .computeIfAbsent(scope, s -> ScopeSpans.newBuilder().setScope(scope(span)))
                    .addSpans(span(span));
        }
        TracesData.Builder traces = TracesData.newBuilder();
        byResource.forEach((resource, scopes) -> {
            Resource.Builder r = Resource.newBuilder();
            resource.forEach((key, value) -> r.addAttributes(keyValue(key, value)));
            ResourceSpans.Builder resourceSpans = ResourceSpans.newBuilder().setResource(r);
            scopes.values().forEach(resourceSpans::addScopeSpans);
            traces.addResourceSpans(resourceSpans);
        });
        return traces.build();
    }

    private static InstrumentationScope scope(TraceQueries.SpanView span) {
        InstrumentationScope.Builder scope = InstrumentationScope.newBuilder();
        if (span.scopeName() != null) {
            scope.setName(span.scopeName());
        }
        if (span.scopeVersion() != null) {
            scope.setVersion(span.scopeVersion());
        }
        return scope.build();
    }

    private static Span span(TraceQueries.SpanView stored) {
        Span.Builder span = Span.newBuilder()
                .setTraceId(id(stored.traceId()))
                .setSpanId(id(stored.spanId()))
                .setName(stored.name() == null ? "" : stored.name())
                .setKind(kind(stored.kind()))
                .setStartTimeUnixNano(stored.startTimeUnixNano())
                .setEndTimeUnixNano(stored.endTimeUnixNano());
        if (stored.parentSpanId() != null) {
            span.setParentSpanId(id(stored.parentSpanId()));
        }
        if (stored.traceState() != null) {
            span.setTraceState(stored.traceState());
        }
        stored.attributes().forEach((key, value) -> span.addAttributes(keyValue(key, value)));
        Status.StatusCode code = statusCode(stored.statusCode());
        if (code != Status.StatusCode.STATUS_CODE_UNSET || stored.statusMessage() != null) {
            // An unset status without a message is OTLP's default: left out, as an SDK leaves it out.
            Status.Builder status = Status.newBuilder().setCode(code);
            if (stored.statusMessage() != null) {
                status.setMessage(stored.statusMessage());
            }
            span.setStatus(status);
        }
        for (Map<String, Object> storedEvent : stored.events()) {
            Span.Event.Builder event = Span.Event.newBuilder()
                    .setTimeUnixNano(((Number) storedEvent.get("timeUnixNano")).longValue())
                    .setName(String.valueOf(storedEvent.getOrDefault("name", "")))
                    .setDroppedAttributesCount(count(storedEvent.get("droppedAttributesCount")));
            attributes(storedEvent.get("attributes")).forEach((key, value) -> event.addAttributes(keyValue(key, value)));
            span.addEvents(event);
        }
        for (Map<String, Object> storedLink : stored.links()) {
            Span.Link.Builder link = Span.Link.newBuilder()
                    .setTraceId(id(String.valueOf(storedLink.get("traceId"))))
                    .setSpanId(id(String.valueOf(storedLink.get("spanId"))))
                    .setDroppedAttributesCount(count(storedLink.get("droppedAttributesCount")));
            if (storedLink.get("traceState") != null) {
                link.setTraceState(String.valueOf(storedLink.get("traceState")));
            }
            attributes(storedLink.get("attributes")).forEach((key, value) -> link.addAttributes(keyValue(key, value)));
            span.addLinks(link);
        }
        return span.build();
    }

    private static Map<String, Object> attributes(Object stored) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        if (stored instanceof Map<?, ?> map) {
            map.forEach((key, value) -> attributes.put(String.valueOf(key), value));
        }
        return attributes;
    }

    private static int count(Object stored) {
        return stored instanceof Number number ? number.intValue() : 0;
    }

    private static ByteString id(String hex) {
        return ByteString.copyFrom(HEX.parseHex(hex));
    }

    /** Contrail's kind ({@code SERVER} …) as OTLP's enum ({@code SPAN_KIND_SERVER}). */
    private static Span.SpanKind kind(String kind) {
        if (kind == null) {
            return Span.SpanKind.SPAN_KIND_UNSPECIFIED;
        }
        try {
            return Span.SpanKind.valueOf("SPAN_KIND_" + kind);
        } catch (IllegalArgumentException e) {
            return Span.SpanKind.SPAN_KIND_UNSPECIFIED;
        }
    }

    private static Status.StatusCode statusCode(String code) {
        if ("ERROR".equals(code)) {
            return Status.StatusCode.STATUS_CODE_ERROR;
        }
        return "OK".equals(code) ? Status.StatusCode.STATUS_CODE_OK : Status.StatusCode.STATUS_CODE_UNSET;
    }

    static KeyValue keyValue(String key, Object value) {
        return KeyValue.newBuilder().setKey(key).setValue(anyValue(value)).build();
    }

    /** A stored value with the OTLP type it was sent with; anything else (a number past 64 bits) as text. */
    static AnyValue anyValue(Object value) {
        AnyValue.Builder any = AnyValue.newBuilder();
        if (value instanceof String s) {
            any.setStringValue(s);
        } else if (value instanceof Boolean b) {
            any.setBoolValue(b);
        } else if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            any.setIntValue(((Number) value).longValue());
        } else if (value instanceof Double || value instanceof Float) {
            any.setDoubleValue(((Number) value).doubleValue());
        } else if (value instanceof Collection<?> list) {
            ArrayValue.Builder array = ArrayValue.newBuilder();
            list.forEach(element -> array.addValues(anyValue(element)));
            any.setArrayValue(array);
        } else if (value instanceof Map<?, ?> map) {
            KeyValueList.Builder entries = KeyValueList.newBuilder();
            map.forEach((k, v) -> entries.addValues(keyValue(String.valueOf(k), v)));
            any.setKvlistValue(entries);
        } else if (value != null) {
            any.setStringValue(String.valueOf(value));
        }
        return any.build();
    }
}
