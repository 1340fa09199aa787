package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code contrail serve} in a child JVM started from the test's own classpath, so that its heap
 * is its own (a configured {@code -Xmx}, and {@code -XX:+ExitOnOutOfMemoryError} so that running
 * out of memory is a dead process, not a hidden one) and its privileges can be narrowed.
 *
 * <p>The child's output (log included) goes to a file; its URL is read from the line
 * {@code Contrail listening on URL}. {@link #close()} stops it with SIGTERM (a clean shutdown).
 */
final class ChildServer implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("Contrail listening on (https?://\\S+)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** Rows per page when reading a large answer through /api/sql (the API's default row limit). */
    private static final int PAGE_ROWS = 10_000;

    private final Process process;
    private final Path output;
    private final URI baseUrl;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private ChildServer(Process process, Path output, URI baseUrl) {
        this.process = process;
        this.output = output;
        this.baseUrl = baseUrl;
    }

    /**
     * Starts {@code launcher} (a privilege-narrowing prefix such as {@code setpriv …}, or nothing),
     * then {@code java jvmOptions… Main serve --data data --port 0 --grpc-port -1 serveOptions…},
     * and waits until it listens.
     */
    static ChildServer start(List<String> launcher, List<String> jvmOptions, Path data, Path output,
                             String... serveOptions) throws IOException {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(javaCommand(jvmOptions));
        command.addAll(List.of("serve", "--data", data.toString(), "--port", "0", "--grpc-port", "-1"));
        command.addAll(List.of(serveOptions));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            Matcher listening = LISTENING.matcher(Files.readString(output, StandardCharsets.UTF_8));
            if (listening.find()) {
                return new ChildServer(process, output, URI.create(listening.group(1)));
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new AssertionError("the server did not start (" + (process.isAlive() ? "timed out" : "exited")
                        + "):\n" + Files.readString(output, StandardCharsets.UTF_8));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    /**
     * {@code java jvmOptions… Main}, from the test's own classpath; no performance-data file in the
     * system temp folder, which a killed JVM would leave behind.
     */
    static List<String> javaCommand(List<String> jvmOptions) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
        command.add("-XX:+ExitOnOutOfMemoryError");
        command.add("-XX:-UsePerfData");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        return command;
    }

    /** What a command printed (standard output and error together) and how it exited. */
    record Finished(int exitCode, String output) {
    }

    /** Runs {@code contrail args…} in a child JVM to its end, failing if that takes longer than {@code timeout}. */
    static Finished run(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> command = javaCommand(List.of("-Xmx512m"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        java.util.concurrent.CompletableFuture<byte[]> output = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return process.getInputStream().readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("contrail " + String.join(" ", args) + " did not end within " + timeout);
        }
        try {
            return new Finished(process.exitValue(), new String(output.get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8));
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError("reading the output of contrail " + String.join(" ", args), e);
        }
    }

    Process process() {
        return process;
    }

    URI baseUrl() {
        return baseUrl;
    }

    /** Everything the child printed so far (its log included). */
    String output() throws IOException {
        return Files.readString(output, StandardCharsets.UTF_8);
    }

    /** POSTs an OTLP/HTTP protobuf export request; any status. */
    HttpResponse<byte[]> postOtlp(byte[] request) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(baseUrl.resolve("/v1/traces"))
                .header("Content-Type", "application/x-protobuf").timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(request)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** {@code POST /api/sql} with {@code sql} and an Accept header; any status. */
    HttpResponse<byte[]> postSql(String sql, String accept) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(baseUrl.resolve("/api/sql"))
                .header("Content-Type", "application/json").header("Accept", accept).timeout(Duration.ofSeconds(120))
                .POST(HttpRequest.BodyPublishers.ofByteArray(RunningServer.JSON.writeValueAsBytes(Map.of("sql", sql))))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The rows of a query through {@code POST /api/sql}, which must answer 200. */
    JsonNode rows(String sql) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(baseUrl.resolve("/api/sql"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(120))
                .POST(HttpRequest.BodyPublishers.ofByteArray(RunningServer.JSON.writeValueAsBytes(Map.of("sql", sql))))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).as("%s: %s", sql, RunningServer.text(response)).isEqualTo(200);
        return RunningServer.json(response).get("rows");
    }

    /** Stored spans per trace ID (hex), read page by page through {@code POST /api/sql}. */
    Map<String, Long> storedSpansPerTrace() throws IOException, InterruptedException {
        Map<String, Long> counts = new HashMap<>();
        for (int offset = 0; ; offset += PAGE_ROWS) {
            JsonNode page = rows("SELECT trace_id, count(*) FROM spans GROUP BY trace_id ORDER BY trace_id LIMIT "
                    + PAGE_ROWS + " OFFSET " + offset);
            for (JsonNode row : page) {
                counts.put(row.get(0).asText(), row.get(1).asLong());
            }
            if (page.size() < PAGE_ROWS) {
                return counts;
            }
        }
    }

    /** Spans stored more than once (same trace, span and kind), counted through {@code POST /api/sql}. */
    long duplicateSpans() throws IOException, InterruptedException {
        return rows("SELECT count(*) FROM (SELECT trace_id, span_id, kind FROM spans GROUP BY ALL HAVING count(*) > 1)")
                .get(0).get(0).asLong();
    }

    /** Stops the server with SIGTERM (its shutdown hook flushes), forcibly if it does not exit in time. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
