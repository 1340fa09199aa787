package io.contrail.columnar;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers, per attribute column, whether the files hold it as a list or as a scalar, so that no
 * file is written with the other shape: DuckDB's {@code union_by_name} cannot read a column that
 * is a list in one file and a scalar in another (it picks the list and fails to cast). A key
 * first stored as a list keeps list shape (later scalars become one-element {@code VARCHAR[]});
 * a key first stored as a scalar keeps scalar shape (later arrays become JSON text).
 * Column names compare case-insensitively for ASCII letters, as DuckDB's do
 * ({@link SpanSchema#foldedColumnName}).
 */
final class AttributeShapes {

    private final Map<String, Boolean> listByColumn = new ConcurrentHashMap<>();

    /** Reads the shapes of the attribute columns of existing span files. */
    static AttributeShapes load(Connection duckdb, List<Path> files, String glob) throws SQLException {
        AttributeShapes shapes = new AttributeShapes();
        if (files.isEmpty()) {
            return shapes;
        }
        String sql = "SELECT name, bool_or(converted_type = 'LIST') FROM parquet_schema('"
                + glob.replace("'", "''") + "') WHERE starts_with(name, '" + SpanSchema.SPAN_ATTRIBUTE_PREFIX
                + "') OR starts_with(name, '" + SpanSchema.RESOURCE_ATTRIBUTE_PREFIX + "') GROUP BY name";
        try (Statement statement = duckdb.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            while (rs.next()) {
                shapes.record(rs.getString(1), rs.getBoolean(2));
            }
        }
        return shapes;
    }

    /** True/false when files already hold {@code column} as a list/scalar; null when unseen. */
    Boolean isList(String column) {
        return listByColumn.get(SpanSchema.foldedColumnName(column));
    }

    void record(String column, boolean list) {
        listByColumn.putIfAbsent(SpanSchema.foldedColumnName(column), list);
    }
}
