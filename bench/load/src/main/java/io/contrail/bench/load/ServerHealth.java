package io.contrail.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The server's own counters from {@code GET /health}, read before and after a run so the report
 * can set what the driver saw acknowledged against what the server says it accepted, and show
 * how it stored them (fsyncs, files, Parquet bytes).
 */
record ServerHealth(long spansAccepted, long spansRejected, long requestsRefused, long spansBuffered,
                    long walBytes, long walFsyncs, long filesWritten, long parquetBytesWritten, long flushFailures) {

    private static final ObjectMapper JSON = new ObjectMapper();

    static ServerHealth fetch(URI baseUrl) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(URI.create(baseUrl + "/health"))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + baseUrl + "/health answered " + response.statusCode());
        }
        JsonNode health = JSON.readTree(response.body());
        return new ServerHealth(health.path("spansAccepted").asLong(), health.path("spansRejected").asLong(),
                health.path("requestsRefused").asLong(), health.path("spansBuffered").asLong(),
                health.path("walBytes").asLong(), health.path("walFsyncs").asLong(),
                health.path("filesWritten").asLong(), health.path("parquetBytesWritten").asLong(),
                health.path("flushFailures").asLong());
    }

    /** Counter increases from {@code before} to this (spansBuffered and walBytes are levels: this one's). */
    ServerHealth since(ServerHealth before) {
        return new ServerHealth(spansAccepted - before.spansAccepted, spansRejected - before.spansRejected,
                requestsRefused - before.requestsRefused, spansBuffered, walBytes,
                walFsyncs - before.walFsyncs, filesWritten - before.filesWritten,
                parquetBytesWritten - before.parquetBytesWritten, flushFailures - before.flushFailures);
    }
}
