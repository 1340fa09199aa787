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

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded generator of requests whose spans hit every corner of the span schema: every attribute
 * kind, arrays of each element kind (and mixed, and empty), kvlists, bytes, values not set, keys
 * whose kind changes from span to span, keys differing only in case, repeated keys, promoted keys
 * in both spellings, events and links with attributes, empty IDs, resources without a
 * {@code service.name}, trace states carrying a sampling threshold.
 */
final class VariedSpans {

    private static final String[] SCALAR_KEYS = {"app.bool", "app.int", "app.double", "app.text", "app.mixed",
            "app.number", "app.bytes", "app.map", "app.unset", "App.Text", "APP.MIXED"};
    private static final String[] ARRAY_KEYS = {"list.bool", "list.int", "list.double", "list.text", "list.mixed",
            "list.numbers", "list.empty", "list.or.scalar"};

    private final Random random;
    private int spanSeq;

    VariedSpans(long seed) {
        this.random = new Random(seed);
    }

    /** One request: a few resources, each with a few scopes of a few spans. */
    TracesData nextRequest() {
        TracesData.Builder traces = TracesData.newBuilder();
        int resources = 1 + random.nextInt(3);
        for (int r = 0; r < resources; r++) {
            ResourceSpans.Builder resourceSpans = ResourceSpans.newBuilder().setResource(resource());
            int scopes = 1 + random.nextInt(2);
            for (int s = 0; s < scopes; s++) {
                ScopeSpans.Builder scopeSpans = ScopeSpans.newBuilder().setScope(scope());
                int spans = random.nextInt(6);
                for (int i = 0; i < spans; i++) {
                    scopeSpans.addSpans(span());
                }
                resourceSpans.addScopeSpans(scopeSpans);
            }
            traces.addResourceSpans(resourceSpans);
        }
        return traces.build();
    }

    private Resource resource() {
        Resource.Builder resource = Resource.newBuilder();
        switch (random.nextInt(6)) {
            case 0 -> { } // no service.name
            case 1 -> resource.addAttributes(kv("service.name", AnyValue.newBuilder().setStringValue("").build()));
            case 2 -> resource.addAttributes(kv("service.name", AnyValue.newBuilder().setIntValue(7).build()));
            case 3 -> resource.addAttributes(kv("service.name", text("first")))
                    .addAttributes(kv("service.name", text("svc-" + random.nextInt(4))));
            default -> resource.addAttributes(kv("service.name", text("svc-" + random.nextInt(4))));
        }
        if (random.nextBoolean()) {
            resource.addAttributes(kv("host.name", text("host-" + random.nextInt(3))));
        }
        if (random.nextInt(4) == 0) {
            resource.addAttributes(kv("Host.Name", text("HOST")));
        }
        if (random.nextInt(3) == 0) {
            resource.addAttributes(kv("process.pid", random.nextBoolean() ? integer(random.nextInt(1000)) : text("pid")));
        }
        if (random.nextInt(5) == 0) {
            resource.addAttributes(kv("resource.tags", array(text("a"), text("b"))));
        }
        if (random.nextInt(6) == 0) {
            resource.addAttributes(kv("resource.unset", AnyValue.getDefaultInstance()));
        }
        return resource.build();
    }

    private InstrumentationScope scope() {
        return switch (random.nextInt(3)) {
            case 0 -> InstrumentationScope.getDefaultInstance();
            case 1 -> InstrumentationScope.newBuilder().setName("scope-" + random.nextInt(3)).build();
            default -> InstrumentationScope.newBuilder().setName("io.scope").setVersion("1." + random.nextInt(3)).build();
        };
    }

    private Span span() {
        int seq = ++spanSeq;
        Span.Builder span = Span.newBuilder()
                .setTraceId(random.nextInt(25) == 0 ? ByteString.EMPTY : bytes(16))
                .setSpanId(random.nextInt(25) == 0 ? ByteString.EMPTY : bytes(8))
                .setName(switch (random.nextInt(5)) {
                    case 0 -> "";
                    case 1 -> "GET /ünïcødé/" + seq;
                    default -> "op-" + random.nextInt(5);
                })
                .setKindValue(random.nextInt(8))
                .setStartTimeUnixNano(TestSpans.T0 + seq * 1_000_000L)
                .setEndTimeUnixNano(TestSpans.T0 + seq * 1_000_000L + (random.nextInt(10) == 0 ? -5 : random.nextInt(1_000_000)))
                .setDroppedAttributesCount(random.nextInt(3))
                .setDroppedEventsCount(random.nextInt(2))
                .setDroppedLinksCount(random.nextInt(2));
        if (random.nextBoolean()) {
            span.setParentSpanId(bytes(8));
        }
        switch (random.nextInt(4)) {
            case 0 -> span.setTraceState("ot=th:8");
            case 1 -> span.setTraceState("vendor=x");
            default -> { }
        }
        if (random.nextInt(3) == 0) {
            span.setStatus(Status.newBuilder().setCodeValue(random.nextInt(4))
                    .setMessage(random.nextBoolean() ? "" : "boom " + seq));
        }
        int attributes = random.nextInt(9);
        for (int i = 0; i < attributes; i++) {
            span.addAttributes(random.nextInt(3) == 0 ? arrayAttribute() : scalarAttribute());
        }
        int promoted = random.nextInt(4);
        for (int i = 0; i < promoted; i++) {
            span.addAttributes(promotedAttribute());
        }
        if (random.nextInt(5) == 0) {
            span.addAttributes(kv("seq", integer(seq)));
        }
        if (random.nextInt(5) == 0) {
            span.addEvents(Span.Event.newBuilder().setTimeUnixNano(TestSpans.T0 + seq).setName("exception")
                    .addAttributes(kv("exception.message", text("it \"broke\"\n")))
                    .addAttributes(scalarAttribute()).setDroppedAttributesCount(random.nextInt(2)));
            if (random.nextBoolean()) {
                span.addEvents(Span.Event.newBuilder().setName(""));
            }
        }
        if (random.nextInt(6) == 0) {
            span.addLinks(Span.Link.newBuilder().setTraceId(bytes(16)).setSpanId(bytes(8))
                    .setTraceState(random.nextBoolean() ? "" : "k=v").addAttributes(arrayAttribute()));
            if (random.nextBoolean()) {
                span.addLinks(Span.Link.newBuilder());
            }
        }
        return span.build();
    }

    private KeyValue scalarAttribute() {
        String key = SCALAR_KEYS[random.nextInt(SCALAR_KEYS.length)];
        AnyValue value = switch (key) {
            case "app.bool" -> AnyValue.newBuilder().setBoolValue(random.nextBoolean()).build();
            case "app.int" -> integer(random.nextLong());
            case "app.double" -> real(random.nextInt(20) == 0 ? Double.NaN : random.nextGaussian() * 1e6);
            case "app.text", "App.Text" -> text(random.nextInt(4) == 0 ? "" : "t\u00e9xt \"" + random.nextInt(50) + "\"");
            case "app.number" -> random.nextBoolean() ? integer(random.nextInt(100)) : real(random.nextDouble());
            case "app.bytes" -> AnyValue.newBuilder().setBytesValue(bytes(1 + random.nextInt(5))).build();
            case "app.map" -> AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
                    .addValues(kv("a", integer(1))).addValues(kv("b", array(text("x"), integer(2))))).build();
            case "app.unset" -> AnyValue.getDefaultInstance();
            default -> anyScalar();
        };
        return kv(key, value);
    }

    private AnyValue anyScalar() {
        return switch (random.nextInt(6)) {
            case 0 -> AnyValue.newBuilder().setBoolValue(true).build();
            case 1 -> integer(-42);
            case 2 -> real(2.5);
            case 3 -> text("mixed");
            case 4 -> array(integer(1), integer(2));
            default -> AnyValue.newBuilder().setBytesValue(ByteString.copyFromUtf8("raw")).build();
        };
    }

    private KeyValue arrayAttribute() {
        String key = ARRAY_KEYS[random.nextInt(ARRAY_KEYS.length)];
        AnyValue value = switch (key) {
            case "list.bool" -> array(AnyValue.newBuilder().setBoolValue(true).build(),
                    AnyValue.newBuilder().setBoolValue(random.nextBoolean()).build());
            case "list.int" -> random.nextInt(4) == 0 ? array() : array(integer(random.nextInt(9)), integer(-3));
            case "list.double" -> array(real(1.5), real(random.nextDouble()));
            case "list.text" -> array(text("a\"b"), text("c" + random.nextInt(9)));
            case "list.mixed" -> array(text("a"), integer(1), AnyValue.newBuilder().setBoolValue(false).build());
            case "list.numbers" -> random.nextBoolean() ? array(integer(1), real(0.5)) : array(integer(7));
            case "list.empty" -> array();
            default -> random.nextBoolean() ? array(text("x"), text("y")) : text("scalar");
        };
        return kv(key, value);
    }

    private KeyValue promotedAttribute() {
        List<SpanSchema.Column> columns = SpanSchema.PROMOTED_COLUMNS;
        SpanSchema.Column promoted = columns.get(random.nextInt(columns.size()));
        String key = promoted.promotedFrom().get(random.nextInt(promoted.promotedFrom().size()));
        AnyValue value;
        if (promoted.staging() == SpanSchema.Staging.BIGINT) {
            value = switch (random.nextInt(6)) {
                case 0 -> text(" 404 ");
                case 1 -> text("abc");
                case 2 -> real(200.0);
                case 3 -> AnyValue.getDefaultInstance();
                default -> integer(200 + random.nextInt(4) * 100);
            };
        } else {
            value = switch (random.nextInt(8)) {
                case 0 -> integer(5);
                case 1 -> AnyValue.getDefaultInstance();
                case 2 -> array(text("GET"));
                default -> text(key + "-" + random.nextInt(3));
            };
        }
        return kv(key, value);
    }

    private ByteString bytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return ByteString.copyFrom(bytes);
    }

    static KeyValue kv(String key, AnyValue value) {
        return KeyValue.newBuilder().setKey(key).setValue(value).build();
    }

    static AnyValue text(String value) {
        return AnyValue.newBuilder().setStringValue(value).build();
    }

    static AnyValue integer(long value) {
        return AnyValue.newBuilder().setIntValue(value).build();
    }

    static AnyValue real(double value) {
        return AnyValue.newBuilder().setDoubleValue(value).build();
    }

    static AnyValue array(AnyValue... values) {
        return AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addAllValues(List.of(values))).build();
    }

    /** Every span of {@code traces} as the warehouse's {@link SpanRef}s, in the order a chunk numbers its rows. */
    static List<SpanRef> refs(TracesData traces) {
        List<SpanRef> refs = new ArrayList<>();
        for (ResourceSpans resourceSpans : traces.getResourceSpansList()) {
            for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
                for (Span span : scopeSpans.getSpansList()) {
                    refs.add(new SpanRef(resourceSpans.getResource(), scopeSpans.getScope(), span));
                }
            }
        }
        return refs;
    }
}
