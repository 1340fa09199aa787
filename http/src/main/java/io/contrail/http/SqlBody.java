package io.contrail.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.contrail.query.SqlRequest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The body of {@code POST /api/sql}, checked field by field:
 * <pre>{"sql": "SELECT … WHERE \"attr.user.id\" = ? AND start_time > ?", "params": ["u42", "2026-12-01T00:00:00Z"],
 *  "offset": 0, "maxRows": 1000}</pre>
 * Only {@code sql} is required. {@code params} are bound to the placeholders ({@code ?} or {@code $1, $2, …}) in
 * order, never spliced into the text: strings, numbers, booleans or null; a time is given as an ISO-8601 string.
 *
 * @param maxRows null when the body does not cap the rows
 */
record SqlBody(String sql, List<Object> params, long offset, Long maxRows) {

    static final Set<String> FIELDS = Set.of("sql", "params", "offset", "maxRows");

    static SqlBody parse(byte[] bytes) {
        JsonNode body;
        try {
            body = ResultFormats.JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("the body must be JSON like {\"sql\": \"SELECT …\"}: " + e.getMessage());
        }
        if (body == null || !body.isObject() || !body.path("sql").isTextual()) {
            throw new IllegalArgumentException("the body must be JSON with a string field \"sql\"");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new IllegalArgumentException("\"" + name + "\": not a field of the body; the fields are "
                        + "\"sql\", \"params\", \"offset\" and \"maxRows\"");
            }
        }
        return new SqlBody(body.get("sql").asText(), params(body.get("params")), whole(body, "offset", 0),
                body.hasNonNull("maxRows") ? whole(body, "maxRows", 0) : null);
    }

    private static List<Object> params(JsonNode node) {
        List<Object> params = new ArrayList<>();
        if (node == null || node.isNull()) {
            return params;
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException("\"params\": must be an array of the values of the placeholders, "
                    + "such as [\"u42\", 10, true, null]");
        }
        for (int i = 0; i < node.size(); i++) {
            JsonNode value = node.get(i);
            if (value.isTextual()) {
                params.add(value.asText());
            } else if (value.isBoolean()) {
                params.add(value.asBoolean());
            } else if (value.isNull()) {
                params.add(null);
            } else if (value.isIntegralNumber()) {
                params.add(value.canConvertToLong() ? (Object) value.asLong() : value.bigIntegerValue());
            } else if (value.isNumber()) {
                params.add(value.isBigDecimal() ? value.decimalValue() : (Object) value.asDouble());
            } else {
                throw new IllegalArgumentException("\"params\"[" + i + "]: must be a string, a number, a boolean or "
                        + "null, not " + value.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        return params;
    }

    /** A whole number ≥ {@code min}, or 0 when absent. */
    private static long whole(JsonNode body, String field, long min) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return 0;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < min) {
            throw new IllegalArgumentException("\"" + field + "\": must be a whole number of at least " + min
                    + ", not " + value);
        }
        return value.asLong();
    }

    SqlRequest request(SqlRequest.Limit limit) {
        return new SqlRequest(sql, params, offset, limit);
    }
}
