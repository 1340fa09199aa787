package io.contrail.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * DuckDB's own parser, as the engine's only way to read SQL text: {@code json_serialize_sql} turns
 * text into a parse tree (JSON), {@code json_deserialize_sql} a tree back into text. Counts the trees
 * it produced, so that a test can hold the {@link StatementPipeline} to parsing a statement once.
 * Thread-safe.
 */
final class SqlParser {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final AtomicLong parses = new AtomicLong();

    /** DuckDB's parse tree of {@code sql}; it reports a parse error, or a statement other than SELECT, in its fields. */
    JsonNode parse(Connection connection, String sql) throws SQLException, IOException {
        parses.incrementAndGet();
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
    String render(Connection connection, JsonNode parsed) {
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

    /** How many parse trees this parser has produced. */
    long parses() {
        return parses.get();
    }
}
