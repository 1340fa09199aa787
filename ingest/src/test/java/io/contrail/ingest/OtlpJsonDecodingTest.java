package io.contrail.ingest;

import static io.contrail.ingest.SpanFixtures.attribute;
import static io.contrail.ingest.SpanFixtures.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class OtlpJsonDecodingTest {

    /**
     * OTLP/JSON as exporters send it: hex IDs (here upper-case), int64 as strings and as numbers
     * (one beyond a double's precision), enums as integers, and a field this version does not know.
     */
    static final String EXPORTER_JSON = """
            {
                "resourceSpans": [{
                    "resource": {
                        "attributes": [{"key": "service.name", "value": {"stringValue": "checkout"}}]
                    },
                    "scopeSpans": [{
                        "scope": {"name": "io.opentelemetry.okhttp", "version": "1.2.0"},
                        "schemaUrl": "https://opentelemetry.io/schemas/1.24.0",
                        "spans": [{
                            "traceId": "5B8EFFF798038103D269B633813FC60C",
                            "spanId": "EEE19B7EC3C1B174",
                            "parentSpanId": "eee19b7ec3c1b173",
                            "traceState": "congo=t61rcWkgMzE",
                            "name": "GET /cart",
                            "kind": 2,
                            "startTimeUnixNano": "1544712660000000000",
                            "endTimeUnixNano": 1544712661000000001,
                            "attributes": [
                                {"key": "http.response.status_code", "value": {"intValue": "200"}},
                                {"key": "retries", "value": {"intValue": 3}},
                                {"key": "min", "value": {"intValue": "-9223372036854775808"}},
                                {"key": "ratio", "value": {"doubleValue": 0.25}},
                                {"key": "cached", "value": {"boolValue": true}},
                                {"key": "payload", "value": {"bytesValue": "AAH/"}},
                                {"key": "tags", "value": {"arrayValue": {"values": [
                                    {"stringValue": "a"}, {"intValue": 2}]}}},
                                {"key": "nested", "value": {"kvlistValue": {"values": [
                                    {"key": "k", "value": {"stringValue": "v"}}]}}}
                            ],
                            "droppedAttributesCount": 1,
                            "events": [{
                                "timeUnixNano": 1.5447126605e18,
                                "name": "cache miss",
                                "attributes": [{"key": "cache", "value": {"stringValue": "redis"}}]
                            }],
                            "links": [{
                                "traceId": "0AF7651916CD43DD8448EB211C80319C",
                                "spanId": "B7AD6B7169203331",
                                "attributes": [],
                                "flags": 256
                            }],
                            "status": {"code": 2, "message": "upstream timed out"},
                            "flags": 769,
                            "aFieldFromTheFuture": {"with": ["anything", 1]}
                        }]
                    }]
                }]
            }
            """;

    @Test
    void theOtlpJsonMappingIsDecodedExactly() {
        DecodedSpans decoded = OtlpDecoder.decodeJson(utf8(EXPORTER_JSON));

        Span expected = Span.newBuilder()
                .setTraceId(hex("5b8efff798038103d269b633813fc60c"))
                .setSpanId(hex("eee19b7ec3c1b174"))
                .setParentSpanId(hex("eee19b7ec3c1b173"))
                .setTraceState("congo=t61rcWkgMzE")
                .setName("GET /cart")
                .setKind(Span.SpanKind.SPAN_KIND_SERVER)
                .setStartTimeUnixNano(1_544_712_660_000_000_000L)
                .setEndTimeUnixNano(1_544_712_661_000_000_001L)
                .addAttributes(attribute("http.response.status_code",
                        AnyValue.newBuilder().setIntValue(200).build()))
                .addAttributes(attribute("retries", AnyValue.newBuilder().setIntValue(3).build()))
                .addAttributes(attribute("min", AnyValue.newBuilder().setIntValue(Long.MIN_VALUE).build()))
                .addAttributes(attribute("ratio", AnyValue.newBuilder().setDoubleValue(0.25).build()))
                .addAttributes(attribute("cached", AnyValue.newBuilder().setBoolValue(true).build()))
                .addAttributes(attribute("payload", AnyValue.newBuilder()
                        .setBytesValue(ByteString.copyFrom(new byte[] {0, 1, (byte) 0xff})).build()))
                .addAttributes(attribute("tags", AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
                        .addValues(AnyValue.newBuilder().setStringValue("a"))
                        .addValues(AnyValue.newBuilder().setIntValue(2))).build()))
                .addAttributes(attribute("nested", AnyValue.newBuilder().setKvlistValue(
                        KeyValueList.newBuilder().addValues(attribute("k", "v"))).build()))
                .setDroppedAttributesCount(1)
                .addEvents(Span.Event.newBuilder().setTimeUnixNano(1_544_712_660_500_000_000L)
                        .setName("cache miss").addAttributes(attribute("cache", "redis")))
                .addLinks(Span.Link.newBuilder().setTraceId(hex("0af7651916cd43dd8448eb211c80319c"))
                        .setSpanId(hex("b7ad6b7169203331")).setFlags(256))
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
                        .setMessage("upstream timed out"))
                .setFlags(769)
                .build();
        TracesData expectedTraces = TracesData.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                        .setResource(Resource.newBuilder().addAttributes(attribute("service.name", "checkout")))
                        .addScopeSpans(ScopeSpans.newBuilder()
                                .setScope(InstrumentationScope.newBuilder().setName("io.opentelemetry.okhttp")
                                        .setVersion("1.2.0"))
                                .setSchemaUrl("https://opentelemetry.io/schemas/1.24.0")
                                .addSpans(expected)))
                .build();
        assertThat(decoded).isEqualTo(new DecodedSpans(expectedTraces, 1, 0, null));
        // The unknown field is dropped, not carried along as unknown protobuf data.
        assertThat(decoded.traces().getResourceSpans(0).getScopeSpans(0).getSpans(0)
                .getUnknownFields().asMap()).isEmpty();
    }

    @Test
    void jsonAndProtobufOfTheSameRequestDecodeToTheSameSpans() throws Exception {
        var request = OtlpProtobufDecodingTest.richRequest();
        String json = OtlpJsonText.of(request);

        assertThat(OtlpDecoder.decodeJson(utf8(json)))
                .isEqualTo(OtlpDecoder.decodeProtobuf(request.toByteArray()));
    }

    @Test
    void protoFieldNamesAndEnumNamesAreAcceptedToo() {
        String json = """
                {"resource_spans": [{"scope_spans": [{"spans": [{
                    "trace_id": "5b8efff798038103d269b633813fc60c", "span_id": "eee19b7ec3c1b174",
                    "parent_span_id": "", "kind": "SPAN_KIND_CLIENT",
                    "start_time_unix_nano": 1, "end_time_unix_nano": "2",
                    "status": {"code": "STATUS_CODE_OK"}}]}]}]}
                """;

        Span span = OtlpDecoder.decodeJson(utf8(json)).traces()
                .getResourceSpans(0).getScopeSpans(0).getSpans(0);

        assertThat(span.getTraceId()).isEqualTo(hex("5b8efff798038103d269b633813fc60c"));
        assertThat(span.getSpanId()).isEqualTo(hex("eee19b7ec3c1b174"));
        assertThat(span.getParentSpanId()).isEmpty();
        assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
        assertThat(span.getEndTimeUnixNano()).isEqualTo(2);
        assertThat(span.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_OK);
    }

    @Test
    void idsThatAreNotHexRejectOnlyTheirSpanAndNameTheField() {
        String json = """
                {"resourceSpans": [{"scopeSpans": [{"spans": [
                    {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
                      "name": "ok", "startTimeUnixNano": "1", "endTimeUnixNano": "2"},
                    {"traceId": "W46O/3mAOBA9Jps2gT/GDA==", "spanId": "eee19b7ec3c1b175", "name": "base64"},
                    {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b17",
                      "name": "odd"},
                    {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": 17, "name": "number"},
                    {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b176",
                      "parentSpanId": "xyz", "name": "parent",
                      "links": [{"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "nothex!!"}]}
                ]}]}]}
                """;

        DecodedSpans decoded = OtlpDecoder.decodeJson(utf8(json));

        assertThat(decoded.acceptedSpans()).isEqualTo(1);
        assertThat(decoded.rejectedSpans()).isEqualTo(4);
        assertThat(decoded.traces().getResourceSpans(0).getScopeSpans(0).getSpansList())
                .extracting(Span::getName).containsExactly("ok");
        assertThat(decoded.errorMessage()).isEqualTo("4 spans rejected: "
                + "resourceSpans[0].scopeSpans[0].spans[1] \"base64\": traceId is not hex; "
                + "resourceSpans[0].scopeSpans[0].spans[2] \"odd\": spanId has an odd number of hex digits; "
                + "resourceSpans[0].scopeSpans[0].spans[3] \"number\": spanId must be a hex string; "
                + "resourceSpans[0].scopeSpans[0].spans[4] \"parent\": parentSpanId is not hex, "
                + "links[0].spanId is not hex");
    }

    @Test
    void hexIdsOfTheWrongLengthAreCaughtByValidation() {
        String json = """
                {"resourceSpans": [{"scopeSpans": [{"spans": [
                    {"traceId": "5b8efff798038103", "spanId": "eee19b7ec3c1b174", "name": "GET /cart"}
                ]}]}]}
                """;

        assertThat(OtlpDecoder.decodeJson(utf8(json)).errorMessage()).isEqualTo("1 span rejected: "
                + "resourceSpans[0].scopeSpans[0].spans[0] \"GET /cart\": traceId must be 16 bytes, got 8");
    }

    /**
     * JsonFormat's lenient mode (which OTLP asks for, to ignore unknown fields) also ignores enum
     * values it cannot read, while numbers outside the enum are kept as unrecognized values.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"kind\": \"SPAN_KIND_FUTURE\"   | 0",
            "\"kind\": 1.5                    | 0",
            "\"kind\": \"3\"                  | 3",
            "\"kind\": 9                      | 9",
    })
    void enumValuesJsonFormatCannotReadAreIgnored(String kindField, int expectedKind) {
        String json = "{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{"
                + "\"traceId\": \"5b8efff798038103d269b633813fc60c\", \"spanId\": \"eee19b7ec3c1b174\", "
                + kindField + "}]}]}]}";

        DecodedSpans decoded = OtlpDecoder.decodeJson(utf8(json));

        assertThat(decoded.traces().getResourceSpans(0).getScopeSpans(0).getSpans(0).getKindValue())
                .isEqualTo(expectedKind);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"resourceSpans\": [",
            "{\"resourceSpans\": []} trailing",
            "[]",
            "\"resourceSpans\"",
            "",
            "{\"resourceSpans\": {\"scopeSpans\": []}}",
            "{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [null]}]}]}",
            "{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{\"startTimeUnixNano\": \"soon\"}]}]}]}",
            "{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{\"droppedEventsCount\": 1.5}]}]}]}",
            "{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{\"endTimeUnixNano\": 1e999999}]}]}]}",
            "{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{\"endTimeUnixNano\": -1}]}]}]}",
            "{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{\"endTimeUnixNano\": 1e2147483648}]}]}]}",
    })
    void jsonThatIsNotAnOtlpRequestIsABadRequest(String body) {
        assertThatThrownBy(() -> OtlpDecoder.decodeJson(utf8(body)))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.getMessage()).startsWith("malformed OTLP/JSON: ");
                });
    }

    @Test
    void aBodyJacksonReadsAsUtf32AndCannotDecodeIsABadRequest() {
        // '{' and three zero bytes: Jackson detects UTF-32 and fails with an IOException of its own.
        byte[] body = {'{', 0, 0, 0, 0, 0, 0, 0, 0x41, 0x42, 0x43, 0x44};

        assertThatThrownBy(() -> OtlpDecoder.decodeJson(body))
                .isInstanceOfSatisfying(IngestException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.getMessage()).startsWith("malformed OTLP/JSON: ");
                });
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
