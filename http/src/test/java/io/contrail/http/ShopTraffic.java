package io.contrail.http;

import static io.opentelemetry.api.common.AttributeKey.stringKey;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Shop traffic recorded by real OpenTelemetry SDK tracers — one {@link SdkTracerProvider} per
 * service, each with its own resource and OTLP/HTTP exporter, as separate processes would have —
 * and sent to a {@link RunningServer}.
 *
 * <p>One checkout is a trace: {@code frontend} SERVER {@code GET /checkout} → {@code frontend}
 * CLIENT {@code POST /pay} (peer {@code payment}) → {@code payment} SERVER {@code POST /pay},
 * which fails (status ERROR, an exception event) when paid by {@code amex}; and {@code frontend}
 * CLIENT {@code GET cart} to {@code redis}, which reports no spans. After the payment, {@code email}
 * starts a trace of its own, CONSUMER {@code send receipt}, linked (follows-from) to the payment span.
 */
final class ShopTraffic implements AutoCloseable {

    static final List<String> SERVICES = List.of("frontend", "payment", "email");

    /** The spans of one checkout, as the SDK recorded them. */
    record Checkout(Span root, Span payClient, Span payServer, Span cacheClient, Span receipt) {
    }

    private final RunningServer server;
    private final Map<String, SdkTracerProvider> providers = new LinkedHashMap<>();
    private final Map<String, RecordingSpanExporter> exporters = new LinkedHashMap<>();

    ShopTraffic(RunningServer server) {
        this.server = server;
        for (String service : SERVICES) {
            var exporter = new RecordingSpanExporter(OtlpHttpSpanExporter.builder()
                    .setEndpoint(server.baseUrl() + "/v1/traces").build());
            exporters.put(service, exporter);
            providers.put(service, SdkTracerProvider.builder()
                    .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
                            stringKey("service.name"), service, stringKey("host.name"), service + "-1"))))
                    .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
                    .build());
        }
    }

    Tracer tracer(String service) {
        return providers.get(service).get("io.contrail.shop", "1.0.0");
    }

    /** Records one checkout that starts at {@code start} and takes {@code duration} at the frontend. */
    Checkout checkout(Instant start, Duration duration, String card, String userId) {
        boolean fails = card.equals("amex");
        Instant end = start.plus(duration);
        Span root = tracer("frontend").spanBuilder("GET /checkout").setSpanKind(SpanKind.SERVER).setNoParent()
                .setStartTimestamp(start).setAttribute("http.request.method", "GET")
                .setAttribute("http.route", "/checkout").setAttribute("app.user.id", userId)
                .setAttribute("http.response.status_code", fails ? 500L : 200L)
                .setAttribute("app.cart.total", 42.5).startSpan();
        Span payClient = tracer("frontend").spanBuilder("POST /pay").setSpanKind(SpanKind.CLIENT)
                .setParent(Context.root().with(root)).setStartTimestamp(start.plusMillis(1))
                .setAttribute("peer.service", "payment").startSpan();
        Span payServer = tracer("payment").spanBuilder("POST /pay").setSpanKind(SpanKind.SERVER)
                .setParent(Context.root().with(payClient)).setStartTimestamp(start.plusMillis(2))
                .setAttribute("http.route", "/pay").setAttribute("payment.card", card).startSpan();
        if (fails) {
            payServer.recordException(new IllegalStateException("card declined"),
                    Attributes.of(stringKey("payment.gateway"), "gw-2"));
            payServer.setStatus(StatusCode.ERROR, "card declined");
            payClient.setStatus(StatusCode.ERROR);
            root.setStatus(StatusCode.ERROR);
        }
        payServer.end(end.minusMillis(2));
        payClient.end(end.minusMillis(1));
        Span cacheClient = tracer("frontend").spanBuilder("GET cart").setSpanKind(SpanKind.CLIENT)
                .setParent(Context.root().with(root)).setStartTimestamp(start.plusMillis(1))
                .setAttribute("peer.service", "redis").setAttribute("db.system", "redis").startSpan();
        cacheClient.end(start.plusMillis(2));
        root.end(end);
        Span receipt = tracer("email").spanBuilder("send receipt").setSpanKind(SpanKind.CONSUMER).setNoParent()
                .addLink(payServer.getSpanContext()).setStartTimestamp(end.plusMillis(5)).startSpan();
        receipt.end(end.plusMillis(15));
        return new Checkout(root, payClient, payServer, cacheClient, receipt);
    }

    /** Every span the SDKs exported. */
    List<SpanData> spans() {
        List<SpanData> spans = new ArrayList<>();
        exporters.values().forEach(e -> spans.addAll(e.spans()));
        return spans;
    }

    SpanData span(String spanId) {
        return spans().stream().filter(s -> s.getSpanId().equals(spanId)).findFirst()
                .orElseThrow(() -> new AssertionError("no exported span " + spanId));
    }

    /** Exports everything recorded, checks the server acknowledged it, and writes it to Parquet. */
    @Override
    public void close() {
        for (SdkTracerProvider provider : providers.values()) {
            CompletableResultCode flushed = provider.forceFlush().join(30, TimeUnit.SECONDS);
            assertThat(flushed.isSuccess()).as("SDK forceFlush").isTrue();
            provider.close();
        }
        for (RecordingSpanExporter exporter : exporters.values()) {
            assertThat(exporter.results()).allSatisfy(result -> assertThat(result.isSuccess())
                    .as("export acknowledged (%s)", result.getFailureThrowable()).isTrue());
        }
        server.flush();
    }
}
