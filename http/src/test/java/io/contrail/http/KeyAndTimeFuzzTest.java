package io.contrail.http;

import static io.contrail.http.OtlpSpans.PROTOBUF;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Attribute keys of random characters and bytes, and every 64-bit edge value in every time field,
 * sent through the real receivers (OTLP protobuf, OTLP/JSON, Zipkin): each request is answered 2xx
 * or 400, never 5xx, and afterwards the store still works — a normal span is queryable within the
 * freshness bound and {@code /health} is ok with no failed flush, on the fresh server and again
 * after a restart on the same folder (issue 14, point 0). Seeded; bounded in time.
 */
class KeyAndTimeFuzzTest {

    /** Override with {@code -Dcontrail.fuzz.seed=…} to replay a failure. */
    static final long SEED = Long.getLong("contrail.fuzz.seed", 0x5eed_14L);
    static final Duration FUZZ_TIME = Duration.ofSeconds(3);
    static final int MAX_REQUESTS = 300;

    private static final long END_OF_STORED_TIME = 9_214_646_400_000_000_000L; // 2262-01-01T00:00:00Z
    private static final long NOW = OtlpSpans.unixNanos(Instant.parse("2026-01-10T10:00:00Z"));
    /** 0, 1, 2^63−1, 2^63, 2^63+1, 2^64−2, 2^64−1, the stored range's last and first-refused, a normal time. */
    private static final long[] EDGE_TIMES = {0, 1, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1, -2, -1,
            END_OF_STORED_TIME - 1, END_OF_STORED_TIME, END_OF_STORED_TIME + 1, Long.MAX_VALUE - 1, NOW};
    /** Characters that have broken, or could break, a column name; mixed with random code units. */
    private static final String[] TRICKY = {"\u0000", "\"", "'", "\\", "\n", ".", "k", "K", "\u212A", "É", "é",
            "İ", "i\u0307", "\uD800", "\uDC00", "\uD83D\uDE00", " ", "%", "*", "$", "attr.", "resource.", "\u00A0"};

    @RegisterExtension
    final RunningServer server = RunningServer.withDefaults();

    private final Random random = new Random(SEED);
    private int spanCounter;
    private final java.util.List<byte[]> rawKeys = new java.util.ArrayList<>();

    @Test
    void randomKeysAndEdgeTimesNeverStopTheStore() throws IOException {
        System.out.println("KeyAndTimeFuzzTest seed " + SEED + " (-Dcontrail.fuzz.seed to replay)");
        int requests = fuzz();
        System.out.println("KeyAndTimeFuzzTest: " + requests + " requests; health " + server.health());
        assertANormalSpanIsQueryableInTimeAndHealthIsOk("fresh-1");

        server.restart();
        assertThat(server.health().get("spansRecoveredOnStart").asLong()).as("the clean shutdown flushed").isZero();
        assertANormalSpanIsQueryableInTimeAndHealthIsOk("restarted-1");
        fuzz();
        assertANormalSpanIsQueryableInTimeAndHealthIsOk("restarted-2");
    }

    /** Sends fuzzed requests for {@link #FUZZ_TIME}; returns how many. */
    private int fuzz() throws IOException {
        long deadline = System.nanoTime() + FUZZ_TIME.toNanos();
        int requests = 0;
        while (System.nanoTime() < deadline && requests < MAX_REQUESTS) {
            HttpResponse<byte[]> response = switch (random.nextInt(3)) {
                case 0 -> server.post("/v1/traces", protobufBody(), "Content-Type", PROTOBUF);
                case 1 -> server.post("/v1/traces", jsonRequest(), "Content-Type", "application/json");
                default -> server.post("/api/v2/spans", zipkinRequest(), "Content-Type", "application/json");
            };
            int status = response.statusCode();
            assertThat(status == 200 || status == 202 || status == 400)
                    .as("request %d answered %d: %s", requests, status, RunningServer.text(response)).isTrue();
            requests++;
        }
        return requests;
    }

    private void assertANormalSpanIsQueryableInTimeAndHealthIsOk(String name) {
        String traceId = String.format("%032x", random.nextLong() & Long.MAX_VALUE | 1);
        OtlpSpans.export(server, OtlpSpans.request().add("normal", OtlpSpans.span(traceId, "00000000000000a1", name,
                Span.SpanKind.SPAN_KIND_SERVER, Instant.now(), Duration.ofMillis(3))));
        long acknowledged = System.nanoTime();
        long deadline = acknowledged + FreshnessTest.FRESHNESS_BOUND.toNanos();
        String query = "SELECT count(*) FROM spans WHERE trace_id = '" + traceId + "'";
        boolean seen = false;
        while (!seen && System.nanoTime() < deadline) {
            seen = server.value(query).asLong() == 1;
            if (!seen) {
                LockSupport.parkNanos(FreshnessTest.POLL_INTERVAL.toNanos());
            }
        }
        assertThat(seen).as("%s queryable within %s of its acknowledgement", name, FreshnessTest.FRESHNESS_BOUND)
                .isTrue();
        JsonNode health = server.health();
        assertThat(health.get("status").asText()).as("health: %s", health).isEqualTo("ok");
        assertThat(health.get("flushFailures").asLong()).as("health: %s", health).isZero();
        assertThat(health.get("quarantinedFiles")).as("health: %s", health).isEmpty();
    }

    // ---- fuzzed requests

    private long edgeTime() {
        return random.nextInt(4) == 0 ? NOW + random.nextInt(1_000_000) : EDGE_TIMES[random.nextInt(EDGE_TIMES.length)];
    }

    /** A short key of tricky pieces and random UTF-16 code units (lone surrogates included). */
    private String randomKey() {
        StringBuilder key = new StringBuilder();
        int pieces = random.nextInt(4);
        for (int i = 0; i < pieces; i++) {
            if (random.nextBoolean()) {
                key.append(TRICKY[random.nextInt(TRICKY.length)]);
            } else {
                key.append((char) random.nextInt(random.nextBoolean() ? 0x80 : 0x10000));
            }
        }
        return key.toString();
    }

    private KeyValue randomAttribute() {
        KeyValue.Builder kv = KeyValue.newBuilder().setValue(AnyValue.newBuilder().setStringValue("v"));
        if (random.nextInt(8) == 0) {
            // Random bytes, often not UTF-8: protobuf's builders refuse them, so a marker of the same
            // length stands in for them until the request is encoded (rawKeys).
            String marker = String.format("~raw-%05d~", rawKeys.size());
            byte[] bytes = new byte[marker.length()];
            random.nextBytes(bytes);
            rawKeys.add(bytes);
            kv.setKey(marker);
        } else {
            kv.setKey(randomKey());
        }
        return kv.build();
    }

    private Span.Builder fuzzedSpan() {
        spanCounter++;
        Span.Builder span = Span.newBuilder()
                .setTraceId(ByteString.copyFrom(HexFormat.of().parseHex(String.format("%032x", 0xf000L + spanCounter))))
                .setSpanId(ByteString.copyFrom(HexFormat.of().parseHex(String.format("%016x", 0xf000L + spanCounter))))
                .setName("fuzz-" + spanCounter)
                .setStartTimeUnixNano(edgeTime());
        // Half the spans end when they start, so that more of them pass and reach the store.
        span.setEndTimeUnixNano(random.nextBoolean() ? span.getStartTimeUnixNano() : edgeTime());
        for (int i = random.nextInt(4); i > 0; i--) {
            span.addAttributes(randomAttribute());
        }
        if (random.nextBoolean()) {
            Span.Event.Builder event = span.addEventsBuilder().setName("e").setTimeUnixNano(edgeTime());
            if (random.nextBoolean()) {
                event.addAttributes(randomAttribute());
            }
        }
        if (random.nextInt(4) == 0) {
            span.addLinksBuilder().setTraceId(span.getTraceId()).setSpanId(span.getSpanId())
                    .addAttributes(randomAttribute());
        }
        return span;
    }

    /** The protobuf encoding of a fuzzed request, with the random-byte keys in place of their markers. */
    private byte[] protobufBody() {
        rawKeys.clear();
        byte[] body = protobufRequest().toByteArray();
        for (int k = 0; k < rawKeys.size(); k++) {
            byte[] marker = String.format("~raw-%05d~", k).getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i + marker.length <= body.length; i++) {
                if (java.util.Arrays.equals(body, i, i + marker.length, marker, 0, marker.length)) {
                    System.arraycopy(rawKeys.get(k), 0, body, i, marker.length);
                }
            }
        }
        return body;
    }

    private ExportTraceServiceRequest protobufRequest() {
        Resource.Builder resource = Resource.newBuilder().addAttributes(OtlpSpans.attribute("service.name", "fuzz"));
        if (random.nextInt(3) == 0) {
            resource.addAttributes(randomAttribute());
        }
        ScopeSpans.Builder scope = ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName("fuzz"));
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
            scope.addSpans(fuzzedSpan());
        }
        return ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder().setResource(resource).addScopeSpans(scope)).build();
    }

    /** OTLP/JSON written by hand: keys with every character escaped, times as unsigned decimal strings. */
    private byte[] jsonRequest() {
        StringBuilder spans = new StringBuilder();
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
            Span span = fuzzedSpan().build();
            spans.append(spans.isEmpty() ? "" : ",").append("{\"traceId\":\"")
                    .append(HexFormat.of().formatHex(span.getTraceId().toByteArray())).append("\",\"spanId\":\"")
                    .append(HexFormat.of().formatHex(span.getSpanId().toByteArray())).append("\",\"name\":\"")
                    .append(span.getName()).append("\",\"startTimeUnixNano\":\"")
                    .append(Long.toUnsignedString(span.getStartTimeUnixNano())).append("\",\"endTimeUnixNano\":\"")
                    .append(Long.toUnsignedString(span.getEndTimeUnixNano())).append("\",\"attributes\":[")
                    .append(jsonKey(randomKey())).append("],\"events\":[{\"name\":\"e\",\"timeUnixNano\":\"")
                    .append(Long.toUnsignedString(edgeTime())).append("\",\"attributes\":[")
                    .append(jsonKey(randomKey())).append("]}]}");
        }
        String body = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[" + jsonKey("service.name") + ","
                + jsonKey(randomKey()) + "]},\"scopeSpans\":[{\"spans\":[" + spans + "]}]}]}";
        return body.getBytes(StandardCharsets.UTF_8);
    }

    private static String jsonKey(String key) {
        return "{\"key\":\"" + escaped(key) + "\",\"value\":{\"stringValue\":\"v\"}}";
    }

    private static String escaped(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            out.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? String.valueOf(c)
                    : String.format("\\u%04x", (int) c));
        }
        return out.toString();
    }

    /** Zipkin v2 JSON: random tag keys, timestamps in µs from the edge values. */
    private byte[] zipkinRequest() {
        spanCounter++;
        long timestampMicros = Long.divideUnsigned(edgeTime(), 1000);
        String body = "[{\"traceId\":\"" + String.format("%032x", 0xf000L + spanCounter) + "\",\"id\":\""
                + String.format("%016x", 0xf000L + spanCounter) + "\",\"name\":\"zipkin-fuzz\",\"timestamp\":"
                + Long.toUnsignedString(timestampMicros) + ",\"duration\":" + random.nextInt(1000)
                + ",\"localEndpoint\":{\"serviceName\":\"fuzz\"},\"tags\":{\"" + escaped(randomKey()) + "\":\"v\"},"
                + "\"annotations\":[{\"timestamp\":" + Long.toUnsignedString(Long.divideUnsigned(edgeTime(), 1000))
                + ",\"value\":\"a\"}]}]";
        return body.getBytes(StandardCharsets.UTF_8);
    }
}
