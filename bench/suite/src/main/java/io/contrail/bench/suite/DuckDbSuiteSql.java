package io.contrail.bench.suite;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The query suite in DuckDB SQL over a view {@code spans} with Contrail's schema (docs/schema.md):
 * fixed columns plus one typed column per attribute ({@code "attr.user.id"},
 * {@code "resource.k8s.pod.name"}), events as a list of structs whose attributes are JSON.
 *
 * <p>Contrail (through {@code POST /api/sql}) and the DuckDB limit run the very same text, so their
 * times differ only by what Contrail adds: many files, Hive folders, {@code union_by_name}, HTTP and
 * JSON. The text is what an analyst would write from the README — time windows on
 * {@code start_time}, no Contrail-specific hints — and every answer stays under Contrail's
 * 10,000-row cap so that row counts can be compared.
 */
public final class DuckDbSuiteSql {

    /**
     * A query outside the 12 questions, run on the DuckDB-dialect peers only: the pairs that measure
     * an attribute column against the same question on a built-in (promoted) column.
     */
    public record ExtraQuery(String name, String question, String sql) {
    }

    /** Pairs of extra queries: {@code attribute} and {@code builtIn} ask the same question. */
    public record AttributeVersusBuiltIn(String name, ExtraQuery attribute, ExtraQuery builtIn) {
    }

    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSSSS")
            .withZone(ZoneOffset.UTC);

    private DuckDbSuiteSql() {
    }

    /** The SQL for {@code query}, parameterized by the corpus' probes. */
    public static String sql(BenchQuery query, SpanCorpus.Probes probes) {
        String window = "start_time >= " + timestamp(probes.windowStartUnixNano())
                + " AND start_time < " + timestamp(probes.windowEndUnixNano());
        return switch (query) {
            case TRACE_BY_ID -> "SELECT * FROM spans WHERE trace_id = " + literal(probes.traceId())
                    + " ORDER BY start_time, span_id";
            case SEARCH_SERVICE_OPERATION_WINDOW -> "SELECT trace_id, start_time, duration_nanos, status_code FROM spans"
                    + " WHERE service_name = " + literal(probes.service()) + " AND name = " + literal(probes.operation())
                    + " AND " + window + " ORDER BY start_time DESC, trace_id LIMIT 20";
            case HIGH_CARDINALITY_EQUALITY -> "SELECT trace_id, span_id, service_name, name, start_time, duration_nanos"
                    + " FROM spans WHERE \"attr.user.id\" = " + literal(probes.userId())
                    + " ORDER BY start_time, span_id";
            case FILTER_ONE_GROUP_BY_ANOTHER -> "SELECT \"attr.http.route\" AS route, count(*) AS spans FROM spans"
                    + " WHERE \"attr.http.request.method\" = 'POST' GROUP BY 1 ORDER BY 2 DESC, 1";
            case PERCENTILES_PER_OPERATION_PER_MINUTE -> "SELECT service_name, name, date_trunc('minute', start_time) AS minute,"
                    + " quantile_cont(duration_nanos, 0.5) AS p50_nanos, quantile_cont(duration_nanos, 0.95) AS p95_nanos,"
                    + " quantile_cont(duration_nanos, 0.99) AS p99_nanos, count(*) AS spans FROM spans"
                    + " WHERE " + window + " AND kind = 'SERVER' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";
            case ERROR_RATE_PER_SERVICE -> "SELECT service_name, count(*) AS spans,"
                    + " count(*) FILTER (WHERE status_code = 'ERROR') AS errors,"
                    + " avg(CASE WHEN status_code = 'ERROR' THEN 1.0 ELSE 0.0 END) AS error_rate"
                    + " FROM spans GROUP BY 1 ORDER BY 1";
            case SLOWEST_TRACES_IN_HOUR -> "SELECT trace_id, service_name, name, duration_nanos FROM spans"
                    + " WHERE parent_span_id IS NULL AND " + window + " ORDER BY duration_nanos DESC, trace_id LIMIT 10";
            case DISTINCT_TRACES_PER_ROUTE -> "SELECT \"attr.http.route\" AS route, count(DISTINCT trace_id) AS traces"
                    + " FROM spans WHERE \"attr.http.route\" IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1";
            case CROSS_SERVICE_EDGES -> "SELECT parent.service_name AS caller, child.service_name AS callee, count(*) AS calls"
                    + " FROM spans child JOIN spans parent"
                    + " ON child.trace_id = parent.trace_id AND child.parent_span_id = parent.span_id"
                    + " WHERE child.service_name <> parent.service_name GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2";
            case EVENT_FIELD_SEARCH -> "SELECT trace_id, span_id, service_name, span_name FROM ("
                    + "SELECT trace_id, span_id, service_name, name AS span_name, UNNEST(events) AS event FROM spans)"
                    + " WHERE event.name = 'exception' AND event.attributes->>'exception.type' = "
                    + literal(probes.exceptionType()) + " ORDER BY trace_id, span_id LIMIT " + BenchQuery.EVENT_SEARCH_LIMIT;
            case FULL_COUNT -> "SELECT count(*) AS spans FROM spans";
            case RESOURCE_ATTRIBUTE -> "SELECT \"resource.k8s.pod.name\" AS pod, count(*) AS spans FROM spans"
                    + " GROUP BY 1 ORDER BY 2 DESC, 1";
        };
    }

    /**
     * Issue 4's "arbitrary-attribute filter / group-by vs the same on a built-in column": each pair
     * asks one question twice, once through {@code "attr.*"} columns nobody promoted and once through
     * the promoted built-in columns that hold copies of the same values.
     */
    public static List<AttributeVersusBuiltIn> attributeVersusBuiltIn(SpanCorpus.Probes probes) {
        return List.of(
                new AttributeVersusBuiltIn("filter + group-by",
                        new ExtraQuery("attr: filter + group-by", "http.request.method = 'POST', count by http.route",
                                "SELECT \"attr.http.route\" AS route, count(*) AS spans FROM spans"
                                        + " WHERE \"attr.http.request.method\" = 'POST' GROUP BY 1 ORDER BY 2 DESC, 1"),
                        new ExtraQuery("built-in: filter + group-by", "http_method = 'POST', count by http_route",
                                "SELECT http_route AS route, count(*) AS spans FROM spans"
                                        + " WHERE http_method = 'POST' GROUP BY 1 ORDER BY 2 DESC, 1")),
                new AttributeVersusBuiltIn("point filter",
                        new ExtraQuery("attr: point filter", "count of spans with http.route = <a route>",
                                "SELECT count(*) AS spans FROM spans WHERE \"attr.http.route\" = " + literal(probes.route())),
                        new ExtraQuery("built-in: point filter", "count of spans with http_route = <a route>",
                                "SELECT count(*) AS spans FROM spans WHERE http_route = " + literal(probes.route()))));
    }

    /** A TIMESTAMP_NS literal for a Unix-nanosecond instant (UTC). */
    static String timestamp(long unixNano) {
        Instant instant = Instant.ofEpochSecond(Math.floorDiv(unixNano, 1_000_000_000L),
                Math.floorMod(unixNano, 1_000_000_000L));
        return "TIMESTAMP_NS '" + TIMESTAMP.format(instant) + "'";
    }

    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
