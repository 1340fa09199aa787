package io.contrail.query.zipkin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contrail.columnar.ZipkinVocabulary;
import io.contrail.columnar.ZipkinVocabulary.EndpointAttributes;
import io.contrail.query.TraceQueries.SpanView;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import zipkin2.Endpoint;
import zipkin2.Span;

/**
 * A stored span as a Zipkin v2 span: the inverse of {@code io.contrail.ingest.ZipkinDecoder}'s mapping, so that a span
 * that came in as Zipkin reads back equal, and the conventions of OpenTelemetry's Zipkin exporter
 * for spans that came in as OTLP. Both sides speak {@link ZipkinVocabulary}.
 *
 * <ul>
 *   <li>{@code service_name} is the local endpoint's service, except {@value
 *       io.contrail.columnar.SpanSchema#UNKNOWN_SERVICE} (a span that named none); {@code network.local.address}
 *       and {@code .port} its IP and port; {@code peer.service}, {@code network.peer.address} and
 *       {@code .port} the remote endpoint.</li>
 *   <li>Every other span attribute is a tag, as text (lists joined by commas). Resource attributes
 *       other than {@code service.name} are not shown, as OpenTelemetry's exporter does.</li>
 *   <li>A status with no Zipkin status tag stored beside it becomes {@code otel.status_code} (and
 *       for ERROR an {@code error} tag holding the message); a scope other than {@value
 *       ZipkinVocabulary#DEFAULT_SCOPE_NAME} becomes {@code otel.scope.name} and {@code
 *       otel.scope.version}; a trace state {@code w3c.tracestate}.</li>
 *   <li>Events are annotations: the event's name, followed by its attributes as JSON when it has
 *       some. Times are truncated to microseconds; a start at Unix time 0 is an absent timestamp.</li>
 * </ul>
 * Zipkin lower-cases names, so OTLP span and service names read back lower-cased. Links and
 * dropped counts have no Zipkin field and are not shown.
 */
final class ZipkinSpanMapping {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long NANOS_PER_MICRO = 1_000;
    private static final String PEER_SERVICE = ZipkinVocabulary.REMOTE_SERVICE_ATTRIBUTE;
    private static final String SHARED = ZipkinVocabulary.SHARED_ATTRIBUTE;
    private static final String DEBUG = ZipkinVocabulary.DEBUG_ATTRIBUTE;

    private ZipkinSpanMapping() {
    }

    static Span toZipkin(SpanView stored) {
        Map<String, Object> attributes = stored.attributes();
        Set<String> shownAsFields = new HashSet<>();
        Span.Builder span = Span.newBuilder()
                .traceId(stored.traceId())
                .id(stored.spanId())
                .parentId(stored.parentSpanId())
                .name(stored.name())
                .kind(kind(stored.kind()));
        long startMicros = Math.floorDiv(stored.startTimeUnixNano(), NANOS_PER_MICRO);
        if (startMicros > 0) {
            span.timestamp(startMicros);
        }
        span.duration(Math.floorDiv(stored.durationNanos(), NANOS_PER_MICRO));

        span.localEndpoint(endpoint(ZipkinVocabulary.localServiceName(stored.serviceName()), attributes,
                ZipkinVocabulary.LOCAL_ENDPOINT, shownAsFields));
        Object peerService = attributes.get(PEER_SERVICE);
        if (peerService != null) {
            shownAsFields.add(PEER_SERVICE);
        }
        span.remoteEndpoint(endpoint(peerService == null ? null : text(peerService), attributes,
                ZipkinVocabulary.REMOTE_ENDPOINT, shownAsFields));
        if (isTrue(attributes.get(SHARED))) {
            span.shared(true);
            shownAsFields.add(SHARED);
        }
        if (isTrue(attributes.get(DEBUG))) {
            span.debug(true);
            shownAsFields.add(DEBUG);
        }

        for (Map<String, Object> event : stored.events()) {
            long micros = Math.floorDiv(((Number) event.get("timeUnixNano")).longValue(), NANOS_PER_MICRO);
            span.addAnnotation(micros, annotationValue(event));
        }

        attributes.forEach((key, value) -> {
            if (!shownAsFields.contains(key)) {
                span.putTag(key, text(value));
            }
        });
        if (stored.traceState() != null && !stored.traceState().isEmpty()) {
            span.putTag(ZipkinVocabulary.TRACE_STATE_TAG, stored.traceState());
        }
        if (stored.scopeName() != null && !stored.scopeName().isEmpty()
                && !ZipkinVocabulary.DEFAULT_SCOPE_NAME.equals(stored.scopeName())) {
            span.putTag(ZipkinVocabulary.SCOPE_NAME_TAG, stored.scopeName());
            if (stored.scopeVersion() != null && !stored.scopeVersion().isEmpty()) {
                span.putTag(ZipkinVocabulary.SCOPE_VERSION_TAG, stored.scopeVersion());
            }
        }
        boolean statusTagged = attributes.containsKey(ZipkinVocabulary.ERROR_TAG)
                || attributes.containsKey(ZipkinVocabulary.STATUS_CODE_TAG);
        if (!statusTagged && "ERROR".equals(stored.statusCode())) {
            span.putTag(ZipkinVocabulary.STATUS_CODE_TAG, "ERROR");
            span.putTag(ZipkinVocabulary.ERROR_TAG, stored.statusMessage() == null ? "" : stored.statusMessage());
        } else if (!statusTagged && "OK".equals(stored.statusCode())) {
            span.putTag(ZipkinVocabulary.STATUS_CODE_TAG, "OK");
        }
        return span.build();
    }

    /** A flag stored as BOOLEAN, or as text where files of other types were read together. */
    private static boolean isTrue(Object flag) {
        return Boolean.TRUE.equals(flag) || "true".equals(flag);
    }

    private static Span.Kind kind(String storedKind) {
        String kind = ZipkinVocabulary.zipkinKind(storedKind);
        return kind == null ? null : Span.Kind.valueOf(kind);
    }

    /** The endpoint, or null when it has nothing; attributes it shows are added to {@code shownAsFields}. */
    private static Endpoint endpoint(String service, Map<String, Object> attributes, EndpointAttributes keys,
                                     Set<String> shownAsFields) {
        Endpoint.Builder endpoint = Endpoint.newBuilder().serviceName(service);
        Object address = attributes.get(keys.address());
        if (address instanceof String ip && endpoint.parseIp(ip)) {
            shownAsFields.add(keys.address());
        }
        Object ipv4 = attributes.get(keys.ipv4());
        if (ipv4 instanceof String ip && endpoint.parseIp(ip)) {
            shownAsFields.add(keys.ipv4());
        }
        Object port = attributes.get(keys.port());
        if (port instanceof Number number && number.longValue() > 0 && number.longValue() <= 0xffff) {
            endpoint.port(number.intValue());
            shownAsFields.add(keys.port());
        }
        Endpoint built = endpoint.build();
        return built.serviceName() == null && built.ipv4() == null && built.ipv6() == null && built.portAsInt() == 0
                ? null : built;
    }

    /** An event's name, then its attributes as JSON when it has some (as OpenTelemetry's Zipkin exporter writes). */
    private static String annotationValue(Map<String, Object> event) {
        String name = String.valueOf(event.get("name"));
        Object attributes = event.get("attributes");
        if (!(attributes instanceof Map<?, ?> map) || map.isEmpty()) {
            return name;
        }
        try {
            return name + " " + JSON.writeValueAsString(map);
        } catch (JsonProcessingException e) {
            return name;
        }
    }

    /** A tag value: text as it is, numbers and booleans as Java writes them, lists joined by commas. */
    private static String text(Object value) {
        if (value instanceof List<?> list) {
            return list.stream().map(String::valueOf).collect(Collectors.joining(","));
        }
        if (value instanceof Map<?, ?> map) {
            try {
                return JSON.writeValueAsString(map);
            } catch (JsonProcessingException e) {
                return String.valueOf(map);
            }
        }
        return String.valueOf(value);
    }
}
