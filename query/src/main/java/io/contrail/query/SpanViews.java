package io.contrail.query;

import io.contrail.columnar.DataLayout;
import io.contrail.columnar.SamplingStatsLayout;
import io.contrail.columnar.SpanFiles;
import io.contrail.columnar.SpanSchema;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The SQL surface an analyst sees, all derived from {@link SpanSchema}:
 * <ul>
 *   <li>{@code spans} — one row per span over every Parquet file (Hive columns {@code date},
 *       {@code hour} prune folders); attribute columns {@code "attr.<key>"} and
 *       {@code "resource.<key>"} appear as soon as any file has them.</li>
 *   <li>{@code span_attributes} — the same attributes in long form (scope, key, value as text),
 *       for questions across keys nobody named; with the keys past the bound on attribute columns, which
 *       {@code spans} holds in {@code attr_overflow} and {@code resource_overflow} maps.</li>
 *   <li>{@code span_events} — one row per span event.</li>
 *   <li>{@code span_events} and {@code span_attributes} carry {@code date} and {@code hour} too, for pruning.</li>
 *   <li>{@code attribute_keys} — every attribute key with its column and type.</li>
 * </ul>
 * {@code traces} — one row per trace ({@link TraceSummaries}).
 * {@code span_timing} (and the table macro {@code span_timing_between(from, to)}) — each span's
 * self time and share of its trace's critical path ({@link #spanTimingSql}).
 * {@code sampling_stats} — what tail sampling kept and dropped, per hour, service and policy.
 * And the propagation-health views ({@link #PROPAGATION_VIEWS}): {@code propagation_hops},
 * {@code propagation_edges}, {@code orphan_spans}, {@code multi_root_traces}.
 * Before the first file exists, {@code spans} is an empty table of the fixed columns.
 * The views read an explicit list of files, fixed when they are created; {@link QueryEngine}
 * re-creates them when files change.
 */
final class SpanViews {

    static final String EMPTY_TABLE = "contrail_empty_spans";
    /** An empty table with exactly the columns of {@code spans} as last created. */
    static final String COLUMNS_TABLE = "contrail_spans_columns";

    private SpanViews() {
    }

    /**
     * What the views were last created over: the columns of {@code spans} (names and types), those of them
     * that are not attribute columns, and the sources of {@code span_attributes}.
     */
    record Created(String columns, String fixedColumns, List<String> attributeSources) {
    }

    /**
     * (Re)creates every view over exactly {@code files} (the live span files, {@link SpanFiles}):
     * an explicit list rather than a glob, so that a compaction's output and its inputs, briefly
     * both on disk, are never read together; {@code derivedStored} when one of them stores a derived
     * column (schema v1). Returns what it created them over.
     *
     * <p>The views that read {@code spans} ({@code span_events}, {@code span_attributes}, the
     * propagation views, {@code span_timing}) keep its name, not its files: DuckDB binds them again
     * at each query. Each creation binds {@code spans} over every file's schema again — over 400 files,
     * re-creating them all took 480 ms against 27 ms for {@code spans} alone (bench/results/suite-findings.md);
     * with 1,000 attribute columns, ~100 ms each — and it is on the path from a flush to the spans being
     * visible. So they are re-created only when what they show changes: the views of fixed columns when
     * the columns of {@code spans} other than attributes differ from {@code before} (a type widened by a file
     * from elsewhere), {@code span_attributes} when its sources do (the first attribute column, the first
     * overflow map), never for a new attribute key.
     */
    static Created create(Connection connection, DataLayout layout, List<Path> files, boolean derivedStored,
                          Created before) throws SQLException, IOException {
        boolean hasFiles = !files.isEmpty();
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS " + EMPTY_TABLE + " (" + fixedColumnsDdl()
                    + ", \"date\" DATE, \"hour\" INTEGER)");
            String source = hasFiles ? source(files, derivedStored) : "(" + SpanSchema.readerQuery(EMPTY_TABLE, true) + ")";
            statement.execute("CREATE OR REPLACE VIEW spans AS SELECT * FROM " + source);
            statement.execute("CREATE OR REPLACE TABLE " + COLUMNS_TABLE + " AS SELECT * FROM spans LIMIT 0");
            String columns = columnsOf(statement, "true");
            String fixedColumns = columnsOf(statement, "NOT (" + ATTRIBUTE_COLUMN + ")");
            statement.execute("CREATE OR REPLACE VIEW sampling_stats AS "
                    + SamplingStatsLayout.readerQuery(SamplingStatsLayout.folderUnder(layout.root())));
            TraceSummaries.createTable(statement);
            if (before == null || !fixedColumns.equals(before.fixedColumns())) {
                createFixedColumnViews(statement);
            }
            List<String> attributeSources = attributeSources(statement, hasFiles);
            if (before == null || !attributeSources.equals(before.attributeSources())) {
                statement.execute("CREATE OR REPLACE VIEW span_attributes AS " + (!attributeSources.isEmpty()
                        ? String.join(" UNION ALL ", attributeSources)
                        : "SELECT NULL::VARCHAR AS trace_id, NULL::VARCHAR AS span_id, NULL::VARCHAR AS service_name, "
                        + "NULL::VARCHAR AS name, NULL::TIMESTAMP_NS AS start_time, NULL::DATE AS \"date\", "
                        + "NULL::INTEGER AS \"hour\", NULL::VARCHAR AS scope, "
                        + "NULL::VARCHAR AS \"key\", NULL::VARCHAR AS \"value\" WHERE false"));
            }
            return new Created(columns, fixedColumns, attributeSources);
        }
    }

    /** A condition on {@code column_name} of {@code duckdb_columns()}: an attribute column or an overflow map. */
    private static final String ATTRIBUTE_COLUMN = "starts_with(column_name, 'attr.') OR starts_with(column_name, "
            + "'resource.') OR column_name IN ('" + SpanSchema.SPAN_ATTRIBUTE_OVERFLOW + "', '"
            + SpanSchema.RESOURCE_ATTRIBUTE_OVERFLOW + "')";

    /** The views over {@code spans} that read only its fixed columns. */
    private static void createFixedColumnViews(Statement statement) throws SQLException {
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
        statement.execute("CREATE OR REPLACE VIEW span_timing AS " + spanTimingSql("true"));
        statement.execute("CREATE OR REPLACE MACRO span_timing_between(from_time, to_time) AS TABLE "
                + spanTimingSql("start_time >= from_time AND start_time < to_time"));
    }

    /**
     * The queries {@code span_attributes} is the union of: one over the attribute columns when {@code spans} has
     * any, one per overflow map it has.
     */
    private static List<String> attributeSources(Statement statement, boolean hasFiles) throws SQLException {
        List<String> sources = new ArrayList<>();
        if (hasFiles && hasAttributeColumns(statement)) {
            sources.add("SELECT trace_id, span_id, service_name, name, start_time, \"date\", \"hour\", "
                    + "CASE WHEN starts_with(column_key, 'attr.') THEN 'span' ELSE 'resource' END AS scope, "
                    + "regexp_replace(column_key, '^(attr|resource)\\.', '') AS \"key\", \"value\" FROM ("
                    + "UNPIVOT (SELECT trace_id, span_id, service_name, name, start_time, \"date\", \"hour\", "
                    + "COLUMNS('^(attr|resource)\\.')::VARCHAR FROM spans) "
                    + "ON COLUMNS('^(attr|resource)\\.') INTO NAME column_key VALUE \"value\")");
        }
        for (String overflow : List.of(SpanSchema.SPAN_ATTRIBUTE_OVERFLOW, SpanSchema.RESOURCE_ATTRIBUTE_OVERFLOW)) {
            if (hasFiles && hasColumn(statement, overflow)) {
                // Keys past the bound on attribute columns: one row per entry of the family's map.
                sources.add("SELECT trace_id, span_id, service_name, name, start_time, \"date\", \"hour\", '"
                        + (overflow.equals(SpanSchema.SPAN_ATTRIBUTE_OVERFLOW) ? "span" : "resource")
                        + "' AS scope, e.key AS \"key\", e.value AS \"value\" FROM (SELECT trace_id, span_id, "
                        + "service_name, name, start_time, \"date\", \"hour\", unnest(map_entries(" + SpanSchema.quote(overflow)
                        + ")) AS e FROM spans)");
            }
        }
        return sources;
    }

    /** The columns of {@code spans} as last created that meet {@code condition}, names and types in order. */
    private static String columnsOf(Statement statement, String condition) throws SQLException {
        try (java.sql.ResultSet rs = statement.executeQuery("SELECT string_agg(column_name || ' ' || data_type, ', ' "
                + "ORDER BY column_index) FROM duckdb_columns() WHERE table_name = '" + COLUMNS_TABLE + "' AND ("
                + condition + ")")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * Where each span's time went, for the spans matching {@code spanFilter} (SQL over {@code spans};
     * a trace must match whole for its numbers to be right):
     * <ul>
     *   <li>{@code self_nanos} — its duration not covered by any child (children clipped to it);</li>
     *   <li>{@code critical_path_nanos} — how much of its trace's end-to-end latency it accounts for
     *       on the critical path, computed as Jaeger does: from a root's end, walk back through the
     *       last-finishing child that ended before the current point, recursively; a child running in
     *       parallel with a later-finishing sibling is off the path. Per trace (single root) these
     *       sum exactly to the root's duration. 0 for spans off the path or outside any root's tree.</li>
     * </ul>
     * Spans are matched to parents by span ID within the trace (Zipkin's shared client/server IDs
     * are not told apart here).
     */
    static String spanTimingSql(String spanFilter) {
        return "WITH RECURSIVE s AS ("
                + "SELECT trace_id, span_id, parent_span_id, epoch_ns(start_time) AS st, "
                + "epoch_ns(start_time) + duration_nanos AS en FROM spans WHERE " + spanFilter + "), "
                // children, clipped to their parent's interval
                + "c AS (SELECT ch.trace_id, ch.span_id, ch.parent_span_id, greatest(ch.st, p.st) AS st, "
                + "least(ch.en, p.en) AS en FROM s AS ch JOIN s AS p "
                + "ON ch.trace_id = p.trace_id AND ch.parent_span_id = p.span_id AND ch.span_id <> p.span_id "
                + "WHERE ch.st < p.en AND ch.en > p.st), "
                // a frame: (span, point in time to walk back from); each finds its last-finishing child
                // before that point, hands the child its own frame and continues from the child's start
                + "frames(trace_id, span_id, bound) AS ("
                + "SELECT trace_id, span_id, en FROM s WHERE parent_span_id IS NULL "
                + "UNION ALL "
                + "SELECT trace_id, unnest(next).span_id, unnest(next).bound FROM ("
                + "SELECT f.trace_id, [{'span_id': c.span_id, 'bound': c.en}, {'span_id': f.span_id, 'bound': c.st}] AS next "
                + "FROM frames AS f JOIN c ON c.trace_id = f.trace_id AND c.parent_span_id = f.span_id "
                + "AND c.en <= f.bound AND c.st < f.bound "
                + "QUALIFY row_number() OVER (PARTITION BY f.trace_id, f.span_id, f.bound ORDER BY c.en DESC, c.span_id) = 1)), "
                // each frame owns the time from its last child's end (or its own start) up to its point
                + "critical AS (SELECT trace_id, span_id, sum(nanos) AS critical_path_nanos FROM ("
                + "SELECT f.trace_id, f.span_id, f.bound - coalesce(max(c.en), any_value(s.st)) AS nanos "
                + "FROM frames AS f JOIN s ON s.trace_id = f.trace_id AND s.span_id = f.span_id "
                + "LEFT JOIN c ON c.trace_id = f.trace_id AND c.parent_span_id = f.span_id "
                + "AND c.en <= f.bound AND c.st < f.bound GROUP BY f.trace_id, f.span_id, f.bound) GROUP BY ALL), "
                // the union of the children's intervals, from children sorted by start
                + "covered AS (SELECT trace_id, parent_span_id AS span_id, "
                + "sum(greatest(0, en - greatest(st, coalesce(prev_end, st)))) AS covered_nanos FROM ("
                + "SELECT *, max(en) OVER (PARTITION BY trace_id, parent_span_id ORDER BY st, span_id "
                + "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end FROM c) GROUP BY ALL) "
                + "SELECT sp.trace_id, sp.span_id, sp.parent_span_id, sp.service_name, sp.name, sp.kind, sp.start_time, "
                + "sp.duration_nanos, sp.status_code, "
                + "sp.duration_nanos - coalesce(cv.covered_nanos, 0) AS self_nanos, "
                + "coalesce(cr.critical_path_nanos, 0) AS critical_path_nanos, sp.\"date\", sp.\"hour\" "
                + "FROM (SELECT * FROM spans WHERE " + spanFilter + ") AS sp "
                + "LEFT JOIN covered AS cv ON cv.trace_id = sp.trace_id AND cv.span_id = sp.span_id "
                + "LEFT JOIN critical AS cr ON cr.trace_id = sp.trace_id AND cr.span_id = sp.span_id";
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
                    + "c.start_time, c.duration_nanos, c.status_code, c.sample_weight, c.\"date\", c.\"hour\" "
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

    /**
     * A subquery over {@code files} (not empty) with the columns of the {@code spans} view: a {@code read_parquet}
     * of them as {@link SpanSchema#readerQuery} reads files of any schema version; {@code derivedStored} when one
     * of them stores a derived column.
     */
    static String source(List<Path> files, boolean derivedStored) {
        return "(" + SpanSchema.readerQuery(readParquet(files), derivedStored) + ")";
    }

    /**
     * A {@code read_parquet} over {@code files} (not empty): the columns of {@code spans} but those computed from
     * others ({@link SpanSchema.Column#derivation}), which only version 1 files among them have.
     */
    static String readParquet(List<Path> files) {
        StringBuilder list = new StringBuilder("read_parquet([");
        for (int i = 0; i < files.size(); i++) {
            list.append(i == 0 ? "'" : ", '").append(files.get(i).toString().replace("'", "''")).append('\'');
        }
        return list.append("], hive_partitioning = true, union_by_name = true, "
                + "hive_types = {'date': 'DATE', 'hour': 'INTEGER'})").toString();
    }

    private static boolean hasColumn(Statement statement, String column) throws SQLException {
        try (var rs = statement.executeQuery("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'spans' "
                + "AND column_name = '" + column + "'")) {
            rs.next();
            return rs.getLong(1) > 0;
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
