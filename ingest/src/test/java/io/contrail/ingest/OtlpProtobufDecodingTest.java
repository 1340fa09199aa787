package io.contrail.ingest;

import static io.contrail.ingest.SpanFixtures.attribute;
import static io.contrail.ingest.SpanFixtures.hex;
import static io.contrail.ingest.SpanFixtures.validSpan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class OtlpProtobufDecodingTest {

    /** A request using every part of the trace model: the decoder must change none of it. */
    static ExportTraceServiceRequest richRequest() {
        AnyValue everyType = AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
                .addValues(attribute("string", "café ☕"))
                .addValues(attribute("bool", AnyValue.newBuilder().setBoolValue(true).build()))
                .addValues(attribute("int", AnyValue.newBuilder().setIntValue(Long.MIN_VALUE).build()))
                .addValues(attribute("double", AnyValue.newBuilder().setDoubleValue(-0.125).build()))
                .addValues(attribute("bytes", AnyValue.newBuilder()
                        .setBytesValue(ByteString.copyFrom(new byte[] {0, 1, (byte) 0xff})).build()))
                .addValues(attribute("array", AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
                        .addValues(AnyValue.newBuilder().setStringValue("a"))
                        .addValues(AnyValue.newBuilder().setIntValue(2))
                        .addValues(AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
                                .addValues(AnyValue.newBuilder().setBoolValue(false))))).build()))
                .addValues(attribute("empty", AnyValue.getDefaultInstance())))
                .build();
        Span root = validSpan("GET /cart", 0)
                .setTraceState("congo=t61rcWkgMzE")
                .setFlags(0x301)
                .addAttributes(attribute("everything", everyType))
                .addAttributes(attribute("http.request.method", "GET"))
                .setDroppedAttributesCount(3)
                .addEvents(Span.Event.newBuilder().setTimeUnixNano(SpanFixtures.START_UNIX_NANO + 5)
                        .setName("exception").addAttributes(attribute("exception.type", "IOException"))
                        .setDroppedAttributesCount(1))
                .addLinks(Span.Link.newBuilder().setTraceId(hex("0af7651916cd43dd8448eb211c80319c"))
                        .setSpanId(hex("b7ad6b7169203331")).setTraceState("rojo=00f067aa0ba902b7")
                        .addAttributes(attribute("link.kind", "follows_from")).setFlags(0x100))
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
                        .setMessage("upstream timed out"))
                .build();
        Span child = validSpan("SELECT cart", 1).setKind(Span.SpanKind.SPAN_KIND_CLIENT)
                .setParentSpanId(root.getSpanId())
                .build();
        Span other = validSpan("consume", 2).setKind(Span.SpanKind.SPAN_KIND_CONSUMER).build();
        return ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder()
                        .setResource(Resource.newBuilder().addAttributes(attribute("service.name", "cart"))
                                .addAttributes(attribute("host.cpu.count",
                                        AnyValue.newBuilder().setIntValue(2).build())))
                        .setSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
                        .addScopeSpans(ScopeSpans.newBuilder()
                                .setScope(InstrumentationScope.newBuilder().setName("io.opentelemetry.servlet")
                                        .setVersion("2.1.0").addAttributes(attribute("scope.attr", "x")))
                                .setSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
                                .addSpans(root).addSpans(child))
                        .addScopeSpans(ScopeSpans.newBuilder()
                                .setScope(InstrumentationScope.newBuilder().setName("io.opentelemetry.jdbc"))
                                .addSpans(other)))
                .addResourceSpans(ResourceSpans.newBuilder()
                        .setResource(Resource.newBuilder().addAttributes(attribute("service.name", "pay")))
                        .addScopeSpans(ScopeSpans.newBuilder().addSpans(validSpan("charge", 3))))
                .build();
    }

    @Test
    void everyFieldOfAProtobufRequestSurvivesDecoding() {
        ExportTraceServiceRequest request = richRequest();

        DecodedSpans decoded = OtlpDecoder.decodeProtobuf(request.toByteArray());

        assertThat(decoded.traces()).isEqualTo(
                TracesData.newBuilder().addAllResourceSpans(request.getResourceSpansList()).build());
        assertThat(decoded.acceptedSpans()).isEqualTo(4);
        assertThat(decoded.rejectedSpans()).isZero();
        assertThat(decoded.errorMessage()).isNull();
    }

    @Test
    void theContentTypeChoosesTheDecoder() {
        byte[] body = richRequest().toByteArray();

        assertThat(OtlpDecoder.decode("application/x-protobuf", body).acceptedSpans()).isEqualTo(4);
        assertThat(OtlpDecoder.decode("Application/Protobuf; charset=binary", body).acceptedSpans())
                .isEqualTo(4);
        assertThat(OtlpDecoder.decode("application/json; charset=utf-8",
                "{}".getBytes(StandardCharsets.UTF_8)).acceptedSpans()).isZero();
        assertThatThrownBy(() -> OtlpDecoder.decode("text/plain", body))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(415);
                    assertThat(e.getMessage()).contains("'text/plain'");
                });
        assertThatThrownBy(() -> OtlpDecoder.decode((String) null, body))
                .isInstanceOfSatisfying(IngestException.class,
                        e -> assertThat(e.httpStatus()).isEqualTo(415));
    }

    @Test
    void anEmptyBodyIsARequestWithoutSpans() {
        DecodedSpans decoded = OtlpDecoder.decodeProtobuf(new byte[0]);

        assertThat(decoded).isEqualTo(
                new DecodedSpans(TracesData.getDefaultInstance(), 0, 0, null));
    }

    @Test
    void invalidSpansInAProtobufRequestAreRejectedAlone() {
        ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(SpanFixtures.resource("cart", SpanFixtures.scope("s",
                        validSpan("ok", 0).build(), validSpan("GET /cart", 1).setTraceId(hex("0102")).build())))
                .build();

        DecodedSpans decoded = OtlpDecoder.decodeProtobuf(request.toByteArray());

        assertThat(decoded.acceptedSpans()).isEqualTo(1);
        assertThat(decoded.errorMessage()).isEqualTo("1 span rejected: "
                + "resourceSpans[0].scopeSpans[0].spans[1] \"GET /cart\": traceId must be 16 bytes, got 2");
    }

    @Test
    void bytesThatAreNotProtobufAreABadRequest() {
        byte[] notProtobuf = "this is not protobuf".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> OtlpDecoder.decodeProtobuf(notProtobuf))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.getMessage()).startsWith("malformed OTLP protobuf ExportTraceServiceRequest: ");
                });
    }

    @Test
    void aTruncatedProtobufRequestIsABadRequest() {
        byte[] whole = richRequest().toByteArray();
        byte[] truncated = Arrays.copyOf(whole, whole.length - 7);

        assertThatThrownBy(() -> OtlpDecoder.decodeProtobuf(truncated))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("input ended unexpectedly");
                });
    }
}
