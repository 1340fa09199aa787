package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.contrail.query.QueryEngine;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Results far larger than memory, asked for by several clients at once, against {@code contrail serve}
 * in a child JVM with a small heap ({@value #MAX_HEAP_MIB} MiB, {@code -XX:+ExitOnOutOfMemoryError}):
 * a JSON answer is cut at the byte cap and marked truncated; a streamed one (CSV, Arrow), which has no cap, is
 * refused with a 400 that says why, since its rows are larger than a streamed row may be; the server's memory
 * stays within its heap plus DuckDB's limit; and it is alive and answering afterwards.
 */
class LargeResultsTest {

    private static final int MAX_HEAP_MIB = 256;
    private static final int CLIENTS_PER_FORMAT = 3;
    /** 150 values of 20 MB: 3 GB as text, twice that as Java strings. */
    private static final String HUGE = "SELECT repeat('x', 20000000) AS x FROM range(150)";
    private static final long VALUE_BYTES = 20_000_000;
    private static final long MAX_RESULT_BYTES = QueryEngine.Config.DEFAULT_MAX_RESULT_BYTES;
    /** The child's peak resident memory may not pass its heap plus DuckDB's limit (2 GB) plus the JVM's own. */
    private static final long MAX_RSS_KIB = (MAX_HEAP_MIB + 2048 + 512) * 1024L;

    @TempDir
    Path scratch;

    @Test
    void resultsLargerThanMemoryAreCutAtTheByteCapInEveryFormatAndTheServerKeepsAnswering() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS_PER_FORMAT);
        try (ChildServer server = ChildServer.start(List.of(), List.of("-Xmx" + MAX_HEAP_MIB + "m"),
                scratch.resolve("data"), scratch.resolve("server.log"), "--compact-interval", "0")) {
            for (String accept : List.of("application/json", "text/csv", SqlApiTest.ARROW_STREAM)) {
                List<Callable<HttpResponse<byte[]>>> requests = new ArrayList<>();
                for (int c = 0; c < CLIENTS_PER_FORMAT; c++) {
                    requests.add(() -> server.postSql(HUGE, accept));
                }
                for (Future<HttpResponse<byte[]>> answer : clients.invokeAll(requests)) {
                    HttpResponse<byte[]> response = answer.get();
                    if (!accept.equals("application/json")) {
                        // Streamed answers have no total cap, so a row too large to stream is refused before any is sent.
                        assertThat(response.statusCode()).as("%s: %s", accept, RunningServer.text(response)).isEqualTo(400);
                        assertThat(RunningServer.json(response).get("error").asText())
                                .contains("larger than 64 KiB").contains("ask for JSON");
                        continue;
                    }
                    assertThat(response.statusCode()).as("%s: %s", accept, RunningServer.text(response)).isEqualTo(200);
                    assertThat(response.headers().firstValue("X-Contrail-Truncated")).as(accept).hasValue("true");
                    assertThat((long) response.body().length).as("bytes of the %s answer", accept)
                            .isLessThan(MAX_RESULT_BYTES + 1024);
                    assertThat(valuesIn(accept, response.body())).as("values in the %s answer of %d bytes: %s", accept,
                                    response.body().length, RunningServer.text(response).substring(0, Math.min(80, response.body().length)))
                            .isEqualTo(MAX_RESULT_BYTES / VALUE_BYTES);
                }
                assertThat(server.process().isAlive()).as("alive after %s answers:\n%s", accept, tail(server.output()))
                        .isTrue();
            }
            long peakRssKib = peakRssKib(server.process());
            System.out.printf("LargeResultsTest: %d × 3 answers of a 3 GB result; child peak RSS %d MiB (-Xmx%dm)%n",
                    CLIENTS_PER_FORMAT, peakRssKib / 1024, MAX_HEAP_MIB);
            assertThat(peakRssKib).as("peak RSS (KiB) within heap + DuckDB's limit").isLessThan(MAX_RSS_KIB);
            assertThat(server.rows("SELECT 6 * 7").get(0).get(0).asInt()).isEqualTo(42);
        } finally {
            clients.shutdownNow();
        }
    }

    /** How many whole values of {@link #VALUE_BYTES} the answer carries. */
    private static long valuesIn(String accept, byte[] body) throws IOException {
        if (accept.equals("text/csv")) {
            // Jackson quotes long values.
            return new String(body, StandardCharsets.UTF_8).lines().skip(1)
                    .filter(l -> l.replace("\"", "").length() == VALUE_BYTES).count();
        }
        if (accept.equals("application/json")) {
            JsonNode answer = RunningServer.JSON.readTree(body);
            assertThat(answer.get("truncated").asBoolean()).isTrue();
            long values = 0;
            for (JsonNode row : answer.get("rows")) {
                assertThat(row.get(0).asText()).hasSize((int) VALUE_BYTES);
                values++;
            }
            return values;
        }
        long values = 0;
        try (BufferAllocator allocator = new RootAllocator();
             ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(body), allocator)) {
            while (reader.loadNextBatch()) {
                VarCharVector x = (VarCharVector) reader.getVectorSchemaRoot().getVector("x");
                for (int i = 0; i < x.getValueCount(); i++) {
                    assertThat(x.get(i)).hasSize((int) VALUE_BYTES);
                    values++;
                }
            }
        }
        return values;
    }

    /** The child's peak resident set (VmHWM) in KiB; 0 where /proc does not have it. */
    private static long peakRssKib(Process process) throws IOException {
        Path status = Path.of("/proc", String.valueOf(process.pid()), "status");
        if (!Files.isReadable(status)) {
            return 0;
        }
        return Files.readAllLines(status).stream().filter(l -> l.startsWith("VmHWM:"))
                .map(l -> l.replaceAll("[^0-9]", "")).mapToLong(Long::parseLong).findFirst().orElse(0);
    }

    private static String tail(String output) {
        return output.length() <= 4000 ? output : output.substring(output.length() - 4000);
    }
}
