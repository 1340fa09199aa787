package io.contrail.http;

import static io.contrail.http.OtlpSpans.request;
import static io.contrail.http.OtlpSpans.span;
import static io.contrail.http.OtlpSpans.spanId;
import static io.contrail.http.OtlpSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One process per data folder: while a server runs on a folder, a second {@code serve}, {@code demo}
 * or {@code compact} on it is refused with a message naming the holder, before it touches anything
 * there; the running server goes on acknowledging and loses nothing, and after a {@code kill -9} the
 * folder is free again. {@code contrail sql} keeps working meanwhile. Every process is a child JVM:
 * the lock is the operating system's, per process.
 */
class OneProcessPerDataFolderTest {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration VISIBLE_WITHIN = Duration.ofSeconds(30);
    private static final int SPANS_PER_REQUEST = 20;
    private static final Instant NOW = Instant.now();

    @TempDir
    Path scratch;

    /** Acknowledged spans per trace ID. */
    private final Map<String, Long> acknowledged = new HashMap<>();
    private int requests;

    @Test
    void aSecondServeDemoOrCompactIsRefusedNamingTheHolderAndTheRunningServerLosesNothing() throws Exception {
        Path data = scratch.resolve("served-data");
        try (ChildServer first = ChildServer.start(List.of(), List.of("-Xmx512m"), data, scratch.resolve("first.log"),
                "--compact-interval", "0")) {
            String holder = data + " is in use by contrail serve (pid " + first.process().pid() + ", "
                    + first.baseUrl() + ")";
            List<List<String>> seconds = List.of(
                    List.of("serve", "--data", data.toString(), "--port", "0", "--grpc-port", "-1"),
                    List.of("demo", "--exit", "--data", data.toString(), "--port", "0", "--grpc-port", "-1"),
                    List.of("compact", "--data", data.toString()));
            for (List<String> second : seconds) {
                acknowledge(first);
                awaitQueryable(first);
                Map<String, String> before = awaitSettled(data);
                assertThat(before.keySet()).anyMatch(file -> file.startsWith("wal/"));

                ChildServer.Finished refused = ChildServer.run(COMMAND_TIMEOUT, second.toArray(String[]::new));

                assertThat(contents(data)).as("every file of the folder, byte for byte, after %s", second)
                        .isEqualTo(before);
                assertThat(refused.exitCode()).as("contrail %s:%n%s", second, refused.output()).isNotZero();
                assertThat(refused.output()).contains(holder);
            }

            // Reading needs no claim: contrail sql answers while the server runs, and changes nothing.
            Map<String, String> before = awaitSettled(data);
            ChildServer.Finished sql = ChildServer.run(COMMAND_TIMEOUT, "sql", "--data", data.toString(),
                    "--format", "csv", "SELECT count(*) AS spans FROM spans");
            assertThat(sql.exitCode()).as(sql.output()).isZero();
            assertThat(sql.output()).contains("spans\n" + totalAcknowledged());
            assertThat(contents(data)).as("every file after contrail sql").isEqualTo(before);

            acknowledge(first);
            awaitQueryable(first);
            assertThat(first.duplicateSpans()).isZero();

            acknowledge(first); // in the log only when the kill comes, maybe
            first.process().destroyForcibly(); // kill -9: the operating system releases the lock
            assertThat(first.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        try (ChildServer restarted = ChildServer.start(List.of(), List.of("-Xmx512m"), data,
                scratch.resolve("restarted.log"))) {
            awaitQueryable(restarted);
            assertThat(restarted.duplicateSpans()).isZero();
        }
    }

    /** Sends one request of new spans; it must be acknowledged. */
    private void acknowledge(ChildServer server) throws Exception {
        int request = requests++;
        OtlpSpans.Request spans = request();
        String trace = traceId(request);
        for (int i = 0; i < SPANS_PER_REQUEST; i++) {
            spans.add("checkout", span(trace, spanId(request * SPANS_PER_REQUEST + i), "op",
                    Span.SpanKind.SPAN_KIND_SERVER, NOW.plusMillis(i), Duration.ofMillis(1)));
        }
        HttpResponse<byte[]> response = server.postOtlp(spans.toByteArray());
        assertThat(response.statusCode()).as(new String(response.body(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(200);
        acknowledged.put(trace, (long) SPANS_PER_REQUEST);
    }

    private long totalAcknowledged() {
        return acknowledged.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Waits until the server answers with every acknowledged span, each trace whole. */
    private void awaitQueryable(ChildServer server) throws Exception {
        long deadline = System.nanoTime() + VISIBLE_WITHIN.toNanos();
        Map<String, Long> stored = server.storedSpansPerTrace();
        while (!stored.equals(acknowledged) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            stored = server.storedSpansPerTrace();
        }
        assertThat(stored).as("stored spans per trace").isEqualTo(acknowledged);
    }

    /**
     * The folder's files once a flush has finished with them (its log segments are deleted just after
     * its files are visible): the same twice in a row, 300 ms apart.
     */
    private static Map<String, String> awaitSettled(Path folder) throws Exception {
        long deadline = System.nanoTime() + VISIBLE_WITHIN.toNanos();
        Map<String, String> previous = contents(folder);
        while (true) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300));
            Map<String, String> now = contents(folder);
            if (now.equals(previous)) {
                return now;
            }
            assertThat(System.nanoTime()).as("the folder settles").isLessThan(deadline);
            previous = now;
        }
    }

    /** Every file under {@code folder} (relative path) and the SHA-256 of its bytes. */
    private static Map<String, String> contents(Path folder) throws Exception {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path file : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                byte[] bytes;
                try {
                    bytes = Files.readAllBytes(file);
                } catch (java.nio.file.NoSuchFileException e) {
                    continue; // deleted meanwhile (a flush deleting log segments): not there
                }
                files.put(folder.relativize(file).toString().replace('\\', '/'),
                        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
            }
        }
        return files;
    }
}
