package io.contrail.http;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

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
