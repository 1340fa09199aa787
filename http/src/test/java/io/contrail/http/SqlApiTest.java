package io.contrail.http;

import static io.contrail.http.OtlpSpans.span;
import static io.contrail.http.OtlpSpans.spanId;
import static io.contrail.http.OtlpSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.TimeStampNanoTZVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code POST /api/sql}: one read-only statement in, JSON, CSV or Arrow out, at most
 * {@value #MAX_ROWS} rows, for at most one second. Everything else is a 400 that says why.
 */
class SqlApiTest {

    static final int MAX_ROWS = 5;
    static final String ARROW_STREAM = "application/vnd.apache.arrow.stream";

    @RegisterExtension
    static final RunningServer server = RunningServer.configured(c -> c.withQuery(
            c.query().withMaxRows(MAX_ROWS).withQueryTimeout(Duration.ofSeconds(1))));

    static final Instant START = Instant.parse("2026-01-10T10:00:00Z");

    @BeforeAll
    static void storeFiveSpans() {
        OtlpSpans.export(server, OtlpSpans.request()
                .add("frontend",
                        span(traceId(1), spanId(1), "GET /cart", SpanKind.SPAN_KIND_SERVER, START, Duration.ofMillis(20)),
                        span(traceId(2), spanId(2), "GET /cart", SpanKind.SPAN_KIND_SERVER, START, Duration.ofMillis(80)),
                        span(traceId(3), spanId(3), "GET /checkout", SpanKind.SPAN_KIND_SERVER, START, Duration.ofMillis(120)))
                .add("payments",
                        span(traceId(3), spanId(4), "Charge", SpanKind.SPAN_KIND_SERVER, START, Duration.ofMillis(90)),
                        span(traceId(4), spanId(5), "Refund", SpanKind.SPAN_KIND_SERVER, START, Duration.ofMillis(10))));
        server.flush();
    }

    private static JsonNode error(HttpResponse<byte[]> response) {
        assertThat(response.statusCode()).as(RunningServer.text(response)).isEqualTo(400);
        return RunningServer.json(response);
    }

    @Test
    void selectAnswersColumnsWithTypesRowsAndTruncated() throws IOException {
        HttpResponse<byte[]> response = server.postSql(
                "SELECT service_name, count(*) AS spans FROM spans GROUP BY service_name ORDER BY service_name");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        assertThat(RunningServer.json(response)).isEqualTo(RunningServer.JSON.readTree("""
                {"columns": [{"name": "service_name", "type": "VARCHAR"}, {"name": "spans", "type": "BIGINT"}],
                 "rows": [["frontend", 3], ["payments", 2]],
                 "truncated": false}"""));
    }

    @Test
    void withQueriesAreAllowed() {
        JsonNode answer = server.sql("WITH slow AS (SELECT * FROM spans WHERE duration_nanos > 50000000) "
                + "SELECT name FROM slow ORDER BY duration_nanos DESC");

        assertThat(answer.get("rows").toString()).isEqualTo("[[\"GET /checkout\"],[\"Charge\"],[\"GET /cart\"]]");
    }

    @Test
    void explainIsAllowedAndShowsThePlan() {
        JsonNode answer = server.sql("EXPLAIN SELECT count(*) FROM spans WHERE service_name = 'frontend'");

        assertThat(answer.get("columns")).extracting(c -> c.get("name").asText())
                .containsExactly("explain_key", "explain_value");
        assertThat(answer.get("rows").toString()).containsIgnoringCase("parquet");
    }

    static Stream<String> statementsThatAreNotReadOnly() {
        String inside = server.dataDir().toString();
        return Stream.of(
                "COPY (SELECT * FROM spans) TO '" + inside + "/copied.csv'",
                "ATTACH '" + inside + "/attached.duckdb' AS attached",
                "INSTALL httpfs",
                "LOAD httpfs",
                "SET threads = 1",
                "PRAGMA enable_profiling",
                "CREATE TABLE made AS SELECT 1 AS x",
                "INSERT INTO contrail_empty_spans (trace_id) VALUES ('x')",
                "DELETE FROM contrail_empty_spans",
                "UPDATE contrail_empty_spans SET name = 'x'");
    }

    @ParameterizedTest
    @MethodSource("statementsThatAreNotReadOnly")
    void statementsThatAreNotReadOnlyAreRejected(String statement) {
        JsonNode error = error(server.postSql(statement));

        assertThat(error.get("reason").asText()).isEqualTo("rejected");
        assertThat(error.get("error").asText()).startsWith("only read-only queries are allowed");
        assertThat(server.dataDir().resolve("copied.csv")).doesNotExist();
        assertThat(server.dataDir().resolve("attached.duckdb")).doesNotExist();
    }

    @Test
    void readingAFileOutsideTheDataFolderIsRefused(@TempDir Path elsewhere) throws IOException {
        Path secret = Files.writeString(elsewhere.resolve("secret.csv"), "user,password\nroot,hunter2\n");

        JsonNode error = error(server.postSql("SELECT * FROM read_csv('" + secret + "')"));

        assertThat(error.get("error").asText()).contains("Permission Error").doesNotContain("hunter2");
    }

    static Stream<String> queriesThatWouldShowTheServersConfiguration() {
        return Stream.of(
                "SELECT * FROM duckdb_settings()",
                "SELECT name, value FROM duckdb_settings WHERE value LIKE '%/%'",
                "SELECT current_setting('temp_directory')",
                "SELECT * FROM pg_catalog.pg_settings",
                "SELECT sql FROM duckdb_views()",
                "SELECT view_definition FROM information_schema.views",
                "SELECT sql FROM sqlite_master",
                "SELECT * FROM duckdb_extensions()",
                "SELECT * FROM duckdb_temporary_files()",
                "SELECT macro_definition FROM duckdb_functions()");
    }

    @ParameterizedTest
    @MethodSource("queriesThatWouldShowTheServersConfiguration")
    void queriesThatWouldShowTheServersConfigurationAreRejected(String statement) {
        JsonNode error = error(server.postSql(statement));

        assertThat(error.get("reason").asText()).isEqualTo("rejected");
        assertThat(error.get("error").asText()).contains("not available through Contrail");
    }

    @Test
    void duckDbsTemporaryFolderIsInsideTheDataFolderAndNoQueryCanReadIt() throws IOException {
        Path temp = Files.createDirectories(server.dataDir().resolve(".duckdb-tmp"));
        Path secret = Files.writeString(temp.resolve("spill.csv"), "user,password\nroot,hunter2\n");

        for (String sql : List.of("SELECT * FROM read_text('" + secret + "')", "SELECT * FROM glob('" + temp + "/*')",
                "SELECT * FROM '" + secret + "'", "SELECT * FROM read_csv('" + server.dataDir() + "/.DUCKDB-TMP/spill.csv')")) {
            HttpResponse<byte[]> response = server.postSql(sql);

            assertThat(response.statusCode()).as(sql).isEqualTo(400);
            assertThat(RunningServer.text(response)).as(sql).contains("temporary folder").doesNotContain("hunter2");
        }
    }

    @Test
    void whatQueriesCanReadAboutTheServerCarriesNoServerPath() {
        String dataPath = server.dataDir().toAbsolutePath().toString();
        for (String sql : List.of("SELECT * FROM duckdb_databases()", "EXPLAIN SELECT * FROM spans",
                "SELECT * FROM duckdb_tables()", "SELECT * FROM information_schema.columns",
                "SELECT * FROM attribute_keys", "SELECT * FROM duckdb_columns()")) {
            HttpResponse<byte[]> response = server.postSql(sql);

            assertThat(response.statusCode()).as("%s: %s", sql, RunningServer.text(response)).isEqualTo(200);
            assertThat(RunningServer.text(response)).as(sql).doesNotContain(dataPath);
        }
    }

    @Test
    void twoStatementsAreRejected() {
        JsonNode error = error(server.postSql("SELECT 1; SELECT 2"));

        assertThat(error.get("reason").asText()).isEqualTo("rejected");
        assertThat(error.get("error").asText()).isEqualTo("send exactly one statement per request (got 2)");
    }

    @Test
    void resultsBeyondTheRowCapAreCutAndMarkedTruncated() {
        JsonNode over = server.sql("SELECT range AS n FROM range(100)");
        JsonNode exact = server.sql("SELECT range AS n FROM range(" + MAX_ROWS + ")");

        assertThat(over.get("rows").toString()).isEqualTo("[[0],[1],[2],[3],[4]]");
        assertThat(over.get("truncated").asBoolean()).isTrue();
        assertThat(exact.get("rows")).hasSize(MAX_ROWS);
        assertThat(exact.get("truncated").asBoolean()).isFalse();
    }

    @Test
    void acceptTextCsvAnswersCsvWithAHeaderLine() {
        HttpResponse<byte[]> response = server.postSql(
                "SELECT service_name, count(*) AS spans FROM spans GROUP BY service_name ORDER BY service_name",
                "Accept", "text/csv");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/csv"));
        assertThat(response.headers().firstValue("X-Contrail-Truncated")).hasValue("false");
        assertThat(RunningServer.text(response).lines()).containsExactly("service_name,spans", "frontend,3", "payments,2");
        assertThat(response.headers().firstValue("X-Contrail-Columns")).hasValue("[[\"service_name\",\"VARCHAR\"],[\"spans\",\"BIGINT\"]]");
    }

    @Test
    void ndjsonAndCsvAnswersNameTheirColumnsAndTypesInAHeader() {
        HttpResponse<byte[]> response = server.postSql("SELECT 1 AS n, 'é' AS \"naïve\", 2.5 AS n, now() AS at",
                "Accept", "application/x-ndjson");

        assertThat(response.statusCode()).isEqualTo(200);
        // The names are the NDJSON keys (DuckDB numbers a repeated one), the text ASCII (a header value).
        assertThat(response.headers().firstValue("X-Contrail-Columns")).hasValue(
                "[[\"n\",\"INTEGER\"],[\"na\\u00EFve\",\"VARCHAR\"],[\"n_1\",\"DECIMAL(2,1)\"],[\"at\",\"TIMESTAMP WITH TIME ZONE\"]]");
        assertThat(RunningServer.text(response)).contains("\"n_1\":2.5");

        // Too many columns for a header: left out, the answer unchanged.
        String wide = java.util.stream.IntStream.range(0, 400).mapToObj(i -> i + " AS column_with_a_long_name_" + i)
                .collect(java.util.stream.Collectors.joining(", ", "SELECT ", ""));
        HttpResponse<byte[]> wideResponse = server.postSql(wide, "Accept", "application/x-ndjson");
        assertThat(wideResponse.statusCode()).isEqualTo(200);
        assertThat(wideResponse.headers().firstValue("X-Contrail-Columns")).isEmpty();
        assertThat(RunningServer.text(wideResponse)).contains("\"column_with_a_long_name_399\":399");
    }

    @Test
    void acceptArrowStreamAnswersAnArrowIpcStream() throws IOException {
        HttpResponse<byte[]> response = server.postSql(
                "SELECT service_name, count(*) AS spans FROM spans GROUP BY service_name ORDER BY service_name",
                "Accept", ARROW_STREAM);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue(ARROW_STREAM);
        assertThat(response.headers().firstValue("X-Contrail-Truncated")).hasValue("false");
        List<String> rows = new ArrayList<>();
        try (BufferAllocator allocator = new RootAllocator();
             ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(response.body()), allocator)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            assertThat(root.getSchema().getFields()).extracting(Field::getName).containsExactly("service_name", "spans");
            while (reader.loadNextBatch()) {
                VarCharVector services = (VarCharVector) root.getVector("service_name");
                BigIntVector counts = (BigIntVector) root.getVector("spans");
                for (int i = 0; i < root.getRowCount(); i++) {
                    rows.add(new String(services.get(i), StandardCharsets.UTF_8) + "=" + counts.get(i));
                }
            }
        }
        assertThat(rows).containsExactly("frontend=3", "payments=2");
    }

    @Test
    void csvNdjsonAndArrowAnswersStreamWholePastTheJsonCapUnlessMaxRowsCutsThem() throws IOException {
        String sql = "SELECT range AS n FROM range(100) ORDER BY n";
        HttpResponse<byte[]> csv = server.postSql(sql, "Accept", "text/csv");
        HttpResponse<byte[]> ndjson = server.postSql(sql, "Accept", "application/x-ndjson");
        HttpResponse<byte[]> arrow = server.postSql(sql, "Accept", ARROW_STREAM);
        HttpResponse<byte[]> arrowCut = server.postSqlBody(Map.of("sql", sql, "maxRows", 7), "Accept", ARROW_STREAM);
        HttpResponse<byte[]> csvCut = server.postSqlBody(Map.of("sql", sql, "maxRows", 7), "Accept", "text/csv");

        for (HttpResponse<byte[]> whole : List.of(csv, ndjson, arrow)) {
            assertThat(whole.statusCode()).isEqualTo(200);
            assertThat(whole.headers().firstValue("X-Contrail-Truncated")).hasValue("false");
        }
        assertThat(RunningServer.text(csv).lines()).hasSize(101).startsWith("n", "0", "1").endsWith("99");
        assertThat(ndjson.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/x-ndjson"));
        assertThat(RunningServer.text(ndjson).lines()).hasSize(100).startsWith("{\"n\":0}").endsWith("{\"n\":99}");
        assertThat(arrowRows(arrow)).isEqualTo(100);
        assertThat(arrowCut.headers().firstValue("X-Contrail-Truncated")).hasValue("true");
        assertThat(arrowRows(arrowCut)).isEqualTo(7);
        assertThat(csvCut.headers().firstValue("X-Contrail-Truncated")).hasValue("true");
        assertThat(RunningServer.text(csvCut).lines()).hasSize(8).endsWith("6");
    }

    private static long arrowRows(HttpResponse<byte[]> response) throws IOException {
        assertThat(response.statusCode()).as(RunningServer.text(response)).isEqualTo(200);
        long rows = 0;
        try (BufferAllocator allocator = new RootAllocator();
             ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(response.body()), allocator)) {
            while (reader.loadNextBatch()) {
                rows += reader.getVectorSchemaRoot().getRowCount();
            }
        }
        return rows;
    }

    @Test
    void aStreamedRowOver64KibIsRefusedWithOrWithoutMaxRows() {
        for (Map<String, Object> body : List.<Map<String, Object>>of(Map.of("sql", "SELECT repeat('x', 70000) AS v"),
                Map.of("sql", "SELECT repeat('x', 70000) AS v", "maxRows", 5))) {
            for (String accept : List.of("text/csv", "application/x-ndjson", ARROW_STREAM)) {
                assertThat(error(server.postSqlBody(body, "Accept", accept)).get("error").asText())
                        .as("%s %s", accept, body.keySet()).contains("larger than 64 KiB");
            }
        }
        assertThat(RunningServer.text(server.postSqlBody(Map.of("sql", "SELECT repeat('x', 60000) AS v"), "Accept",
                "text/csv")).lines()).hasSize(2);
    }

    @Test
    void aStreamedAnswerThatFailsInItsFirstRowsIs400WithDuckDbsMessage() {
        String sql = "SELECT range AS n, CASE WHEN range = 5 THEN error('no row 5') END AS v FROM range(10)";
        for (String accept : List.of("text/csv", "application/x-ndjson", ARROW_STREAM)) {
            assertThat(error(server.postSql(sql, "Accept", accept)).get("error").asText()).as(accept).contains("no row 5");
        }
    }

    @Test
    void aStatementFailingAnywhereInItsRowsIs400BeforeItsFirstByte() {
        // DuckDB makes the whole answer before its first row leaves (results are not streamed: see LiveViews), so a
        // failure at row 2,000,000 still gets its status and message, in every format.
        String sql = "SELECT range AS n, CASE WHEN range = 2000000 THEN error('no row 2000000') ELSE 'row' END AS v "
                + "FROM range(3000000)";
        for (String accept : List.of("text/csv", "application/x-ndjson", ARROW_STREAM)) {
            assertThat(error(server.postSql(sql, "Accept", accept)).get("error").asText()).as(accept)
                    .contains("no row 2000000");
        }
        assertThat(RunningServer.text(server.postSql("SELECT 42 AS n", "Accept", "text/csv"))).isEqualTo("n\n42\n");
    }

    @Test
    void atMost32SqlAnswersAreMadeAtOnceAndTheNextIsAskedToRetryShortly() throws Exception {
        // 20 MB of CSV each, more than the sockets' buffers hold: each answer waits for a reader that reads nothing.
        byte[] body = RunningServer.JSON.writeValueAsBytes(Map.of("sql", "SELECT range AS n FROM range(3000000)"));
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<InputStream> unread = new ArrayList<>();
        try {
            for (int i = 0; i < QueryRoutes.MAX_SQL_ANSWERS; i++) {
                HttpResponse<InputStream> open = client.send(HttpRequest.newBuilder(server.uri("/api/sql"))
                        .header("Content-Type", "application/json").header("Accept", "text/csv")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
                unread.add(open.body());
                assertThat(open.statusCode()).isEqualTo(200);
            }
            HttpResponse<byte[]> refused = server.postSql("SELECT 42 AS n", "Accept", "text/csv");
            assertThat(refused.statusCode()).as(RunningServer.text(refused)).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(RunningServer.json(refused).get("error").asText()).contains("32 SQL answers");

            unread.remove(0).close();
            // The server learns of the closed connection when it next writes to it.
            await().atMost(Duration.ofSeconds(30)).until(
                    () -> server.postSql("SELECT 42 AS n", "Accept", "text/csv").statusCode() == 200);
        } finally {
            for (InputStream stream : unread) {
                stream.close();
            }
        }
    }

    @Test
    void aJsonPageWhoseFirstRowIsPastTheByteCapIsRefusedNamingItsOffset() {
        String sql = "SELECT range, CASE WHEN range = 1 THEN repeat('x', 34000000) END AS v FROM range(3) ORDER BY range";
        assertThat(error(server.postSqlBody(Map.of("sql", sql, "offset", 1))).get("error").asText())
                .contains("the row at offset 1 is larger than the answer's byte cap");
        JsonNode first = RunningServer.json(server.postSqlBody(Map.of("sql", sql)));
        assertThat(first.get("rows").toString()).isEqualTo("[[0,null]]");
        assertThat(first.get("nextOffset").asLong()).isEqualTo(1);
    }

    @Test
    void jsonAnswersPastTheCapSayWhereTheNextPageStarts() {
        String sql = "SELECT range AS n FROM range(12) ORDER BY n DESC";
        List<Long> all = new ArrayList<>();
        long offset = 0;
        for (int page = 0; ; page++) {
            assertThat(page).as("pages").isLessThan(4);
            HttpResponse<byte[]> response = server.postSqlBody(Map.of("sql", sql, "offset", offset));
            JsonNode answer = RunningServer.json(response);
            answer.get("rows").forEach(row -> all.add(row.get(0).asLong()));
            assertThat(response.headers().firstValue("X-Contrail-Truncated"))
                    .hasValue(String.valueOf(answer.get("truncated").asBoolean()));
            if (!answer.get("truncated").asBoolean()) {
                assertThat(answer.has("nextOffset")).isFalse();
                break;
            }
            assertThat(answer.get("rows")).hasSize(MAX_ROWS);
            offset = answer.get("nextOffset").asLong();
        }
        assertThat(all).containsExactly(11L, 10L, 9L, 8L, 7L, 6L, 5L, 4L, 3L, 2L, 1L, 0L);
        // maxRows cuts a JSON answer sooner, never later than the cap.
        JsonNode two = RunningServer.json(server.postSqlBody(Map.of("sql", sql, "maxRows", 2)));
        assertThat(two.get("rows").toString()).isEqualTo("[[11],[10]]");
        assertThat(two.get("nextOffset").asLong()).isEqualTo(2);
        assertThat(RunningServer.json(server.postSqlBody(Map.of("sql", sql, "maxRows", 1000))).get("rows"))
                .hasSize(MAX_ROWS);
    }

    private static JsonNode sqlWith(String sql, Object... params) {
        HttpResponse<byte[]> response = server.postSqlBody(Map.of("sql", sql, "params", Arrays.asList(params)));
        assertThat(response.statusCode()).as(RunningServer.text(response)).isEqualTo(200);
        return RunningServer.json(response).get("rows");
    }

    @Test
    void parametersAreBoundToThePlaceholdersInOrder() {
        assertThat(sqlWith("SELECT count(*) FROM spans WHERE service_name = ?", "frontend").toString()).isEqualTo("[[3]]");
        assertThat(sqlWith("SELECT count(*) FROM spans WHERE service_name = $1 OR name = $2", "payments", "GET /cart")
                .toString()).isEqualTo("[[4]]");
        assertThat(sqlWith("SELECT count(*) FROM spans WHERE duration_nanos > ? AND name <> ?", 50_000_000, "Charge")
                .toString()).isEqualTo("[[2]]");
        // A time is an ISO-8601 string, cast to the column it is compared with (UTC).
        assertThat(sqlWith("SELECT count(*) FROM spans WHERE start_time >= ?", "2026-01-10T10:00:00Z").toString())
                .isEqualTo("[[5]]");
        assertThat(sqlWith("SELECT count(*) FROM spans WHERE start_time > ?", "2026-01-10T10:00:00.000000001Z")
                .toString()).isEqualTo("[[0]]");
        assertThat(sqlWith("SELECT ? IS NULL, ?, ?", null, true, 2.5).toString()).isEqualTo("[[true,true,2.5]]");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "frontend' OR '1'='1",
            "x'; DROP TABLE contrail_empty_spans; --",
            "frontend\\' OR true --",
            "') UNION SELECT count(*) FROM read_text('/etc/passwd') --"})
    void aParameterIsAValueNeverPartOfTheStatement(String attempt) {
        assertThat(sqlWith("SELECT count(*) FROM spans WHERE service_name = ?", attempt).toString()).isEqualTo("[[0]]");
        assertThat(sqlWith("SELECT ?", attempt).get(0).get(0).asText()).isEqualTo(attempt);
        assertThat(server.rows("SELECT count(*) FROM spans").toString()).isEqualTo("[[5]]");
    }

    @Test
    void aBodyWithWrongParametersOrPagingIs400NamingTheField() {
        assertThat(error(server.postSqlBody(Map.of("sql", "SELECT ?", "params", "x"))).get("error").asText())
                .contains("\"params\"").contains("array");
        assertThat(error(server.postSqlBody(Map.of("sql", "SELECT ?", "params", List.of(List.of(1))))).get("error")
                .asText()).contains("\"params\"[0]").contains("array");
        assertThat(error(server.postSqlBody(Map.of("sql", "SELECT ?, ?", "params", List.of("a")))).get("error").asText())
                .contains("2 placeholders").contains("1 parameter was given");
        assertThat(error(server.postSqlBody(Map.of("sql", "SELECT 1", "offset", -1))).get("error").asText())
                .contains("\"offset\"");
        assertThat(error(server.postSqlBody(Map.of("sql", "SELECT 1", "maxRows", "ten"))).get("error").asText())
                .contains("\"maxRows\"");
        assertThat(error(server.postSqlBody(Map.of("sql", "SELECT 1", "query", "SELECT 2"))).get("error").asText())
                .contains("\"query\"").contains("not a field");
        assertThat(error(server.postSqlBody(Map.of("sql", "EXPLAIN SELECT 1", "offset", 3))).get("error").asText())
                .contains("offset=3");
    }

    @Test
    void timesAreUtcInstantsInEveryFormat() throws IOException {
        String sql = "SELECT start_time FROM spans ORDER BY start_time LIMIT 1";
        assertThat(server.rows(sql).get(0).get(0).asText()).isEqualTo("2026-01-10T10:00:00Z");
        assertThat(RunningServer.text(server.postSql(sql, "Accept", "text/csv")).lines())
                .containsExactly("start_time", "2026-01-10T10:00:00Z");
        HttpResponse<byte[]> arrow = server.postSql(sql, "Accept", ARROW_STREAM);
        try (BufferAllocator allocator = new RootAllocator();
             ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(arrow.body()), allocator)) {
            Field field = reader.getVectorSchemaRoot().getSchema().findField("start_time");
            assertThat(field.getType()).isEqualTo(new ArrowType.Timestamp(TimeUnit.NANOSECOND, "UTC"));
            assertThat(reader.loadNextBatch()).isTrue();
            assertThat(((TimeStampNanoTZVector) reader.getVectorSchemaRoot().getVector("start_time")).get(0))
                    .isEqualTo(START.getEpochSecond() * 1_000_000_000L);
        }
    }

    @Test
    void aQueryRunningPastTheTimeoutIsInterruptedWith408() {
        long started = System.nanoTime();

        HttpResponse<byte[]> response = server.postSql(
                "SELECT sum(a.range * b.range) FROM range(1000000000) a, range(1000) b");

        Duration answeredAfter = Duration.ofNanos(System.nanoTime() - started);
        assertThat(response.statusCode()).as(RunningServer.text(response)).isEqualTo(408);
        JsonNode body = RunningServer.json(response);
        assertThat(body.get("reason").asText()).isEqualTo("timeout");
        assertThat(body.get("error").asText()).contains("ran longer than 1 s");
        assertThat(answeredAfter).as("interrupted soon after the 1 s timeout").isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aBodyThatIsNotJsonIs400() {
        HttpResponse<byte[]> response = server.post("/api/sql", "SELECT 1".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");

        assertThat(error(response).get("error").asText()).startsWith("the body must be JSON");
    }

    @Test
    void aJsonBodyWithoutAStringSqlFieldIs400() {
        HttpResponse<byte[]> response = server.post("/api/sql", "{\"query\": \"SELECT 1\"}".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");

        assertThat(error(response).get("error").asText()).contains("string field \"sql\"");
    }

    @Test
    void invalidSqlIs400WithDuckDbsParserMessage() {
        JsonNode error = error(server.postSql("SELEC service_name FROM spans"));

        assertThat(error.get("reason").asText()).isEqualTo("invalid");
        assertThat(error.get("error").asText()).contains("syntax error at or near \"SELEC\"");
    }

    @Test
    void anUnknownColumnIs400WithDuckDbsBinderMessage() {
        JsonNode error = error(server.postSql("SELECT no_such_column FROM spans"));

        assertThat(error.get("reason").asText()).isEqualTo("invalid");
        assertThat(error.get("error").asText()).contains("Binder Error").contains("no_such_column");
    }

    @Test
    void aQueryThatFailsWhileRunningIs400WithDuckDbsMessage() {
        JsonNode error = error(server.postSql("SELECT CAST(s AS INTEGER) FROM (VALUES ('abc')) t(s)"));

        assertThat(error.get("reason").asText()).isEqualTo("invalid");
        assertThat(error.get("error").asText()).contains("Conversion Error")
                .contains("Could not convert string 'abc' to INT32");
    }

    @Test
    void errorsQuoteTheUsersOwnSqlAndNoServerPath() {
        String sql = "SELECT no_such_column FROM spans WHERE service_name = 'frontend'";

        String error = error(server.postSql(sql)).get("error").asText();

        assertThat(error).contains("no_such_column").contains("LINE 1: " + sql)
                .doesNotContain(server.dataDir().toAbsolutePath().toString()).doesNotContain("read_parquet")
                .doesNotContain("contrail_result").doesNotContain("__contrail");
    }

    @Test
    void errorsWhileRunningCarryNoPointerIntoTheStatementThatRan() {
        String error = error(server.postSql(
                "SELECT CAST(name AS INTEGER) FROM spans WHERE service_name = 'payments'")).get("error").asText();

        assertThat(error).contains("Conversion Error").doesNotContain("LINE ").doesNotContain("__contrail")
                .doesNotContain(server.dataDir().toAbsolutePath().toString());
    }

    @Test
    void anUnquotedAttributeNameIsAnsweredWithTheAdviceToQuoteIt() {
        String error = error(server.postSql("SELECT count(*) FROM spans WHERE attr.http.route = '/cart'"))
                .get("error").asText();

        assertThat(error).contains("Referenced table \"attr.http\" not found")
                .contains("quote the whole name: \"attr.http.route\"");
    }

    @Test
    void aSyntaxErrorSaysWhereByLineAndColumn() {
        JsonNode error = error(server.postSql("SELECT service_name,\n       'é' AS e, count(*) FRM spans"));

        assertThat(error.get("error").asText()).isEqualTo("syntax error at or near \"spans\" at line 2, column 31");
    }

    @Test
    void blobValuesAreAnsweredAsBase64() {
        JsonNode answer = server.sql("SELECT 'contrail'::BLOB AS b");

        assertThat(answer.get("columns").get(0).get("type").asText()).isEqualTo("BLOB");
        assertThat(answer.get("rows").get(0).get(0).asText()).isEqualTo("Y29udHJhaWw=");
    }
}
