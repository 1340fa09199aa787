package io.contrail.query;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contrail.columnar.SpanSchema;
import io.contrail.query.traceql.CompiledTraceQl;
import io.contrail.query.traceql.TraceQl;
import io.contrail.query.traceql.TraceQlMetrics;
import io.contrail.query.traceql.TraceQlResults;

import java.io.IOException;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Trace assembly, service and operation listings, and trace search over the {@code spans} view. */
public final class TraceQueries {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<Map<String, Object>>> LIST_OF_MAPS = new TypeReference<>() {
    };
    public static final int DEFAULT_SEARCH_LIMIT = 20;
    public static final int MAX_SEARCH_LIMIT = 1000;

    private final QueryEngine engine;

    public TraceQueries(QueryEngine engine) {
        this.engine = engine;
    }

    /** One span as the API shows it. Times are Unix nanoseconds. */
    public record SpanView(String traceId, String spanId, String parentSpanId, String traceState,
                           String serviceName, String name, String kind,
                           long startTimeUnixNano, long endTimeUnixNano, long durationNanos,
                           String statusCode, String statusMessage, String scopeName, String scopeVersion,
                           Map<String, Object> attributes, Map<String, Object> resource,
                           List<Map<String, Object>> events, List<Map<String, Object>> links,
                           double sampleWeight, long selfNanos, long criticalPathNanos) {

        /** The resource attribute that names the service ({@link SpanSchema#SERVICE_NAME_ATTRIBUTE}), shown as {@link #serviceName()}. */
        public static final String SERVICE_NAME_ATTRIBUTE = SpanSchema.SERVICE_NAME_ATTRIBUTE;

        SpanView withTiming(long self, long critical) {
            return new SpanView(traceId, spanId, parentSpanId, traceState, serviceName, name, kind, startTimeUnixNano,
                    endTimeUnixNano, durationNanos, statusCode, statusMessage, scopeName, scopeVersion, attributes,
                    resource, events, links, sampleWeight, self, critical);
        }
    }

    /** A node of the span tree; a span whose parent is not in the trace is a root marked orphan. */
    public record SpanNode(String spanId, String serviceName, String name, boolean orphan, List<SpanNode> children) {
    }

    /** Every span of a trace (ordered by start) and its tree. */
    public record Trace(String traceId, int spanCount, List<SpanNode> roots, List<SpanView> spans) {
    }

    /** A search hit: one trace with its summary. */
    public record TraceSummary(String traceId, long startTimeUnixNano, long endTimeUnixNano, long durationNanos,
                               String rootServiceName, String rootName, long spanCount, long errorCount,
                               List<String> services, boolean hasOrphans, double sampleWeight) {
    }

    /**
     * Search criteria; null means "any". A trace matches when one of its spans matches all of them.
     *
     * @param attributes key → value; the key is looked up among span attributes, then resource attributes
     */
    public record SearchRequest(String service, String operation, Map<String, String> attributes,
                                Long minDurationNanos, Long maxDurationNanos, String status,
                                Long startTimeUnixNano, Long endTimeUnixNano, int limit) {

        public SearchRequest(SpanFilter filter, TimeWindow window, int limit) {
            this(filter.service(), filter.operation(), filter.attributes(), filter.minDurationNanos(),
                    filter.maxDurationNanos(), filter.status(), window.startUnixNano(), window.endUnixNano(), limit);
        }

        /** The span criteria. */
        public SpanFilter filter() {
            return new SpanFilter(service, operation, attributes, minDurationNanos, maxDurationNanos, status);
        }

        public TimeWindow window() {
            return new TimeWindow(startTimeUnixNano, endTimeUnixNano);
        }
    }

    /**
     * Every span of a trace, read only from the files the trace-ID index names (no time range
     * needed); empty when no file holds it.
     */
    public Optional<Trace> trace(String traceId) throws QueryException {
        List<Trace> found = traces(List.of(traceId));
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    /**
     * The same answer by scanning every file through the {@code spans} view, as lookups did before
     * the index: for tests and the benchmark that compare the two.
     */
    public Optional<Trace> traceByFullScan(String traceId) throws QueryException {
        List<Trace> found = traces(List.of(TraceId.normalize(traceId)), "spans");
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    /**
     * The traces of these IDs that exist, in the order asked, read in one query from only the files
     * the trace-ID index names (no time range needed); each span with its self time and
     * critical-path share ({@link SpanViews#spanTimingSql}).
     */
    public List<Trace> traces(List<String> traceIds) throws QueryException {
        List<Object> ids = new ArrayList<>();
        for (String traceId : traceIds) {
            String id = TraceId.normalize(traceId);
            if (!ids.contains(id)) {
                ids.add(id);
            }
        }
        if (ids.isEmpty()) {
            return List.of();
        }
        try (io.contrail.columnar.LiveFiles.ReadLease lease = engine.lease()) {
            String source = engine.traceSource(ids.stream().map(String.class::cast).toList(), lease);
            return source == null ? List.of() : traces(ids, source);
        }
    }

    private List<Trace> traces(List<Object> ids, String source) throws QueryException {
        List<SpanView> spans = engine.run("SELECT " + SPAN_VIEW_COLUMNS
                        + " FROM " + source + whereTraceIdIn(ids) + " ORDER BY trace_id, start_time, span_id",
                ids, TraceQueries::readSpans);
        if (spans.isEmpty()) {
            return List.of();
        }
        Map<String, List<SpanView>> byTrace = new HashMap<>();
        for (SpanView span : spans) {
            byTrace.computeIfAbsent(span.traceId(), k -> new ArrayList<>()).add(span);
        }
        // Self and critical-path times from the spans just read: no second query (SpanTiming).
        byTrace.replaceAll((id, traceSpans) -> {
            List<SpanTiming.Times> times = SpanTiming.of(traceSpans);
            List<SpanView> timed = new ArrayList<>(traceSpans.size());
            for (int i = 0; i < traceSpans.size(); i++) {
                timed.add(traceSpans.get(i).withTiming(times.get(i).selfNanos(), times.get(i).criticalPathNanos()));
            }
            return timed;
        });
        List<Trace> traces = new ArrayList<>();
        for (Object id : ids) {
            List<SpanView> traceSpans = byTrace.get((String) id);
            if (traceSpans != null) {
                traces.add(new Trace((String) id, traceSpans.size(), tree(traceSpans), traceSpans));
            }
        }
        return traces;
    }

    /**
     * The select list that {@link #readSpans} reads: every column of {@code spans}, times as Unix
     * nanoseconds and events and links as JSON. Columns of other tables joined in are ignored.
     */
    public static final String SPAN_VIEW_COLUMNS = "* REPLACE ("
            + "epoch_ns(start_time) AS start_time, epoch_ns(end_time) AS end_time, "
            + "to_json(list_transform(events, lambda e: {'timeUnixNano': epoch_ns(e.\"time\"), 'name': e.name, "
            + "'attributes': e.attributes, 'droppedAttributesCount': e.dropped_attributes_count}))::VARCHAR AS events, "
            + "to_json(list_transform(links, lambda l: {'traceId': l.trace_id, 'spanId': l.span_id, "
            + "'traceState': l.trace_state, 'attributes': l.attributes, "
            + "'droppedAttributesCount': l.dropped_attributes_count}))::VARCHAR AS links)";

    /** Reads every row of a query that selects {@link #SPAN_VIEW_COLUMNS}, in order. */
    public static List<SpanView> readSpans(ResultSet rs) throws SQLException {
        List<SpanView> spans = new ArrayList<>();
        readSpans(rs, spans::add);
        return spans;
    }

    /** Receives spans one at a time, so that a caller can process more rows than it could hold. */
    public interface SpanSink {
        void accept(SpanView span) throws SQLException;
    }

    /** Reads every row of a query that selects {@link #SPAN_VIEW_COLUMNS}, in order, into {@code sink}. */
    public static void readSpans(ResultSet rs, SpanSink sink) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            index.put(meta.getColumnName(i), i);
        }
        while (rs.next()) {
            Map<String, Object> attributes = new LinkedHashMap<>();
            Map<String, Object> resource = new LinkedHashMap<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                String column = meta.getColumnName(i);
                if (column.startsWith(SpanSchema.SPAN_ATTRIBUTE_PREFIX)) {
                    putIfPresent(attributes, column.substring(SpanSchema.SPAN_ATTRIBUTE_PREFIX.length()), rs.getObject(i));
                } else if (column.startsWith(SpanSchema.RESOURCE_ATTRIBUTE_PREFIX)) {
                    putIfPresent(resource, column.substring(SpanSchema.RESOURCE_ATTRIBUTE_PREFIX.length()), rs.getObject(i));
                } else if (column.equals(SpanSchema.SPAN_ATTRIBUTE_OVERFLOW) || column.equals(SpanSchema.RESOURCE_ATTRIBUTE_OVERFLOW)) {
                    Object map = SqlValues.toJava(rs.getObject(i));
                    if (map instanceof Map<?, ?> entries) {
                        Map<String, Object> into = column.equals(SpanSchema.SPAN_ATTRIBUTE_OVERFLOW) ? attributes : resource;
                        entries.forEach((key, value) -> into.putIfAbsent(String.valueOf(key), value));
                    }
                }
            }
            sink.accept(new SpanView(
                    rs.getString(index.get("trace_id")), rs.getString(index.get("span_id")),
                    rs.getString(index.get("parent_span_id")), rs.getString(index.get("trace_state")),
                    rs.getString(index.get("service_name")), rs.getString(index.get("name")),
                    rs.getString(index.get("kind")),
                    rs.getLong(index.get("start_time")), rs.getLong(index.get("end_time")),
                    rs.getLong(index.get("duration_nanos")),
                    rs.getString(index.get("status_code")), rs.getString(index.get("status_message")),
                    rs.getString(index.get("scope_name")), rs.getString(index.get("scope_version")),
                    attributes, resource,
                    parseList(rs.getString(index.get("events"))), parseList(rs.getString(index.get("links"))),
                    rs.getDouble(index.get("sample_weight")), rs.getLong(index.get("duration_nanos")), 0));
        }
    }

    private static void putIfPresent(Map<String, Object> into, String key, Object value) throws SQLException {
        if (value != null) {
            into.put(key, SqlValues.toJava(value));
        }
    }

    private static List<Map<String, Object>> parseList(String json) throws SQLException {
        if (json == null || json.isEmpty()) {
            return List.of();
        }
        try {
            return JSON.readValue(json, LIST_OF_MAPS);
        } catch (IOException e) {
            throw new SQLException("unreadable nested value: " + e.getMessage(), e);
        }
    }

    static List<SpanNode> tree(List<SpanView> spans) {
        Map<String, List<SpanView>> childrenOf = new HashMap<>();
        Map<String, SpanView> byId = new HashMap<>();
        for (SpanView span : spans) {
            byId.put(span.spanId(), span);
        }
        List<SpanView> roots = new ArrayList<>();
        for (SpanView span : spans) {
            if (span.parentSpanId() == null || !byId.containsKey(span.parentSpanId())
                    || span.parentSpanId().equals(span.spanId())) {
                roots.add(span);
            } else {
                childrenOf.computeIfAbsent(span.parentSpanId(), k -> new ArrayList<>()).add(span);
            }
        }
        List<SpanNode> nodes = new ArrayList<>();
        for (SpanView root : roots) {
            nodes.add(node(root, childrenOf, root.parentSpanId() != null, 0));
        }
        return nodes;
    }

    private static SpanNode node(SpanView span, Map<String, List<SpanView>> childrenOf, boolean orphan, int depth) {
        List<SpanNode> children = new ArrayList<>();
        if (depth < 10_000) {
            for (SpanView child : childrenOf.getOrDefault(span.spanId(), List.of())) {
                children.add(node(child, childrenOf, false, depth + 1));
            }
        }
        return new SpanNode(span.spanId(), span.serviceName(), span.name(), orphan, children);
    }

    public List<String> services() throws QueryException {
        return engine.run("SELECT DISTINCT service_name FROM spans ORDER BY service_name", List.of(),
                TraceQueries::strings);
    }

    /** Operations of a service: name and span kind. */
    public List<Map<String, String>> operations(String service) throws QueryException {
        return engine.run("SELECT DISTINCT name, kind FROM spans WHERE service_name = ? ORDER BY name, kind",
                List.of(service), rs -> {
                    List<Map<String, String>> operations = new ArrayList<>();
                    while (rs.next()) {
                        operations.add(Map.of("name", rs.getString(1), "spanKind", rs.getString(2)));
                    }
                    return operations;
                });
    }

    private static List<String> strings(ResultSet rs) throws SQLException {
        List<String> values = new ArrayList<>();
        while (rs.next()) {
            values.add(rs.getString(1));
        }
        return values;
    }

    /**
     * Matching traces, newest first (ties by trace ID), at most {@code limit}, in two reads that each stay the
     * same size however much is stored: the IDs of the newest matching traces from the spans of the window, then
     * their summaries (whole traces, whichever files and hours their spans are in) from only the files the
     * trace-ID index names for those IDs, as {@link #traces(List)} reads them.
     */
    public List<TraceSummary> search(SearchRequest request) throws QueryException {
        int limit = request.limit() <= 0 ? DEFAULT_SEARCH_LIMIT : Math.min(request.limit(), MAX_SEARCH_LIMIT);
        SpanFilter.Condition filter = request.filter().toSql(request.attributes() == null
                || request.attributes().isEmpty() ? Map.of() : engine.spanColumnTypes());
        List<Object> parameters = new ArrayList<>(filter.parameters());
        TimeWindow window = request.window();
        String where = " WHERE " + filter.sql() + " AND " + window.sql("", 0, parameters);
        parameters.add(limit);
        List<String> matched = engine.run(window.reads(0), "SELECT trace_id FROM spans" + where
                + " GROUP BY trace_id ORDER BY min(start_time) DESC, trace_id LIMIT ?", parameters, TraceQueries::strings);
        return summarized(matched);
    }

    /** The traces {@code traceIds} summarized whole, newest first; none when there are none. */
    private List<TraceSummary> summarized(List<String> traceIds) throws QueryException {
        if (traceIds.isEmpty()) {
            return List.of();
        }
        try (io.contrail.columnar.LiveFiles.ReadLease lease = engine.lease()) {
            String source = engine.traceSource(traceIds, lease);
            return source == null ? List.of() : summaries(new ArrayList<>(traceIds), source);
        }
    }

    /** Tempo's default number of spans shown per spanset ({@code spss}). */
    public static final int DEFAULT_SPANS_PER_SPANSET = 3;
    public static final int MAX_SPANS_PER_SPANSET = 1000;

    /**
     * TraceQL search, as Tempo's {@code /api/search?q=}: the newest matching traces whose spans started in
     * {@code window}, at most {@code limit} (0 for {@link #DEFAULT_SEARCH_LIMIT}, capped at {@link #MAX_SEARCH_LIMIT}),
     * each with its spansets of at most {@code spss} spans (0 for {@link #DEFAULT_SPANS_PER_SPANSET}, capped at
     * {@link #MAX_SPANS_PER_SPANSET}). Traces are judged by their spans in the window only.
     *
     * @throws io.contrail.query.traceql.TraceQlException when the query does not parse or uses a construct not
     *         supported (see {@code io.contrail.query.traceql}): a bad request
     */
    public List<TraceQlResults.Trace> searchTraceQl(String query, TimeWindow window, int limit, int spss)
            throws QueryException {
        CompiledTraceQl compiled = compileSearch(query);
        List<Object> parameters = new ArrayList<>();
        CompiledTraceQl.Statement statement = compiled.search("spans", window.sql("", 0, parameters), parameters,
                limit <= 0 ? DEFAULT_SEARCH_LIMIT : Math.min(limit, MAX_SEARCH_LIMIT),
                spss <= 0 ? DEFAULT_SPANS_PER_SPANSET : Math.min(spss, MAX_SPANS_PER_SPANSET));
        return engine.run(window.reads(0), statement.sql(), statement.parameters(), compiled::readTraces);
    }

    /** A TraceQL search query compiled; a metrics query is refused (IllegalArgumentException, a bad request). */
    private CompiledTraceQl compileSearch(String query) throws QueryException {
        CompiledTraceQl compiled = TraceQl.compile(query, engine.spanColumnTypes());
        if (compiled.isMetrics()) {
            throw new IllegalArgumentException("a TraceQL metrics query (" + compiled.metricsFunction().traceQlName()
                    + "()) answers with series over time, not traces: run it as a metrics query");
        }
        return compiled;
    }

    /**
     * A TraceQL search answered as {@link #search} answers: the newest traces {@code query} matches in {@code window}
     * (judged by their spans in the window, as {@link #searchTraceQl}), each summarized whole.
     *
     * @throws io.contrail.query.traceql.TraceQlException when the query does not parse or is not supported: a bad
     *         request, as is a metrics query (IllegalArgumentException)
     */
    public List<TraceSummary> searchTraceQlSummaries(String query, TimeWindow window, int limit) throws QueryException {
        CompiledTraceQl compiled = compileSearch(query);
        List<Object> parameters = new ArrayList<>();
        CompiledTraceQl.Statement statement = compiled.traceIds("spans", window.sql("", 0, parameters), parameters,
                limit <= 0 ? DEFAULT_SEARCH_LIMIT : Math.min(limit, MAX_SEARCH_LIMIT));
        return summarized(engine.run(window.reads(0), statement.sql(), statement.parameters(), TraceQueries::strings));
    }

    /**
     * A TraceQL metrics query ({@code { status = error } | rate() by (resource.service.name)}), as Tempo's
     * {@code /api/metrics/query_range}: per series, a value for each of {@code intervals} intervals of {@code stepNanos}
     * after {@code startUnixNano}, each right-closed ({@link TraceQlMetrics}); at most {@code maxSeries} series, the
     * heaviest. An instant query is one interval over its whole range.
     *
     * @throws io.contrail.query.traceql.TraceQlException when the query does not parse or uses a construct not
     *         supported; IllegalArgumentException when it is a search, not a metrics query: a bad request
     */
    public TraceQlMetrics.SeriesSet metricsTraceQl(String query, long startUnixNano, long stepNanos, int intervals,
                                                   int maxSeries) throws QueryException {
        return metricsTraceQl(query, startUnixNano, stepNanos, intervals, maxSeries, TraceQlMetrics.MAX_CELLS);
    }

    /**
     * {@link #metricsTraceQl(String, long, long, int, int)} reading every series' cells first, in one {@code GROUP BY},
     * and choosing the heaviest series here; past {@code maxCells} cells, asked again for the heaviest series only,
     * chosen in SQL (a second statement, with a time limit of its own).
     */
    public TraceQlMetrics.SeriesSet metricsTraceQl(String query, long startUnixNano, long stepNanos, int intervals,
                                                   int maxSeries, int maxCells) throws QueryException {
        CompiledTraceQl compiled = TraceQl.compile(query, engine.spanColumnTypes());
        if (!compiled.isMetrics()) {
            throw new IllegalArgumentException("not a TraceQL metrics query: end it with a metrics function, "
                    + "such as { status = error } | rate() by (resource.service.name)");
        }
        TimeWindow window;
        try {
            window = new TimeWindow(startUnixNano + 1, Math.addExact(startUnixNano, Math.multiplyExact(stepNanos, intervals)));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("the intervals end after 2262, past what a time here can be", e);
        }
        TraceQlMetrics.SeriesSet series = null;
        for (int cells : maxCells > 0 ? List.of(maxCells, 0) : List.of(0)) {
            List<Object> parameters = new ArrayList<>();
            CompiledTraceQl.Statement statement = compiled.metrics("spans", window.sql("", 0, parameters), parameters,
                    startUnixNano, stepNanos, intervals, maxSeries, cells);
            series = engine.run(window.reads(0), statement.sql(), statement.parameters(),
                    rs -> compiled.readSeries(rs, stepNanos, intervals, maxSeries, cells));
            if (series != null) {
                break;
            }
        }
        return series;
    }

    /**
     * One row per trace of {@code ids} from {@code source}: what the {@code traces} view says of it (the root is
     * the earliest span without a parent; orphans are spans whose parent is not in the trace).
     */
    private List<TraceSummary> summaries(List<Object> ids, String source) throws QueryException {
        String sql = "SELECT trace_id, epoch_ns(min(start_time)) AS trace_start, epoch_ns(max(end_time)), count(*), "
                + "count(*) FILTER (WHERE status_code = 'ERROR'), list_sort(list(DISTINCT service_name)), "
                + "arg_min(service_name, start_time) FILTER (WHERE parent_span_id IS NULL), "
                + "arg_min(name, start_time) FILTER (WHERE parent_span_id IS NULL), "
                + "NOT list_has_all(list(span_id), coalesce(list(DISTINCT parent_span_id) FILTER (WHERE parent_span_id "
                + "IS NOT NULL), [])), max(sample_weight) FROM " + source + whereTraceIdIn(ids)
                + " GROUP BY trace_id ORDER BY trace_start DESC, trace_id";
        return engine.run(sql, ids, rs -> {
            List<TraceSummary> traces = new ArrayList<>();
            while (rs.next()) {
                long start = rs.getLong(2);
                long end = rs.getLong(3);
                List<String> services = new ArrayList<>();
                for (Object s : (Object[]) rs.getArray(6).getArray()) {
                    services.add((String) s);
                }
                traces.add(new TraceSummary(rs.getString(1), start, end, end - start, rs.getString(7),
                        rs.getString(8), rs.getLong(4), rs.getLong(5), services, rs.getBoolean(9), rs.getDouble(10)));
            }
            return traces;
        });
    }

    /** {@code WHERE trace_id IN (?, …)} with a placeholder for each of {@code ids}. */
    private static String whereTraceIdIn(List<Object> ids) {
        return " WHERE trace_id IN (" + String.join(", ", java.util.Collections.nCopies(ids.size(), "?")) + ")";
    }
}
