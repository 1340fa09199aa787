package io.contrail.http;

import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;

/**
 * Exports spans as OTLP/JSON over HTTP, the body written by the OpenTelemetry SDK's own OTLP
 * marshaler.
 *
 * <p>Why not {@code OtlpHttpSpanExporter}: in opentelemetry-exporter-otlp 1.68 its JSON mode
 * ({@code HttpExporterBuilder.exportAsJson()}) is internal and its builder offers no public switch.
 * {@link TraceRequestMarshaler#writeJsonTo} is the serializer that mode uses, so the bytes are the
 * ones the SDK would send; only the HTTP client differs. Succeeds only on HTTP 200.
 */
final class OtlpJsonHttpSpanExporter implements SpanExporter {

    private final URI endpoint;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    OtlpJsonHttpSpanExporter(String endpoint) {
        this.endpoint = URI.create(endpoint);
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        try {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            TraceRequestMarshaler.create(spans).writeJsonTo(body);
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(endpoint)
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return CompletableResultCode.ofExceptionalFailure(new IOException(
                        "HTTP " + response.statusCode() + ": " + response.body()));
            }
            return CompletableResultCode.ofSuccess();
        } catch (IOException e) {
            return CompletableResultCode.ofExceptionalFailure(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableResultCode.ofExceptionalFailure(e);
        }
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
    }
}
