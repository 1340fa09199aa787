package io.contrail.http;

import com.google.protobuf.ByteString;
import io.contrail.columnar.DataLayout;
import io.contrail.query.QueryResult;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server runs as a child JVM; clients post batches concurrently; after a number of
 * acknowledgements the server is killed with SIGKILL and restarted, several rounds. Every
 * acknowledged span must be present exactly once at the end.
 */
class CrashSafetyTest {

    private static final int ROUNDS = 4;
    /** A short flush interval makes kills land during flushes, not only between them. */
    private static final String FLUSH_INTERVAL_MILLIS = "150";
    private static final int CLIENTS = 4;
    private static final int SPANS_PER_REQUEST = 50;
    /** Acknowledged requests before the kill, per round: early kills and kills amid many flushes. */
    private static final int[] ACKS_BEFORE_KILL = {40, 150, 300, 500};
    private static final Pattern LISTENING = Pattern.compile("Contrail listening on (http://\\S+)");

    @TempDir
    Path data;
    /** The children's temp folder: what a killed server leaves there is counted (see {@link #nothingLeftInTemp}). */
    @TempDir
    Path childTemp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();

    @Test
    void acknowledgedSpansSurviveKill9() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            Process server = startServer();
            try {
                URI base = URI.create(awaitListening(server).url());
                sendUntilKilled(base, server, round, () -> true);
            } finally {
                server.destroyForcibly();
                server.waitFor(30, TimeUnit.SECONDS);
            }
        }
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(java.util.Arrays.stream(ACKS_BEFORE_KILL).sum() * SPANS_PER_REQUEST);
        assertEveryAcknowledgedSpanIsStoredOnce();
    }

    /**
     * As above, with the server compacting continuously: each kill comes after the round's child
     * has logged merges, so it lands amid merging, between a merged file's publication and the
     * deletion of its inputs (which waits for the query timeout), or mid-write of a merged file.
     */
    @Test
    void acknowledgedSpansSurviveKill9DuringCompaction() throws Exception {
        int midMergeKills = 0;
        for (int round = 0; round < ROUNDS; round++) {
            Process server = startServer("--compact-interval", "100ms", "--compact-target-spans", "20000");
            try {
                Listening listening = awaitListening(server);
                int mergesBeforeKill = round + 1;
                sendUntilKilled(URI.create(listening.url()), server, round,
                        () -> listening.merges().get() >= mergesBeforeKill);
                assertThat(listening.merges().get()).as("merges logged in round " + round).isGreaterThanOrEqualTo(mergesBeforeKill);
            } finally {
                server.destroyForcibly();
                server.waitFor(30, TimeUnit.SECONDS);
            }
            if (mergedFileBeingWritten()) {
                midMergeKills++;
            }
        }
        System.out.println("kills that interrupted the writing of a merged file: " + midMergeKills + " of " + ROUNDS);
        try (Stream<Path> files = Files.walk(data.resolve("spans"))) {
            assertThat(files.filter(p -> p.getFileName().toString().matches("part-\\d+-c\\d+-.*\\.parquet")))
                    .as("merged files").isNotEmpty();
        }
        assertEveryAcknowledgedSpanIsStoredOnce();
    }

    private boolean mergedFileBeingWritten() throws IOException {
        try (Stream<Path> files = Files.walk(data.resolve("spans"))) {
            return files.anyMatch(p -> p.getFileName().toString().matches("\\.part-\\d+-c\\d+-.*\\.tmp"));
        }
    }

    /** The killed servers left nothing in their temp folder (DuckDB's library used to stay, 72 MB each). */
    @AfterEach
    void nothingLeftInTemp() throws IOException {
        try (Stream<Path> left = Files.list(childTemp)) {
            assertThat(left.map(p -> p.getFileName().toString())).as("files left in the temp folder").isEmpty();
        }
    }

    private void assertEveryAcknowledgedSpanIsStoredOnce() throws Exception {
        try (ContrailServer server = ContrailServer.start(ServerConfig.defaults(data).withAddress("127.0.0.1", 0))) {
            server.store().flush();
            QueryResult duplicates = server.engine().query(
                    "SELECT trace_id, span_id, count(*) FROM spans GROUP BY ALL HAVING count(*) > 1 LIMIT 5");
            assertThat(duplicates.rows()).as("spans stored more than once").isEmpty();

            Set<String> stored = ConcurrentHashMap.newKeySet();
            int offset = 0;
            while (true) {
                QueryResult page = server.engine().query("SELECT span_id FROM spans ORDER BY span_id LIMIT 10000 OFFSET " + offset);
                for (List<Object> row : page.rows()) {
                    stored.add((String) row.get(0));
                }
                if (page.rows().size() < 10000) {
                    break;
                }
                offset += 10000;
            }
            Set<String> missing = ConcurrentHashMap.newKeySet();
            missing.addAll(acknowledged);
            missing.removeAll(stored);
            assertThat(missing).as(() -> "acknowledged spans lost: " + lossReport(server, missing)).isEmpty();
        }
    }

    /**
     * What a failure needs to tell a lost span from an invisible one: the lost requests (round, client,
     * sequence numbers), how many of their spans are in a Parquet file on disk all the same (the query
     * engine not seeing a file is not the log losing it), the recovery's counts and the files and segments.
     */
    private String lossReport(ContrailServer server, Set<String> missing) {
        StringBuilder report = new StringBuilder(missing.size() + " spans\n");
        java.util.Map<String, java.util.TreeSet<Long>> requests = new java.util.TreeMap<>();
        for (String spanId : missing) {
            long unique = HexFormat.fromHexDigitsToLong(spanId) - 1;
            requests.computeIfAbsent("round " + (unique >>> 48) + " client " + ((unique >>> 40) & 0xff),
                    k -> new java.util.TreeSet<>()).add((unique >>> 12) & 0xfffffff);
        }
        requests.forEach((who, seqs) -> report.append("  ").append(who).append(": requests ").append(seqs).append('\n'));
        DataLayout layout = server.store().files().layout();
        try (java.sql.Connection duckdb = java.sql.DriverManager.getConnection("jdbc:duckdb:");
             java.sql.Statement statement = duckdb.createStatement()) {
            List<Path> files = layout.spanFiles();
            long onDisk = 0;
            if (!files.isEmpty()) {
                StringBuilder list = new StringBuilder();
                for (Path file : files) {
                    list.append(list.length() == 0 ? "" : ", ").append('\'').append(file).append('\'');
                }
                try (java.sql.ResultSet rs = statement.executeQuery("SELECT count(*) FROM read_parquet([" + list
                        + "], union_by_name = true) WHERE span_id IN ('" + String.join("', '", missing) + "')")) {
                    rs.next();
                    onDisk = rs.getLong(1);
                }
            }
            report.append("  of them in a Parquet file on disk all the same: ").append(onDisk).append('\n');
            report.append("  recovery: ").append(server.store().stats()).append('\n');
            report.append("  span files: ").append(files.stream().map(f -> layout.spansDir().relativize(f).toString()).toList())
                    .append('\n');
            try (Stream<Path> segments = Files.list(layout.walDir())) {
                report.append("  log segments: ").append(segments.map(f -> f.getFileName().toString()).sorted().toList());
            }
        } catch (Exception e) {
            report.append("  (reading the folder failed: ").append(e).append(')');
        }
        return report.toString();
    }

    private Process startServer(String... extraOptions) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
        command.add("-Xmx512m");
        command.add("-Djava.io.tmpdir=" + childTemp);
        command.add("-XX:-UsePerfData");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(List.of("serve", "--data", data.toString(), "--port", "0", "--flush-interval", FLUSH_INTERVAL_MILLIS));
        command.addAll(List.of(extraOptions));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /** Where a child server listens, and how many merges it has logged so far. */
    private record Listening(String url, AtomicInteger merges) {
    }

    /** Reads the child's output until it says where it listens; keeps draining it (counting merges) afterwards. */
    private static Listening awaitListening(Process server) throws Exception {
        BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String line;
        StringBuilder seen = new StringBuilder();
        while ((line = lines.readLine()) != null) {
            seen.append(line).append('\n');
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                AtomicInteger merges = new AtomicInteger();
                Thread drain = new Thread(() -> {
                    try {
                        String more;
                        while ((more = lines.readLine()) != null) {
                            // The pipe must not fill up; only merges are of interest.
                            if (more.contains("Compactor - compacted ")) {
                                merges.incrementAndGet();
                            }
                        }
                    } catch (IOException ignored) {
                        // The process died.
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return new Listening(m.group(1), merges);
            }
        }
        throw new AssertionError("server exited before listening:\n" + seen);
    }

    /** Sends until the round's acknowledgements are in and {@code alsoReady} holds, then kills the server. */
    private void sendUntilKilled(URI base, Process server, int round, java.util.function.BooleanSupplier alsoReady)
            throws Exception {
        AtomicInteger acks = new AtomicInteger();
        CountDownLatch enoughAcks = new CountDownLatch(1);
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            Thread thread = new Thread(() -> {
                for (int seq = 0; ; seq++) {
                    ExportTraceServiceRequest request = request(round, client, seq);
                    try {
                        HttpResponse<Void> response = http.send(HttpRequest.newBuilder(base.resolve("/v1/traces"))
                                        .header("Content-Type", "application/x-protobuf")
                                        .timeout(Duration.ofSeconds(30))
                                        .POST(HttpRequest.BodyPublishers.ofByteArray(request.toByteArray())).build(),
                                HttpResponse.BodyHandlers.discarding());
                        if (response.statusCode() == 200) {
                            for (ResourceSpans rs : request.getResourceSpansList()) {
                                for (Span span : rs.getScopeSpans(0).getSpansList()) {
                                    acknowledged.add(HexFormat.of().formatHex(span.getSpanId().toByteArray()));
                                }
                            }
                            if (acks.incrementAndGet() >= ACKS_BEFORE_KILL[round] && alsoReady.getAsBoolean()) {
                                enoughAcks.countDown();
                            }
                        }
                    } catch (IOException | InterruptedException e) {
                        return; // The server is gone; an unacknowledged request is not retried.
                    }
                }
            });
            thread.setDaemon(true);
            thread.start();
            clients.add(thread);
        }
        assertThat(enoughAcks.await(120, TimeUnit.SECONDS)).as("acknowledgements in round " + round).isTrue();
        server.destroyForcibly(); // SIGKILL: no shutdown hook, no final flush.
        server.waitFor(30, TimeUnit.SECONDS);
        for (Thread client : clients) {
            client.join(TimeUnit.SECONDS.toMillis(60));
        }
    }

    /** A request whose span IDs encode (round, client, seq, index), so every span is unique. */
    private static ExportTraceServiceRequest request(int round, int client, int seq) {
        long now = System.currentTimeMillis() * 1_000_000L;
        ScopeSpans.Builder scope = ScopeSpans.newBuilder();
        for (int i = 0; i < SPANS_PER_REQUEST; i++) {
            long unique = ((long) round << 48) | ((long) client << 40) | ((long) seq << 12) | i;
            byte[] spanId = ByteBuffer.allocate(8).putLong(unique + 1).array();
            byte[] traceId = ByteBuffer.allocate(16).putLong(0x0c0ffeeL).putLong(unique >>> 12).array();
            scope.addSpans(Span.newBuilder().setTraceId(ByteString.copyFrom(traceId))
                    .setSpanId(ByteString.copyFrom(spanId)).setName("op-" + (i % 5))
                    .setKind(Span.SpanKind.SPAN_KIND_SERVER)
                    .setStartTimeUnixNano(now).setEndTimeUnixNano(now + 1_000_000)
                    .addAttributes(KeyValue.newBuilder().setKey("round")
                            .setValue(AnyValue.newBuilder().setIntValue(round))));
        }
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
                        .setValue(AnyValue.newBuilder().setStringValue("crash-client-" + client))))
                .addScopeSpans(scope)).build();
    }
}
