package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import io.contrail.workload.Workload;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingest past capacity against {@code contrail serve} in a child JVM with a small heap
 * ({@value #MAX_HEAP_MIB} MiB, {@code -XX:+ExitOnOutOfMemoryError}) and a small ingest buffer:
 * many concurrent clients post OTLP/HTTP protobuf; the server refuses what it cannot take with
 * 503 and Retry-After and a message naming the cause; clients that honour Retry-After get every
 * request acknowledged; the server never runs out of memory; and every acknowledged span is
 * queryable exactly once.
 */
class OverloadTest {

    private static final int MAX_HEAP_MIB = 256;
    private static final int CLIENTS = 32;
    private static final int TRACES_PER_REQUEST = 20;
    private static final int SPANS_TO_SEND = 200_000;
    /** Far below what 32 concurrent requests bring (about 8,000 spans), so refusals are certain. */
    private static final String MAX_BUFFERED_SPANS = "5000";
    private static final long SEND_TIMEOUT_SECONDS = 180;
    /** A G1 log line's heap before and after a collection, and the heap's size: {@code 45M->12M(256M)}. */
    private static final Pattern GC_HEAP = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

    @TempDir
    Path scratch;

    /** One request to send, with the spans per trace it carries. */
    private record Export(byte[] body, Map<String, Long> spansPerTrace) {
    }

    /** A refusal as the client saw it. */
    private record Refusal(int status, String retryAfter, String message) {
    }

    @Test
    void pastCapacityIngestIsRefusedWithRetryAfterAndEveryRetriedSpanIsStoredOnceWithoutRunningOutOfMemory()
            throws Exception {
        List<Export> exports = exports();
        Path gcLog = scratch.resolve("gc.log");
        Queue<Refusal> refusals = new ConcurrentLinkedQueue<>();
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        try (ChildServer server = ChildServer.start(List.of(),
                List.of("-Xmx" + MAX_HEAP_MIB + "m", "-Xlog:gc:file=" + gcLog), scratch.resolve("data"),
                scratch.resolve("server.log"), "--compact-interval", "0", "--max-buffered-spans", MAX_BUFFERED_SPANS,
                // Refused at once when full: with the default wait for room, flushes of 5,000 spans make room
                // within it and refusals are no longer certain.
                "--max-buffer-wait", "0")) {
            long started = System.nanoTime();
            AtomicInteger next = new AtomicInteger();
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                Thread client = new Thread(() -> {
                    for (int i = next.getAndIncrement(); i < exports.size(); i = next.getAndIncrement()) {
                        String failure = sendUntilAcknowledged(server, exports.get(i).body(), refusals);
                        if (failure != null) {
                            failures.add(failure);
                            return;
                        }
                    }
                }, "client-" + c);
                client.start();
                clients.add(client);
            }
            for (Thread client : clients) {
                client.join(TimeUnit.SECONDS.toMillis(SEND_TIMEOUT_SECONDS));
                assertThat(client.isAlive()).as("%s finished within %d s", client.getName(), SEND_TIMEOUT_SECONDS)
                        .isFalse();
            }
            long sentMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            // With ExitOnOutOfMemoryError a server that ran out of memory is gone, and nothing restarts it.
            assertThat(server.process().isAlive()).as("the server is alive (no OutOfMemoryError):\n%s",
                    tail(server.output())).isTrue();
            assertThat(failures).as("requests that failed otherwise than by a refusal").isEmpty();

            assertThat(refusals).as("refusals past capacity").isNotEmpty();
            for (Refusal refusal : refusals) {
                assertThat(refusal.status()).as("status of %s", refusal).isIn(429, 503);
                assertThat(refusal.retryAfter()).as("Retry-After of %s", refusal).matches("[1-9][0-9]*");
                assertThat(refusal.message()).as("the refusal names the cause")
                        .containsAnyOf("ingest buffer full", "too many ingest requests");
            }

            Map<String, Long> acknowledged = new HashMap<>();
            exports.forEach(export -> export.spansPerTrace().forEach((trace, spans) ->
                    acknowledged.merge(trace, spans, Long::sum)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            Map<String, Long> stored = server.storedSpansPerTrace();
            while (!stored.equals(acknowledged) && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
                stored = server.storedSpansPerTrace();
            }
            assertThat(stored).as("spans per trace: stored vs acknowledged").isEqualTo(acknowledged);
            assertThat(server.duplicateSpans()).as("spans stored twice").isZero();

            HeapSeen heap = heapSeen(gcLog);
            System.out.printf("OverloadTest: %d spans in %d requests from %d clients acknowledged in %d ms; "
                            + "%d refusals; heap (-Xmx%dm) at most %d MiB before and %d MiB after a collection, "
                            + "over %d collections; peak RSS %s%n",
                    exports.stream().mapToLong(e -> e.spansPerTrace().values().stream().mapToLong(Long::longValue).sum())
                            .sum(), exports.size(), CLIENTS, sentMillis, refusals.size(), MAX_HEAP_MIB,
                    heap.maxBeforeMib(), heap.maxAfterMib(), heap.collections(), peakRss(server.process()));
            assertThat(heap.collections()).as("collections logged").isPositive();
            assertThat(heap.maxCapacityMib()).as("heap size").isLessThanOrEqualTo(MAX_HEAP_MIB);
            assertThat(server.process().isAlive()).as("the server is alive at the end").isTrue();
        }
    }

    /** Posts {@code body} until it is acknowledged, waiting as each refusal's Retry-After says; null or why not. */
    private static String sendUntilAcknowledged(ChildServer server, byte[] body, Queue<Refusal> refusals) {
        try {
            while (true) {
                HttpResponse<byte[]> response = server.postOtlp(body);
                if (response.statusCode() == 200) {
                    return null;
                }
                String retryAfter = response.headers().firstValue("Retry-After").orElse(null);
                Refusal refusal = new Refusal(response.statusCode(), retryAfter,
                        Status.parseFrom(response.body()).getMessage());
                refusals.add(refusal);
                if (retryAfter == null || !retryAfter.matches("[0-9]+")) {
                    return "refused without a usable Retry-After: " + refusal;
                }
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(Long.parseLong(retryAfter)));
            }
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Requests of whole traces from the bench workload, {@link #SPANS_TO_SEND} spans in all, encoded up front. */
    private static List<Export> exports() {
        Workload workload = Workload.builder().seed(53).build();
        List<Export> exports = new ArrayList<>();
        long spans = 0;
        while (spans < SPANS_TO_SEND) {
            ExportTraceServiceRequest request = workload.nextRequest(TRACES_PER_REQUEST);
            Map<String, Long> perTrace = new HashMap<>();
            for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
                for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
                    for (Span span : scopeSpans.getSpansList()) {
                        perTrace.merge(HexFormat.of().formatHex(span.getTraceId().toByteArray()), 1L, Long::sum);
                        spans++;
                    }
                }
            }
            exports.add(new Export(request.toByteArray(), perTrace));
        }
        return exports;
    }

    /** The largest heap the child's GC log shows, before and after collections. */
    private record HeapSeen(int collections, long maxBeforeMib, long maxAfterMib, long maxCapacityMib) {
    }

    private static HeapSeen heapSeen(Path gcLog) throws IOException {
        int collections = 0;
        long before = 0;
        long after = 0;
        long capacity = 0;
        for (String line : Files.readAllLines(gcLog, StandardCharsets.UTF_8)) {
            Matcher m = GC_HEAP.matcher(line);
            if (m.find()) {
                collections++;
                before = Math.max(before, Long.parseLong(m.group(1)));
                after = Math.max(after, Long.parseLong(m.group(2)));
                capacity = Math.max(capacity, Long.parseLong(m.group(3)));
            }
        }
        return new HeapSeen(collections, before, after, capacity);
    }

    /** The child's peak resident set (VmHWM), where /proc has it. */
    private static String peakRss(Process process) throws IOException {
        Path status = Path.of("/proc", String.valueOf(process.pid()), "status");
        if (!Files.isReadable(status)) {
            return "unknown";
        }
        return Files.readAllLines(status).stream().filter(l -> l.startsWith("VmHWM:"))
                .map(l -> l.substring("VmHWM:".length()).strip()).findFirst().orElse("unknown");
    }

    private static String tail(String output) {
        return output.length() <= 4000 ? output : output.substring(output.length() - 4000);
    }
}
