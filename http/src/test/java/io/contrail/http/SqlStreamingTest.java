package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /api/sql} answers of any size stream through a server whose heap is far smaller than the answer:
 * {@value #ROWS} rows of ~{@value #PAD} bytes each (about 470 MB as CSV) through a child server with
 * {@code -Xmx256m} that exits on running out of memory, as CSV, NDJSON and Arrow, every row read by the client as
 * it arrives and counted, and the server still answering afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SqlStreamingTest {

    static final long ROWS = 1_500_000;
    static final int PAD = 300;
    static final String SQL = "SELECT range AS n, repeat('x', " + PAD + ") AS pad FROM range(" + ROWS + ")";
    static final ObjectMapper JSON = new ObjectMapper();

    ChildServer server;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    void start(@TempDir Path scratch) throws Exception {
        server = ChildServer.start(List.of(), List.of("-Xmx256m"), scratch.resolve("data"), scratch.resolve("server.log"),
                "--query-timeout", "300s");
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<InputStream> post(String accept) throws Exception {
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(server.baseUrl().resolve("/api/sql"))
                .header("Content-Type", "application/json").header("Accept", accept).timeout(Duration.ofMinutes(5))
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(Map.of("sql", SQL)))).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Contrail-Truncated")).hasValue("false");
        return response;
    }

    /** Reads text lines as they arrive; checks each row's number and returns how many there were. */
    private static long countLines(InputStream body, boolean header, boolean ndjson) throws Exception {
        long rows = 0;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8), 1 << 16)) {
            if (header) {
                assertThat(lines.readLine()).isEqualTo("n,pad");
            }
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                long n = ndjson ? JSON.readTree(line).get("n").asLong() : Long.parseLong(line.substring(0, line.indexOf(',')));
                assertThat(n).isEqualTo(rows);
                assertThat(line.length()).isGreaterThan(PAD);
                rows++;
            }
        }
        return rows;
    }

    @Test
    void csvNdjsonAndArrowAnswersFarLargerThanTheServersHeapArriveWhole() throws Exception {
        assertThat(countLines(post("text/csv").body(), true, false)).isEqualTo(ROWS);
        assertThat(countLines(post("application/x-ndjson").body(), false, true)).isEqualTo(ROWS);

        long rows = 0;
        long sum = 0;
        try (BufferAllocator allocator = new RootAllocator();
             ArrowStreamReader reader = new ArrowStreamReader(post(QueryRoutes.ARROW_STREAM).body(), allocator)) {
            while (reader.loadNextBatch()) {
                BigIntVector n = (BigIntVector) reader.getVectorSchemaRoot().getVector("n");
                for (int i = 0; i < reader.getVectorSchemaRoot().getRowCount(); i++) {
                    sum += n.get(i);
                }
                rows += reader.getVectorSchemaRoot().getRowCount();
            }
        }
        assertThat(rows).isEqualTo(ROWS);
        assertThat(sum).isEqualTo(ROWS * (ROWS - 1) / 2);

        assertThat(server.process().isAlive()).as("the server (-Xmx256m, exits on OutOfMemoryError):%n%s",
                server.output()).isTrue();
        HttpResponse<byte[]> after = http.send(HttpRequest.newBuilder(server.baseUrl().resolve("/health")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(after.statusCode()).isEqualTo(200);
    }
}
