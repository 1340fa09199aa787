package io.contrail.query;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Failures as whoever sent the query should see them: never with the data folder's absolute path
 * (shown as {@code <data>}), and for user SQL about the SQL they wrote rather than the statement that ran.
 */
final class QueryErrors {

    /** DuckDB's pointer into the statement text: {@code LINE 3: …} and a caret line under it. */
    private static final Pattern CONTEXT = Pattern.compile("(?s)\\s*\\bLINE \\d+:.*$");
    private static final Pattern MISSING_TABLE = Pattern.compile("Referenced table \"([^\"]+)\" not found");

    /** The data folder's absolute path as DuckDB may print it, longest first; never shown to users. */
    private final List<String> serverPaths;

    QueryErrors(Path dataDir) throws java.io.IOException {
        Path absolute = dataDir.toAbsolutePath().normalize();
        this.serverPaths = Stream.of(absolute.toString(), absolute.toRealPath().toString())
                .distinct().sorted(Comparator.comparing(String::length).reversed()).toList();
    }

    /** {@code message} with the data folder's absolute path replaced by {@code <data>}. */
    String withoutServerPaths(String message) {
        for (String path : serverPaths) {
            message = message.replace(path, "<data>");
        }
        return message;
    }

    /** {@link QueryException.Reason#INVALID}: {@code what} failed, with DuckDB's reason. */
    QueryException invalid(String what, Exception e) {
        return new QueryException(QueryException.Reason.INVALID, withoutServerPaths(what + ": " + e.getMessage()), e);
    }

    /** {@link QueryException.Reason#INVALID} with DuckDB's message as it is. */
    QueryException invalid(SQLException e) {
        return new QueryException(QueryException.Reason.INVALID, withoutServerPaths(messageOf(e)), e);
    }

    /**
     * User SQL's failure as the user should see it: about the SQL they wrote, not the statement
     * that ran (its reads of {@code spans} pointed at the files by absolute path, wrapped in the
     * row and byte caps), with no server path, and with a hint when a dotted attribute name was
     * left unquoted. Binding their own text through the views (only on this failure path) gives
     * DuckDB's message about it; when that binds, the statement failed while running, and
     * DuckDB's pointer into the statement that ran is dropped. {@code connection} null: the
     * failure was not the statement's.
     */
    QueryException userError(Connection connection, String sql, SQLException e) {
        String message = messageOf(e);
        boolean own = false;
        if (connection != null) {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.getMetaData();
            } catch (SQLException bindError) {
                message = messageOf(bindError);
                own = true;
            }
        }
        if (!own) {
            message = CONTEXT.matcher(message).replaceFirst("");
        }
        return new QueryException(QueryException.Reason.INVALID, withoutServerPaths(message + quotingHint(sql, message)), e);
    }

    /**
     * For {@code WHERE attr.http.route = …}, which DuckDB reads as column {@code route} of a table
     * {@code attr.http}: the advice to quote the attribute column's whole name.
     */
    static String quotingHint(String sql, String message) {
        Matcher missing = MISSING_TABLE.matcher(message);
        if (!missing.find()) {
            return "";
        }
        Matcher name = Pattern.compile("(?<![\\w.\"])" + Pattern.quote(missing.group(1)) + "\\.[A-Za-z_][A-Za-z0-9_]*",
                Pattern.CASE_INSENSITIVE).matcher(sql);
        if (!name.find()) {
            return "";
        }
        String column = name.group();
        String lower = column.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("attr.") && !lower.startsWith("resource.")) {
            return "";
        }
        return "\nHint: attribute columns have dots in their names; quote the whole name: \"" + column + "\"";
    }

    private static String messageOf(SQLException e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
