package io.contrail.query;

import io.contrail.columnar.DataLayout;
import io.contrail.columnar.SpanSchema;

import java.io.IOException;
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
 * Before the first file exists, {@code spans} is an empty table of the fixed columns.
 */
final class SpanViews {

    static final String EMPTY_TABLE = "contrail_empty_spans";

    private SpanViews() {
    }

    /** (Re)creates every view to match the files on disk now. */
    static void create(Connection connection, DataLayout layout) throws SQLException, IOException {
        boolean hasFiles = !layout.spanFiles().isEmpty();
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS " + EMPTY_TABLE + " (" + fixedColumnsDdl()
                    + ", \"date\" DATE, \"hour\" INTEGER)");
            String source = hasFiles
                    ? "read_parquet('" + layout.spansGlob().replace("'", "''")
                    + "', hive_partitioning = true, union_by_name = true, hive_types = {'date': DATE, 'hour': INTEGER})"
                    : EMPTY_TABLE;
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
