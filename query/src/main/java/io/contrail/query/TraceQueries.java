package io.contrail.query;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contrail.columnar.SpanSchema;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
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
    }

    /**
     * Every span of a trace, read only from the files the trace-ID index names (no time range
     * needed); empty when no file holds it.
     */
    public Optional<Trace> trace(String traceId) throws QueryException {
        String id = TraceId.normalize(traceId);
        try (QueryEngine.ReadLease lease = engine.lease()) {
            List<Path> files = engine.filesHoldingTrace(id);
            if (files.isEmpty()) {
                return Optional.empty();
            }
            return trace(id, SpanViews.source(files));
        }
    }

    /**
     * The same answer by scanning every file through the {@code spans} view, as lookups did before
     * the index: for tests and the benchmark that compare the two.
     */
    public Optional<Trace> traceByFullScan(String traceId) throws QueryException {
        return trace(TraceId.normalize(traceId), "spans");
    }

    private Optional<Trace> trace(String id, String source) throws QueryException {
        List<SpanView> spans = engine.run("SELECT * REPLACE ("
                        + "epoch_ns(start_time) AS start_time, epoch_ns(end_time) AS end_time, "
                        + "to_json(list_transform(events, lambda e: {'timeUnixNano': epoch_ns(e.\"time\"), 'name': e.name, "
                        + "'attributes': e.attributes, 'droppedAttributesCount': e.dropped_attributes_count}))::VARCHAR AS events, "
                        + "to_json(list_transform(links, lambda l: {'traceId': l.trace_id, 'spanId': l.span_id, "
                        + "'traceState': l.trace_state, 'attributes': l.attributes, "
                        + "'droppedAttributesCount': l.dropped_attributes_count}))::VARCHAR AS links) "
                        + "FROM " + source + " WHERE trace_id = ? ORDER BY start_time, span_id",
                List.of(id), TraceQueries::readSpans);
        if (spans.isEmpty()) {
            return Optional.empty();
        }
        Map<String, long[]> timing = engine.run("SELECT span_id, kind, self_nanos, critical_path_nanos FROM ("
                + SpanViews.spanTimingSql(source, "trace_id = $1") + ")", List.of(id), rs -> {
                    Map<String, long[]> bySpan = new HashMap<>();
                    while (rs.next()) {
                        bySpan.put(rs.getString(1) + "/" + rs.getString(2), new long[] {rs.getLong(3), rs.getLong(4)});
                    }
                    return bySpan;
                });
        List<SpanView> timed = new ArrayList<>(spans.size());
        for (SpanView span : spans) {
            long[] t = timing.getOrDefault(span.spanId() + "/" + span.kind(), new long[] {span.durationNanos(), 0});
            timed.add(span.withTiming(t[0], t[1]));
        }
        return Optional.of(new Trace(id, timed.size(), tree(timed), timed));
    }

    private static List<SpanView> readSpans(ResultSet rs) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            index.put(meta.getColumnName(i), i);
        }
        List<SpanView> spans = new ArrayList<>();
        while (rs.next()) {
            Map<String, Object> attributes = new LinkedHashMap<>();
            Map<String, Object> resource = new LinkedHashMap<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                String column = meta.getColumnName(i);
                if (column.startsWith(SpanSchema.SPAN_ATTRIBUTE_PREFIX)) {
                    putIfPresent(attributes, column.substring(SpanSchema.SPAN_ATTRIBUTE_PREFIX.length()), rs.getObject(i));
                } else if (column.startsWith(SpanSchema.RESOURCE_ATTRIBUTE_PREFIX)) {
                    putIfPresent(resource, column.substring(SpanSchema.RESOURCE_ATTRIBUTE_PREFIX.length()), rs.getObject(i));
                }
            }
            spans.add(new SpanView(
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
        return spans;
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

    /** Matching traces, newest first (ties by trace ID), at most {@code limit}. */
    public List<TraceSummary> search(SearchRequest request) throws QueryException {
        int limit = request.limit() <= 0 ? DEFAULT_SEARCH_LIMIT : Math.min(request.limit(), MAX_SEARCH_LIMIT);
        List<String> conditions = new ArrayList<>();
        List<Object> parameters = new ArrayList<>();
        if (request.service() != null) {
            conditions.add("service_name = ?");
            parameters.add(request.service());
        }
        if (request.operation() != null) {
            conditions.add("name = ?");
            parameters.add(request.operation());
        }
        if (request.minDurationNanos() != null) {
            conditions.add("duration_nanos >= ?");
            parameters.add(request.minDurationNanos());
        }
        if (request.maxDurationNanos() != null) {
            conditions.add("duration_nanos <= ?");
            parameters.add(request.maxDurationNanos());
        }
        if (request.status() != null) {
            conditions.add("status_code = ?");
            parameters.add(statusCode(request.status()));
        }
        List<String> window = new ArrayList<>();
        List<Object> windowParameters = new ArrayList<>();
        timeWindow(request, window, windowParameters, 0);
        conditions.addAll(window);
        parameters.addAll(windowParameters);
        if (request.attributes() != null && !request.attributes().isEmpty()) {
            Map<String, String> columnTypes = new HashMap<>();
            for (QueryResult.Column column : engine.spanColumns()) {
                columnTypes.put(column.name(), column.type());
            }
            for (Map.Entry<String, String> filter : request.attributes().entrySet()) {
                if (!attributeCondition(filter.getKey(), filter.getValue(), columnTypes, conditions, parameters)) {
                    return List.of();
                }
            }
        }
        String where = conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
        parameters.add(limit);
        // Summaries come from the traces view: whole traces, whichever files and hours their spans are in.
        String sql = "WITH matched AS (SELECT trace_id, min(start_time) AS first_match FROM spans" + where
                + " GROUP BY trace_id ORDER BY first_match DESC, trace_id LIMIT ?) "
                + "SELECT trace_id, epoch_ns(start_time) AS trace_start, epoch_ns(end_time), span_count, error_count, "
                + "services, root_service_name, root_name, has_orphans, sample_weight "
                + "FROM traces SEMI JOIN matched USING (trace_id) ORDER BY trace_start DESC, trace_id";
        return engine.run(sql, parameters, rs -> {
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

    private static String statusCode(String status) {
        return switch (status.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "error" -> "ERROR";
            case "ok" -> "OK";
            case "unset" -> "UNSET";
            default -> throw new IllegalArgumentException("status=" + status + ": use error, ok or unset");
        };
    }

    private static void timeWindow(SearchRequest request, List<String> conditions, List<Object> parameters,
                                   long marginNanos) {
        if (request.startTimeUnixNano() != null) {
            long start = request.startTimeUnixNano() - marginNanos;
            conditions.add("start_time >= make_timestamp_ns(?)");
            parameters.add(start);
            conditions.add("\"date\" >= ?::DATE");
            parameters.add(utcDate(start));
        }
        if (request.endTimeUnixNano() != null) {
            long end = request.endTimeUnixNano() + marginNanos;
            conditions.add("start_time <= make_timestamp_ns(?)");
            parameters.add(end);
            conditions.add("\"date\" <= ?::DATE");
            parameters.add(utcDate(end));
        }
    }

    private static String utcDate(long unixNanos) {
        return Instant.ofEpochSecond(Math.floorDiv(unixNanos, 1_000_000_000L)).atZone(ZoneOffset.UTC)
                .toLocalDate().toString();
    }

    /** Adds a condition for one attribute filter; false when no column holds that key (nothing matches). */
    private static boolean attributeCondition(String key, String value, Map<String, String> columnTypes,
                                              List<String> conditions, List<Object> parameters) {
        String column = SpanSchema.spanAttributeColumn(key);
        if (!columnTypes.containsKey(column)) {
            column = SpanSchema.resourceAttributeColumn(key);
            if (!columnTypes.containsKey(column)) {
                return false;
            }
        }
        String type = columnTypes.get(column);
        String ref = SpanSchema.quote(column);
        try {
            switch (type) {
                case "BIGINT" -> parameters.add(Long.parseLong(value.trim()));
                case "DOUBLE" -> parameters.add(Double.parseDouble(value.trim()));
                case "BOOLEAN" -> parameters.add(Boolean.parseBoolean(value.trim()));
                default -> {
                    if (type.endsWith("[]")) {
                        conditions.add("list_contains(" + ref + "::VARCHAR[], ?)");
                        parameters.add(value);
                        return true;
                    }
                    conditions.add(ref + "::VARCHAR = ?");
                    parameters.add(value);
                    return true;
                }
            }
        } catch (NumberFormatException e) {
            return false;
        }
        conditions.add(ref + " = ?");
        return true;
    }
}
