package io.contrail.ingest;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.HexFormat;
import java.util.List;

/** Small, valid OTLP building blocks for tests. */
final class SpanFixtures {

    static final String TRACE_ID_HEX = "5b8efff798038103d269b633813fc60c";
    static final String SPAN_ID_HEX = "eee19b7ec3c1b174";
    static final long START_UNIX_NANO = 1_544_712_660_000_000_000L;

    private SpanFixtures() {}

    static ByteString hex(String hex) {
        return ByteString.copyFrom(HexFormat.of().parseHex(hex));
    }

    /** A valid span; {@code n} varies its span ID so that spans of one test differ. */
    static Span.Builder validSpan(String name, int n) {
        return Span.newBuilder()
                .setTraceId(hex(TRACE_ID_HEX))
                .setSpanId(hex(String.format("%016x", 0x1000L + n)))
                .setName(name)
                .setKind(Span.SpanKind.SPAN_KIND_SERVER)
                .setStartTimeUnixNano(START_UNIX_NANO + n)
                .setEndTimeUnixNano(START_UNIX_NANO + n + 1_000_000);
    }

    static KeyValue attribute(String key, AnyValue value) {
        return KeyValue.newBuilder().setKey(key).setValue(value).build();
    }

    static KeyValue attribute(String key, String value) {
        return attribute(key, AnyValue.newBuilder().setStringValue(value).build());
    }

    static ScopeSpans scope(String name, Span... spans) {
        return ScopeSpans.newBuilder()
                .setScope(InstrumentationScope.newBuilder().setName(name))
                .addAllSpans(List.of(spans))
                .build();
    }

    static ResourceSpans resource(String serviceName, ScopeSpans... scopes) {
        return ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(attribute("service.name", serviceName)))
                .addAllScopeSpans(List.of(scopes))
                .build();
    }

    /** One resource, one scope, these spans. */
    static TracesData tracesOf(Span... spans) {
        return TracesData.newBuilder().addResourceSpans(resource("checkout", scope("test", spans)))
                .build();
    }
}
