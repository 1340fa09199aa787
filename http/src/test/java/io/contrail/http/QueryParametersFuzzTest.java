package io.contrail.http;

import static io.contrail.http.OtlpSpans.span;
import static io.contrail.http.OtlpSpans.spanId;
import static io.contrail.http.OtlpSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Coverage-guided fuzzing (Jazzer) of the query parameters of every read API, through a real server:
 * Contrail's own ({@code /api/search}, {@code /api/traces/…}, {@code /api/metrics/red}, …), Jaeger's,
 * Zipkin's and Tempo's. Whatever the parameters, the answer is 200, 404 (no such trace) or 400 with a
 * message; never a 500, which is what a parser throwing anything but IllegalArgumentException becomes.
 *
 * <p>An input is the text of a request target, {@code /api/search?service=…&minDuration=…}; text that does
 * not start with {@code /} is the query string of {@code /api/search}. Every byte outside a few URL
 * delimiters is percent-encoded, so the server sees exactly the characters the fuzzer chose.
 */
class QueryParametersFuzzTest {

    private static final List<String> READ_API_PREFIXES = List.of("/api/", "/jaeger/api/", "/zipkin/api/v2/", "/tempo/api/");
    /** Longer targets end up as 414 from Jetty before any parser sees them. */
    private static final int MAX_TARGET_BYTES = 4_000;
    /** Jetty's request-header bound is 8 KiB; a target this long, encoded, is refused whole with a 414. */
    private static final int MAX_ENCODED_TARGET = 8_192;
    private static final Instant T0 = Instant.parse("2026-01-10T10:00:00Z");

    @RegisterExtension
    static final RunningServer server = RunningServer.withDefaults();

    @BeforeAll
    static void storeATrace() {
        String trace = traceId(0xA);
        OtlpSpans.export(server, OtlpSpans.request()
                .add("frontend", span(trace, spanId(0xA0), "GET /checkout", SpanKind.SPAN_KIND_SERVER, T0,
                        Duration.ofMillis(250)).addAttributes(OtlpSpans.attribute("http.route", "/checkout")))
                .add("payments", span(trace, spanId(0xA1), "Charge", SpanKind.SPAN_KIND_CLIENT, T0.plusMillis(10),
                        Duration.ofMillis(200)).setParentSpanId(OtlpSpans.hex(spanId(0xA0)))));
        server.flush();
    }

    @FuzzTest
    void readApis(byte[] input) {
        if (input.length > MAX_TARGET_BYTES) {
            return;
        }
        String text = new String(input, StandardCharsets.UTF_8);
        String target = text.startsWith("/") ? text : "/api/search?" + text;
        if (READ_API_PREFIXES.stream().noneMatch(target::startsWith)) {
            return;
        }
        String encoded = encode(target);
        HttpResponse<byte[]> response;
        // Jazzer's SSRF detector would report the test's own request to its server.
        int serverPort = URI.create(server.baseUrl()).getPort();
        SilentCloseable allowed = BugDetectors.allowNetworkConnections((host, port) -> port == serverPort);
        try {
            response = server.get(encoded);
        } finally {
            allowed.close();
        }
        // 4,000 bytes can encode to 36,000 characters (a byte that is no UTF-8 becomes %EF%BF%BD): past Jetty's
        // 8 KiB of request line a clean 414, before any parser sees it (crash-uri-too-long-after-encoding, found
        // at 832,099 runs).
        assertThat(response.statusCode()).as("GET %s: %s", encoded, RunningServer.text(response))
                .isIn(encoded.length() > MAX_ENCODED_TARGET ? List.of(414)
                        // Near the bound the request line's other parts and headers decide: a line that fits
                        // with headers that then do not is a 431 (crash-headers-too-large-near-bound, at 3,102 runs).
                        : encoded.length() > MAX_ENCODED_TARGET - 512 ? List.of(200, 400, 404, 414, 431)
                        : List.of(200, 400, 404));
        if (response.statusCode() == 400) {
            assertThat(RunningServer.text(response)).as("the 400 for GET %s", encoded).isNotBlank();
        }
    }

    /** Percent-encodes every UTF-8 byte of {@code target} but letters, digits and {@code -._~/?&=:,}. */
    private static String encode(String target) {
        StringBuilder encoded = new StringBuilder();
        for (byte b : target.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~/?&=:,".indexOf(c) >= 0) {
                encoded.append(c);
            } else {
                encoded.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return encoded.toString();
    }
}
