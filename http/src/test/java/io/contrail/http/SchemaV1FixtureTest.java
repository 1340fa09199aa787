package io.contrail.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Files of schema version 1 keep reading as they did when they were written. {@code src/test/resources/schema-v1}
 * holds a data folder written by the v1 writer (2026-12-06, 319f81b: {@code contrail serve} on an empty folder,
 * {@code request.otlp.json} posted to {@code /v1/traces}, stopped) and that request. A server on a copy of the
 * folder must answer every column of every span exactly as a server that receives the same request now
 * answers it, and find the trace by its ID; whatever a later format writes, the old files read the same.
 */
class SchemaV1FixtureTest {

    private static final Path FIXTURE = fixture();
    /** Every column of {@code spans} a user sees, in one order for both servers. */
    private static final String EVERY_SPAN = "SELECT * EXCLUDE (\"date\", \"hour\") FROM spans ORDER BY span_id";

    @RegisterExtension
    final RunningServer onV1Files = RunningServer.onCopyOf(FIXTURE.resolve("data"));

    @RegisterExtension
    final RunningServer receivingNow = RunningServer.withDefaults();

    private static Path fixture() {
        try {
            return Path.of(SchemaV1FixtureTest.class.getResource("/schema-v1").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void v1FilesAnswerAsTheSameSpansReceivedNow() throws Exception {
        try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = duckdb.createStatement();
             ResultSet versions = statement.executeQuery("SELECT count(*), min(decode(value)), max(decode(value)) "
                     + "FROM parquet_kv_metadata('" + FIXTURE.resolve("data/spans") + "/*/*/*.parquet') "
                     + "WHERE decode(key) = 'contrail.schema_version'")) {
            versions.next();
            assertThat(List.of(versions.getLong(1), versions.getString(2), versions.getString(3)))
                    .as("the fixture's two files are version 1").containsExactly(2L, "1", "1");
        }
        byte[] request = Files.readAllBytes(FIXTURE.resolve("request.otlp.json"));
        assertThat(receivingNow.post("/v1/traces", request, "Content-Type", "application/json").statusCode()).isEqualTo(200);
        receivingNow.flush();

        JsonNode expected = receivingNow.sql(EVERY_SPAN);
        JsonNode actual = onV1Files.sql(EVERY_SPAN);
        assertThat(expected.get("rows")).hasSize(4);
        assertThat(actual.get("columns")).isEqualTo(expected.get("columns"));
        assertThat(actual.get("rows")).isEqualTo(expected.get("rows"));

        JsonNode trace = onV1Files.getJson("/api/traces/5b8efff798038103d269b633813fc60c");
        assertThat(trace.toString()).isEqualTo(receivingNow.getJson("/api/traces/5b8efff798038103d269b633813fc60c")
                .toString()).contains("payment declined");
    }

    /**
     * v1 files read beside the v2 files the server writes now, and compaction leaves only v2 files that answer
     * the same: hour 16's v1 file merges with a v2 file (re-encoded: a v1 file's row groups are never copied),
     * hour 17's lone v1 file, in a closed hour, is rewritten by itself.
     */
    @Test
    void v1FilesReadBesideV2FilesAndCompactIntoV2() throws Exception {
        String later = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":"
                + "{\"stringValue\":\"checkout\"}}]},\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\","
                + "\"spanId\":\"0000000000000abc\",\"parentSpanId\":\"eee19b7ec3c1b174\",\"name\":\"retry payment\",\"kind\":3,"
                + "\"startTimeUnixNano\":\"1764000000300000000\",\"endTimeUnixNano\":\"1764000000420000000\","
                + "\"attributes\":[{\"key\":\"user.id\",\"value\":{\"stringValue\":\"u42\"}}]}]}]}]}";
        assertThat(onV1Files.post("/v1/traces", later.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "Content-Type", "application/json").statusCode()).isEqualTo(200);
        onV1Files.flush();
        assertThat(versionsOfLiveFiles()).as("v1 files beside a v2 file").containsExactlyInAnyOrder("1", "1", "2");
        JsonNode before = onV1Files.sql(EVERY_SPAN);
        assertThat(before.get("rows")).hasSize(5);
        JsonNode spanOfV2 = onV1Files.sql("SELECT end_time, duration_nanos FROM spans WHERE span_id = '0000000000000abc'");
        assertThat(spanOfV2.get("rows").get(0).get(0).asText()).isEqualTo("2025-11-24T16:00:00.420Z");
        JsonNode traceBefore = onV1Files.getJson("/api/traces/5b8efff798038103d269b633813fc60c");

        io.contrail.columnar.Store.CompactionPass pass = onV1Files.server().store().compactOnce(System.out);
        assertThat(pass.merges()).hasSize(2);
        assertThat(pass.merges()).noneMatch(io.contrail.columnar.Store.Merge::rowGroupsCopied);
        assertThat(versionsOfLiveFiles()).as("only v2 files are read after compaction").containsExactly("2", "2");

        assertThat(onV1Files.sql(EVERY_SPAN)).isEqualTo(before);
        assertThat(onV1Files.getJson("/api/traces/5b8efff798038103d269b633813fc60c")).isEqualTo(traceBefore);
        assertThat(onV1Files.server().store().compactOnce(System.out).merges())
                .as("nothing is rewritten twice").isEmpty();
    }

    /** The schema version of each live span file of the server on v1 files. */
    private List<String> versionsOfLiveFiles() throws Exception {
        List<Path> live = onV1Files.server().store().files().snapshot();
        try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = duckdb.createStatement();
             ResultSet versions = statement.executeQuery("SELECT decode(value) FROM parquet_kv_metadata("
                     + live.stream().map(p -> "'" + p + "'").collect(java.util.stream.Collectors.joining(", ", "[", "]"))
                     + ") WHERE decode(key) = 'contrail.schema_version'")) {
            List<String> found = new java.util.ArrayList<>();
            while (versions.next()) {
                found.add(versions.getString(1));
            }
            assertThat(found).hasSameSizeAs(live);
            return found;
        }
    }
}
