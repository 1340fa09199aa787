package io.contrail.ingest;

import static io.contrail.ingest.SpanFixtures.attribute;
import static io.contrail.ingest.SpanFixtures.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.contrail.columnar.ZipkinVocabulary;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import zipkin2.Endpoint;
import zipkin2.codec.SpanBytesEncoder;

class ZipkinDecoderTest {

    private static final String TRACE_ID_64 = "463ac35c9f6413ad";
    private static final long TIMESTAMP_MICROS = 1_544_712_660_000_123L;

    /** The server side of an RPC whose client shares its span ID, as B3 single-host spans do. */
    static final zipkin2.Span SHARED_SERVER_SPAN = zipkin2.Span.newBuilder()
            .traceId(TRACE_ID_64)
            .parentId("0000000000000001")
            .id("72485a3953bb6124")
            .name("get /cart")
            .kind(zipkin2.Span.Kind.SERVER)
            .shared(true)
            .localEndpoint(Endpoint.newBuilder().serviceName("frontend").ip("10.0.0.2").port(8080)
                    .build())
            .remoteEndpoint(Endpoint.newBuilder().serviceName("gateway").ip("2001:db8::c001")
                    .port(43210).build())
            .timestamp(TIMESTAMP_MICROS)
            .duration(2_500L)
            .addAnnotation(TIMESTAMP_MICROS + 10, "wr")
            .addAnnotation(TIMESTAMP_MICROS + 2_000, "ws")
            .putTag("http.method", "GET")
            .putTag("http.path", "/cart")
            .putTag("error", "500 Internal Server Error")
            .build();

    static final zipkin2.Span CLIENT_SPAN = zipkin2.Span.newBuilder()
            .traceId("0af7651916cd43dd8448eb211c80319c")
            .id("b7ad6b7169203331")
            .name("select cart")
            .kind(zipkin2.Span.Kind.CLIENT)
            .debug(true)
            .localEndpoint(Endpoint.newBuilder().serviceName("cartservice").build())
            .remoteEndpoint(Endpoint.newBuilder().ip("192.168.1.7").port(5432).build())
            .timestamp(TIMESTAMP_MICROS)
            .duration(40L)
            .putTag("otel.scope.name", "io.opentelemetry.jdbc")
            .putTag("otel.scope.version", "2.1.0")
            .putTag("otel.status_code", "OK")
            .build();

    @Test
    void zipkinSpansBecomeOtlpGroupedByServiceAndScope() {
        zipkin2.Span noService = zipkin2.Span.newBuilder().traceId(TRACE_ID_64).id("0000000000000003")
                .name("tick").timestamp(TIMESTAMP_MICROS).build();
        zipkin2.Span sameServiceAgain = SHARED_SERVER_SPAN.toBuilder().id("0000000000000004")
                .clearAnnotations().clearTags().shared(false).remoteEndpoint(null).build();

        DecodedSpans decoded = ZipkinDecoder.decodeJsonV2(
                encode(SHARED_SERVER_SPAN, CLIENT_SPAN, noService, sameServiceAgain));

        Span server = Span.newBuilder()
                .setTraceId(hex("0000000000000000" + TRACE_ID_64))
                .setSpanId(hex("72485a3953bb6124"))
                .setParentSpanId(hex("0000000000000001"))
                .setName("get /cart")
                .setKind(Span.SpanKind.SPAN_KIND_SERVER)
                .setStartTimeUnixNano(1_544_712_660_000_123_000L)
                .setEndTimeUnixNano(1_544_712_660_002_623_000L)
                .addEvents(Span.Event.newBuilder().setTimeUnixNano(1_544_712_660_000_133_000L)
                        .setName("wr"))
                .addEvents(Span.Event.newBuilder().setTimeUnixNano(1_544_712_660_002_123_000L)
                        .setName("ws"))
                .addAttributes(attribute("error", "500 Internal Server Error"))
                .addAttributes(attribute("http.method", "GET"))
                .addAttributes(attribute("http.path", "/cart"))
                .addAttributes(attribute("network.local.address", "10.0.0.2"))
                .addAttributes(attribute("network.local.port", intValue(8080)))
                .addAttributes(attribute("peer.service", "gateway"))
                .addAttributes(attribute("network.peer.address", "2001:db8::c001"))
                .addAttributes(attribute("network.peer.port", intValue(43210)))
                .addAttributes(attribute("zipkin.shared", AnyValue.newBuilder().setBoolValue(true)
                        .build()))
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
                        .setMessage("500 Internal Server Error"))
                .build();
        Span serverAgain = server.toBuilder().setSpanId(hex("0000000000000004")).clearEvents()
                .clearAttributes().clearStatus()
                .addAttributes(attribute("network.local.address", "10.0.0.2"))
                .addAttributes(attribute("network.local.port", intValue(8080)))
                .build();
        Span client = Span.newBuilder()
                .setTraceId(hex("0af7651916cd43dd8448eb211c80319c"))
                .setSpanId(hex("b7ad6b7169203331"))
                .setName("select cart")
                .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
                .setStartTimeUnixNano(1_544_712_660_000_123_000L)
                .setEndTimeUnixNano(1_544_712_660_000_163_000L)
                .addAttributes(attribute("otel.status_code", "OK"))
                .addAttributes(attribute("network.peer.address", "192.168.1.7"))
                .addAttributes(attribute("network.peer.port", intValue(5432)))
                .addAttributes(attribute("zipkin.debug", AnyValue.newBuilder().setBoolValue(true).build()))
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK))
                .build();
        Span tick = Span.newBuilder()
                .setTraceId(hex("0000000000000000" + TRACE_ID_64))
                .setSpanId(hex("0000000000000003"))
                .setName("tick")
                .setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
                .setStartTimeUnixNano(1_544_712_660_000_123_000L)
                .setEndTimeUnixNano(1_544_712_660_000_123_000L)
                .build();
        TracesData expected = TracesData.newBuilder()
                .addResourceSpans(resourceSpans("frontend", scopeSpans("zipkin", "", server, serverAgain)))
                .addResourceSpans(resourceSpans("cartservice",
                        scopeSpans("io.opentelemetry.jdbc", "2.1.0", client)))
                .addResourceSpans(resourceSpans("unknown_service", scopeSpans("zipkin", "", tick)))
                .build();
        assertThat(decoded).isEqualTo(new DecodedSpans(expected, 4, 0, null));
    }

    @Test
    void anErrorTagThatIsJustAFlagSetsTheStatusWithoutMessageAndStaysATag() {
        zipkin2.Span flagged = CLIENT_SPAN.toBuilder().clearTags().putTag("error", "true").build();

        Span span = onlySpan(ZipkinDecoder.decodeJsonV2(encode(flagged)));

        assertThat(span.getStatus()).isEqualTo(
                Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).build());
        assertThat(span.getAttributesList()).contains(attribute("error", "true"));
    }

    @Test
    void aSpanWithoutTimestampIsKeptAtUnixTimeZeroWithItsDuration() {
        zipkin2.Span noTimestamp = CLIENT_SPAN.toBuilder().id("00000000000000aa").name("get /slow")
                .timestamp(0L).duration(1_500L).build();

        DecodedSpans decoded = ZipkinDecoder.decode(List.of(noTimestamp));

        assertThat(decoded.fullyAccepted()).isTrue();
        Span span = onlySpan(decoded);
        assertThat(span.getStartTimeUnixNano()).isZero();
        assertThat(span.getEndTimeUnixNano()).isEqualTo(1_500_000L);
    }

    @Test
    void anEndpointWithBothAddressesKeepsItsIpv4BesideTheIpv6() {
        zipkin2.Span dualStack = CLIENT_SPAN.toBuilder().remoteEndpoint(Endpoint.newBuilder()
                .ip("192.168.1.7").ip("2001:db8::c001").port(5432).build()).build();

        Span span = onlySpan(ZipkinDecoder.decode(List.of(dualStack)));

        assertThat(span.getAttributesList()).contains(
                attribute("network.peer.address", "2001:db8::c001"),
                attribute(ZipkinVocabulary.REMOTE_ENDPOINT.ipv4(), "192.168.1.7"));
    }

    @Test
    void timestampsBeyondTheNanosecondRangeAreRejected() {
        zipkin2.Span farFuture = CLIENT_SPAN.toBuilder().timestamp(Long.MAX_VALUE / 10).build();

        DecodedSpans decoded = ZipkinDecoder.decodeJsonV2(encode(farFuture));

        assertThat(decoded.rejectedSpans()).isEqualTo(1);
        assertThat(decoded.errorMessage()).contains("spans[0] \"select cart\": timestamp ")
                .endsWith("µs is out of range");
    }

    @Test
    void zipkinNormalizesNamesToLowerCase() {
        byte[] body = """
                [{"traceId": "463ac35c9f6413ad", "id": "72485a3953bb6124", "name": "GET /Cart",
                    "timestamp": 1544712660000123, "localEndpoint": {"serviceName": "FrontEnd"}}]
                """.getBytes(StandardCharsets.UTF_8);

        DecodedSpans decoded = ZipkinDecoder.decodeJsonV2(body);

        assertThat(onlySpan(decoded).getName()).isEqualTo("get /cart");
        assertThat(decoded.traces().getResourceSpans(0).getResource().getAttributes(0))
                .isEqualTo(attribute("service.name", "frontend"));
    }

    @Test
    void anEmptyListHasNoSpans() {
        assertThat(ZipkinDecoder.decodeJsonV2("[]".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new DecodedSpans(TracesData.getDefaultInstance(), 0, 0, null));
    }

    @Test
    void malformedZipkinJsonIsABadRequestWithZipkinsMessage() {
        byte[] upperCaseId = """
                [{"traceId": "463AC35C9F6413AD", "id": "72485a3953bb6124", "timestamp": 1}]
                """.getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> ZipkinDecoder.decodeJsonV2(upperCaseId))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.getMessage()).isEqualTo("malformed Zipkin v2 JSON: 463AC35C9F6413AD "
                            + "should be lower-hex encoded with no prefix reading List<Span> from json");
                });
        assertThatThrownBy(() -> ZipkinDecoder.decodeJsonV2("[{".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(IngestException.class,
                        e -> assertThat(e.httpStatus()).isEqualTo(400));
    }

    static byte[] encode(zipkin2.Span... spans) {
        return SpanBytesEncoder.JSON_V2.encodeList(List.of(spans));
    }

    private static Span onlySpan(DecodedSpans decoded) {
        assertThat(decoded.acceptedSpans()).isEqualTo(1);
        return decoded.traces().getResourceSpans(0).getScopeSpans(0).getSpans(0);
    }

    private static AnyValue intValue(long value) {
        return AnyValue.newBuilder().setIntValue(value).build();
    }

    private static ResourceSpans resourceSpans(String service, ScopeSpans... scopes) {
        return ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(attribute("service.name", service)))
                .addAllScopeSpans(List.of(scopes))
                .build();
    }

    private static ScopeSpans scopeSpans(String name, String version, Span... spans) {
        return ScopeSpans.newBuilder()
                .setScope(InstrumentationScope.newBuilder().setName(name).setVersion(version))
                .addAllSpans(List.of(spans))
                .build();
    }
}
