package io.contrail.lake;

import io.contrail.columnar.SpanSchema;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What happens when one attribute key arrives with different types in different files. A span file types
 * each attribute column by the values it holds ({@code attr.retry} is BIGINT in one file, VARCHAR in the
 * next), but an Iceberg column keeps its type (only int → long and float → double widen). So the table's
 * column keeps the type of the first file that had the key, and a later file whose column has another type
 * is rewritten before it is added: that column's values move, as text, into the file's overflow map
 * ({@code attr_overflow} or {@code resource_overflow}, key without its prefix), where the views, the search
 * and the trace APIs find keys without a column of their own. Text is DuckDB's cast ({@code 7},
 * {@code 0.25}, {@code true}); arrays are JSON ({@code [1,2]}).
 */
final class TypeConflicts {

    private TypeConflicts() {
    }

    /**
     * Writes {@code file} again as {@code target} with the {@code columns} moved into the overflow maps;
     * every other column, the row order and the schema version stay.
     */
    static void rewrite(Path file, Set<String> columns, Path target) throws IOException {
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = db.createStatement()) {
            // Not the folder's date and hour: those are the table's partition values, not columns of a file.
            String source = "read_parquet(" + literal(file.toString()) + ", hive_partitioning = false)";
            Set<String> present = new HashSet<>();
            List<String> listColumns = new ArrayList<>();
            try (ResultSet rs = sql.executeQuery("DESCRIBE SELECT * FROM " + source)) {
                while (rs.next()) {
                    present.add(rs.getString(1));
                    if (rs.getString(2).endsWith("[]")) {
                        listColumns.add(rs.getString(1));
                    }
                }
            }
            String version = null;
            try (ResultSet rs = sql.executeQuery("SELECT decode(value) FROM parquet_kv_metadata(" + literal(file.toString())
                    + ") WHERE decode(key) = " + literal(SpanSchema.VERSION_METADATA_KEY))) {
                if (rs.next()) {
                    version = rs.getString(1);
                }
            }
            List<String> excluded = new ArrayList<>();
            StringBuilder replaced = new StringBuilder();
            for (String[] family : new String[][] {
                    {SpanSchema.SPAN_ATTRIBUTE_PREFIX, SpanSchema.SPAN_ATTRIBUTE_OVERFLOW},
                    {SpanSchema.RESOURCE_ATTRIBUTE_PREFIX, SpanSchema.RESOURCE_ATTRIBUTE_OVERFLOW}}) {
                List<String> entries = new ArrayList<>();
                for (String column : columns) {
                    if (column.startsWith(family[0])) {
                        String text = listColumns.contains(column)
                                ? "CAST(to_json(" + identifier(column) + ") AS VARCHAR)"
                                : "CAST(" + identifier(column) + " AS VARCHAR)";
                        entries.add("{'k': " + literal(column.substring(family[0].length())) + ", 'v': " + text + "}");
                        excluded.add(identifier(column));
                    } else if (!column.startsWith(SpanSchema.SPAN_ATTRIBUTE_PREFIX)
                            && !column.startsWith(SpanSchema.RESOURCE_ATTRIBUTE_PREFIX)) {
                        throw new IOException("column " + column + " of " + file.getFileName() + " has another type than "
                                + "the table's, and only attribute columns can move to an overflow map");
                    }
                }
                if (entries.isEmpty()) {
                    continue;
                }
                String existing = present.contains(family[1]) ? identifier(family[1]) : "NULL";
                if (present.contains(family[1])) {
                    excluded.add(identifier(family[1]));
                }
                replaced.append(", map_concat(coalesce(").append(existing).append(", MAP {}::MAP(VARCHAR, VARCHAR)), ")
                        .append("map_from_entries(list_transform(list_filter([").append(String.join(", ", entries))
                        .append("], lambda e: e.v IS NOT NULL), lambda e: {'key': e.k, 'value': e.v}))) AS ")
                        .append(identifier(family[1]));
            }
            String select = "SELECT * EXCLUDE (" + String.join(", ", excluded) + ")" + replaced + " FROM " + source;
            Path temp = target.resolveSibling("." + target.getFileName() + ".tmp");
            String metadata = version == null ? "" : ", KV_METADATA {" + literal(SpanSchema.VERSION_METADATA_KEY) + ": "
                    + literal(version) + "}";
            sql.execute("COPY (" + select + ") TO " + literal(temp.toString())
                    + " (FORMAT PARQUET, COMPRESSION ZSTD, PARQUET_VERSION V2" + metadata + ")");
            Files.move(temp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (SQLException e) {
            throw new IOException("could not rewrite " + file.getFileName() + " with its columns " + columns
                    + " in the overflow maps: " + e.getMessage(), e);
        }
    }

    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    private static String identifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
