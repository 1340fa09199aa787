package io.contrail.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Which statements a trace-ID lookup may answer from the files holding the trace, parsed by DuckDB. */
class SpansReadsTest {

    private static final String A = "d62e7e5369b610a945d4cbc1f8711c2f";
    private static final String B = "00000000000000000123456789abcdef";
    private static Connection duckdb;

    @BeforeAll
    static void open() throws Exception {
        duckdb = DriverManager.getConnection("jdbc:duckdb:");
    }

    @AfterAll
    static void close() throws Exception {
        duckdb.close();
    }

    private static Optional<Set<String>> restriction(String sql) throws Exception {
        try (PreparedStatement statement = duckdb.prepareStatement("SELECT json_serialize_sql(?::VARCHAR)")) {
            statement.setString(1, sql);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                JsonNode parsed = new ObjectMapper().readTree(rs.getString(1));
                assertThat(parsed.path("error").asBoolean()).as("parsed: %s", parsed).isFalse();
                return SpansReads.traceIds(parsed);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT * FROM spans WHERE trace_id = '" + A + "' ORDER BY start_time",
            "SELECT name FROM spans WHERE '" + A + "' = trace_id",
            "SELECT s.name FROM spans AS s WHERE s.duration_nanos > 5 AND s.trace_id = '" + A + "'",
            "SELECT count(*) FROM main.spans WHERE trace_id = '" + A + "' AND (kind = 'SERVER' OR kind = 'CLIENT')",
            "WITH t AS (SELECT * FROM spans WHERE trace_id = '" + A + "') SELECT name FROM t JOIN t AS u USING (span_id)",
            "SELECT * FROM (SELECT * FROM spans WHERE trace_id = '" + A + "') WHERE status_code = 'ERROR'",
    })
    void aLoneReadOfSpansFilteredByOneTraceIdIsRestrictedToIt(String sql) throws Exception {
        assertThat(restriction(sql)).contains(Set.of(A));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT * FROM spans WHERE trace_id IN ('" + A + "', '" + B + "')",
            "SELECT * FROM spans WHERE trace_id IN ('" + B + "', '" + A + "') AND name <> ''",
    })
    void aListOfTraceIdsRestrictsToEachOfThem(String sql) throws Exception {
        assertThat(restriction(sql)).contains(Set.of(A, B));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // other reads of spans, direct or through a view, are not filtered
            "SELECT * FROM spans c JOIN spans p ON c.parent_span_id = p.span_id WHERE c.trace_id = '" + A + "'",
            "SELECT * FROM spans WHERE trace_id = '" + A + "' UNION ALL SELECT * FROM spans",
            "SELECT * FROM spans WHERE trace_id = '" + A + "' AND span_id IN (SELECT span_id FROM span_events)",
            "SELECT * FROM span_events WHERE trace_id = '" + A + "'",
            "SELECT * FROM traces WHERE trace_id = '" + A + "'",
            // the condition does not hold for every row read
            "SELECT * FROM spans WHERE trace_id = '" + A + "' OR name = 'x'",
            "SELECT * FROM spans WHERE trace_id <> '" + A + "'",
            "SELECT * FROM spans WHERE trace_id LIKE '" + "d62e7e53%'",
            "SELECT *, trace_id = '" + A + "' AS wanted FROM spans",
            "SELECT * FROM spans JOIN (SELECT 1) ON true WHERE trace_id = '" + A + "'",
            // another relation's trace_id, or an ID no stored span can have
            "SELECT * FROM spans s WHERE EXISTS (SELECT 1 FROM (SELECT '" + A + "' AS trace_id) o WHERE o.trace_id = '" + A + "')",
            "SELECT * FROM spans WHERE trace_id = '" + "D62E7E5369B610A945D4CBC1F8711C2F'",
            "SELECT * FROM spans WHERE trace_id = '" + "a945d4cbc1f8711c2f'",
            // a CTE named spans, a table function, a sample
            "WITH spans AS (SELECT '" + A + "' AS trace_id) SELECT * FROM spans WHERE trace_id = '" + A + "'",
            "SELECT * FROM spans, range(3) WHERE trace_id = '" + A + "'",
            "SELECT * FROM spans TABLESAMPLE 10% WHERE trace_id = '" + A + "'",
    })
    void anythingElseReadsEveryFile(String sql) throws Exception {
        assertThat(restriction(sql)).isEmpty();
    }
}
