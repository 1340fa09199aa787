package io.contrail.http.flight;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contrail.query.QueryEngine;
import io.contrail.query.QueryException;
import io.contrail.query.SqlRequest;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Schema;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a statement will answer, learnt before it runs, for the Flight SQL calls that must say so first (a prepared
 * statement's result and parameter schemas, a FlightInfo's schema, the columns of a table): asked of the engine
 * through its user path like any query, never through a DuckDB connection of its own.
 *
 * <p>Placeholders ({@code ?}, {@code $1} …) are counted in DuckDB's own parse tree of the text
 * ({@code json_serialize_sql}, itself a read-only SELECT). The answer's Arrow schema is that of the statement as a
 * subquery filtered by {@code WHERE false}, its placeholders bound to NULL: DuckDB's optimizer replaces a filter
 * that is never true by an empty result, so nothing is read. When that form fails — {@code EXPLAIN}, a statement
 * DuckDB refuses — the statement as written runs, cut to no rows, so that the schema, or the engine's error about
 * the SQL the client sent, is the statement's own.
 */
final class StatementProbe {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PLACEHOLDERS = "SELECT CAST(json_serialize_sql(CAST($1 AS VARCHAR)) AS VARCHAR)";

    private StatementProbe() {
    }

    /** How many values {@code sql} takes: its distinct placeholders; 0 for text DuckDB cannot parse as a SELECT. */
    static int placeholders(QueryEngine engine, String sql) throws QueryException {
        String tree;
        try {
            tree = engine.query(new SqlRequest(PLACEHOLDERS, List.of(sql), 0, SqlRequest.Limit.NONE),
                    rows -> (String) rows.next().get(0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Set<String> identifiers = new TreeSet<>();
            collectParameters(JSON.readTree(tree), identifiers);
            return identifiers.size();
        } catch (IOException e) {
            throw new UncheckedIOException("DuckDB's parse tree is not JSON", e);
        }
    }

    private static void collectParameters(JsonNode node, Set<String> identifiers) {
        if (node.isObject() && "PARAMETER".equals(node.path("class").asText())) {
            identifiers.add(node.path("identifier").asText());
        }
        for (JsonNode child : node) {
            collectParameters(child, identifiers);
        }
    }

    /** The schema of {@code sql}'s answer, with {@code placeholders} values, each NULL, bound. */
    static Schema answerSchema(QueryEngine engine, String sql, int placeholders) throws QueryException {
        List<Object> nulls = new ArrayList<>(Collections.nCopies(placeholders, null));
        String subquery = withoutTrailingSemicolons(sql);
        try {
            return schemaOf(engine, new SqlRequest("SELECT * FROM (\n" + subquery + "\n) AS contrail_probe WHERE false",
                    nulls, 0, SqlRequest.Limit.NONE));
        } catch (QueryException wrapped) {
            return schemaOf(engine, new SqlRequest(sql, nulls, 0, SqlRequest.Limit.rows(0)));
        }
    }

    /** The Arrow schema of a view or table, by its catalog, schema and name as the catalog lists them. */
    static Schema relationSchema(QueryEngine engine, String catalog, String schema, String name) throws QueryException {
        return schemaOf(engine, new SqlRequest("SELECT * FROM " + quoted(catalog) + "." + quoted(schema) + "."
                + quoted(name) + " WHERE false", List.of(), 0, SqlRequest.Limit.NONE));
    }

    private static String quoted(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    /**
     * The text without the semicolons (and blanks) that may end it, which a subquery cannot hold; a semicolon
     * inside a trailing comment goes too, which changes nothing.
     */
    private static String withoutTrailingSemicolons(String sql) {
        int end = sql.length();
        while (end > 0 && (sql.charAt(end - 1) == ';' || Character.isWhitespace(sql.charAt(end - 1)))) {
            end--;
        }
        return sql.substring(0, end);
    }

    private static Schema schemaOf(QueryEngine engine, SqlRequest request) throws QueryException {
        Schema[] schema = new Schema[1];
        try {
            engine.queryArrow(request, new QueryEngine.ArrowBatches() {
                @Override
                public void start(Schema answer, boolean truncated) {
                    schema[0] = answer;
                }

                @Override
                public void batch(ArrowRecordBatch batch) {
                    // No rows are asked for.
                }

                @Override
                public void end() {
                }
            });
        } catch (IOException e) {
            // Nothing is written anywhere.
            throw new UncheckedIOException(e);
        }
        return schema[0];
    }
}
