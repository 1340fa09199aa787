package io.contrail.query;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Locale;

/**
 * Admits exactly one read-only statement: SELECT (with or without WITH, VALUES, FROM-first) or
 * EXPLAIN of one.
 *
 * <p>The decision is made by DuckDB's own parser: {@code json_serialize_sql} parses the text (once, in the
 * {@link StatementPipeline}'s parse stage) and serializes it only when every statement is a SELECT,
 * reporting the statement count; the guard reads that tree. String
 * matching would be fooled by comments, quoting and the many statement forms; DuckDB's
 * configuration lock-down alone still allows COPY and ATTACH inside the data folder
 * (DESIGN.md). The only text handled here is a leading EXPLAIN [ANALYZE] keyword, whose remainder
 * must pass the same parser check.
 */
final class ReadOnlySqlGuard {

    /**
     * Throws {@link QueryException.Reason#REJECTED} or {@code INVALID} unless {@code statement}, as DuckDB
     * parsed it (the {@link StatementPipeline}'s parse stage), is admitted.
     */
    void check(StatementPipeline.Parsed statement) throws QueryException {
        JsonNode parsed = statement.tree();
        if (parsed.path("error").asBoolean(false)) {
            String type = parsed.path("error_type").asText("");
            String message = parsed.path("error_message").asText("");
            if (type.equals("not implemented")) {
                throw new QueryException(QueryException.Reason.REJECTED,
                        "only read-only queries are allowed (SELECT, WITH … SELECT, EXPLAIN); "
                                + "COPY, ATTACH, INSTALL, LOAD, SET, PRAGMA, CREATE, INSERT, UPDATE and DELETE are refused");
            }
            throw new QueryException(QueryException.Reason.INVALID, (message.isEmpty() ? type : message)
                    + where(statement.text(), statement.explainPrefix().length(), parsed.path("position").asText("")));
        }
        refuseServerInternals(parsed);
        int statements = parsed.path("statements").size();
        if (statements != 1) {
            throw new QueryException(QueryException.Reason.REJECTED,
                    "send exactly one statement per request (got " + statements + ")");
        }
    }

    /** The folder inside the data folder where DuckDB spills; never readable from user SQL. */
    static final String TEMP_FOLDER = ".duckdb-tmp";

    /**
     * Functions and catalog views that show the server's configuration or the text of its views
     * (absolute file paths, the user it runs as): settings, extension and secret folders, temporary
     * files, view definitions.
     */
    static final java.util.Set<String> SERVER_INTERNALS = java.util.Set.of("duckdb_settings", "current_setting",
            "pg_settings", "duckdb_extensions", "duckdb_temporary_files", "duckdb_secrets", "which_secret",
            "duckdb_views", "pg_views", "views", "sqlite_master", "sqlite_schema", "sqlite_temp_master",
            "duckdb_functions", "duckdb_logs", "duckdb_log_contexts");

    /**
     * Refuses a statement that calls or reads one of {@link #SERVER_INTERNALS}, or names the
     * {@link #TEMP_FOLDER} in a string or table name (DuckDB lets any query read its temp folder).
     */
    private static void refuseServerInternals(JsonNode node) throws QueryException {
        if (node.isObject()) {
            for (String field : new String[] {"function_name", "table_name"}) {
                String name = node.path(field).asText("").toLowerCase(Locale.ROOT);
                boolean catalogViews = !name.equals("views")
                        || node.path("schema_name").asText("").equalsIgnoreCase("information_schema");
                if (SERVER_INTERNALS.contains(name) && catalogViews) {
                    throw new QueryException(QueryException.Reason.REJECTED, name
                            + " is not available through Contrail: it shows the server's configuration or file paths");
                }
            }
        }
        if (node.isTextual() && node.asText().toLowerCase(Locale.ROOT).contains(TEMP_FOLDER)) {
            throw new QueryException(QueryException.Reason.REJECTED,
                    "DuckDB's temporary folder (" + TEMP_FOLDER + ") is not readable");
        }
        for (JsonNode child : node) {
            refuseServerInternals(child);
        }
    }

    /**
     * " at line L, column C" for the parser's {@code position} (a byte offset into the UTF-8 of the
     * text it parsed, which starts at {@code offset} in {@code sql}); empty when it gave none.
     */
    static String where(String sql, int offset, String position) {
        int bytes;
        try {
            bytes = Integer.parseInt(position);
        } catch (NumberFormatException e) {
            return "";
        }
        int at = offset;
        while (at < sql.length() && bytes > 0) {
            int codePoint = sql.codePointAt(at);
            bytes -= codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
            at += Character.charCount(codePoint);
        }
        int lineStart = sql.lastIndexOf('\n', at - 1) + 1;
        long line = 1 + sql.substring(0, lineStart).chars().filter(c -> c == '\n').count();
        return " at line " + line + ", column " + (sql.codePointCount(lineStart, at) + 1);
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
