package io.contrail.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.contrail.bench.suite.ContrailServerProcess;
import io.contrail.workload.Workload;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Several nodes, one table: spans acknowledged by any node are queryable from every node exactly once,
 * through a crash of a node and an outage of the object store.
 */
class SharedTableTest {

    /** What a load sent: spans acknowledged (200), and spans whose request got no answer (may or may not be kept). */
    record Sent(long acknowledged, long unanswered, long refused) {
    }

    /** Sends {@code requests} requests of {@code traces} traces each to {@code node}, one at a time, until told to stop. */
    static Sent load(Cluster cluster, ContrailServerProcess node, long seed, int requests, int traces, AtomicBoolean stop) {
        return load(cluster, node, Workload.builder().seed(seed).build(), requests, traces, stop);
    }

    static Sent load(Cluster cluster, ContrailServerProcess node, Workload workload, int requests, int traces,
                     AtomicBoolean stop) {
        long acknowledged = 0;
        long unanswered = 0;
        long refused = 0;
        for (int i = 0; i < requests && !stop.get(); i++) {
            ExportTraceServiceRequest request = workload.nextRequest(traces);
            try {
                HttpResponse<String> response = cluster.send(node, request);
                if (response.statusCode() == 200) {
                    assertThat(response.body()).doesNotContain("rejectedSpans");
                    acknowledged += Cluster.spans(request);
                } else {
                    refused += Cluster.spans(request);
                }
            } catch (IOException e) {
                unanswered += Cluster.spans(request);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return new Sent(acknowledged, unanswered, refused);
    }

    @Test
    void spansAcknowledgedByTwoNodesAreQueryableExactlyOnceFromAThird(@TempDir Path work) throws Exception {
        try (Cluster cluster = Cluster.start(work)) {
            ContrailServerProcess a = cluster.node("a");
            ContrailServerProcess b = cluster.node("b");
            ContrailServerProcess c = cluster.node("c");
            AtomicBoolean never = new AtomicBoolean();
            CompletableFuture<Sent> toA = CompletableFuture.supplyAsync(() -> load(cluster, a, 1, 40, 20, never));
            CompletableFuture<Sent> toB = CompletableFuture.supplyAsync(() -> load(cluster, b, 2, 40, 20, never));
            long acknowledged = toA.get().acknowledged() + toB.get().acknowledged();
            assertThat(toA.get().refused() + toB.get().refused() + toA.get().unanswered() + toB.get().unanswered())
                    .isZero();
            assertThat(acknowledged).isGreaterThan(1000);

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(cluster.counts(c)).containsExactly(acknowledged, acknowledged));
            // Every node answers the same, per service too, and a trace sent to one node is whole on another.
            String perService = "SELECT service_name, count(*), sum(duration_nanos) FROM spans GROUP BY 1 ORDER BY 1";
            JsonNode fromC = cluster.sql(c, perService);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(cluster.sql(a, perService)).isEqualTo(fromC);
                assertThat(cluster.sql(b, perService)).isEqualTo(fromC);
            });
            JsonNode trace = cluster.sql(c, "SELECT trace_id, count(*) FROM spans GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1")
                    .get(0);
            assertThat(cluster.get(a, "/api/traces/" + trace.get(0).asText()).get("spanCount").asLong())
                    .isEqualTo(trace.get(1).asLong());
            // Jaeger's and Zipkin's query APIs answer over the whole table too.
            java.util.List<String> services = new java.util.ArrayList<>();
            cluster.sql(c, "SELECT DISTINCT service_name FROM spans ORDER BY 1").forEach(row -> services.add(row.get(0).asText()));
            java.util.List<String> jaeger = new java.util.ArrayList<>();
            cluster.get(b, "/jaeger/api/services").get("data").forEach(s -> jaeger.add(s.asText()));
            java.util.List<String> zipkin = new java.util.ArrayList<>();
            cluster.get(a, "/zipkin/api/v2/services").forEach(s -> zipkin.add(s.asText()));
            assertThat(jaeger).containsExactlyInAnyOrderElementsOf(services);
            assertThat(zipkin).containsExactlyInAnyOrderElementsOf(services);
            JsonNode lake = cluster.get(c, "/health").get("lake");
            assertThat(lake.get("tableFiles").asLong()).isPositive();
            // The first snapshot is planned in full, every later one from what it changed.
            assertThat(lake.get("tablePlansInFull").asLong()).isEqualTo(1);
            for (ContrailServerProcess node : new ContrailServerProcess[] {a, b, c}) {
                assertThat(cluster.get(node, "/health").get("lake").get("tracesSplitAcrossNodes").asLong())
                        .as("each trace went to one node").isZero();
            }
            assertThat(cluster.get(a, "/health").get("lake").get("spansCommitted").asLong()
                    + cluster.get(b, "/health").get("lake").get("spansCommitted").asLong()).isEqualTo(acknowledged);
            // A node keeps its own committed files (hard links) and downloads only the others' (and merges).
            JsonNode lakeA = cluster.get(a, "/health").get("lake");
            assertThat(lakeA.get("downloads").asLong()).isPositive().isLessThanOrEqualTo(
                    cluster.get(b, "/health").get("lake").get("filesCommitted").asLong() + merges(cluster, a, b, c));
            // One trace whose services' spans go to two nodes: what tail sampling behind no balancer would see.
            ExportTraceServiceRequest split = Workload.builder().seed(99).build().nextRequest(1);
            assertThat(split.getResourceSpansCount()).isGreaterThan(1);
            assertThat(cluster.send(a, split.toBuilder().clearResourceSpans().addResourceSpans(split.getResourceSpans(0))
                    .build()).statusCode()).isEqualTo(200);
            ExportTraceServiceRequest.Builder rest = split.toBuilder().removeResourceSpans(0);
            assertThat(cluster.send(b, rest.build()).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                    cluster.get(a, "/health").get("lake").get("tracesSplitAcrossNodes").asLong()).isEqualTo(1));
        }
    }

    @Test
    void eachTenantHasATableOfItsOwnThatEveryNodeReads(@TempDir Path work) throws Exception {
        try (Cluster cluster = Cluster.start(work)) {
            ContrailServerProcess a = cluster.node("a");
            ContrailServerProcess b = cluster.node("b");
            long acme = sendAll(cluster, a, 11, "acme") + sendAll(cluster, b, 12, "acme");
            long globex = sendAll(cluster, b, 13, "globex");
            long none = sendAll(cluster, a, 14, null);
            // Each tenant's spans, exactly once, from either node: its own table, not the others'.
            for (ContrailServerProcess node : new ContrailServerProcess[] {a, b}) {
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    assertThat(tenantCounts(cluster, node, "acme")).containsExactly(acme, acme);
                    assertThat(tenantCounts(cluster, node, "globex")).containsExactly(globex, globex);
                    assertThat(tenantCounts(cluster, node, null)).containsExactly(none, none);
                });
            }
            // A tenant's SQL cannot reach another tenant's cache on the same node.
            String globexCache = work.resolve("b").toAbsolutePath() + "/tenants/globex/lake-cache/spans/*/*/*.parquet";
            assertThat(cluster.sql(b, "SELECT count(*) FROM spans", "globex").get(0).get(0).asLong()).isEqualTo(globex);
            org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                    cluster.sql(b, "SELECT count(*) FROM read_parquet('" + globexCache + "')", "acme"))
                    .hasMessageContaining("400");
            assertThat(cluster.get(b, "/health").get("lake").get("tableFiles").asLong()).isPositive();
        }
    }

    /** Sends 10 requests of 20 traces of the workload {@code seed} for {@code tenant}; the spans acknowledged. */
    private static long sendAll(Cluster cluster, ContrailServerProcess node, long seed, String tenant) throws Exception {
        Workload workload = Workload.builder().seed(seed).build();
        long acknowledged = 0;
        for (int i = 0; i < 10; i++) {
            ExportTraceServiceRequest request = workload.nextRequest(20);
            HttpResponse<String> response = cluster.send(node, request, tenant);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            acknowledged += Cluster.spans(request);
        }
        return acknowledged;
    }

    private static long[] tenantCounts(Cluster cluster, ContrailServerProcess node, String tenant) throws Exception {
        JsonNode row = cluster.sql(node, "SELECT count(*), count(DISTINCT (trace_id, span_id, kind)) FROM spans", tenant)
                .get(0);
        return new long[] {row.get(0).asLong(), row.get(1).asLong()};
    }

    @Test
    void compactionAndRetentionWhileTwoNodesIngestKeepEverySpanExactlyOnce(@TempDir Path work) throws Exception {
        try (Cluster cluster = Cluster.start(work)) {
            String[] maintained = {"--compact-interval", "1s", "--compact-target-spans", "20000", "--retention", "7d"};
            ContrailServerProcess a = cluster.node("a", maintained);
            ContrailServerProcess b = cluster.node("b", maintained);
            ContrailServerProcess reader = cluster.node("reader");
            long now = System.currentTimeMillis() * 1_000_000L;
            long day = 86_400L * 1_000_000_000L;
            AtomicBoolean never = new AtomicBoolean();
            // Spans of a month ago: kept when acknowledged, then retired from the table by age.
            Sent old = load(cluster, a, Workload.builder().seed(6).startTimeUnixNano(now - 30 * day).build(), 5, 20, never);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(filesRetired(cluster, a, b)).isPositive());
            CompletableFuture<Sent> toA = CompletableFuture.supplyAsync(() -> load(cluster, a,
                    Workload.builder().seed(7).startTimeUnixNano(now - day / 24).build(), 40, 20, never));
            CompletableFuture<Sent> toB = CompletableFuture.supplyAsync(() -> load(cluster, b,
                    Workload.builder().seed(8).startTimeUnixNano(now - day / 24).build(), 40, 20, never));
            long recent = toA.get().acknowledged() + toB.get().acknowledged();
            assertThat(old.acknowledged()).isPositive();

            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                assertThat(cluster.counts(reader)).containsExactly(recent, recent);
                assertThat(merges(cluster, a, b)).isPositive();
            });
            JsonNode oldest = cluster.sql(reader, "SELECT count(*) FROM spans WHERE epoch_ns(start_time) < " + (now - 7 * day));
            assertThat(oldest.get(0).get(0).asLong()).isZero();
            long committed = 0;
            for (ContrailServerProcess node : new ContrailServerProcess[] {a, b}) {
                committed += cluster.get(node, "/health").get("lake").get("filesCommitted").asLong();
            }
            assertThat(cluster.get(reader, "/health").get("lake").get("tableFiles").asLong())
                    .as("files in the table after merges, of %d committed", committed).isLessThan(committed);
        }
    }

    private static long merges(Cluster cluster, ContrailServerProcess... nodes) throws Exception {
        long merges = 0;
        for (ContrailServerProcess node : nodes) {
            merges += cluster.get(node, "/health").get("lake").get("maintenance").get("merges").asLong();
        }
        return merges;
    }

    private static long filesRetired(Cluster cluster, ContrailServerProcess... nodes) throws Exception {
        long retired = 0;
        for (ContrailServerProcess node : nodes) {
            retired += cluster.get(node, "/health").get("lake").get("maintenance").get("filesRetired").asLong();
        }
        return retired;
    }

    @Test
    void aNodeKilledMidLoadAndRestartedOnItsFolderLosesAndDuplicatesNothing(@TempDir Path work) throws Exception {
        try (Cluster cluster = Cluster.start(work)) {
            ContrailServerProcess a = cluster.node("a");
            ContrailServerProcess reader = cluster.node("reader");
            AtomicBoolean stop = new AtomicBoolean();
            CompletableFuture<Sent> sending = CompletableFuture.supplyAsync(() -> load(cluster, a, 3, 10_000, 20, stop));
            AtomicLong seen = new AtomicLong();
            // Kill once the node has acknowledged spans and committed some of them.
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                seen.set(cluster.get(a, "/health").get("lake").get("spansCommitted").asLong());
                return seen.get() > 500;
            });
            a.kill();
            stop.set(true);
            Sent sent = sending.get();
            assertThat(sent.acknowledged()).isGreaterThan(seen.get());

            ContrailServerProcess restarted = cluster.node("a");
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                long[] counts = cluster.counts(reader);
                assertThat(counts[1]).as("distinct spans").isEqualTo(counts[0]);
                assertThat(counts[0]).isBetween(sent.acknowledged(), sent.acknowledged() + sent.unanswered());
                assertThat(cluster.get(restarted, "/health").get("lake").get("pendingFiles").asLong()).isZero();
            });
        }
    }

    @Test
    void anObjectStoreOutageRefusesIngestPastTheBoundAndLosesNothing(@TempDir Path work) throws Exception {
        try (Cluster cluster = Cluster.start(work)) {
            ContrailServerProcess a = cluster.node("a", "--max-pending-upload", "256KiB");
            ContrailServerProcess reader = cluster.node("reader");
            Sent before = load(cluster, a, 4, 10, 20, new AtomicBoolean());

            long outageStarted = System.nanoTime();
            cluster.s3.stop();
            Workload workload = Workload.builder().seed(5).build();
            long acknowledged = before.acknowledged();
            HttpResponse<String> refusal = null;
            for (int i = 0; i < 2_000 && refusal == null; i++) {
                ExportTraceServiceRequest request = workload.nextRequest(20);
                HttpResponse<String> response = cluster.send(a, request);
                if (response.statusCode() == 200) {
                    acknowledged += Cluster.spans(request);
                } else {
                    refusal = response;
                }
            }
            assertThat(refusal).as("a refusal once the local backlog passed its bound").isNotNull();
            assertThat(refusal.statusCode()).isEqualTo(503);
            assertThat(refusal.headers().firstValue("Retry-After")).isPresent();
            JsonNode health = cluster.get(a, "/health");
            assertThat(health.get("status").asText()).isEqualTo("degraded");
            assertThat(health.get("reasons").toString()).contains("span files are not reaching the shared table");
            // The store stays away 30 s in all.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> System.nanoTime() - outageStarted >= Duration.ofSeconds(30).toNanos());
            cluster.s3.start();

            long expected = acknowledged;
            await().atMost(Duration.ofSeconds(90)).untilAsserted(() ->
                    assertThat(cluster.counts(reader)).containsExactly(expected, expected));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(cluster.get(a, "/health").get("status").asText()).isEqualTo("ok"));
            assertThat(cluster.send(a, workload.nextRequest(5)).statusCode()).isEqualTo(200);
        }
    }
}
