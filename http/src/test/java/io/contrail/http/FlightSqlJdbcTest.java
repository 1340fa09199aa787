package io.contrail.http;

import static io.contrail.http.FlightSqlClients.column;
import static io.contrail.http.FlightSqlClients.jdbc;
import static io.contrail.http.OtlpSpans.attribute;
import static io.contrail.http.OtlpSpans.span;
import static io.contrail.http.OtlpSpans.spanId;
import static io.contrail.http.OtlpSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Arrow Flight SQL JDBC driver — what DBeaver and other JDBC tools load — against a server whose spans came in
 * over OTLP/HTTP: a query, a prepared statement whose parameter stays a value whatever it holds, the
 * {@code DatabaseMetaData} calls a SQL tool makes to show tables and columns, writes refused with the engine's
 * message, and {@code X-Scope-OrgID} passed as the driver passes any URL parameter it does not know (a header).
 */
class FlightSqlJdbcTest {

    @RegisterExtension
    static final RunningServer server = RunningServer.withDefaults();

    private static final Instant START = Instant.parse("2026-12-01T10:00:00Z");

    @BeforeAll
    static void storeThreeSpans() {
        OtlpSpans.export(server, OtlpSpans.request()
                .add("checkout",
                        span(traceId(1), spanId(1), "POST /pay", SpanKind.SPAN_KIND_SERVER, START, Duration.ofMillis(120))
                                .addAttributes(attribute("http.route", "/pay")),
                        span(traceId(1), spanId(2), "GET /cart", SpanKind.SPAN_KIND_SERVER, START.plusSeconds(1),
                                Duration.ofMillis(30)).addAttributes(attribute("http.route", "/cart")))
                .add("frontend",
                        span(traceId(2), spanId(3), "GET /", SpanKind.SPAN_KIND_SERVER, START.plusSeconds(2),
                                Duration.ofMillis(5))));
        server.flush();
    }

    @Test
    void aQueryOverSpansStoredThroughOtlpAnswersThroughTheDriver() throws SQLException {
        try (Connection connection = jdbc(server.server()); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT service_name, count(*) AS spans, min(start_time) AS first, "
                     + "epoch_ns(min(start_time)) AS first_ns FROM spans GROUP BY 1 ORDER BY 1")) {
            assertThat(rows.getMetaData().getColumnType(3)).as("times are declared UTC timestamps")
                    .isEqualTo(Types.TIMESTAMP_WITH_TIMEZONE);
            List<List<Object>> read = new ArrayList<>();
            while (rows.next()) {
                read.add(List.of(rows.getString("service_name"), rows.getLong("spans"), rows.getLong("first_ns")));
            }
            assertThat(read).containsExactly(
                    List.of("checkout", 2L, OtlpSpans.unixNanos(START)),
                    List.of("frontend", 1L, OtlpSpans.unixNanos(START.plusSeconds(2))));
        }
    }

    @Test
    void aPreparedStatementBindsItsParameterAsAValueNeverAsSql() throws SQLException {
        try (Connection connection = jdbc(server.server());
             PreparedStatement names = connection.prepareStatement(
                     "SELECT name FROM spans WHERE service_name = ? ORDER BY name")) {
            assertThat(names.getParameterMetaData().getParameterCount()).isEqualTo(1);

            names.setString(1, "checkout");
            assertThat(column(names.executeQuery(), "name")).containsExactly("GET /cart", "POST /pay");
            names.setString(1, "frontend");
            assertThat(column(names.executeQuery(), "name")).containsExactly("GET /");

            for (String injection : List.of("checkout' OR '1'='1", "x'; DROP VIEW spans; --", "checkout\" OR 1=1 --")) {
                names.setString(1, injection);
                assertThat(column(names.executeQuery(), "name")).as(injection).isEmpty();
            }
            try (Statement statement = connection.createStatement()) {
                assertThat(column(statement.executeQuery("SELECT count(*) AS n FROM spans"), "n")).containsExactly(3L);
            }
        }
    }

    @Test
    void databaseMetaDataListsSpansAndEveryViewWithTheirColumnsAsDbeaverAsksForThem() throws Exception {
        Set<String> views = new TreeSet<>();
        for (var row : server.server().engine().query("SELECT table_name FROM information_schema.tables "
                + "WHERE table_type = 'VIEW' AND table_schema = 'main'").rows()) {
            views.add((String) row.get(0));
        }
        try (Connection connection = jdbc(server.server())) {
            DatabaseMetaData meta = connection.getMetaData();
            assertThat(meta.getDatabaseProductName()).isEqualTo("Contrail");
            assertThat(meta.getDatabaseProductVersion()).isEqualTo(ContrailServer.VERSION);
            assertThat(meta.isReadOnly()).isTrue();
            assertThat(meta.getIdentifierQuoteString()).isEqualTo("\"");
            assertThat(meta.getSearchStringEscape()).isEqualTo("\\");

            List<Object> catalogs = column(meta.getCatalogs(), "TABLE_CAT");
            assertThat(catalogs).hasSize(1);
            String catalog = (String) catalogs.get(0);
            assertThat(column(meta.getSchemas(catalog, null), "TABLE_SCHEM")).containsExactly("main");
            assertThat(column(meta.getTableTypes(), "TABLE_TYPE")).containsExactly("VIEW");

            assertThat(new TreeSet<>(column(meta.getTables(catalog, "main", "%", null), "TABLE_NAME")))
                    .contains("spans", "traces", "span_events").isEqualTo(views);
            assertThat(column(meta.getTables(catalog, "main", "span\\_events", new String[] {"VIEW"}), "TABLE_NAME"))
                    .as("an escaped _ matches itself only").containsExactly("span_events");
            assertThat(column(meta.getTables(catalog, "main", "%", new String[] {"TABLE"}), "TABLE_NAME")).isEmpty();

            Map<String, String> typeNames = new HashMap<>();
            Map<String, Integer> sqlTypes = new HashMap<>();
            try (ResultSet columns = meta.getColumns(catalog, "main", "spans", "%")) {
                while (columns.next()) {
                    assertThat(columns.getString("TABLE_NAME")).isEqualTo("spans");
                    typeNames.put(columns.getString("COLUMN_NAME"), columns.getString("TYPE_NAME"));
                    sqlTypes.put(columns.getString("COLUMN_NAME"), columns.getInt("DATA_TYPE"));
                }
            }
            assertThat(typeNames).hasSize(server.server().engine().spanColumns().size())
                    .containsEntry("trace_id", "VARCHAR").containsEntry("duration_nanos", "BIGINT")
                    .containsKey("attr.http.route");
            assertThat(sqlTypes).containsEntry("start_time", Types.TIMESTAMP_WITH_TIMEZONE)
                    .containsEntry("duration_nanos", Types.BIGINT);

            assertThat(meta.getPrimaryKeys(catalog, "main", "spans").next()).isFalse();
            assertThat(meta.getImportedKeys(catalog, "main", "spans").next()).isFalse();
            assertThat(meta.getExportedKeys(catalog, "main", "spans").next()).isFalse();
        }
    }

    @Test
    void writesAreRefusedWithAMessageNamingTheProblem() throws Exception {
        try (Connection connection = jdbc(server.server()); Statement statement = connection.createStatement()) {
            for (String write : List.of("DROP VIEW spans", "COPY (SELECT * FROM spans) TO 'copied.parquet'",
                    "CREATE TABLE copied AS SELECT * FROM spans", "DELETE FROM spans")) {
                assertThatThrownBy(() -> statement.execute(write)).as(write).isInstanceOf(SQLException.class)
                        .hasMessageContaining("only read-only queries are allowed")
                        .hasMessageNotContaining(server.dataDir().toString());
            }
            assertThat(column(statement.executeQuery("SELECT count(*) AS n FROM spans"), "n")).containsExactly(3L);
        }
        try (Stream<java.nio.file.Path> files = Files.walk(server.dataDir())) {
            assertThat(files.map(path -> path.getFileName().toString())).doesNotContain("copied.parquet");
        }
    }

    @Test
    void theTenantHeaderGoesAsAUrlParameterAndPicksTheTenantAsOverHttp() throws SQLException {
        var request = OtlpSpans.request().add("billing",
                span(traceId(9), spanId(9), "Charge", SpanKind.SPAN_KIND_SERVER, START, Duration.ofMillis(7)));
        var response = server.post("/v1/traces", request.toByteArray(), "Content-Type", OtlpSpans.PROTOBUF,
                "X-Scope-OrgID", "team-b");
        assertThat(response.statusCode()).isEqualTo(200);
        server.flush("team-b");

        String services = "SELECT DISTINCT service_name FROM spans ORDER BY 1";
        try (Connection teamB = jdbc(server.server(), "x-scope-orgid=team-b"); Statement statement = teamB.createStatement()) {
            assertThat(column(statement.executeQuery(services), "service_name")).containsExactly("billing");
        }
        try (Connection fallback = jdbc(server.server()); Statement statement = fallback.createStatement()) {
            assertThat(column(statement.executeQuery(services), "service_name")).containsExactly("checkout", "frontend");
        }
    }
}
