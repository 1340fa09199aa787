package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** GET /api/propagation reports a CLIENT call whose server never joined the trace. */
class PropagationApiTest {

    @RegisterExtension
    final RunningServer server = RunningServer.withDefaults();

    @Test
    void aClientCallWithoutItsServerSideIsABrokenHop() {
        Instant start = Instant.parse("2026-11-25T10:00:00Z");
        String trace = OtlpSpans.traceId(1);
        OtlpSpans.export(server, OtlpSpans.request()
                .add("web",
                        OtlpSpans.span(trace, OtlpSpans.spanId(1), "GET /", Span.SpanKind.SPAN_KIND_SERVER,
                                start, Duration.ofMillis(20)),
                        OtlpSpans.span(trace, OtlpSpans.spanId(2), "GET api", Span.SpanKind.SPAN_KIND_CLIENT,
                                        start.plusMillis(1), Duration.ofMillis(10))
                                .setParentSpanId(OtlpSpans.hex(OtlpSpans.spanId(1)))
                                .addAttributes(OtlpSpans.attribute("peer.service", "api")))
                // The api service reports spans, but this call's server span started a trace of its own.
                .add("api", OtlpSpans.span(OtlpSpans.traceId(2), OtlpSpans.spanId(3), "GET /api",
                        Span.SpanKind.SPAN_KIND_SERVER, start.plusMillis(2), Duration.ofMillis(5))));
        server.flush();

        JsonNode report = server.getJson("/api/propagation");
        assertThat(report.get("brokenHops").asLong()).isEqualTo(1);
        JsonNode edge = report.get("edges").get(0);
        assertThat(edge.get("clientService").asText()).isEqualTo("web");
        assertThat(edge.get("serverService").asText()).isEqualTo("api");
        assertThat(edge.get("exampleTraceIds").get(0).asText()).isEqualTo(trace);
        assertThat(server.getJson("/api/propagation?start=2000-01-01T00:00:00Z&end=2000-01-02T00:00:00Z")
                .get("brokenHops").asLong()).isZero();
        assertThat(server.getJson("/api/propagation?start=2026-11-25T09:00:00Z&end=2026-11-25T11:00:00Z")
                .get("brokenHops").asLong()).isEqualTo(1);
    }
}
