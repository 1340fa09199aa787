package io.contrail.columnar;

import com.google.protobuf.ByteString;
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
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static io.contrail.columnar.TestSpans.attr;
import static io.contrail.columnar.TestSpans.id;
import static org.assertj.core.api.Assertions.assertThat;

class SpanChunkTest {

    private static TracesData everyKindOfField() {
        Span rich = TestSpans.span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "GET /api/cart", 1_000, 5_000)
                .setParentSpanId(id("00f067aa0ba902b7"))
                .setTraceState("ot=th:8;rv:9b8233f7e3a151")
                .setFlags(0x301)
                .setKind(Span.SpanKind.SPAN_KIND_SERVER)
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("boom"))
                .setDroppedAttributesCount(3).setDroppedEventsCount(4).setDroppedLinksCount(5)
                .addAttributes(attr("http.route", "/api/cart"))
                .addAttributes(attr("http.response.status_code", 503L))
                .addAttributes(attr("ratio", 0.25))
                .addAttributes(attr("cached", true))
                .addAttributes(TestSpans.attrLongs("retries", 1, 2, 3))
                .addAttributes(KeyValue.newBuilder().setKey("empty"))
                .addAttributes(KeyValue.newBuilder().setKey("blob")
                        .setValue(AnyValue.newBuilder().setBytesValue(ByteString.copyFromUtf8("\0\1"))))
                .addAttributes(KeyValue.newBuilder().setKey("map").setValue(AnyValue.newBuilder()
                        .setKvlistValue(KeyValueList.newBuilder().addValues(attr("a", "b")))))
                .addAttributes(KeyValue.newBuilder().setKey("mixed").setValue(AnyValue.newBuilder()
                        .setArrayValue(ArrayValue.newBuilder()
                                .addValues(AnyValue.newBuilder().setIntValue(1))
                                .addValues(AnyValue.newBuilder().setStringValue("x")))))
                .addAttributes(attr("http.route", "/api/cart/again"))
                .addEvents(Span.Event.newBuilder().setName("exception").setTimeUnixNano(3_000)
                        .addAttributes(attr("exception.type", "std::runtime_error")))
                .addLinks(Span.Link.newBuilder().setTraceId(id("11111111111111111111111111111111"))
                        .setSpanId(id("2222222222222222")).addAttributes(attr("link.kind", "follows")))
                .build();
        Span plain = TestSpans.span("0af7651916cd43dd8448eb211c80319c", "c7ad6b7169203331", "SELECT", 2_000, 1_000)
                .addAttributes(attr("http.route", 7L))
                .build();
        return TracesData.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder()
                        .setResource(Resource.newBuilder().addAttributes(attr("service.name", "cart"))
                                .addAttributes(attr("host.cores", 8L)).setDroppedAttributesCount(2))
                        .addScopeSpans(ScopeSpans.newBuilder()
                                .setScope(InstrumentationScope.newBuilder().setName("io.opentelemetry.http").setVersion("1.2"))
                                .addSpans(rich))
                        .addScopeSpans(ScopeSpans.newBuilder().addSpans(plain)))
                .addResourceSpans(ResourceSpans.newBuilder()
                        .setResource(Resource.newBuilder().addAttributes(attr("host.cores", 2.5)))
                        .addScopeSpans(ScopeSpans.newBuilder().addSpans(plain)))
                .build();
    }

    @Test
    void aChunkGivesBackEveryFieldItKeeps() {
        TracesData traces = everyKindOfField();

        SpanChunk chunk = SpanChunk.fromTraces(traces);

        assertThat(chunk.toTraces()).isEqualTo(traces);
        assertThat(chunk.spanCount()).isEqualTo(3);
        assertThat(chunk.serviceName(0)).isEqualTo("cart");
        assertThat(chunk.serviceName(1)).isEqualTo(SpanSchema.UNKNOWN_SERVICE);
        assertThat(chunk.sampleWeight(0)).isEqualTo(2.0);
        assertThat(chunk.sampleWeight(1)).isEqualTo(1.0);
        assertThat(chunk.scopeName(chunk.scopeOf(0))).isEqualTo("io.opentelemetry.http");
        assertThat(chunk.scopeName(chunk.scopeOf(1))).isNull();
        SpanChunk.AttributeColumn route = chunk.spanAttributes().get(0);
        assertThat(route.key()).isEqualTo("http.route");
        assertThat(route.kinds()).isEqualTo(SpanChunk.K_STRING | SpanChunk.K_INT);
        assertThat(route.size()).isEqualTo(4);
        assertThat(new int[] {route.owner(0), route.owner(1), route.owner(2), route.owner(3)})
                .containsExactly(0, 0, 1, 2);
        assertThat(chunk.spanAttributes()).extracting(SpanChunk.AttributeColumn::key)
                .contains("retries", "mixed", "map", "blob", "empty");
        assertThat(kindOf(chunk, "retries")).isEqualTo(SpanChunk.K_INT_ARRAY);
        assertThat(kindOf(chunk, "mixed")).isEqualTo(SpanChunk.K_OTHER);
        assertThat(kindOf(chunk, "map")).isEqualTo(SpanChunk.K_OTHER);
        assertThat(kindOf(chunk, "empty")).isZero();
    }

    private static int kindOf(SpanChunk chunk, String key) {
        return chunk.spanAttributes().stream().filter(c -> c.key().equals(key)).findFirst().orElseThrow().kinds();
    }

    @Test
    void kindAndStatusNumbersOutsideTheEnumsComeBackUnchanged() {
        TracesData traces = TestSpans.traces("svc", TestSpans.span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331",
                "odd", 0, 1).setKindValue(257).setStatus(Status.newBuilder().setCodeValue(258)).build());

        SpanChunk chunk = SpanChunk.fromTraces(traces);

        assertThat(chunk.kind(0)).isEqualTo(257);
        assertThat(chunk.statusCode(0)).isEqualTo(258);
        assertThat(chunk.toTraces()).isEqualTo(traces);
    }

    @Test
    void selectedRowsComeBackGroupedByResourceAndScope() {
        TracesData traces = everyKindOfField();
        SpanChunk chunk = SpanChunk.fromTraces(traces);

        TracesData second = chunk.toTraces(new int[] {2});

        assertThat(second.getResourceSpansList()).hasSize(1);
        assertThat(second.getResourceSpans(0)).isEqualTo(traces.getResourceSpans(1));
    }

    @Test
    void aRolledBackSpanLeavesNothingBehind() {
        byte[] trace = bytes("0123456789abcdef");
        byte[] span = bytes("spanid01");
        SpanChunkBuilder builder = new SpanChunkBuilder(1);
        builder.beginResource();
        int service = builder.key(bytes("service.name"), 0, 12);
        builder.attribute(service, SpanChunk.K_STRING, 0, bytes("shop"), 0, 4);
        builder.endResource();
        builder.scope("lib", "");

        builder.beginSpan();
        builder.traceId(trace, 0, 16);
        builder.name(bytes("rejected"), 0, 8);
        int key = builder.key(bytes("user.id"), 0, 7);
        builder.attribute(key, SpanChunk.K_STRING, 0, bytes("u1"), 0, 2);
        builder.nested(new byte[] {0x5a, 0}, 0, 2);
        builder.rollbackSpan();

        builder.beginSpan();
        builder.traceId(trace, 0, 16);
        builder.spanId(span, 0, 8);
        builder.name(bytes("first"), 0, 5);
        builder.name(bytes("kept"), 0, 4);
        builder.commitSpan();
        SpanChunk chunk = builder.build();

        assertThat(chunk.spanCount()).isEqualTo(1);
        assertThat(chunk.names().string(0)).isEqualTo("kept");
        assertThat(chunk.nested().isEmpty(0)).isTrue();
        assertThat(chunk.spanAttributes()).isEmpty();
        assertThat(chunk.serviceName(0)).isEqualTo("shop");
        Span only = chunk.toTraces().getResourceSpans(0).getScopeSpans(0).getSpans(0);
        assertThat(only.getName()).isEqualTo("kept");
        assertThat(only.getAttributesList()).isEmpty();
        assertThat(only.getSpanId().toByteArray()).isEqualTo(span);
    }

    @Test
    void aChunkTakesLessHeapThanItsEncoding() {
        TracesData traces = TestSpans.manySpans("shop", 42, 2_000);

        SpanChunk chunk = SpanChunk.fromTraces(traces);

        assertThat(chunk.toTraces()).isEqualTo(SpanChunk.fromTraces(chunk.toTraces()).toTraces());
        assertThat(chunk.spanCount()).isEqualTo(2_000);
        // A protobuf object tree takes several times its encoding; the chunk's arrays about as much.
        assertThat(chunk.retainedBytes()).isLessThan(2L * traces.getSerializedSize());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
