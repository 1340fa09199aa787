package io.contrail.query;

import com.fasterxml.jackson.databind.JsonNode;
import io.contrail.columnar.LiveFiles.TimeRange;
import io.contrail.columnar.PartitionPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Which span start times a statement can read, parsed and evaluated by DuckDB. Each bounded range is also checked
 * against DuckDB's answer to the statement itself, over tables that stand in for the views with spans just inside
 * and just outside each end: the statement must return exactly the spans the range holds.
 */
class SpanTimeBoundsTest {

    private static final long DAY = 86_400_000_000_000L;
    private static final long DEC_7 = nanos("2026-12-07T00:00:00");
    private static final long TEN = nanos("2026-12-07T10:00:00");
    private static final long ELEVEN = nanos("2026-12-07T11:00:00");

    private static Connection duckdb;
    private static final SqlParser PARSER = new SqlParser();

    @BeforeAll
    static void open() throws Exception {
        duckdb = DriverManager.getConnection("jdbc:duckdb:");
        try (Statement statement = duckdb.createStatement()) {
            statement.execute("SET TimeZone = 'UTC'");
            // st_ns is each row's span start, for the check; the other columns are those the views have.
            statement.execute("CREATE TABLE spans (st_ns BIGINT, name VARCHAR, start_time TIMESTAMP_NS, \"date\" DATE, \"hour\" INTEGER)");
            statement.execute("CREATE TABLE span_attributes (st_ns BIGINT, start_time TIMESTAMP_NS, \"date\" DATE, \"hour\" INTEGER, "
                    + "\"key\" VARCHAR, \"value\" VARCHAR)");
            statement.execute("CREATE TABLE span_events (st_ns BIGINT, span_name VARCHAR, \"time\" TIMESTAMP_NS, \"date\" DATE, "
                    + "\"hour\" INTEGER)");
            statement.execute("CREATE TABLE traces (trace_id VARCHAR, start_time TIMESTAMP_NS)");
        }
    }

    @AfterAll
    static void close() throws Exception {
        duckdb.close();
    }

    private static long nanos(String utc) {
        Instant instant = LocalDateTime.parse(utc).toInstant(ZoneOffset.UTC);
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    private static Optional<TimeRange> bounds(String sql, Object... parameters) throws Exception {
        JsonNode parsed = PARSER.parse(duckdb, sql);
        assertThat(parsed.path("error").asBoolean()).as("parsed: %s", parsed).isFalse();
        String before = parsed.toString();
        Optional<TimeRange> range = SpanTimeBounds.of(duckdb, PARSER, parsed, List.of(parameters));
        assertThat(parsed.toString()).as("the statement's tree is left as it was").isEqualTo(before);
        return range;
    }

    /** The range of {@code sql}, after checking that DuckDB's own answer holds exactly the spans inside it. */
    private static TimeRange exactRange(String sql, Object... parameters) throws Exception {
        Optional<TimeRange> range = bounds(sql, parameters);
        assertThat(range).as(sql).isPresent();
        long from = range.get().fromNanos();
        long to = range.get().toNanos();
        TreeSet<Long> starts = new TreeSet<>();
        for (long end : new long[] {from, to}) {
            if (end != Long.MIN_VALUE && end != Long.MAX_VALUE) {
                starts.addAll(List.of(end - 1, end, end + 1, end - 3 * DAY, end + 3 * DAY));
            }
        }
        if (from != Long.MIN_VALUE && to != Long.MAX_VALUE) {
            starts.add(from / 2 + to / 2);
        }
        List<Long> inside = starts.stream().filter(t -> t >= from && t < to).toList();
        assertThat(returnedStarts(sql, List.of(parameters), starts)).as("spans %s returns", sql).isEqualTo(inside);
        return range.get();
    }

    private static List<Long> returnedStarts(String sql, List<Object> parameters, TreeSet<Long> starts) throws SQLException {
        try (Statement statement = duckdb.createStatement()) {
            for (String table : List.of("spans", "span_attributes", "span_events")) {
                statement.execute("DELETE FROM " + table);
            }
            for (long start : starts) {
                // date and hour as Contrail's PartitionPath floors them (DuckDB's CAST rounds 23:59:59.9999999 up)
                PartitionPath partition = PartitionPath.ofStartTime(start);
                String ts = "make_timestamp_ns(" + start + ")";
                String day = "DATE '" + partition.date() + "', " + partition.hour();
                statement.execute("INSERT INTO spans VALUES (" + start + ", 'GET /', " + ts + ", " + day + ")");
                statement.execute("INSERT INTO span_attributes VALUES (" + start + ", " + ts + ", " + day + ", 'k', 'v')");
                // an event's time is its own, here a day before its span started
                statement.execute("INSERT INTO span_events VALUES (" + start + ", 'GET /', " + ts + " - INTERVAL 1 DAY, " + day + ")");
            }
        }
        List<Long> returned = new ArrayList<>();
        try (PreparedStatement statement = duckdb.prepareStatement(sql)) {
            for (int i = 0; i < parameters.size(); i++) {
                statement.setObject(i + 1, parameters.get(i));
            }
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    returned.add(rs.getLong("st_ns"));
                }
            }
        }
        returned.sort(null);
        return returned;
    }

    @Test
    void timestampLiteralsAndStringsBoundStartTimeToTheNanosecond() throws Exception {
        assertThat(exactRange("SELECT * FROM spans WHERE start_time >= TIMESTAMP '2026-12-07 10:00:00' "
                + "AND start_time < TIMESTAMP '2026-12-07 11:00:00'")).isEqualTo(new TimeRange(TEN, ELEVEN));
        assertThat(exactRange("SELECT * FROM spans WHERE start_time > '2026-12-07 10:00:00.000000007' "
                + "AND start_time <= '2026-12-07 11:00'")).isEqualTo(new TimeRange(TEN + 8, ELEVEN + 1));
        assertThat(exactRange("SELECT * FROM spans WHERE start_time = TIMESTAMP_NS '2026-12-07 10:00:00.000000123'"))
                .isEqualTo(new TimeRange(TEN + 123, TEN + 124));
        assertThat(exactRange("SELECT * FROM spans WHERE start_time <= TIMESTAMP '2026-12-07 10:00:00.000001'"))
                .as("a microsecond TIMESTAMP is compared in nanoseconds").isEqualTo(new TimeRange(Long.MIN_VALUE, TEN + 1_001));
        assertThat(exactRange("SELECT * FROM spans WHERE start_time > TIMESTAMP_S '2026-12-07 10:00:00' "
                + "AND start_time <= TIMESTAMP_MS '2026-12-07 11:00:00'")).isEqualTo(new TimeRange(TEN + 1, ELEVEN + 1));
    }

    @Test
    void betweenIsInclusiveAtBothEnds() throws Exception {
        assertThat(exactRange("SELECT * FROM spans WHERE start_time BETWEEN '2026-12-07 10:00' AND TIMESTAMP '2026-12-07 11:00'"))
                .isEqualTo(new TimeRange(TEN, ELEVEN + 1));
    }

    @Test
    void aDateBoundsStartTimesToItsUtcDays() throws Exception {
        assertThat(exactRange("SELECT * FROM spans WHERE \"date\" = DATE '2026-12-07'")).isEqualTo(new TimeRange(DEC_7, DEC_7 + DAY));
        assertThat(exactRange("SELECT * FROM spans WHERE date > DATE '2026-12-07' AND date <= '2026-12-09'"))
                .isEqualTo(new TimeRange(DEC_7 + DAY, DEC_7 + 3 * DAY));
        assertThat(exactRange("SELECT * FROM spans WHERE date >= '2026-12-07 10:00' AND date < DATE '2026-12-09'"))
                .as("a string is cast to a date").isEqualTo(new TimeRange(DEC_7, DEC_7 + 2 * DAY));
        // DuckDB compares a date with a timestamp as the date's midnight: the day of 10:00 is still before it.
        assertThat(exactRange("SELECT * FROM spans WHERE date < TIMESTAMP '2026-12-07 10:00' AND date >= TIMESTAMP '2026-12-05 10:00'"))
                .isEqualTo(new TimeRange(DEC_7 - DAY, DEC_7 + DAY));
    }

    @Test
    void dateAndStartTimeTermsIntersect() throws Exception {
        assertThat(exactRange("SELECT * FROM spans WHERE date = DATE '2026-12-07' AND name = 'GET /' "
                + "AND start_time >= '2026-12-07 10:00' AND start_time < '2026-12-09'")).isEqualTo(new TimeRange(TEN, DEC_7 + DAY));
    }

    @Test
    void aConstantOnTheLeftFlipsTheComparison() throws Exception {
        // Read the other way round, '10:00' < start_time would be an upper bound: this range would be (MIN, 10:00).
        assertThat(exactRange("SELECT * FROM spans WHERE '2026-12-07 10:00' < start_time AND TIMESTAMP '2026-12-07 11:00' >= start_time"))
                .isEqualTo(new TimeRange(TEN + 1, ELEVEN + 1));
        assertThat(exactRange("SELECT * FROM spans WHERE DATE '2026-12-07' <= date")).isEqualTo(new TimeRange(DEC_7, Long.MAX_VALUE));
    }

    @Test
    void columnsQualifiedByTheAliasOrTheViewCount() throws Exception {
        assertThat(exactRange("SELECT * FROM spans s WHERE s.start_time >= '2026-12-07 10:00' AND s.name = 'GET /'"))
                .isEqualTo(new TimeRange(TEN, Long.MAX_VALUE));
        assertThat(exactRange("SELECT * FROM main.spans WHERE spans.start_time < '2026-12-07 10:00'"))
                .isEqualTo(new TimeRange(Long.MIN_VALUE, TEN));
        assertThat(exactRange("SELECT * FROM (SELECT * FROM spans AS s WHERE S.date = DATE '2026-12-07') ORDER BY st_ns"))
                .isEqualTo(new TimeRange(DEC_7, DEC_7 + DAY));
    }

    @Test
    void placeholdersTakeTheirValues() throws Exception {
        assertThat(exactRange("SELECT * FROM spans WHERE start_time >= ? AND start_time < ?",
                Timestamp.valueOf("2026-12-07 10:00:00"), "2026-12-07 11:00")).isEqualTo(new TimeRange(TEN, ELEVEN));
        assertThat(exactRange("SELECT * FROM spans WHERE start_time > make_timestamp_ns(?) AND date <= $2::DATE",
                TEN + 5, "2026-12-07")).isEqualTo(new TimeRange(TEN + 6, DEC_7 + DAY));
        assertThat(exactRange("SELECT * FROM spans WHERE date = ?", LocalDate.of(2026, 12, 7))).isEqualTo(new TimeRange(DEC_7, DEC_7 + DAY));
    }

    @Test
    void contrailsOwnTimeWindowIsReadExactly() throws Exception {
        List<Object> parameters = new ArrayList<>();
        String window = new TimeWindow(TEN + 1, ELEVEN + 7).sql("s", 0, parameters);
        assertThat(exactRange("SELECT * FROM spans s WHERE " + window, parameters.toArray()))
                .as("start_time >= ? AND date >= ? AND start_time <= ? AND date <= ?").isEqualTo(new TimeRange(TEN + 1, ELEVEN + 8));
    }

    @Test
    void spanAttributesAreBoundedByStartTimeAndSpanEventsByDateOnly() throws Exception {
        assertThat(exactRange("SELECT * FROM span_attributes WHERE \"key\" = 'k' AND start_time BETWEEN ? AND ?",
                "2026-12-07 10:00", "2026-12-07 11:00")).isEqualTo(new TimeRange(TEN, ELEVEN + 1));
        assertThat(exactRange("SELECT * FROM span_events WHERE date >= DATE '2026-12-07' AND date < DATE '2026-12-09'"))
                .isEqualTo(new TimeRange(DEC_7, DEC_7 + 2 * DAY));
        assertThat(bounds("SELECT * FROM span_events WHERE date >= DATE '2026-12-07' AND date < DATE '2026-12-09' "
                + "AND \"time\" >= TIMESTAMP '2026-12-08 10:00'")).as("the event's time is not the span's")
                .contains(new TimeRange(DEC_7, DEC_7 + 2 * DAY));
    }

    @Test
    void aClockBoundIsReadAsALowerBound() throws Exception {
        long before = Instant.now().truncatedTo(ChronoUnit.MICROS).toEpochMilli() * 1_000_000L - 1_000_000L;
        TimeRange range = bounds("SELECT * FROM spans WHERE start_time >= CAST(now() AS TIMESTAMP) - INTERVAL 1 HOUR "
                + "AND start_time <= CAST(now() AS TIMESTAMP)").orElseThrow();
        long after = (Instant.now().toEpochMilli() + 1) * 1_000_000L;
        long hour = 3_600_000_000_000L;
        assertThat(range.fromNanos()).isBetween(before - hour, after - hour);
        assertThat(range.toNanos()).as("now() when the statement runs is later than now").isEqualTo(Long.MAX_VALUE);

        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        long from = bounds("SELECT * FROM spans WHERE date >= current_date - 1").orElseThrow().fromNanos();
        assertThat(from).isIn(today.minusDays(1).toEpochDay() * DAY, today.toEpochDay() * DAY);
    }

    @Test
    void anEmptyIntersectionIsARangeThatReadsNothing() throws Exception {
        TimeRange range = exactRange("SELECT * FROM spans WHERE start_time >= '2026-12-08' AND start_time < '2026-12-07'");
        assertThat(range).isEqualTo(new TimeRange(DEC_7 + DAY, DEC_7));
    }

    @Test
    void eachCountedTermIsEvaluatedOnce() throws Exception {
        long before = SpanTimeBounds.evaluations();
        bounds("SELECT * FROM spans WHERE start_time BETWEEN '2026-12-07' AND '2026-12-08' AND date = DATE '2026-12-07' "
                + "AND \"hour\" = 7 AND name = 'GET /' AND start_time > TIMESTAMP '2026-12-07 10:00'");
        assertThat(SpanTimeBounds.evaluations() - before).isEqualTo(3);

        before = SpanTimeBounds.evaluations();
        bounds("SELECT * FROM spans WHERE start_time > '2026-12-07' OR start_time < '2026-12-06'");
        bounds("SELECT * FROM spans WHERE start_time > random()::TIMESTAMP AND start_time > make_timestamp_ns(\"hour\")");
        assertThat(SpanTimeBounds.evaluations() - before).as("no term to evaluate").isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT * FROM spans",
            "SELECT * FROM spans WHERE name = 'GET /'",
            "SELECT * FROM spans WHERE \"hour\" = 7",
            "SELECT * FROM span_events WHERE \"time\" >= TIMESTAMP '2026-12-07 10:00'",
            "SELECT * FROM span_events WHERE start_time >= TIMESTAMP '2026-12-07 10:00'",
            // not top-level AND terms
            "SELECT * FROM spans WHERE start_time < '2026-12-07' OR start_time >= '2026-12-08'",
            "SELECT * FROM spans WHERE NOT (start_time < '2026-12-07')",
            "SELECT * FROM spans WHERE start_time <> '2026-12-07'",
            // other reads of spans, directly or through views, or of tables and functions
            "SELECT * FROM spans c JOIN spans p ON c.start_time = p.start_time WHERE c.start_time >= '2026-12-07'",
            "SELECT * FROM spans WHERE start_time >= '2026-12-07' UNION ALL SELECT * FROM spans",
            "SELECT * FROM spans WHERE start_time >= '2026-12-07' AND trace_id IN (SELECT trace_id FROM traces)",
            "SELECT * FROM spans WHERE start_time >= '2026-12-07' AND span_id IN (SELECT span_id FROM span_timing)",
            "SELECT * FROM spans WHERE start_time >= '2026-12-07' AND trace_id IN (SELECT trace_id FROM span_events)",
            "SELECT * FROM spans, range(3) WHERE start_time >= '2026-12-07'",
            "SELECT * FROM spans JOIN traces USING (trace_id) WHERE spans.start_time >= '2026-12-07'",
            "SELECT * FROM other.spans WHERE start_time >= '2026-12-07'",
            "WITH spans AS (SELECT * FROM traces) SELECT * FROM spans WHERE start_time >= '2026-12-07'",
            "SELECT * FROM spans TABLESAMPLE 10% WHERE start_time >= '2026-12-07'",
            "SELECT * FROM spans AS s(start_time) WHERE start_time >= '2026-12-07'",
            // not a constant, or not one DuckDB compares exactly
            "WITH c AS (SELECT TIMESTAMP '2026-12-07' AS t) SELECT * FROM spans WHERE start_time > (SELECT t FROM c)",
            "SELECT * FROM spans WHERE start_time > (SELECT max(start_time) FROM spans)",
            "SELECT * FROM spans WHERE start_time > TIMESTAMP '2026-12-07' + to_seconds(CAST(random() * 10 AS BIGINT))",
            "SELECT * FROM spans WHERE start_time > make_timestamp_ns(CAST(\"hour\" AS BIGINT))",
            "SELECT * FROM spans WHERE start_time > now() - INTERVAL 1 HOUR",
            "SELECT * FROM spans WHERE start_time > 5",
            "SELECT * FROM spans WHERE start_time > NULL",
            "SELECT * FROM spans WHERE start_time > 'not a time'",
            "SELECT * FROM spans s WHERE spans.start_time > '2026-12-07'",
            "WITH x AS (SELECT TIMESTAMP '2026-12-07' AS start_time) SELECT (SELECT count(*) FROM spans s "
                    + "WHERE x.start_time >= TIMESTAMP '2026-12-07') FROM x",
            // the clock: read when the statement runs, later
            "SELECT * FROM spans WHERE start_time < CAST(now() AS TIMESTAMP)",
            "SELECT * FROM spans WHERE start_time > TIMESTAMP '2030-01-01' - (CAST(now() AS TIMESTAMP) - TIMESTAMP '2026-01-01')",
            "WITH x AS (SELECT DATE '2000-01-01' AS current_date) SELECT (SELECT count(*) FROM spans WHERE date >= current_date) FROM x",
    })
    void statementsWhoseReadsAreNotBoundedGetNoRange(String sql) throws Exception {
        assertThat(bounds(sql)).isEmpty();
    }

    @Test
    void aPlaceholderWithoutAValueDoesNotCount() throws Exception {
        assertThat(bounds("SELECT * FROM spans WHERE start_time > ?")).isEmpty();
        assertThat(bounds("SELECT * FROM spans WHERE start_time > $2", "2026-12-07")).isEmpty();
        assertThat(bounds("SELECT * FROM spans WHERE start_time > ?", 5L)).as("not a time").isEmpty();
    }

    @Test
    void duckDbRefusesToCompareStartTimeWithATimeWithAZoneSoSuchATermNeedNotCount() {
        assertThatThrownBy(() -> returnedStarts("SELECT * FROM spans WHERE start_time > now() - INTERVAL 1 HOUR",
                List.of(), new TreeSet<>())).isInstanceOf(SQLException.class).hasMessageContaining("Cannot compare");
    }
}
