package io.contrail.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.contrail.columnar.DataLayout;
import io.contrail.columnar.SpanFiles;
import io.contrail.columnar.Store;
import io.contrail.columnar.StoreConfig;
import io.contrail.query.QueryEngine;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.contrail.http.OtlpSpans.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Compaction and retention as a running server and the command line do them. */
class FileLifecycleTest {

    /** A short query timeout makes the reaper's delay (timeout + margin) short enough to wait for. */
    @RegisterExtension
    final RunningServer server = RunningServer.configured(c -> c
            .withQuery(c.query().withQueryTimeout(Duration.ofSeconds(2)))
            .withStore(store -> store.withCompaction(compaction -> compaction.withInterval(Duration.ZERO))));

    @TempDir
    Path cliData;

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    /** Three spans (one trace) in the hour partition of {@code start}. */
    private void sendTrace(int trace, Instant start) {
        Request request = request();
        for (int i = 1; i <= 3; i++) {
            request.add("svc-" + trace, span(traceId(trace), spanId(trace * 10 + i), "op", Span.SpanKind.SPAN_KIND_SERVER,
                    start.plusMillis(i), Duration.ofMillis(5)));
        }
        export(server, request);
    }

    @Test
    void retentionDeletesOldPartitionsWhileQueriesKeepAnswering() throws Exception {
        sendTrace(1, NOW.minus(Duration.ofHours(5)));
        sendTrace(2, NOW.minus(Duration.ofHours(4)));
        sendTrace(3, NOW.minus(Duration.ofMinutes(1)));
        assertThat(server.storedSpanCount()).isEqualTo(9);
        DataLayout layout = server.server().store().files().layout();
        Path oldest = io.contrail.columnar.PartitionPath.ofStartTime(OtlpSpans.unixNanos(NOW.minus(Duration.ofHours(5))))
                .resolveUnder(layout.spansDir());
        assertThat(oldest).isDirectory();

        AtomicBoolean running = new AtomicBoolean(true);
        Set<String> failures = ConcurrentHashMap.newKeySet();
        Set<Long> counts = ConcurrentHashMap.newKeySet();
        AtomicInteger queriesAfterRetention = new AtomicInteger();
        AtomicBoolean retired = new AtomicBoolean();
        List<Thread> readers = List.of(new Thread(() -> {
            while (running.get()) {
                HttpResponse<byte[]> response = server.postSql("SELECT count(*) FROM spans, range(200) WHERE range = 0");
                if (response.statusCode() != 200) {
                    failures.add(RunningServer.text(response));
                } else {
                    counts.add(RunningServer.json(response).get("rows").get(0).get(0).asLong());
                    if (retired.get()) {
                        queriesAfterRetention.incrementAndGet();
                    }
                }
            }
        }), new Thread(() -> {
            while (running.get()) {
                int status = server.get("/api/traces/" + traceId(1)).statusCode();
                if (status != 200 && status != 404) {
                    failures.add("GET trace answered " + status);
                }
            }
        }));
        readers.forEach(Thread::start);
        try {
            Store.RetentionPass pass = server.server().store().retireOnce(
                    StoreConfig.Retention.none().withMaxAge(Duration.ofHours(2)), Instant.now());
            retired.set(true);
            assertThat(pass.partitions()).isEqualTo(2);
            assertThat(server.health().get("retentionCutoff").asText()).isEqualTo(pass.cutoff().toString());
            assertThat(server.value("SELECT count(*) FROM spans").asLong()).isEqualTo(3);
            assertThat(server.get("/api/traces/" + traceId(1)).statusCode()).isEqualTo(404);
            assertThat(oldest).as("kept until no query can still read it").isDirectory();

            org.awaitility.Awaitility.await("the reaper deletes " + oldest.getFileName()).atMost(Duration.ofSeconds(60))
                    .until(() -> !Files.exists(oldest));
            assertThat(oldest).as("deleted after the reaper's delay").doesNotExist();
            int before = queriesAfterRetention.get();
            org.awaitility.Awaitility.await("three more queries after the deletion").atMost(Duration.ofSeconds(30))
                    .until(() -> queriesAfterRetention.get() >= before + 3);
        } finally {
            running.set(false);
            for (Thread reader : readers) {
                reader.join(30_000);
            }
        }
        assertThat(failures).as("queries that failed during retention").isEmpty();
        assertThat(counts).as("every answer saw all spans or only the kept ones").isSubsetOf(9L, 3L).contains(3L);
        assertThat(queriesAfterRetention.get()).isGreaterThan(3);
        assertThat(server.value("SELECT count(*) FROM spans").asLong()).isEqualTo(3);
    }

    @Test
    void aRunningServerCompactsOnDemandAndTracesReadTheSameAfterwards() throws Exception {
        for (int trace = 1; trace <= 4; trace++) {
            sendTrace(trace, NOW.truncatedTo(ChronoUnit.HOURS).plusSeconds(trace));
            server.flush();
        }
        DataLayout layout = server.server().store().files().layout();
        assertThat(SpanFiles.live(layout)).hasSize(4);
        JsonNode before = server.getJson("/api/traces/" + traceId(2));
        List<Map<String, Object>> tracesBefore = server.records("SELECT * FROM traces ORDER BY trace_id");

        Store.CompactionPass pass = server.server().store().compactOnce(System.out);
        assertThat(pass.inputFiles()).isEqualTo(4);
        assertThat(SpanFiles.live(layout)).hasSize(1);
        assertThat(server.getJson("/api/traces/" + traceId(2))).isEqualTo(before);
        assertThat(server.value("SELECT count(*) FROM spans").asLong()).isEqualTo(12);
        assertThat(server.records("SELECT * FROM traces ORDER BY trace_id")).as("the traces view").isEqualTo(tracesBefore);
        assertThat(server.health().get("files").asInt()).isEqualTo(1);
        assertThat(server.health().get("compactions").asInt()).isEqualTo(1);
        assertThat(server.health().get("spansCompacted").asInt()).isEqualTo(12);
        assertThat(server.health().get("flushedSpansCompacted").asInt()).isEqualTo(12);
        assertThat(server.health().get("compactionRewritesPerSpan").asDouble()).isEqualTo(1.0);

        // The server holds the data folder: the command says who instead of competing.
        CommandLineTest.CommandOutput refused = CommandLineTest.run("compact", "--data", server.dataDir().toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains(server.dataDir() + " is in use by contrail serve (pid "
                + ProcessHandle.current().pid() + ", " + server.baseUrl() + ")");
    }

    @Test
    void compactCommandMergesAStoppedServersFilesWithProgress() throws Exception {
        try (ContrailServer stopped = ContrailServer.start(ServerConfig.defaults(cliData).withAddress("127.0.0.1", 0)
                .withStore(store -> store.withCompaction(compaction -> compaction.withInterval(Duration.ZERO))))) {
            for (int batch = 0; batch < 5; batch++) {
                Request request = request();
                for (int i = 1; i <= 20; i++) {
                    request.add("cli", span(traceId(batch * 100 + i), spanId(batch * 100 + i), "op",
                            Span.SpanKind.SPAN_KIND_SERVER, NOW, Duration.ofMillis(1)));
                }
                var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create(stopped.baseUrl() + "/v1/traces")).header("Content-Type", PROTOBUF)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(request.toByteArray())).build(),
                        HttpResponse.BodyHandlers.discarding());
                assertThat(response.statusCode()).isEqualTo(200);
                stopped.store().flush();
            }
        }
        CommandLineTest.CommandOutput output = CommandLineTest.run("compact", "--data", cliData.toString());
        assertThat(output.exitCode()).as(output.err()).isZero();
        assertThat(output.out()).contains("Compacting: 1 merges planned.").containsPattern("\\[1/1] date=.*/hour=\\d\\d  5 files → 1, 100 spans")
                .contains("Done: 5 files merged into 1 (100 spans)");
        assertThat(new DataLayout(cliData).spanFiles()).hasSize(1);
        try (QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(cliData))) {
            assertThat(engine.query("SELECT count(*), count(DISTINCT span_id) FROM spans").rows())
                    .containsExactly(List.of(100L, 100L));
        }
        assertThat(CommandLineTest.run("compact", "--data", cliData.toString()).out())
                .contains("Nothing to compact");
    }

    @Test
    void serveTakesRetentionAndSizeWithUnitsAndNamesTheOptionOfABadValue() throws Exception {
        picocli.CommandLine.ParseResult parsed = Main.commandLine().parseArgs("serve", "--retention", "7d",
                "--max-size", "50GB", "--compact-interval", "5m", "--compact-target-spans", "2000000");
        ServerConfig config = ((Main.Serve) parsed.subcommand().commandSpec().userObject()).options.toConfig();
        assertThat(config.store().retention().maxAge()).isEqualTo(Duration.ofDays(7));
        assertThat(config.store().retention().maxBytes()).isEqualTo(50L * 1024 * 1024 * 1024);
        assertThat(config.store().compaction().interval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.store().compaction().targetSpans()).isEqualTo(2_000_000);

        CommandLineTest.CommandOutput badAge = CommandLineTest.run("serve", "--retention", "7 weeks");
        assertThat(badAge.exitCode()).isEqualTo(2);
        assertThat(badAge.err()).contains("--retention").contains("'7 weeks' is not a time");
        CommandLineTest.CommandOutput badSize = CommandLineTest.run("serve", "--max-size", "lots");
        assertThat(badSize.exitCode()).isEqualTo(2);
        assertThat(badSize.err()).contains("--max-size").contains("'lots' is not a size");
    }
}
