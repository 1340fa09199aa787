package io.contrail.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;

/**
 * Admits exactly one read-only statement: SELECT (with or without WITH, VALUES, FROM-first) or
 * EXPLAIN of one.
 *
 * <p>The decision is made by DuckDB's own parser: {@code json_serialize_sql} parses the text and
 * serializes it only when every statement is a SELECT, reporting the statement count. String
 * matching would be fooled by comments, quoting and the many statement forms; DuckDB's
 * configuration lock-down alone still allows COPY and ATTACH inside the data folder
 * (DESIGN.md). The only text handled here is a leading EXPLAIN [ANALYZE] keyword, whose remainder
 * must pass the same parser check.
 */
final class ReadOnlySqlGuard {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * An admitted statement: its text, the leading {@code EXPLAIN [ANALYZE]} it began with (empty
     * when none) and DuckDB's parse tree of the rest, which {@link #render} turns back into SQL.
     */
    record Admitted(String original, String explainPrefix, JsonNode parsed) {
    }

    /** Throws {@link QueryException.Reason#REJECTED} or {@code INVALID} unless {@code sql} is admitted. */
    Admitted check(Connection connection, String sql) throws QueryException {
        if (sql == null || sql.isBlank()) {
            throw new QueryException(QueryException.Reason.REJECTED, "the query is empty");
        }
        String body = withoutLeadingExplain(sql);
        JsonNode parsed;
        try {
            parsed = parse(connection, body);
        } catch (SQLException | java.io.IOException e) {
            throw new QueryException(QueryException.Reason.INVALID, "cannot parse the query: " + e.getMessage(), e);
        }
        if (parsed.path("error").asBoolean(false)) {
            String type = parsed.path("error_type").asText("");
            String message = parsed.path("error_message").asText("");
            if (type.equals("not implemented")) {
                throw new QueryException(QueryException.Reason.REJECTED,
                        "only read-only queries are allowed (SELECT, WITH … SELECT, EXPLAIN); "
                                + "COPY, ATTACH, INSTALL, LOAD, SET, PRAGMA, CREATE, INSERT, UPDATE and DELETE are refused");
            }
            throw new QueryException(QueryException.Reason.INVALID, message.isEmpty() ? type : message);
        }
        int statements = parsed.path("statements").size();
        if (statements != 1) {
            throw new QueryException(QueryException.Reason.REJECTED,
                    "send exactly one statement per request (got " + statements + ")");
        }
        return new Admitted(sql, sql.substring(0, sql.length() - body.length()), parsed);
    }

    /** DuckDB's parse tree of {@code sql}; it reports a parse error, or a statement other than SELECT, in its fields. */
    static JsonNode parse(Connection connection, String sql) throws SQLException, java.io.IOException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT json_serialize_sql(?::VARCHAR)")) {
            statement.setString(1, sql);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return JSON.readTree(rs.getString(1));
            }
        }
    }

    /**
     * The one SELECT of {@code parsed} as DuckDB renders it (no comments, no trailing semicolon),
     * ready to be wrapped as a subquery; null when DuckDB cannot render it.
     */
    static String render(Connection connection, JsonNode parsed) {
        try (PreparedStatement statement = connection.prepareStatement("SELECT json_deserialize_sql(?::JSON)")) {
            statement.setString(1, parsed.toString());
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        } catch (SQLException e) {
            return null;
        }
    }

    /** The text after a leading {@code EXPLAIN [ANALYZE]}, or the text itself. */
    static String withoutLeadingExplain(String sql) {
        int i = skipSpaceAndComments(sql, 0);
        if (!keywordAt(sql, i, "explain")) {
            return sql;
        }
        i = skipSpaceAndComments(sql, i + "explain".length());
        if (keywordAt(sql, i, "analyze")) {
            i = skipSpaceAndComments(sql, i + "analyze".length());
        }
        return sql.substring(i);
    }

    private static boolean keywordAt(String sql, int i, String keyword) {
        int end = i + keyword.length();
        return end <= sql.length()
                && sql.substring(i, end).toLowerCase(Locale.ROOT).equals(keyword)
                && (end == sql.length() || !Character.isLetterOrDigit(sql.charAt(end)) && sql.charAt(end) != '_');
    }

    private static int skipSpaceAndComments(String sql, int i) {
        while (i < sql.length()) {
            if (Character.isWhitespace(sql.charAt(i))) {
                i++;
            } else if (sql.startsWith("--", i)) {
                int newline = sql.indexOf('\n', i);
                i = newline < 0 ? sql.length() : newline + 1;
            } else if (sql.startsWith("/*", i)) {
                int close = sql.indexOf("*/", i + 2);
                i = close < 0 ? sql.length() : close + 2;
            } else {
                break;
            }
        }
        return i;
    }
}
