package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With the default configuration (buffer flushed to Parquet after {@code maxBufferAge} = 1 s), an
 * acknowledged span is visible to SQL within two seconds. Nothing here flushes by hand.
 */
class FreshnessTest {

    static final Duration FRESHNESS_BOUND = Duration.ofSeconds(2);
    static final Duration POLL_INTERVAL = Duration.ofMillis(20);

    @RegisterExtension
    final RunningServer server = RunningServer.withDefaults();

    @Test
    void anAcknowledgedSpanIsQueryableWithinTwoSeconds() {
        var recorder = new RecordingSpanExporter(SpanExporter.noop());
        try (SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.builder().put("service.name", "fresh").build()))
                .addSpanProcessor(SimpleSpanProcessor.create(recorder))
                .build()) {
            provider.get("io.contrail.freshness").spanBuilder("GET /fresh").setSpanKind(SpanKind.SERVER)
                    .startSpan().end();
        }
        SpanData span = recorder.span("GET /fresh");
        String query = "SELECT count(*) FROM spans WHERE trace_id = '" + span.getTraceId() + "'";

        CompletableResultCode exported;
        try (SpanExporter exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint(server.baseUrl() + "/v1/traces").build()) {
            exported = exporter.export(List.of(span)).join(30, TimeUnit.SECONDS);
        }
        long acknowledgedAt = System.nanoTime();
        assertThat(exported.isSuccess()).as("export acknowledged").isTrue();

        long deadline = acknowledgedAt + FRESHNESS_BOUND.toNanos();
        long seenAt = -1;
        while (seenAt < 0 && System.nanoTime() < deadline) {
            if (server.value(query).asLong() == 1) {
                seenAt = System.nanoTime();
            } else {
                LockSupport.parkNanos(POLL_INTERVAL.toNanos());
            }
        }

        assertThat(seenAt).as("the span was seen by SQL within %s of the acknowledgement", FRESHNESS_BOUND)
                .isPositive()
                .isLessThanOrEqualTo(deadline);
    }
}
