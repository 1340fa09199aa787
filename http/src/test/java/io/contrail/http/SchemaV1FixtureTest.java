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
}
