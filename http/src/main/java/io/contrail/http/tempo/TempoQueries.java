package io.contrail.http.tempo;

import io.contrail.query.QueryEngine;
import io.contrail.query.QueryException;
import io.contrail.query.SpanFilter;
import io.contrail.query.TimeWindow;
import io.contrail.query.TraceQueries;
import io.contrail.query.traceql.CompiledTraceQl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What the Tempo API reads that {@link TraceQueries} does not: the spans of each search hit that matched (Tempo's
 * span sets) and its spans per service, the attribute keys, and a tag's values. Every statement goes through
 * {@link QueryEngine#run} with bound parameters; attribute columns are found through the query module's
 * {@code attribute_keys} view (which knows how the schema names them) and quoted, never taken from the request.
 */
final class TempoQueries {

    /** A matching span of a search hit, and how many of the trace's spans matched in all. */
    record MatchedSpan(String traceId, String spanId, String name, long startTimeUnixNano, long durationNanos,
                       long matched) {
    }

    /** A service's spans in a trace, and how many of them failed. */
    record ServiceSpans(String traceId, String service, long spanCount, long errorCount) {
    }

    /** One distinct value of a tag, as text, with its TraceQL type ({@link TempoJson.TagValue}). */
    record TypedValue(String type, String value) {
    }

    /**
     * Where a tag's values are: an SQL expression over {@code spans} (a quoted column, or a function of one), a
     * condition that selects the spans it applies to (root spans only, say), and the TraceQL type of its values.
     * Neither holds a value from the request.
     */
    record ValueSource(String expression, String condition, String type) {
        static ValueSource column(String column, String type) {
            return new ValueSource(identifier(column), "true", type);
        }
    }

    private final QueryEngine engine;

    TempoQueries(QueryEngine engine) {
        this.engine = engine;
    }

    /** Column name → DuckDB type of every column {@code spans} has now. */
    Map<String, String> columnTypes() throws QueryException {
        return engine.spanColumnTypes();
    }

    /**
     * For each of {@code traceIds}, its spans in {@code window} that match {@code filter}: the first
     * {@code perTrace} by start time (at least one is read, for the count), each with the number that matched.
     */
    Map<String, List<MatchedSpan>> matchedSpans(SpanFilter filter, TimeWindow window, List<String> traceIds,
                                                int perTrace) throws QueryException {
        if (traceIds.isEmpty()) {
            return Map.of();
        }
        SpanFilter.Condition condition = filter.toSql(filter.attributes().isEmpty() ? Map.of() : columnTypes());
        List<Object> parameters = new ArrayList<>(condition.parameters());
        String where = condition.sql() + " AND " + window.sql("", 0, parameters) + " AND trace_id IN ("
                + String.join(", ", Collections.nCopies(traceIds.size(), "?")) + ")";
        parameters.addAll(traceIds);
        parameters.add(Math.max(1, perTrace));
        String sql = "SELECT trace_id, span_id, name, epoch_ns(start_time), duration_nanos, "
                + "count(*) OVER (PARTITION BY trace_id) FROM spans WHERE " + where
                + " QUALIFY row_number() OVER (PARTITION BY trace_id ORDER BY start_time, span_id) <= ? "
                + "ORDER BY trace_id, start_time, span_id";
        return engine.run(window.reads(0), sql, parameters, rs -> {
            Map<String, List<MatchedSpan>> byTrace = new LinkedHashMap<>();
            while (rs.next()) {
                byTrace.computeIfAbsent(rs.getString(1), id -> new ArrayList<>()).add(new MatchedSpan(rs.getString(1),
                        rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5), rs.getLong(6)));
            }
            return byTrace;
        });
    }

    /** For each of {@code traceIds}, its spans in {@code window} per service, with their errors. */
    Map<String, List<ServiceSpans>> serviceSpans(TimeWindow window, List<String> traceIds) throws QueryException {
        if (traceIds.isEmpty()) {
            return Map.of();
        }
        List<Object> parameters = new ArrayList<>();
        String where = window.sql("", 0, parameters) + " AND trace_id IN ("
                + String.join(", ", Collections.nCopies(traceIds.size(), "?")) + ")";
        parameters.addAll(traceIds);
        String sql = "SELECT trace_id, service_name, count(*), count(*) FILTER (WHERE status_code = 'ERROR') "
                + "FROM spans WHERE " + where + " GROUP BY trace_id, service_name ORDER BY trace_id, service_name";
        return engine.run(window.reads(0), sql, parameters, rs -> {
            Map<String, List<ServiceSpans>> byTrace = new LinkedHashMap<>();
            while (rs.next()) {
                byTrace.computeIfAbsent(rs.getString(1), id -> new ArrayList<>()).add(new ServiceSpans(rs.getString(1),
                        rs.getString(2), rs.getLong(3), rs.getLong(4)));
            }
            return byTrace;
        });
    }

    /**
     * Attribute keys with a column of their own, by family: {@code span} and {@code resource} (with
     * {@code service.name}, which every span has in {@code service_name}), as the {@code attribute_keys} view lists
     * them. Keys past the bound on attribute columns, kept in overflow maps, are not listed: finding them means
     * reading every map.
     */
    Map<String, TreeSet<String>> attributeKeys() throws QueryException {
        Map<String, TreeSet<String>> keys = new LinkedHashMap<>();
        keys.put("span", new TreeSet<>());
        keys.put("resource", new TreeSet<>(List.of(TraceQueries.SpanView.SERVICE_NAME_ATTRIBUTE)));
        return engine.run("SELECT scope, \"key\" FROM attribute_keys", List.of(), rs -> {
            while (rs.next()) {
                TreeSet<String> family = keys.get(rs.getString(1));
                if (family != null) {
                    family.add(rs.getString(2));
                }
            }
            return keys;
        });
    }

    /**
     * {@link #attributeKeys()} narrowed to the keys with a value in a span that {@code matching} (a TraceQL query)
     * matches among the spans of {@code window}: the tags Tempo offers to complete a query being written.
     */
    Map<String, TreeSet<String>> attributeKeys(TimeWindow window, CompiledTraceQl matching) throws QueryException {
        Map<String, TreeSet<String>> keys = new LinkedHashMap<>();
        keys.put("span", new TreeSet<>());
        keys.put("resource", new TreeSet<>());
        List<String[]> columns = engine.run("SELECT scope, \"key\", column_name FROM attribute_keys", List.of(), rs -> {
            List<String[]> found = new ArrayList<>();
            while (rs.next()) {
                if (keys.containsKey(rs.getString(1))) {
                    found.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
                }
            }
            return found;
        });
        List<Object> parameters = new ArrayList<>();
        StringBuilder sql = new StringBuilder(matched(matching, window, parameters)).append("SELECT count(*)");
        for (String[] column : columns) {
            sql.append(", count(").append(identifier(column[2])).append(")");
        }
        sql.append(" FROM spans ").append(MATCHED_ONLY).append("WHERE ").append(window.sql("spans", 0, parameters));
        return engine.run(window.reads(0), sql.toString(), parameters, rs -> {
            rs.next();
            if (rs.getLong(1) > 0) {
                keys.get("resource").add(TraceQueries.SpanView.SERVICE_NAME_ATTRIBUTE);
            }
            for (int i = 0; i < columns.size(); i++) {
                if (rs.getLong(i + 2) > 0) {
                    keys.get(columns.get(i)[0]).add(columns.get(i)[1]);
                }
            }
            return keys;
        });
    }

    /** Joined to {@code spans}, keeps the spans of {@link #matched}'s {@code traceql_matched}. */
    private static final String MATCHED_ONLY =
            "SEMI JOIN traceql_matched m ON m.trace_id = spans.trace_id AND m.span_id = spans.span_id ";

    /**
     * {@code WITH traceql_matched AS (…) }: the trace and span IDs of the spans {@code matching} matches among those
     * of {@code window}; the values of its placeholders are added to {@code parameters}.
     */
    private static String matched(CompiledTraceQl matching, TimeWindow window, List<Object> parameters) {
        List<Object> windowParameters = new ArrayList<>();
        CompiledTraceQl.Statement spans = matching.matchingSpans("spans", window.sql("", 0, windowParameters),
                windowParameters);
        parameters.addAll(spans.parameters());
        return "WITH traceql_matched AS (" + spans.sql() + ") ";
    }

    /**
     * Where the values of attribute {@code key} of {@code family} ({@code span} or {@code resource}) are: its column,
     * if it has one ({@code attribute_keys}); {@code service_name} for the resource's {@code service.name}. Values of
     * list attributes and of keys past the bound on attribute columns are not listed.
     */
    List<ValueSource> attributeSources(String family, String key) throws QueryException {
        if (family.equals("resource") && key.equals(TraceQueries.SpanView.SERVICE_NAME_ATTRIBUTE)) {
            return List.of(ValueSource.column("service_name", "string"));
        }
        return engine.run("SELECT column_name, data_type FROM attribute_keys WHERE scope = ? AND \"key\" = ?",
                List.of(family, key), rs -> {
                    List<ValueSource> sources = new ArrayList<>();
                    while (rs.next()) {
                        if (!rs.getString(2).endsWith("[]")) {
                            sources.add(ValueSource.column(rs.getString(1), traceQlType(rs.getString(2))));
                        }
                    }
                    return sources;
                });
    }

    /** A DuckDB identifier, quoted so that attribute keys with dots and any other characters are safe. */
    static String identifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** The TraceQL type of a DuckDB column type, as Tempo names it in tag values. */
    private static String traceQlType(String duckDbType) {
        return switch (duckDbType) {
            case "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER" -> "int";
            case "DOUBLE", "FLOAT", "REAL" -> "float";
            case "BOOLEAN" -> "bool";
            default -> "string";
        };
    }

    /**
     * The distinct values of {@code sources} over the spans of {@code window}, ordered by text, at most {@code limit};
     * with {@code matching} (a TraceQL query), over the spans it matches in the window only.
     */
    List<TypedValue> values(List<ValueSource> sources, TimeWindow window, int limit, CompiledTraceQl matching)
            throws QueryException {
        if (sources.isEmpty()) {
            return List.of();
        }
        List<Object> parameters = new ArrayList<>();
        String matched = matching == null ? "" : matched(matching, window, parameters);
        List<String> selects = new ArrayList<>();
        for (ValueSource source : sources) {
            parameters.add(source.type());
            selects.add("SELECT DISTINCT (" + source.expression() + ")::VARCHAR AS v, ?::VARCHAR AS t FROM spans "
                    + (matching == null ? "" : MATCHED_ONLY) + "WHERE (" + source.expression() + ") IS NOT NULL AND ("
                    + source.condition() + ") AND " + window.sql("spans", 0, parameters));
        }
        parameters.add(limit);
        String sql = matched + "SELECT DISTINCT v, t FROM (" + String.join(" UNION ALL ", selects)
                + ") ORDER BY v, t LIMIT ?";
        return engine.run(window.reads(0), sql, parameters, rs -> {
            List<TypedValue> values = new ArrayList<>();
            while (rs.next()) {
                values.add(new TypedValue(rs.getString(2), rs.getString(1)));
            }
            return values;
        });
    }
}
