package io.contrail.http;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Forwards every export to a real exporter and remembers the spans and each export's outcome.
 *
 * <p>The SDK's span processors log a failed export and carry on ({@code forceFlush} still
 * succeeds), so a test that must know the server acknowledged the spans asks {@link #results()}.
 */
final class RecordingSpanExporter implements SpanExporter {

    private final SpanExporter delegate;
    private final List<SpanData> spans = new ArrayList<>();
    private final List<CompletableResultCode> results = new ArrayList<>();

    RecordingSpanExporter(SpanExporter delegate) {
        this.delegate = delegate;
    }

    @Override
    public synchronized CompletableResultCode export(Collection<SpanData> batch) {
        spans.addAll(batch);
        CompletableResultCode result = delegate.export(batch);
        results.add(result);
        return result;
    }

    /**
     * Ends one SERVER span of {@code service} through {@code exporter} (a real SDK tracer provider, flushed);
     * whether that one export succeeded.
     */
    static boolean exportOneSpan(SpanExporter exporter, String service) {
        RecordingSpanExporter recorder = new RecordingSpanExporter(exporter);
        try (SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.builder().put("service.name", service).build()))
                .addSpanProcessor(SimpleSpanProcessor.create(recorder))
                .build()) {
            provider.get("io.contrail.test").spanBuilder("GET /cart").setSpanKind(SpanKind.SERVER).startSpan().end();
            provider.forceFlush().join(60, TimeUnit.SECONDS);
        }
        List<CompletableResultCode> results = recorder.results();
        if (results.size() != 1) {
            throw new AssertionError("expected one export, got " + results.size());
        }
        return results.get(0).join(60, TimeUnit.SECONDS).isSuccess();
    }

    /** Every span handed to the exporter, in export order. */
    synchronized List<SpanData> spans() {
        return List.copyOf(spans);
    }

    /** The outcome of each export call, in order. */
    synchronized List<CompletableResultCode> results() {
        return List.copyOf(results);
    }

    /** The exported span with this name; fails when there is not exactly one. */
    synchronized SpanData span(String name) {
        List<SpanData> named = spans.stream().filter(s -> s.getName().equals(name)).toList();
        if (named.size() != 1) {
            throw new AssertionError("expected one exported span named " + name + ", got " + named.size());
        }
        return named.get(0);
    }

    @Override
    public CompletableResultCode flush() {
        return delegate.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
        return delegate.shutdown();
    }
}
