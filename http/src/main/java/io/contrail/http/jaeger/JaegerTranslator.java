package io.contrail.http.jaeger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contrail.query.TraceQueries;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns Contrail's traces into Jaeger's JSON model the way Jaeger v2 shows OpenTelemetry spans
 * (the OpenTelemetry Collector's OTLP → Jaeger translation): the parent is a {@code CHILD_OF}
 * reference and every link a {@code FOLLOWS_FROM} one; span kind, status, scope and trace state
 * become the tags {@code span.kind}, {@code otel.status_code}, {@code otel.status_description},
 * {@code error} (true on ERROR), {@code otel.scope.name}, {@code otel.scope.version} and
 * {@code w3c.tracestate}; events become logs whose {@code event} field is the event's name; the
 * resource becomes the process ({@code service.name} its service, every other key a tag).
 * Trace IDs lose their leading 16 zeros when the high half is zero, as Jaeger prints them.
 */
final class JaegerTranslator {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long NANOS_PER_MICRO = 1_000L;

    private JaegerTranslator() {
    }

    /** Jaeger's text form of a trace ID: 16 hex digits when the high 64 bits are zero, else 32. */
    static String traceId(String hex32) {
        return hex32.startsWith("0000000000000000") ? hex32.substring(16) : hex32;
    }

    static JaegerJson.Trace trace(TraceQueries.Trace trace) {
        Map<Map<String, Object>, String> processIds = new LinkedHashMap<>();
        Map<String, JaegerJson.Process> processes = new LinkedHashMap<>();
        Set<String> spanIds = new HashSet<>();
        trace.spans().forEach(s -> spanIds.add(s.spanId()));
        List<JaegerJson.Span> spans = new ArrayList<>();
        for (TraceQueries.SpanView span : trace.spans()) {
            Map<String, Object> resource = new TreeMap<>(span.resource());
            resource.put(TraceQueries.SpanView.SERVICE_NAME_ATTRIBUTE, span.serviceName());
            String processId = processIds.computeIfAbsent(resource, r -> {
                String id = "p" + (processIds.size() + 1);
                processes.put(id, process(span.serviceName(), r));
                return id;
            });
            spans.add(span(span, processId, spanIds));
        }
        return new JaegerJson.Trace(traceId(trace.traceId()), spans, processes, List.of());
    }

    private static JaegerJson.Process process(String serviceName, Map<String, Object> resource) {
        List<JaegerJson.KeyValue> tags = new ArrayList<>();
        resource.forEach((key, value) -> {
            if (!key.equals(TraceQueries.SpanView.SERVICE_NAME_ATTRIBUTE)) {
                tags.add(keyValue(key, value));
            }
        });
        return new JaegerJson.Process(serviceName, tags);
    }

    private static JaegerJson.Span span(TraceQueries.SpanView span, String processId, Set<String> spanIds) {
        String traceId = traceId(span.traceId());
        List<JaegerJson.Reference> references = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        if (span.parentSpanId() != null) {
            references.add(new JaegerJson.Reference(JaegerJson.Reference.CHILD_OF, traceId, span.parentSpanId()));
            if (!spanIds.contains(span.parentSpanId())) {
                // The text of Jaeger's clock-skew adjuster for a parent missing from the trace.
                warnings.add("invalid parent span IDs=" + span.parentSpanId() + "; skipping clock skew adjustment");
            }
        }
        for (Map<String, Object> link : span.links()) {
            references.add(new JaegerJson.Reference(JaegerJson.Reference.FOLLOWS_FROM,
                    traceId(String.valueOf(link.get("traceId"))), String.valueOf(link.get("spanId"))));
        }
        List<JaegerJson.KeyValue> tags = new ArrayList<>();
        new TreeMap<>(span.attributes()).forEach((key, value) -> tags.add(keyValue(key, value)));
        if (span.scopeName() != null && !span.scopeName().isEmpty()) {
            tags.add(keyValue("otel.scope.name", span.scopeName()));
        }
        if (span.scopeVersion() != null && !span.scopeVersion().isEmpty()) {
            tags.add(keyValue("otel.scope.version", span.scopeVersion()));
        }
        String kind = spanKind(span.kind());
        if (!kind.isEmpty()) {
            tags.add(keyValue("span.kind", kind));
        }
        if ("ERROR".equals(span.statusCode()) || "OK".equals(span.statusCode())) {
            tags.add(keyValue("otel.status_code", span.statusCode()));
        }
        if ("ERROR".equals(span.statusCode())) {
            tags.add(keyValue("error", true));
        }
        if (span.statusMessage() != null && !span.statusMessage().isEmpty()) {
            tags.add(keyValue("otel.status_description", span.statusMessage()));
        }
        if (span.traceState() != null && !span.traceState().isEmpty()) {
            tags.add(keyValue("w3c.tracestate", span.traceState()));
        }
        List<JaegerJson.Log> logs = new ArrayList<>();
        for (Map<String, Object> event : span.events()) {
            logs.add(log(event));
        }
        return new JaegerJson.Span(traceId, span.spanId(), 0, span.name(), references,
                span.startTimeUnixNano() / NANOS_PER_MICRO, span.durationNanos() / NANOS_PER_MICRO,
                tags, logs, processId, warnings);
    }

    private static JaegerJson.Log log(Map<String, Object> event) {
        List<JaegerJson.KeyValue> fields = new ArrayList<>();
        Object name = event.get("name");
        if (name != null && !name.toString().isEmpty()) {
            fields.add(keyValue("event", name.toString()));
        }
        if (event.get("attributes") instanceof Map<?, ?> attributes) {
            attributes.forEach((key, value) -> fields.add(keyValue(String.valueOf(key), value)));
        }
        long timeNanos = ((Number) event.get("timeUnixNano")).longValue();
        return new JaegerJson.Log(timeNanos / NANOS_PER_MICRO, fields);
    }

    /** Jaeger's lower-case span kind; empty for UNSPECIFIED. */
    static String spanKind(String kind) {
        return kind == null || kind.equals("UNSPECIFIED") ? "" : kind.toLowerCase(Locale.ROOT);
    }

    /** A typed tag; lists, maps and anything else become JSON text, as the OTLP translation does. */
    static JaegerJson.KeyValue keyValue(String key, Object value) {
        if (value instanceof Boolean b) {
            return new JaegerJson.KeyValue(key, "bool", b);
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return new JaegerJson.KeyValue(key, "int64", ((Number) value).longValue());
        }
        if (value instanceof Double || value instanceof Float) {
            return new JaegerJson.KeyValue(key, "float64", ((Number) value).doubleValue());
        }
        if (value instanceof String s) {
            return new JaegerJson.KeyValue(key, "string", s);
        }
        if (value instanceof Collection<?> || value instanceof Map<?, ?>) {
            try {
                return new JaegerJson.KeyValue(key, "string", JSON.writeValueAsString(value));
            } catch (JsonProcessingException e) {
                return new JaegerJson.KeyValue(key, "string", String.valueOf(value));
            }
        }
        return new JaegerJson.KeyValue(key, "string", String.valueOf(value));
    }
}
