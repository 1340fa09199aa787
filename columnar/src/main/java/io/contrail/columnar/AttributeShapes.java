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
 *
 * <p>It is also the table's list of attribute columns, and holds their bound: once the files have
 * {@link #maxColumns} attribute columns (span and resource together), a key without one goes to the overflow
 * column of its family ({@link SpanSchema#SPAN_ATTRIBUTE_OVERFLOW}) instead of getting a column.
 */
final class AttributeShapes {

    /**
     * The default bound on attribute columns: as many as ClickHouse's JSON type keeps as columns of their own
     * ({@code max_dynamic_paths}) before the rest go to its shared data. The bench workload has ~150.
     */
    static final int DEFAULT_MAX_COLUMNS = 1024;

    private final Map<String, Boolean> listByColumn = new ConcurrentHashMap<>();
    private final int maxColumns;

    AttributeShapes() {
        this(DEFAULT_MAX_COLUMNS);
    }

    AttributeShapes(int maxColumns) {
        this.maxColumns = maxColumns;
    }

    /** Reads the shapes of the attribute columns of existing span files. */
    static AttributeShapes load(Connection duckdb, List<Path> files, String glob, int maxColumns) throws SQLException {
        AttributeShapes shapes = new AttributeShapes(maxColumns);
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

    /** How many attribute columns the files have (a key differing only in ASCII case from another: one). */
    int columnCount() {
        return listByColumn.size();
    }

    int maxColumns() {
        return maxColumns;
    }
}
