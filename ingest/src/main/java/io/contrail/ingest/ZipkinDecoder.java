package io.contrail.ingest;

import com.google.protobuf.ByteString;
import io.contrail.columnar.SpanSchema;
import io.contrail.columnar.ZipkinVocabulary;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import zipkin2.Annotation;
import zipkin2.Endpoint;
import zipkin2.codec.SpanBytesDecoder;

/**
 * Decodes Zipkin v2 JSON ({@code POST /api/v2/spans}) or zipkin2 model spans into validated OTLP
 * {@link DecodedSpans}, mapped the way the OpenTelemetry Collector's zipkin receiver maps it, and
 * so that every field of a Zipkin span can be read back unchanged (the Zipkin API reads them back).
 *
 * <p>Spans are grouped into one ResourceSpans per local service ({@code service.name}, {@code
 * unknown_service} when absent), in order of first appearance, each with one ScopeSpans per
 * instrumentation scope ({@code otel.scope.name} tag, else {@value ZipkinVocabulary#DEFAULT_SCOPE_NAME}). Tags
 * become string attributes; {@code error}, {@code otel.status_code} and {@code
 * otel.status_description} also set the status; endpoints become {@code peer.service}, {@code
 * network.peer.*} and {@code network.local.*} attributes; microseconds become nanoseconds; 64-bit
 * trace IDs are left-padded to 128 bits. The names are {@link ZipkinVocabulary}'s. A span without a timestamp starts (and, without a
 * duration, ends) at Unix time 0, which is how zipkin2 itself represents an absent timestamp.
 *
 * <p>Parsing is zipkin2's, which normalizes as the Zipkin server does: span and service names are
 * lower-cased, and a body with an ID that is not lower-case hex fails whole. Stateless and
 * thread-safe.
 */
public final class ZipkinDecoder {

    private static final HexFormat HEX = HexFormat.of();
    private static final String PADDING_FOR_64_BIT_TRACE_ID = "0".repeat(16);
    private static final long NANOS_PER_MICRO = 1_000;

    private ZipkinDecoder() {}

    /**
     * Decodes a JSON array of Zipkin v2 spans; an empty body or {@code []} has no spans.
     *
     * @throws IngestException 400 with zipkin2's message when the body is not a valid span list
     */
    public static DecodedSpans decodeJsonV2(byte[] body) {
        List<zipkin2.Span> zipkinSpans;
        try {
            zipkinSpans = SpanBytesDecoder.JSON_V2.decodeList(body);
        } catch (IllegalArgumentException e) {
            throw IngestException.malformed("malformed Zipkin v2 JSON: " + e.getMessage(), e);
        }
        return decode(zipkinSpans);
    }

    /**
     * Converts spans already parsed by zipkin2 (a Zipkin {@code SpanConsumer}'s input); the same
     * mapping and validation as {@link #decodeJsonV2}, with problems reported as {@code spans[i]}.
     */
    public static DecodedSpans decode(List<zipkin2.Span> zipkinSpans) {
        Map<String, Map<InstrumentationScope, List<Converted>>> byServiceAndScope =
                new LinkedHashMap<>();
        for (int i = 0; i < zipkinSpans.size(); i++) {
            zipkin2.Span zipkinSpan = zipkinSpans.get(i);
            var tags = new LinkedHashMap<>(zipkinSpan.tags());
            InstrumentationScope scope = takeScope(tags);
            Converted converted = convert(i, zipkinSpan, tags);
            String service = SpanSchema.serviceName(zipkinSpan.localServiceName());
            byServiceAndScope.computeIfAbsent(service, s -> new LinkedHashMap<>())
                    .computeIfAbsent(scope, s -> new ArrayList<>())
                    .add(converted);
        }

        var traces = TracesData.newBuilder();
        Map<SpanPosition, List<String>> problems = new HashMap<>();
        Map<SpanPosition, Integer> inputIndexes = new HashMap<>();
        for (var service : byServiceAndScope.entrySet()) {
            var resourceSpans = ResourceSpans.newBuilder()
                    .setResource(Resource.newBuilder().addAttributes(stringAttribute(SpanSchema.SERVICE_NAME_ATTRIBUTE,
                            service.getKey())));
            for (var scope : service.getValue().entrySet()) {
                var scopeSpans = ScopeSpans.newBuilder().setScope(scope.getKey());
                for (Converted converted : scope.getValue()) {
                    var position = new SpanPosition(traces.getResourceSpansCount(),
                            resourceSpans.getScopeSpansCount(), scopeSpans.getSpansCount());
                    inputIndexes.put(position, converted.inputIndex());
                    if (!converted.problems().isEmpty()) {
                        problems.put(position, converted.problems());
                    }
                    scopeSpans.addSpans(converted.span());
                }
                resourceSpans.addScopeSpans(scopeSpans);
            }
            traces.addResourceSpans(resourceSpans);
        }
        return SpanValidator.validate(traces.build(), problems, RejectionCause.INVALID_TIME,
                position -> "spans[" + inputIndexes.get(position) + "]");
    }

    /** A Zipkin span as OTLP, with what made it unconvertible, and where it was in the body. */
    private record Converted(int inputIndex, Span span, List<String> problems) {}

    /** Removes the scope tags (current and pre-1.0 OpenTelemetry names) and returns the scope. */
    private static InstrumentationScope takeScope(Map<String, String> tags) {
        String name = removeEither(tags, ZipkinVocabulary.SCOPE_NAME_TAG, ZipkinVocabulary.LEGACY_SCOPE_NAME_TAG);
        String version = removeEither(tags, ZipkinVocabulary.SCOPE_VERSION_TAG,
                ZipkinVocabulary.LEGACY_SCOPE_VERSION_TAG);
        var scope = InstrumentationScope.newBuilder()
                .setName(name == null ? ZipkinVocabulary.DEFAULT_SCOPE_NAME : name);
        if (version != null) {
            scope.setVersion(version);
        }
        return scope.build();
    }

    /** Converts one span; {@code tags} is a mutable copy that loses the tags mapped to fields. */
    private static Converted convert(int inputIndex, zipkin2.Span zipkinSpan,
            Map<String, String> tags) {
        List<String> problems = new ArrayList<>(0);
        String traceId = zipkinSpan.traceId().length() == 16
                ? PADDING_FOR_64_BIT_TRACE_ID + zipkinSpan.traceId() : zipkinSpan.traceId();
        var span = Span.newBuilder()
                .setTraceId(hexBytes(traceId))
                .setSpanId(hexBytes(zipkinSpan.id()))
                .setName(zipkinSpan.name() == null ? "" : zipkinSpan.name())
                .setKind(ZipkinVocabulary.otlpKind(zipkinSpan.kind() == null ? null : zipkinSpan.kind().name()));
        if (zipkinSpan.parentId() != null && !zipkinSpan.parentId().equals(zipkinSpan.id())) {
            span.setParentSpanId(hexBytes(zipkinSpan.parentId()));
        }
        String traceState = tags.remove(ZipkinVocabulary.TRACE_STATE_TAG);
        if (traceState != null) {
            span.setTraceState(traceState);
        }
        Status status = takeStatus(tags);
        if (!status.equals(Status.getDefaultInstance())) {
            span.setStatus(status);
        }

        try {
            // zipkin2 reads an absent timestamp as 0: such a span is kept at Unix time 0, not guessed.
            long start = Math.multiplyExact(zipkinSpan.timestampAsLong(), NANOS_PER_MICRO);
            long duration = Math.multiplyExact(zipkinSpan.durationAsLong(), NANOS_PER_MICRO);
            span.setStartTimeUnixNano(start).setEndTimeUnixNano(Math.addExact(start, duration));
        } catch (ArithmeticException e) {
            problems.add("timestamp " + zipkinSpan.timestamp() + " + duration "
                    + zipkinSpan.durationAsLong() + " µs is out of range");
        }

        List<Annotation> annotations = zipkinSpan.annotations();
        for (int a = 0; a < annotations.size(); a++) {
            Annotation annotation = annotations.get(a);
            if (annotation.timestamp() > Long.MAX_VALUE / NANOS_PER_MICRO) {
                problems.add("annotations[" + a + "].timestamp " + annotation.timestamp()
                        + " µs is out of range");
                continue;
            }
            span.addEventsBuilder()
                    .setTimeUnixNano(annotation.timestamp() * NANOS_PER_MICRO)
                    .setName(annotation.value());
        }

        // Later entries win, as in the collector: endpoint facts override same-named tags.
        Map<String, AnyValue> attributes = new LinkedHashMap<>();
        tags.forEach((key, value) -> attributes.put(key, stringValue(value)));
        Endpoint local = zipkinSpan.localEndpoint();
        if (local != null) {
            putAddressAndPort(attributes, local, ZipkinVocabulary.LOCAL_ENDPOINT);
        }
        Endpoint remote = zipkinSpan.remoteEndpoint();
        if (remote != null) {
            if (remote.serviceName() != null) {
                attributes.put(ZipkinVocabulary.REMOTE_SERVICE_ATTRIBUTE, stringValue(remote.serviceName()));
            }
            putAddressAndPort(attributes, remote, ZipkinVocabulary.REMOTE_ENDPOINT);
        }
        if (Boolean.TRUE.equals(zipkinSpan.shared())) {
            attributes.put(ZipkinVocabulary.SHARED_ATTRIBUTE, AnyValue.newBuilder().setBoolValue(true).build());
        }
        if (Boolean.TRUE.equals(zipkinSpan.debug())) {
            attributes.put(ZipkinVocabulary.DEBUG_ATTRIBUTE, AnyValue.newBuilder().setBoolValue(true).build());
        }
        attributes.forEach((key, value) ->
                span.addAttributes(KeyValue.newBuilder().setKey(key).setValue(value)));
        return new Converted(inputIndex, span.build(), problems);
    }

    /**
     * The status from the tags: {@code otel.status_code} (OK, ERROR) with {@code
     * otel.status_description}, as OpenTelemetry's Zipkin exporter writes them, and Zipkin's own
     * {@code error} tag, which means ERROR whatever its value and carries the message unless it is
     * just "true". The tags stay attributes too, so that the span reads back as it was sent.
     */
    private static Status takeStatus(Map<String, String> tags) {
        var status = Status.newBuilder();
        String otelCode = tags.get(ZipkinVocabulary.STATUS_CODE_TAG);
        if (otelCode != null) {
            switch (otelCode.toUpperCase(Locale.ROOT)) {
                case "OK", "STATUS_CODE_OK" -> status.setCode(StatusCode.STATUS_CODE_OK);
                case "ERROR", "STATUS_CODE_ERROR" -> status.setCode(StatusCode.STATUS_CODE_ERROR);
                case "UNSET", "STATUS_CODE_UNSET" -> status.setCode(StatusCode.STATUS_CODE_UNSET);
                default -> { } // not a status code we know: only an attribute
            }
        }
        String description = tags.get(ZipkinVocabulary.STATUS_DESCRIPTION_TAG);
        if (description != null) {
            status.setMessage(description);
        }
        String error = tags.get(ZipkinVocabulary.ERROR_TAG);
        if (error != null) {
            status.setCode(StatusCode.STATUS_CODE_ERROR);
            if (!error.isEmpty() && !error.equalsIgnoreCase("true")) {
                status.setMessage(error);
            }
        }
        return status.build();
    }

    /**
     * IPv6 wins over IPv4 when an endpoint has both, as in the collector; the IPv4 address is then
     * kept under its own key so the endpoint reads back whole.
     */
    private static void putAddressAndPort(Map<String, AnyValue> attributes, Endpoint endpoint,
            ZipkinVocabulary.EndpointAttributes keys) {
        String address = endpoint.ipv6() != null ? endpoint.ipv6() : endpoint.ipv4();
        if (address != null) {
            attributes.put(keys.address(), stringValue(address));
        }
        if (endpoint.ipv6() != null && endpoint.ipv4() != null) {
            attributes.put(keys.ipv4(), stringValue(endpoint.ipv4()));
        }
        if (endpoint.portAsInt() > 0) {
            attributes.put(keys.port(), AnyValue.newBuilder().setIntValue(endpoint.portAsInt()).build());
        }
    }

    private static String removeEither(Map<String, String> tags, String key, String legacyKey) {
        String value = tags.remove(key);
        String legacy = tags.remove(legacyKey);
        return value != null ? value : legacy;
    }

    private static ByteString hexBytes(String lowerHex) {
        return ByteString.copyFrom(HEX.parseHex(lowerHex));
    }

    private static KeyValue stringAttribute(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(stringValue(value)).build();
    }

    private static AnyValue stringValue(String value) {
        return AnyValue.newBuilder().setStringValue(value).build();
    }
}
