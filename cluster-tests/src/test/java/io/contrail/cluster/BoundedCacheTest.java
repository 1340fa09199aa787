package io.contrail.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contrail.bench.suite.ContrailServerProcess;
import io.contrail.workload.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A node whose cache holds less than the table ({@code --cache-size}): it answers a query over any span start
 * times by fetching the files Iceberg's scan plans for them, exactly as a node holding every file; a query over
 * more than the bound is refused with a message that says what to do; a trace is found by ID wherever it is.
 */
class BoundedCacheTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DAYS = 4;

    @Test
    void aNodeWithASmallCacheAnswersAnyDayExactlyAndRefusesTheWholeTable(@TempDir Path work) throws Exception {
        try (Cluster cluster = Cluster.start(work)) {
            ContrailServerProcess writer = cluster.node("writer");
            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            long[] acknowledged = new long[DAYS];
            List<LocalDate> days = new ArrayList<>();
            for (int d = 0; d < DAYS; d++) {
                LocalDate day = today.minusDays(d + 1);
                days.add(day);
                long start = day.atTime(10, 0).toEpochSecond(ZoneOffset.UTC) * 1_000_000_000L;
                SharedTableTest.Sent sent = SharedTableTest.load(cluster, writer,
                        Workload.builder().seed(20 + d).startTimeUnixNano(start).build(), 10, 20, new AtomicBoolean());
                assertThat(sent.refused() + sent.unanswered()).isZero();
                acknowledged[d] = sent.acknowledged();
            }
            long total = java.util.Arrays.stream(acknowledged).sum();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(cluster.counts(writer)).containsExactly(total, total));
            long tableBytes = cluster.get(writer, "/health").get("lake").get("bytesUploaded").asLong();

            // Room for about one and a half days of the four.
            long bound = tableBytes * 3 / (2 * DAYS);
            ContrailServerProcess reader = cluster.node("reader", "--cache-size", Long.toString(bound),
                    "--compact-interval", "0");
            JsonNode joined = cluster.get(reader, "/health").get("lake");
            assertThat(joined.get("cachedFiles").asInt()).as("files on disk after joining")
                    .isLessThan(joined.get("tableFiles").asInt());
            assertThat(joined.get("cacheBytes").asLong()).isLessThanOrEqualTo(bound);
            assertThat(joined.get("cacheMaxBytes").asLong()).isEqualTo(bound);

            // Every day, oldest first, then the newest again: each needs files the others pushed out.
            for (int d : new int[] {DAYS - 1, 1, 2, 0, DAYS - 1}) {
                LocalDate day = days.get(d);
                JsonNode rows = cluster.sql(reader, "SELECT count(*), count(DISTINCT (trace_id, span_id, kind)) FROM spans "
                        + "WHERE start_time >= TIMESTAMP '" + day + " 00:00:00' AND start_time < TIMESTAMP '"
                        + day.plusDays(1) + " 00:00:00'");
                assertThat(rows.get(0).get(0).asLong()).as("spans of %s", day).isEqualTo(acknowledged[d]);
                assertThat(rows.get(0).get(1).asLong()).as("distinct spans of %s", day).isEqualTo(acknowledged[d]);
                JsonNode byDate = cluster.sql(reader, "SELECT count(*) FROM spans WHERE \"date\" = DATE '" + day + "'");
                assertThat(byDate.get(0).get(0).asLong()).as("spans of date %s", day).isEqualTo(acknowledged[d]);
            }
            JsonNode afterQueries = cluster.get(reader, "/health").get("lake");
            assertThat(afterQueries.get("cacheEvictions").asLong()).isPositive();
            assertThat(afterQueries.get("cacheBytes").asLong()).isLessThanOrEqualTo(bound);
            assertThat(afterQueries.get("bytesDownloaded").asLong()).as("downloaded, against the table's bytes")
                    .isPositive();

            // The whole table is more than the bound: refused, saying how to narrow it.
            HttpResponse<String> whole = post(reader, "SELECT count(*) FROM spans");
            assertThat(whole.statusCode()).isEqualTo(400);
            JsonNode error = JSON.readTree(whole.body());
            assertThat(error.get("reason").asText()).isEqualTo("too_large");
            assertThat(error.get("error").asText()).contains("the whole table", "--cache-size", "start_time")
                    .doesNotContain(work.toString());
            assertThat(cluster.get(reader, "/health").get("lake").get("queriesRefused").asLong()).isEqualTo(1);
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(reader.baseUrl().resolve("/metrics"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).containsPattern("(?m)^contrail_lake_queries_refused_total 1(\\.0)?$")
                    .containsPattern("(?m)^contrail_lake_cache_max_bytes " + bound + "(\\.0)?$")
                    .containsPattern("(?m)^contrail_lake_cache_evictions_total [1-9]");
            // A statement that reads no spans needs no files.
            assertThat(cluster.sql(reader, "SELECT 41 + 1").get(0).get(0).asInt()).isEqualTo(42);

            // Contrail's own queries with a time window fetch it too: the RED chart of the oldest day, asked after the
            // newest day pushed its files out, is the full node's.
            cluster.sql(reader, "SELECT count(*) FROM spans WHERE \"date\" = DATE '" + days.get(0) + "'");
            LocalDate oldestDay = days.get(DAYS - 1);
            String red = "/api/metrics/red?service=frontend&step=1h&start=" + oldestDay.atStartOfDay(ZoneOffset.UTC)
                    .toEpochSecond() * 1_000_000_000L + "&end=" + oldestDay.plusDays(1).atStartOfDay(ZoneOffset.UTC)
                    .toEpochSecond() * 1_000_000_000L;
            JsonNode redFull = cluster.get(writer, red);
            assertThat(redFull.get("series").get(0).get("requests").asDouble()).isPositive();
            assertThat(cluster.get(reader, red)).isEqualTo(redFull);

            // So does Jaeger's search (spans matched in the window, summaries from the traces view), the day's files
            // pushed out again first.
            cluster.sql(reader, "SELECT count(*) FROM spans WHERE \"date\" = DATE '" + days.get(0) + "'");
            String search = "/jaeger/api/traces?service=frontend&limit=50&start=" + oldestDay.atStartOfDay(ZoneOffset.UTC)
                    .toEpochSecond() * 1_000_000L + "&end=" + oldestDay.plusDays(1).atStartOfDay(ZoneOffset.UTC)
                    .toEpochSecond() * 1_000_000L;
            JsonNode searchFull = cluster.get(writer, search).get("data");
            assertThat(searchFull.size()).isPositive();
            assertThat(cluster.get(reader, search).get("data")).isEqualTo(searchFull);

            // A trace of the oldest day, found by ID through the sidecars of files not on disk.
            JsonNode oldest = cluster.sql(writer, "SELECT trace_id, count(*) FROM spans WHERE \"date\" = DATE '"
                    + days.get(DAYS - 1) + "' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1").get(0);
            cluster.sql(reader, "SELECT count(*) FROM spans WHERE \"date\" = DATE '" + days.get(0) + "'");
            assertThat(cluster.get(reader, "/api/traces/" + oldest.get(0).asText()).get("spanCount").asLong())
                    .isEqualTo(oldest.get(1).asLong());
            cluster.sql(reader, "SELECT count(*) FROM spans WHERE \"date\" = DATE '" + days.get(0) + "'");
            assertThat(cluster.get(reader, "/zipkin/api/v2/trace/" + oldest.get(0).asText()).size())
                    .as("Zipkin's trace by ID").isEqualTo(oldest.get(1).asInt());
            JsonNode bySql = cluster.sql(reader, "SELECT count(*) FROM spans WHERE trace_id = '" + oldest.get(0).asText() + "'");
            assertThat(bySql.get(0).get(0).asLong()).isEqualTo(oldest.get(1).asLong());
        }
    }

    private static HttpResponse<String> post(ContrailServerProcess node, String sql) throws Exception {
        URI uri = node.baseUrl().resolve("/api/sql");
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.createObjectNode().put("sql", sql).toString())).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
