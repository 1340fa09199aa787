package io.contrail.columnar;

import io.opentelemetry.proto.trace.v1.Span;

import java.util.HashMap;
import java.util.Map;

/**
 * How the fields of a Zipkin v2 span are stored: which tags become span fields, which attributes hold
 * the endpoints and flags, how kinds and the unnamed local service map. Ingest's Zipkin decoder writes
 * spans by it and the Zipkin query API reads them back by it, so that a span that came in as Zipkin
 * reads back equal; {@link SpanSchema}'s Zipkin sources name the same keys. The mapping is the
 * OpenTelemetry Collector's zipkin receiver's, with the extra keys that make it reversible.
 */
public final class ZipkinVocabulary {

    /** The instrumentation scope of spans that name none in a scope tag; read back as no tag. */
    public static final String DEFAULT_SCOPE_NAME = "zipkin";

    /** Tag naming the span's instrumentation scope (its pre-1.0 OpenTelemetry name is read too). */
    public static final String SCOPE_NAME_TAG = "otel.scope.name";
    public static final String LEGACY_SCOPE_NAME_TAG = "otel.library.name";
    /** Tag holding the scope's version (its pre-1.0 OpenTelemetry name is read too). */
    public static final String SCOPE_VERSION_TAG = "otel.scope.version";
    public static final String LEGACY_SCOPE_VERSION_TAG = "otel.library.version";
    /** Tag holding the W3C trace state. */
    public static final String TRACE_STATE_TAG = "w3c.tracestate";
    /**
     * Tags setting the status, as OpenTelemetry's Zipkin exporter writes them ({@code OK}, {@code ERROR}
     * and a description) and Zipkin's own {@code error}, ERROR whatever its value. They stay attributes too.
     */
    public static final String STATUS_CODE_TAG = "otel.status_code";
    public static final String STATUS_DESCRIPTION_TAG = "otel.status_description";
    public static final String ERROR_TAG = "error";

    /** The attribute holding the remote endpoint's service name. */
    public static final String REMOTE_SERVICE_ATTRIBUTE = "peer.service";
    /** Attributes holding Zipkin's {@code shared} and {@code debug} flags (booleans, set only when true). */
    public static final String SHARED_ATTRIBUTE = "zipkin.shared";
    public static final String DEBUG_ATTRIBUTE = "zipkin.debug";

    /**
     * The attributes holding an endpoint's IP and port: the IPv6 address when it has one, else the IPv4 one;
     * with both, the IPv4 address goes under {@code ipv4}, so the endpoint reads back whole.
     */
    public record EndpointAttributes(String address, String port, String ipv4) {
    }

    public static final EndpointAttributes LOCAL_ENDPOINT =
            new EndpointAttributes("network.local.address", "network.local.port", "zipkin.local_endpoint.ipv4");
    public static final EndpointAttributes REMOTE_ENDPOINT =
            new EndpointAttributes("network.peer.address", "network.peer.port", "zipkin.remote_endpoint.ipv4");

    /** Zipkin's span kinds, by name, as OTLP kinds. */
    private static final Map<String, Span.SpanKind> OTLP_KINDS = Map.of(
            "CLIENT", Span.SpanKind.SPAN_KIND_CLIENT,
            "SERVER", Span.SpanKind.SPAN_KIND_SERVER,
            "PRODUCER", Span.SpanKind.SPAN_KIND_PRODUCER,
            "CONSUMER", Span.SpanKind.SPAN_KIND_CONSUMER);
    private static final Map<String, String> ZIPKIN_KINDS = new HashMap<>();

    static {
        OTLP_KINDS.forEach((zipkin, otlp) -> ZIPKIN_KINDS.put(SpanSchema.kindName(otlp.getNumber()), zipkin));
    }

    private ZipkinVocabulary() {
    }

    /** The OTLP kind of a Zipkin kind (by name); a span without one (or with one Zipkin has not) is INTERNAL. */
    public static Span.SpanKind otlpKind(String zipkinKind) {
        return zipkinKind == null ? Span.SpanKind.SPAN_KIND_INTERNAL
                : OTLP_KINDS.getOrDefault(zipkinKind, Span.SpanKind.SPAN_KIND_INTERNAL);
    }

    /** The Zipkin kind (by name) of a stored {@code kind}, or null for one Zipkin has not (INTERNAL, UNSPECIFIED). */
    public static String zipkinKind(String storedKind) {
        return ZIPKIN_KINDS.get(storedKind);
    }

    /** The local endpoint's service name of a stored {@code service_name}: none for {@link SpanSchema#UNKNOWN_SERVICE}. */
    public static String localServiceName(String serviceName) {
        return SpanSchema.UNKNOWN_SERVICE.equals(serviceName) ? null : serviceName;
    }
}
