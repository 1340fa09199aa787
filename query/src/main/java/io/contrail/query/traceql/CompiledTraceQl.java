package io.contrail.query.traceql;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A TraceQL query compiled to SQL pieces: each spanset stage a common table expression over the spans of the searched
 * window (a query of one filter over every span may be read straight from the spans instead). {@link #search} puts
 * them into one statement that finds the newest matching traces and their spansets; {@link #readTraces} reads its rows.
 *
 * <p>Every stage has the columns of the {@code spans} view it reads, {@code traceql_group} (the {@code by()} values
 * that split a trace's spans into spansets) and, when the query reads them, the trace's root, start and duration
 * (computed over the window's spans of every trace, before the first stage). A query that does not read them has
 * them computed after the last stage, for the traces it matched only: a search for a rare attribute value then
 * aggregates a few traces, not the window.
 */
public final class CompiledTraceQl {

    /** A statement and the values of its placeholders, in order. */
    public record Statement(String sql, List<Object> parameters) {

        public Statement {
            parameters = List.copyOf(parameters);
        }
    }

    private final List<Sql> stages;
    private final boolean needsAncestors;
    private final boolean needsChildCount;
    private final Map<String, Sql> outputs;
    private final List<String> groupLabels;
    private final List<String> attributeColumns;

    /** The metrics stage of a metrics query; null for a search. */
    private final TraceQlMetrics metrics;
    /**
     * Whether a stage reads what is known of a span's trace (its start, duration, root): then it is computed for every
     * trace of the window before the first stage; else only for the traces a search found.
     */
    private final boolean needsTraceColumns;

    /**
     * The condition of the query's one stage when it is a spanset filter over every span ({@code { status = error }}),
     * reading the spans' own columns only; else null. A metrics query of one such filter aggregates the spans where it
     * holds, and {@link #traceIds} finds their traces, straight from the spans, no stage between.
     */
    private final Sql onlyFilter;

    CompiledTraceQl(List<Sql> stages, boolean needsAncestors, boolean needsChildCount, Map<String, Sql> outputs,
                    List<String> groupLabels, List<String> attributeColumns, TraceQlMetrics metrics, Sql onlyFilter) {
        this.metrics = metrics;
        this.needsChildCount = needsChildCount;
        this.attributeColumns = List.copyOf(attributeColumns);
        this.stages = List.copyOf(stages);
        this.needsAncestors = needsAncestors;
        this.outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
        this.groupLabels = List.copyOf(groupLabels);
        this.needsTraceColumns = stages.stream().anyMatch(CompiledTraceQl::readsTraceColumns)
                || outputs.values().stream().anyMatch(CompiledTraceQl::readsTraceColumns)
                || (metrics != null && metrics.reads(CompiledTraceQl::readsTraceColumns));
        this.onlyFilter = onlyFilter != null && stages.size() == 1 && !needsAncestors && !needsChildCount
                && !needsTraceColumns && !readsQueryColumns(onlyFilter)
                && (metrics == null || !metrics.reads(CompiledTraceQl::readsQueryColumns)) ? onlyFilter : null;
    }

    /** Whether a piece of SQL reads a column or expression the statement adds to the spans' ({@code traceql_…}). */
    private static boolean readsQueryColumns(Sql sql) {
        return sql.text().contains("traceql_");
    }

    /** Whether a piece of SQL reads a trace-level column of {@code traceql_spans} (trace:duration, rootName …). */
    private static boolean readsTraceColumns(Sql sql) {
        return sql.text().contains("traceql_trace_") || sql.text().contains("traceql_root_");
    }

    /** The name of stage {@code i}'s common table expression. */
    static String stageName(int i) {
        return "traceql_stage" + i;
    }

    /** Whether this is a metrics query ({@code ... | rate()}), answered by {@link #metrics}, not {@link #search}. */
    public boolean isMetrics() {
        return metrics != null;
    }

    /** The metrics function of a metrics query; null for a search. */
    public TraceQlMetrics.Function metricsFunction() {
        return metrics == null ? null : metrics.function();
    }

    /**
     * The statement that answers a metrics query over {@code intervals} intervals of {@code step} nanoseconds after
     * {@code start} (Unix nanoseconds; an instant query is one interval): per series and interval, the function's value,
     * for every series, at most {@code maxCells} cells (one more is read, to tell that there were more; at most
     * {@link TraceQlMetrics#MAX_CELLS} is what a request asks first), or, {@code maxCells} 0, the heaviest
     * {@code maxSeries} (one more is read, to tell that there were more). Quantiles are always the heaviest series'.
     * Its rows are read by {@link #readSeries}.
     *
     * @param condition which spans of {@code spanView} to read: a time window holding the intervals (trace-level
     *                  intrinsics such as {@code trace:duration} are computed over it, as in a search)
     */
    public Statement metrics(String spanView, String condition, List<Object> conditionParameters, long start, long step,
                             int intervals, int maxSeries, int maxCells) {
        if (metrics == null) {
            throw new IllegalStateException("a search is answered by search(), not metrics()");
        }
        if (step <= 0 || intervals <= 0 || maxSeries <= 0 || maxCells < 0) {
            throw new IllegalArgumentException("step, intervals and maxSeries must be positive, maxCells not negative: "
                    + step + ", " + intervals + ", " + maxSeries + ", " + maxCells);
        }
        Sql window = Sql.concat("(", new Sql(condition, conditionParameters), ")");
        List<Object> parameters = new ArrayList<>();
        if (onlyFilter != null) {
            // { filter } | rate(): the spans where the filter holds, aggregated as an analyst's GROUP BY would be.
            StringBuilder sql = new StringBuilder();
            metrics.appendAggregation(sql, parameters, spanView, Sql.concat(window, " AND ", onlyFilter), start, step,
                    intervals, maxSeries, maxCells);
            return new Statement(sql.toString(), parameters);
        }
        parameters.addAll(conditionParameters);
        StringBuilder sql = stages(spanView, condition, parameters, ", sample_weight");
        metrics.appendAggregation(sql, parameters, stageName(stages.size() - 1), Sql.TRUE, start, step, intervals,
                maxSeries, maxCells);
        return new Statement(sql.toString(), parameters);
    }

    /**
     * The series in the rows of {@link #metrics}'s statement, asked with the same step, intervals, maxSeries and
     * maxCells; null when every series was asked for and there were more cells than maxCells: then ask for the heaviest.
     */
    public TraceQlMetrics.SeriesSet readSeries(ResultSet rs, long step, int intervals, int maxSeries, int maxCells)
            throws SQLException {
        return metrics.readSeries(rs, step, intervals, maxSeries, maxCells);
    }

    /**
     * A statement whose rows are the {@code trace_id} and {@code span_id} of the spans the query matches among those
     * of {@code spanView} where {@code condition} holds (for a metrics query, the spans its pipeline feeds the metrics
     * function): what narrows a tag's values to those of matching spans.
     */
    public Statement matchingSpans(String spanView, String condition, List<Object> conditionParameters) {
        List<Object> parameters = new ArrayList<>(conditionParameters);
        StringBuilder sql = stages(spanView, condition, parameters, "");
        sql.setLength(sql.length() - 2);
        sql.append("\nSELECT trace_id, span_id FROM ").append(stageName(stages.size() - 1));
        return new Statement(sql.toString(), parameters);
    }

    /** What is known of each trace: its start, duration and root, over its spans in the window. */
    private static final String TRACES = "traceql_traces";
    private static final String TRACE_SUMMARY = "SELECT trace_id, min(start_time) AS traceql_trace_start, "
            + "epoch_ns(max(end_time)) - epoch_ns(min(start_time)) AS traceql_trace_duration, "
            + "arg_min(service_name, start_time) FILTER (WHERE parent_span_id IS NULL) AS traceql_root_service, "
            + "arg_min(name, start_time) FILTER (WHERE parent_span_id IS NULL) AS traceql_root_name "
            + "FROM traceql_window";

    /** The fixed columns of the {@code spans} view a search reads; it reads no others but the attributes it names. */
    private static final String FIXED_COLUMNS = "trace_id, span_id, parent_span_id, service_name, name, kind, "
            + "start_time, end_time, duration_nanos, status_code, status_message, scope_name, scope_version";

    /**
     * The statement that answers the search: the newest {@code limit} traces (by start, ties by trace ID) with a
     * spanset the query matches, and of each spanset its earliest {@code spss} spans and how many matched.
     *
     * @param spanView            the view or table of spans ({@code spans})
     * @param condition           which of its spans to search (a time window), SQL with placeholders
     * @param conditionParameters the values of its placeholders
     */
    public Statement search(String spanView, String condition, List<Object> conditionParameters, int limit, int spss) {
        if (limit <= 0 || spss <= 0) {
            throw new IllegalArgumentException("limit and spss must be positive: " + limit + ", " + spss);
        }
        if (metrics != null) {
            throw new IllegalStateException("a metrics query is answered by metrics(), not search()");
        }
        List<Object> parameters = new ArrayList<>(conditionParameters);
        StringBuilder sql = stages(spanView, condition, parameters, "");
        String last = stageName(stages.size() - 1);
        found(sql, parameters, last, limit);
        if (needsTraceColumns) {
            sql.setLength(sql.length() - 2);
            sql.append("\n");
        } else {
            // The root and duration of the traces found only: a wide read of every matching trace's spans would cost
            // more than the search.
            sql.append(TRACES).append(" AS (").append(TRACE_SUMMARY)
                    .append(" WHERE trace_id IN (SELECT trace_id FROM traceql_found) GROUP BY trace_id)\n");
        }
        sql.append("SELECT q.trace_id, f.traceql_f_root_service, f.traceql_f_root_name, epoch_ns(f.traceql_f_start), "
                + "f.traceql_f_duration, q.traceql_group, count(*) OVER (PARTITION BY q.trace_id, q.traceql_group), "
                + "q.span_id, q.service_name, q.name, epoch_ns(q.start_time), q.duration_nanos");
        for (Sql output : outputs.values()) {
            sql.append(", ").append(output.text());
            parameters.addAll(output.parameters());
        }
        // The found traces' columns under names of their own: the outputs name the stage's columns unqualified.
        sql.append(" FROM ").append(last).append(" q JOIN (SELECT trace_id AS traceql_f_id, traceql_trace_start AS "
                + "traceql_f_start, traceql_trace_duration AS traceql_f_duration, traceql_root_service AS "
                + "traceql_f_root_service, traceql_root_name AS traceql_f_root_name FROM ").append(TRACES)
                .append(" SEMI JOIN traceql_found USING (trace_id)) f ON f.traceql_f_id = q.trace_id"
                + " QUALIFY row_number() OVER (PARTITION BY q.trace_id, q.traceql_group ORDER BY q.start_time, q.span_id)"
                + " <= ? ORDER BY f.traceql_f_start DESC, q.trace_id, q.traceql_group, q.start_time, q.span_id");
        parameters.add(spss);
        return new Statement(sql.toString(), parameters);
    }

    /**
     * The statement whose rows are the IDs of the newest {@code limit} traces the query matches, newest first (by
     * their start in the window, ties by trace ID): {@link #search}'s traces without their spansets, for an answer
     * that summarizes each trace whole.
     */
    public Statement traceIds(String spanView, String condition, List<Object> conditionParameters, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        if (metrics != null) {
            throw new IllegalStateException("a metrics query is answered by metrics(), not traceIds()");
        }
        String newestFirst = "\nSELECT trace_id FROM traceql_found ORDER BY traceql_trace_start DESC, trace_id";
        if (onlyFilter != null) {
            // { filter }: the traces with a span where it holds, as an analyst would write it, no stage between (the
            // needle and the failed spans of the 10M-span bench 12% faster so, beside a fuzzing run).
            Sql window = Sql.concat("(", new Sql(condition, conditionParameters), ")");
            Sql found = Sql.concat("WITH traceql_found AS (SELECT trace_id, min(start_time) AS traceql_trace_start FROM "
                    + spanView + " WHERE ", window, " AND trace_id IN (SELECT trace_id FROM " + spanView + " WHERE ",
                    window, " AND ", onlyFilter, ") GROUP BY trace_id ORDER BY traceql_trace_start DESC, trace_id LIMIT ",
                    Sql.parameter(limit), ")" + newestFirst);
            return new Statement(found.text(), found.parameters());
        }
        List<Object> parameters = new ArrayList<>(conditionParameters);
        StringBuilder sql = stages(spanView, condition, parameters, "");
        found(sql, parameters, stageName(stages.size() - 1), limit);
        sql.setLength(sql.length() - 2);
        sql.append(newestFirst);
        return new Statement(sql.toString(), parameters);
    }

    /**
     * {@code traceql_found} and a comma: the newest {@code limit} traces with a span in stage {@code last}, by their
     * start in the window; read off the trace summaries when the stages have them, else from two columns of the
     * window's spans of those traces.
     */
    private void found(StringBuilder sql, List<Object> parameters, String last, int limit) {
        if (needsTraceColumns) {
            sql.append("traceql_found AS (SELECT trace_id, traceql_trace_start FROM ").append(TRACES)
                    .append(" WHERE trace_id IN (SELECT trace_id FROM ").append(last).append(")");
        } else {
            sql.append("traceql_found AS (SELECT trace_id, min(start_time) AS traceql_trace_start FROM traceql_window "
                    + "WHERE trace_id IN (SELECT trace_id FROM ").append(last).append(") GROUP BY trace_id");
        }
        sql.append(" ORDER BY traceql_trace_start DESC, trace_id LIMIT ?),\n");
        parameters.add(limit);
    }

    /**
     * {@code WITH} and the common table expressions up to the last stage's ({@link #stageName}), each followed by a comma:
     * the spans of {@code spanView} where {@code condition} holds, with their trace's root, start and duration, then
     * every stage. The placeholders' values are added to {@code parameters}, which holds the condition's already.
     * {@code moreColumns}: columns the window reads besides the fixed ones and the attributes, each after ", ".
     */
    private StringBuilder stages(String spanView, String condition, List<Object> parameters, String moreColumns) {
        StringBuilder sql = new StringBuilder(needsAncestors ? "WITH RECURSIVE " : "WITH ");
        // NOT MATERIALIZED: each reference is a scan of its own, with its stage's filter pushed into the Parquet reader
        // (a materialized window copies every span of it first: ten times slower on 10M spans).
        sql.append("traceql_window AS NOT MATERIALIZED (SELECT ").append(FIXED_COLUMNS).append(moreColumns);
        for (String column : attributeColumns) {
            sql.append(", ").append(column);
        }
        sql.append(" FROM ").append(spanView).append(" WHERE ").append(condition).append("),\n");
        if (needsTraceColumns) {
            sql.append(TRACES).append(" AS (").append(TRACE_SUMMARY).append(" GROUP BY trace_id),\n");
        }
        if (needsChildCount) {
            sql.append("traceql_children AS (SELECT trace_id, parent_span_id AS span_id, count(*) AS children "
                    + "FROM traceql_window WHERE parent_span_id IS NOT NULL GROUP BY trace_id, parent_span_id),\n");
        }
        sql.append(TraceQlCompiler.ALL_SPANS).append(" AS NOT MATERIALIZED (SELECT w.*")
                .append(needsTraceColumns ? ", t.traceql_trace_start, t.traceql_trace_duration, t.traceql_root_service, "
                        + "t.traceql_root_name" : "")
                .append(", []::VARCHAR[] AS traceql_group")
                .append(needsChildCount ? ", coalesce(c.children, 0) AS traceql_child_count" : "")
                .append(" FROM traceql_window w")
                .append(needsTraceColumns ? " JOIN " + TRACES + " t USING (trace_id)" : "")
                .append(needsChildCount ? " LEFT JOIN traceql_children c ON c.trace_id = w.trace_id AND c.span_id = w.span_id"
                        : "").append("),\n");
        if (needsAncestors) {
            // Every (span, ancestor) pair within a trace; UNION (not UNION ALL) ends on a cycle of parent IDs.
            sql.append(TraceQlCompiler.ANCESTORS).append("(trace_id, span_id, ancestor_id) AS ("
                    + "SELECT trace_id, span_id, parent_span_id FROM ").append(TraceQlCompiler.ALL_SPANS)
                    .append(" WHERE parent_span_id IS NOT NULL UNION SELECT a.trace_id, a.span_id, p.parent_span_id "
                            + "FROM ").append(TraceQlCompiler.ANCESTORS).append(" a JOIN ")
                    .append(TraceQlCompiler.ALL_SPANS).append(" p ON p.trace_id = a.trace_id AND p.span_id = a.ancestor_id "
                            + "WHERE p.parent_span_id IS NOT NULL),\n");
        }
        for (int i = 0; i < stages.size(); i++) {
            sql.append(stageName(i)).append(" AS NOT MATERIALIZED (").append(stages.get(i).text()).append("),\n");
            parameters.addAll(stages.get(i).parameters());
        }
        return sql;
    }

    /** The traces in the rows of {@link #search}'s statement, in order. */
    public List<TraceQlResults.Trace> readTraces(ResultSet rs) throws SQLException {
        List<TraceQlResults.Trace> traces = new ArrayList<>();
        String traceId = null;
        Object[] trace = null;
        List<TraceQlResults.Spanset> spansets = new ArrayList<>();
        List<TraceQlResults.Span> spans = new ArrayList<>();
        Object group = null;
        long matched = 0;
        while (rs.next()) {
            String id = rs.getString(1);
            Object rowGroup = groupValues(rs.getArray(6));
            if (!id.equals(traceId) || !rowGroup.equals(group)) {
                if (traceId != null) {
                    spansets.add(new TraceQlResults.Spanset(groupBy(group), matched, spans));
                    spans = new ArrayList<>();
                }
                if (!id.equals(traceId)) {
                    if (traceId != null) {
                        traces.add(trace(trace, spansets));
                        spansets = new ArrayList<>();
                    }
                    traceId = id;
                    trace = new Object[] {id, rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5)};
                }
                group = rowGroup;
                matched = rs.getLong(7);
            }
            Map<String, Object> attributes = new LinkedHashMap<>();
            int column = 13;
            for (String label : outputs.keySet()) {
                Object value = rs.getObject(column++);
                if (value instanceof java.sql.Array array) {
                    value = java.util.Arrays.asList((Object[]) array.getArray());
                }
                if (value != null) {
                    attributes.put(label, value);
                }
            }
            spans.add(new TraceQlResults.Span(rs.getString(8), rs.getString(9), rs.getString(10), rs.getLong(11),
                    rs.getLong(12), attributes));
        }
        if (traceId != null) {
            spansets.add(new TraceQlResults.Spanset(groupBy(group), matched, spans));
            traces.add(trace(trace, spansets));
        }
        return traces;
    }

    private static TraceQlResults.Trace trace(Object[] t, List<TraceQlResults.Spanset> spansets) {
        return new TraceQlResults.Trace((String) t[0], (String) t[1], (String) t[2], (Long) t[3], (Long) t[4], spansets);
    }

    private static List<String> groupValues(java.sql.Array array) throws SQLException {
        List<String> values = new ArrayList<>();
        for (Object value : (Object[]) array.getArray()) {
            values.add(value == null ? null : value.toString());
        }
        return values;
    }

    @SuppressWarnings("unchecked")
    private Map<String, String> groupBy(Object group) {
        List<String> values = (List<String>) group;
        Map<String, String> byLabel = new LinkedHashMap<>();
        for (int i = 0; i < values.size() && i < groupLabels.size(); i++) {
            byLabel.put(groupLabels.get(i), values.get(i));
        }
        return Collections.unmodifiableMap(byLabel);
    }
}
