package io.contrail.query;

import io.contrail.columnar.SpanSchema;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which spans a request means: the filter language of {@code /api/search}, shared by every API
 * that selects spans ({@code /api/compare}'s selection and baseline). A span matches when it
 * matches every criterion; null (or an empty map) means "any".
 *
 * <p>Parameters: {@code service}, {@code operation}, {@code attr=key=value} (repeatable; the key
 * is looked up among span attributes, then resource attributes, in their columns and in the overflow
 * columns of keys past the bound on attribute columns), {@code minDuration},
 * {@code maxDuration} (a number with a unit, see {@link TimeParameters}) and {@code status}
 * ({@code error}, {@code ok}, {@code unset}). Bad values throw {@link IllegalArgumentException}
 * naming the parameter.
 *
 * @param attributes key → value, in the order given
 */
public record SpanFilter(String service, String operation, Map<String, String> attributes,
                         Long minDurationNanos, Long maxDurationNanos, String status) {

    /** Every span. */
    public static final SpanFilter ANY = new SpanFilter(null, null, Map.of(), null, null, null);

    /** The parameter names of the filter language. */
    public static final Set<String> PARAMETERS =
            Set.of("service", "operation", "attr", "minDuration", "maxDuration", "status");

    /** A SQL condition over the {@code spans} view and the values of its {@code ?} placeholders, in order. */
    public record Condition(String sql, List<Object> parameters) {
    }

    public SpanFilter {
        attributes = attributes == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
        if (status != null) {
            status = statusCode(status);
        }
    }

    /**
     * The filter among request parameters (name → values, as a server hands them over); other
     * parameters are ignored.
     */
    public static SpanFilter fromParameters(Map<String, List<String>> parameters) {
        Map<String, String> attributes = new LinkedHashMap<>();
        for (String filter : parameters.getOrDefault("attr", List.of())) {
            int eq = filter.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("attr=" + filter + ": use attr=key=value");
            }
            attributes.put(filter.substring(0, eq), filter.substring(eq + 1));
        }
        String minDuration = single(parameters, "minDuration");
        String maxDuration = single(parameters, "maxDuration");
        return new SpanFilter(single(parameters, "service"), single(parameters, "operation"), attributes,
                minDuration == null ? null : TimeParameters.parseDurationNanos("minDuration", minDuration),
                maxDuration == null ? null : TimeParameters.parseDurationNanos("maxDuration", maxDuration),
                single(parameters, "status"));
    }

    /**
     * A filter written as one value: the same parameters as a query string, e.g.
     * {@code status=error&service=checkout} or {@code minDuration=1s&attr=http.route=/cart}. Pieces
     * are percent-decoded after splitting at {@code &}, so {@code %26} stands for a literal ampersand.
     * Blank text is {@link #ANY}.
     *
     * @param parameter the request parameter that carried the text, named in error messages
     */
    public static SpanFilter parse(String parameter, String text) {
        if (text == null || text.isBlank()) {
            return ANY;
        }
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        for (String piece : text.split("&")) {
            if (piece.isBlank()) {
                continue;
            }
            int eq = piece.indexOf('=');
            String name = eq < 0 ? piece.strip() : piece.substring(0, eq).strip();
            if (!PARAMETERS.contains(name) || eq < 0) {
                throw new IllegalArgumentException(parameter + "=" + text + ": '" + piece
                        + "' is not a filter; use name=value joined by &, names " + String.join(", ",
                        PARAMETERS.stream().sorted().toList()));
            }
            String value;
            try {
                value = URLDecoder.decode(piece.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(parameter + "=" + text + ": '" + piece + "': " + e.getMessage(), e);
            }
            parameters.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        try {
            return fromParameters(parameters);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(parameter + ": " + e.getMessage(), e);
        }
    }

    public boolean isAny() {
        return service == null && operation == null && attributes.isEmpty() && minDurationNanos == null
                && maxDurationNanos == null && status == null;
    }

    /**
     * The condition for {@code spans}. {@code columnTypes} (column name → DuckDB type, from
     * {@link QueryEngine#spanColumns()}) says which attribute columns exist; a key no column holds,
     * or a value that cannot have the column's type, matches nothing.
     */
    public Condition toSql(Map<String, String> columnTypes) {
        List<String> conditions = new ArrayList<>();
        List<Object> parameters = new ArrayList<>();
        if (service != null) {
            conditions.add("service_name = ?");
            parameters.add(service);
        }
        if (operation != null) {
            conditions.add("name = ?");
            parameters.add(operation);
        }
        if (minDurationNanos != null) {
            conditions.add("duration_nanos >= ?");
            parameters.add(minDurationNanos);
        }
        if (maxDurationNanos != null) {
            conditions.add("duration_nanos <= ?");
            parameters.add(maxDurationNanos);
        }
        if (status != null) {
            conditions.add("status_code = ?");
            parameters.add(status);
        }
        for (Map.Entry<String, String> filter : attributes.entrySet()) {
            attributeCondition(filter.getKey(), filter.getValue(), columnTypes, conditions, parameters);
        }
        return new Condition(conditions.isEmpty() ? "true" : "(" + String.join(" AND ", conditions) + ")",
                parameters);
    }

    private static void attributeCondition(String key, String value, Map<String, String> columnTypes,
                                           List<String> conditions, List<Object> parameters) {
        for (boolean resource : new boolean[] {false, true}) {
            String column = resource ? SpanSchema.resourceAttributeColumn(key) : SpanSchema.spanAttributeColumn(key);
            String overflow = resource ? SpanSchema.RESOURCE_ATTRIBUTE_OVERFLOW : SpanSchema.SPAN_ATTRIBUTE_OVERFLOW;
            List<String> either = new ArrayList<>();
            if (columnTypes.containsKey(column)) {
                either.add(columnCondition(column, columnTypes.get(column), value, parameters));
            }
            if (columnTypes.containsKey(overflow)) {
                // A key past the bound on attribute columns: its value as text in the family's map.
                either.add(SpanSchema.quote(overflow) + "[?] = ?");
                parameters.add(key);
                parameters.add(value);
            }
            if (!either.isEmpty()) {
                conditions.add(either.size() == 1 ? either.get(0) : "(" + String.join(" OR ", either) + ")");
                return;
            }
        }
        conditions.add("false");
    }

    /** The condition that {@code column}, of DuckDB type {@code type}, holds {@code value}; adds its parameters. */
    private static String columnCondition(String column, String type, String value, List<Object> parameters) {
        String ref = SpanSchema.quote(column);
        try {
            switch (type) {
                case "BIGINT" -> parameters.add(Long.parseLong(value.trim()));
                case "DOUBLE" -> parameters.add(Double.parseDouble(value.trim()));
                case "BOOLEAN" -> parameters.add(Boolean.parseBoolean(value.trim()));
                default -> {
                    parameters.add(value);
                    return type.endsWith("[]") ? "list_contains(" + ref + "::VARCHAR[], ?)" : ref + "::VARCHAR = ?";
                }
            }
        } catch (NumberFormatException e) {
            return "false";
        }
        return ref + " = ?";
    }

    private static String single(Map<String, List<String>> parameters, String name) {
        List<String> values = parameters.getOrDefault(name, List.of());
        if (values.size() > 1) {
            throw new IllegalArgumentException(name + " is given " + values.size() + " times; give it once");
        }
        return values.isEmpty() || values.get(0).isBlank() ? null : values.get(0);
    }

    private static String statusCode(String status) {
        return switch (status.trim().toLowerCase(Locale.ROOT)) {
            case "error" -> "ERROR";
            case "ok" -> "OK";
            case "unset" -> "UNSET";
            default -> throw new IllegalArgumentException("status=" + status + ": use error, ok or unset");
        };
    }
}
