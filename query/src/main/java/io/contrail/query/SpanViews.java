package io.contrail.query;

import io.contrail.columnar.SpanFiles;
import io.contrail.columnar.SpanSchema;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The SQL surface an analyst sees, all derived from {@link SpanSchema}:
 * <ul>
 *   <li>{@code spans} — one row per span over every Parquet file (Hive columns {@code date},
 *       {@code hour} prune folders); attribute columns {@code "attr.<key>"} and
 *       {@code "resource.<key>"} appear as soon as any file has them.</li>
 *   <li>{@code span_attributes} — the same attributes in long form (scope, key, value as text),
 *       for questions across keys nobody named.</li>
 *   <li>{@code span_events} — one row per span event.</li>
 *   <li>{@code span_events} and {@code span_attributes} carry {@code date} and {@code hour} too, for pruning.</li>
 *   <li>{@code attribute_keys} — every attribute key with its column and type.</li>
 * </ul>
 * And the propagation-health views ({@link #PROPAGATION_VIEWS}): {@code propagation_hops},
 * {@code propagation_edges}, {@code orphan_spans}, {@code multi_root_traces}.
 * Before the first file exists, {@code spans} is an empty table of the fixed columns.
 * The views read an explicit list of files, fixed when they are created; {@link QueryEngine}
 * re-creates them when files change.
 */
final class SpanViews {

    static final String EMPTY_TABLE = "contrail_empty_spans";

    private SpanViews() {
    }

    /**
     * (Re)creates every view over exactly {@code files} (the live span files, {@link SpanFiles}):
     * an explicit list rather than a glob, so that a compaction's output and its inputs, briefly
     * both on disk, are never read together.
     */
    static void create(Connection connection, List<Path> files) throws SQLException {
        boolean hasFiles = !files.isEmpty();
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS " + EMPTY_TABLE + " (" + fixedColumnsDdl()
                    + ", \"date\" DATE, \"hour\" INTEGER)");
            String source = hasFiles ? source(files) : EMPTY_TABLE;
            statement.execute("CREATE OR REPLACE VIEW spans AS SELECT * FROM " + source);
            statement.execute("CREATE OR REPLACE VIEW span_events AS SELECT trace_id, span_id, service_name, "
                    + "span_name, e.\"time\" AS \"time\", e.name AS name, e.attributes AS attributes, \"date\", \"hour\" "
                    + "FROM (SELECT trace_id, span_id, service_name, name AS span_name, \"date\", \"hour\", "
                    + "UNNEST(events) AS e FROM spans)");
            statement.execute("CREATE OR REPLACE VIEW attribute_keys AS SELECT "
                    + "CASE WHEN starts_with(column_name, 'attr.') THEN 'span' ELSE 'resource' END AS scope, "
                    + "regexp_replace(column_name, '^(attr|resource)\\.', '') AS \"key\", "
                    + "column_name, data_type FROM duckdb_columns() "
                    + "WHERE table_name = 'spans' AND (starts_with(column_name, 'attr.') OR starts_with(column_name, 'resource.')) "
                    + "ORDER BY scope DESC, \"key\"");
            for (String view : PROPAGATION_VIEWS) {
                statement.execute(view);
            }
            boolean hasAttributes = hasFiles && hasAttributeColumns(statement);
            statement.execute("CREATE OR REPLACE VIEW span_attributes AS " + (hasAttributes
                    ? "SELECT trace_id, span_id, service_name, name, start_time, \"date\", \"hour\", "
                    + "CASE WHEN starts_with(column_key, 'attr.') THEN 'span' ELSE 'resource' END AS scope, "
                    + "regexp_replace(column_key, '^(attr|resource)\\.', '') AS \"key\", \"value\" FROM ("
                    + "UNPIVOT (SELECT trace_id, span_id, service_name, name, start_time, \"date\", \"hour\", "
                    + "COLUMNS('^(attr|resource)\\.')::VARCHAR FROM spans) "
                    + "ON COLUMNS('^(attr|resource)\\.') INTO NAME column_key VALUE \"value\")"
                    : "SELECT NULL::VARCHAR AS trace_id, NULL::VARCHAR AS span_id, NULL::VARCHAR AS service_name, "
                    + "NULL::VARCHAR AS name, NULL::TIMESTAMP_NS AS start_time, NULL::DATE AS \"date\", "
                    + "NULL::INTEGER AS \"hour\", NULL::VARCHAR AS scope, "
                    + "NULL::VARCHAR AS \"key\", NULL::VARCHAR AS \"value\" WHERE false"));
        }
    }

    /**
     * Where context propagation breaks. A hop is a CLIENT span; its server side is the span whose
     * parent it is (any child in the same trace), else the peer it names ({@code peer_service},
     * then {@code server_address}). A hop is broken when it has no child although its peer is an
     * instrumented service (one that reports spans itself) — calls to databases and caches have
     * no server span and are not broken. Spans still arriving make a trace look broken until it
     * is complete.
     */
    static final List<String> PROPAGATION_VIEWS = List.of(
            "CREATE OR REPLACE VIEW propagation_hops AS "
                    + "SELECT c.trace_id, c.span_id, c.service_name AS client_service, "
                    + "coalesce(ch.child_service, c.peer_service, c.server_address) AS server_service, "
                    + "ch.child_service IS NOT NULL AS propagated, "
                    + "(ch.child_service IS NOT NULL OR coalesce(c.peer_service, c.server_address) IN "
                    + "(SELECT DISTINCT service_name FROM spans)) AS server_instrumented, "
                    + "c.start_time, c.\"date\", c.\"hour\" "
                    + "FROM spans c LEFT JOIN (SELECT trace_id, parent_span_id, min(service_name) AS child_service "
                    + "FROM spans WHERE parent_span_id IS NOT NULL GROUP BY ALL) ch "
                    + "ON ch.trace_id = c.trace_id AND ch.parent_span_id = c.span_id WHERE c.kind = 'CLIENT'",
            "CREATE OR REPLACE VIEW propagation_edges AS "
                    + "SELECT client_service, server_service, server_instrumented, count(*) AS calls, "
                    + "count(*) FILTER (WHERE server_instrumented AND NOT propagated) AS broken_hops, "
                    + "round(100.0 * count(*) FILTER (WHERE server_instrumented AND NOT propagated) / count(*), 2) AS broken_pct, "
                    + "(list(trace_id ORDER BY trace_id) FILTER (WHERE server_instrumented AND NOT propagated))[1:5] "
                    + "AS example_trace_ids FROM propagation_hops GROUP BY ALL",
            "CREATE OR REPLACE VIEW orphan_spans AS "
                    + "SELECT s.trace_id, s.span_id, s.parent_span_id, s.service_name, s.name, s.kind, s.start_time, "
                    + "s.\"date\", s.\"hour\", s.trace_id NOT IN (SELECT trace_id FROM spans WHERE parent_span_id IS NULL) "
                    + "AS lost_upstream FROM spans s ANTI JOIN spans p ON p.trace_id = s.trace_id "
                    + "AND p.span_id = s.parent_span_id WHERE s.parent_span_id IS NOT NULL",
            "CREATE OR REPLACE VIEW multi_root_traces AS "
                    + "SELECT trace_id, count(*) AS roots, list(service_name || ': ' || name ORDER BY start_time) AS root_spans, "
                    + "min(start_time) AS start_time FROM spans WHERE parent_span_id IS NULL GROUP BY trace_id HAVING count(*) > 1");

    /** A {@code read_parquet} over {@code files} (not empty) with the columns of the {@code spans} view. */
    static String source(List<Path> files) {
        StringBuilder list = new StringBuilder("read_parquet([");
        for (int i = 0; i < files.size(); i++) {
            list.append(i == 0 ? "'" : ", '").append(files.get(i).toString().replace("'", "''")).append('\'');
        }
        return list.append("], hive_partitioning = true, union_by_name = true, "
                + "hive_types = {'date': DATE, 'hour': INTEGER})").toString();
    }

    private static boolean hasAttributeColumns(Statement statement) throws SQLException {
        try (var rs = statement.executeQuery("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'spans' "
                + "AND (starts_with(column_name, 'attr.') OR starts_with(column_name, 'resource.'))")) {
            rs.next();
            return rs.getLong(1) > 0;
        }
    }

    static String fixedColumnsDdl() {
        List<String> columns = SpanSchema.COLUMNS.stream()
                .map(c -> SpanSchema.quote(c.name()) + " " + c.sqlType())
                .collect(Collectors.toList());
        return String.join(", ", columns);
    }
}
