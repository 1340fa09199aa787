package io.contrail.ingest;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.EntityRef;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.Random;

/**
 * Seeded OTLP requests that use the whole trace model, mostly valid, with every kind of invalid span
 * now and then: IDs of the wrong size or all zeros, times outside the stored range or backwards, NUL
 * in attribute keys of spans, events, links and resources. Keys come from a small pool, so duplicates
 * are common; values are of every AnyValue kind, nested.
 */
final class RandomRequests {

    private static final String[] KEYS = {"service.name", "http.method", "k", "é", "db.statement", "", "a.b.c",
        "rpc.system", "error", "\u20ac"};
    private static final String[] TEXTS = {"", "GET /cart", "café ☕", "x".repeat(90), "🚀".repeat(45),
        "a\u0000b", "ok", "SELECT * FROM t WHERE id = ?"};

    private final Random random;

    RandomRequests(long seed) {
        this.random = new Random(seed);
    }

    ExportTraceServiceRequest next() {
        var request = ExportTraceServiceRequest.newBuilder();
        for (int r = random.nextInt(4); r > 0; r--) {
            request.addResourceSpans(resourceSpans());
        }
        return request.build();
    }

    private ResourceSpans resourceSpans() {
        var resourceSpans = ResourceSpans.newBuilder();
        if (random.nextInt(5) > 0) {
            var resource = Resource.newBuilder();
            for (int a = random.nextInt(4); a > 0; a--) {
                resource.addAttributes(attribute(1));
            }
            if (chance(10)) {
                resource.setDroppedAttributesCount(random.nextInt(5));
            }
            if (chance(10)) {
                resource.addEntityRefs(EntityRef.newBuilder().setType("service").setSchemaUrl("s")
                        .addIdKeys("service.name").addDescriptionKeys("k"));
            }
            resourceSpans.setResource(resource);
        }
        if (chance(5)) {
            resourceSpans.setSchemaUrl("https://opentelemetry.io/schemas/1.26.0");
        }
        for (int s = random.nextInt(4); s > 0; s--) {
            resourceSpans.addScopeSpans(scopeSpans());
        }
        return resourceSpans.build();
    }

    private ScopeSpans scopeSpans() {
        var scopeSpans = ScopeSpans.newBuilder();
        if (random.nextInt(4) > 0) {
            var scope = InstrumentationScope.newBuilder();
            if (random.nextBoolean()) {
                scope.setName(pick(TEXTS).replace("\u0000", ""));
            }
            if (random.nextBoolean()) {
                scope.setVersion("1." + random.nextInt(3));
            }
            if (chance(5)) {
                scope.addAttributes(attribute(1)).setDroppedAttributesCount(1);
            }
            scopeSpans.setScope(scope);
        }
        if (chance(5)) {
            scopeSpans.setSchemaUrl("https://opentelemetry.io/schemas/1.26.0");
        }
        for (int i = random.nextInt(6); i > 0; i--) {
            scopeSpans.addSpans(span());
        }
        return scopeSpans.build();
    }

    private Span span() {
        long start = 1_700_000_000_000_000_000L + random.nextInt(1_000_000);
        var span = Span.newBuilder()
                .setTraceId(id(16))
                .setSpanId(id(8))
                .setName(pick(TEXTS).replace("\u0000", ""))
                .setKind(Span.SpanKind.forNumber(random.nextInt(6)))
                .setStartTimeUnixNano(start)
                .setEndTimeUnixNano(start + random.nextInt(1_000_000));
        if (random.nextBoolean()) {
            span.setParentSpanId(id(8));
        }
        if (chance(4)) {
            span.setTraceState(random.nextBoolean() ? "ot=th:8" : "rojo=00f067aa0ba902b7");
        }
        if (chance(4)) {
            span.setFlags(random.nextInt(0x400));
        }
        for (int a = random.nextInt(6); a > 0; a--) {
            span.addAttributes(attribute(3));
        }
        for (int e = random.nextInt(3); e > 0 && chance(2); e--) {
            var event = Span.Event.newBuilder().setName(pick(TEXTS).replace("\u0000", ""))
                    .setTimeUnixNano(chance(15) ? -random.nextInt(100) : start + 10);
            for (int a = random.nextInt(3); a > 0; a--) {
                event.addAttributes(attribute(2));
            }
            span.addEvents(event.setDroppedAttributesCount(random.nextInt(2)));
        }
        for (int l = random.nextInt(3); l > 0 && chance(3); l--) {
            var link = Span.Link.newBuilder().setTraceId(id(16)).setSpanId(id(8)).setFlags(random.nextInt(3));
            for (int a = random.nextInt(3); a > 0; a--) {
                link.addAttributes(attribute(2));
            }
            span.addLinks(link.setTraceState(chance(2) ? "k=v" : ""));
        }
        if (chance(2)) {
            span.setStatus(Status.newBuilder().setCodeValue(random.nextInt(4))
                    .setMessage(chance(2) ? "" : pick(TEXTS).replace("\u0000", "")));
        }
        if (chance(5)) {
            span.setDroppedAttributesCount(random.nextInt(3)).setDroppedEventsCount(random.nextInt(3))
                    .setDroppedLinksCount(random.nextInt(3));
        }
        breakNowAndThen(span);
        return span.build();
    }

    /** Makes about one span in eight invalid, for one reason or several. */
    private void breakNowAndThen(Span.Builder span) {
        while (chance(8)) {
            switch (random.nextInt(7)) {
                case 0 -> span.setTraceId(chance(2) ? ByteString.copyFrom(new byte[16]) : bytes(random.nextInt(20)));
                case 1 -> span.setSpanId(chance(2) ? ByteString.copyFrom(new byte[8]) : bytes(random.nextInt(12)));
                case 2 -> span.setParentSpanId(bytes(1 + random.nextInt(12)));
                case 3 -> span.setStartTimeUnixNano(random.nextLong());
                case 4 -> span.setEndTimeUnixNano(span.getStartTimeUnixNano() - 1 - random.nextInt(5));
                case 5 -> span.setEndTimeUnixNano(-1L - random.nextInt(5));
                default -> span.addAttributes(KeyValue.newBuilder().setKey("bad\u0000key").setValue(value(1)));
            }
        }
    }

    /** An attribute whose value nests up to {@code depth} levels of arrays and key-value lists. */
    private KeyValue attribute(int depth) {
        return KeyValue.newBuilder().setKey(chance(60) ? "nul\u0000" : pick(KEYS)).setValue(value(depth)).build();
    }

    private AnyValue value(int depth) {
        var value = AnyValue.newBuilder();
        switch (random.nextInt(depth > 0 ? 12 : 8)) {
            case 0, 1 -> value.setStringValue(pick(TEXTS));
            case 2 -> value.setBoolValue(random.nextBoolean());
            case 3 -> value.setIntValue(random.nextLong());
            case 4 -> value.setDoubleValue(chance(4) ? Double.NaN : random.nextGaussian());
            case 5 -> value.setBytesValue(bytes(random.nextInt(6)));
            case 6 -> value.setStringValueStrindex(random.nextInt(3));
            case 7 -> { } // no value
            case 8, 9 -> value.setArrayValue(array(depth - 1));
            default -> {
                var list = KeyValueList.newBuilder();
                for (int i = random.nextInt(3); i > 0; i--) {
                    list.addValues(attribute(depth - 1));
                }
                value.setKvlistValue(list);
            }
        }
        return value.build();
    }

    /** An array, most often of one element kind (a typed column), sometimes mixed or empty. */
    private ArrayValue array(int depth) {
        var array = ArrayValue.newBuilder();
        int size = random.nextInt(4);
        int kind = random.nextInt(5);
        for (int i = 0; i < size; i++) {
            array.addValues(switch (chance(5) ? random.nextInt(5) : kind) {
                case 0 -> AnyValue.newBuilder().setBoolValue(random.nextBoolean()).build();
                case 1 -> AnyValue.newBuilder().setIntValue(random.nextInt(100)).build();
                case 2 -> AnyValue.newBuilder().setDoubleValue(random.nextDouble()).build();
                case 3 -> AnyValue.newBuilder().setStringValue(pick(TEXTS)).build();
                default -> value(depth);
            });
        }
        return array.build();
    }

    private ByteString id(int size) {
        byte[] id = new byte[size];
        random.nextBytes(id);
        id[0] |= 1;
        return ByteString.copyFrom(id);
    }

    private ByteString bytes(int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return ByteString.copyFrom(bytes);
    }

    private boolean chance(int oneIn) {
        return random.nextInt(oneIn) == 0;
    }

    private String pick(String[] options) {
        return options[random.nextInt(options.length)];
    }
}
