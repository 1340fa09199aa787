package io.contrail.http.flight;

import io.contrail.query.QueryEngine;
import io.contrail.query.QueryException;
import io.contrail.query.SqlRequest;
import org.apache.arrow.flight.sql.FlightSqlColumnMetadata;
import org.apache.arrow.flight.sql.FlightSqlProducer.Schemas;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetDbSchemas;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetTables;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The catalog calls a SQL client makes to show what it can query (DBeaver's navigator, JDBC's
 * {@code DatabaseMetaData}, ADBC's {@code get_objects}): catalogs, schemas, tables with their columns, table types.
 * What is listed is what a query reads: the views the engine defines in its own schema — {@code spans} and every
 * other —, as DuckDB's {@code information_schema} lists them, asked through the engine's user path like any query.
 * A table's columns ({@code include_schema}) are the Arrow schema a query over it answers, each column carrying
 * DuckDB's name for its type. Name patterns are SQL {@code LIKE} patterns with {@code \} as escape, as JDBC
 * clients send them, matched by DuckDB.
 */
final class CatalogAnswers {

    /** The relations a client may list: the engine's views, in its own catalog and schema. */
    private static final String RELATIONS = "SELECT table_catalog, table_schema, table_name, table_type "
            + "FROM information_schema.tables WHERE table_catalog = current_database() "
            + "AND table_schema = current_schema() AND table_type = 'VIEW'";
    private static final String MATCHING = "SELECT * FROM (" + RELATIONS + ") WHERE ($1 IS NULL OR table_catalog = $1) "
            + "AND table_schema LIKE $2 ESCAPE '\\' AND table_name LIKE $3 ESCAPE '\\' ORDER BY 1, 2, 3";
    private static final String COLUMN_TYPES = "SELECT table_name, column_name, data_type FROM information_schema.columns "
            + "WHERE table_catalog = current_database() AND table_schema = current_schema()";
    private static final String ANY = "%";

    private CatalogAnswers() {
    }

    static VectorSchemaRoot catalogs(QueryEngine engine, BufferAllocator allocator) throws QueryException {
        List<List<Object>> rows = query(engine, "SELECT DISTINCT table_catalog FROM (" + RELATIONS + ") ORDER BY 1");
        return answer(Schemas.GET_CATALOGS_SCHEMA, rows, allocator);
    }

    static VectorSchemaRoot schemas(QueryEngine engine, CommandGetDbSchemas request, BufferAllocator allocator)
            throws QueryException {
        List<List<Object>> rows = query(engine, "SELECT DISTINCT table_catalog, table_schema FROM (" + MATCHING
                + ") ORDER BY 1, 2", request.hasCatalog() ? request.getCatalog() : null,
                request.hasDbSchemaFilterPattern() ? request.getDbSchemaFilterPattern() : ANY, ANY);
        return answer(Schemas.GET_SCHEMAS_SCHEMA, rows, allocator);
    }

    static VectorSchemaRoot tables(QueryEngine engine, CommandGetTables request, BufferAllocator allocator)
            throws QueryException {
        List<List<Object>> rows = new ArrayList<>();
        for (List<Object> row : query(engine, MATCHING, request.hasCatalog() ? request.getCatalog() : null,
                request.hasDbSchemaFilterPattern() ? request.getDbSchemaFilterPattern() : ANY,
                request.hasTableNameFilterPattern() ? request.getTableNameFilterPattern() : ANY)) {
            if (request.getTableTypesCount() == 0 || request.getTableTypesList().contains((String) row.get(3))) {
                rows.add(new ArrayList<>(row));
            }
        }
        if (!request.getIncludeSchema()) {
            return answer(Schemas.GET_TABLES_SCHEMA_NO_SCHEMA, rows, allocator);
        }
        Map<String, Map<String, String>> typeNames = columnTypeNames(engine);
        for (List<Object> row : rows) {
            String catalog = (String) row.get(0);
            String schema = (String) row.get(1);
            String table = (String) row.get(2);
            Schema columns = StatementProbe.relationSchema(engine, catalog, schema, table);
            row.add(described(columns, catalog, schema, table, typeNames.getOrDefault(table, Map.of()))
                    .serializeAsMessage());
        }
        return answer(Schemas.GET_TABLES_SCHEMA, rows, allocator);
    }

    static VectorSchemaRoot tableTypes(QueryEngine engine, BufferAllocator allocator) throws QueryException {
        List<List<Object>> rows = query(engine, "SELECT DISTINCT table_type FROM (" + RELATIONS + ") ORDER BY 1");
        return answer(Schemas.GET_TABLE_TYPES_SCHEMA, rows, allocator);
    }

    /** DuckDB's type name of every column of every relation, by relation and column. */
    private static Map<String, Map<String, String>> columnTypeNames(QueryEngine engine) throws QueryException {
        Map<String, Map<String, String>> types = new HashMap<>();
        for (List<Object> row : query(engine, COLUMN_TYPES)) {
            types.computeIfAbsent((String) row.get(0), table -> new HashMap<>()).put((String) row.get(1), (String) row.get(2));
        }
        return types;
    }

    /** {@code columns} with Flight SQL's column metadata: where each column is, and DuckDB's name for its type. */
    private static Schema described(Schema columns, String catalog, String schema, String table,
                                    Map<String, String> typeNames) {
        List<Field> fields = new ArrayList<>();
        for (Field field : columns.getFields()) {
            FlightSqlColumnMetadata.Builder metadata = new FlightSqlColumnMetadata.Builder()
                    .catalogName(catalog).schemaName(schema).tableName(table).isReadOnly(true);
            String typeName = typeNames.get(field.getName());
            if (typeName != null) {
                metadata.typeName(typeName);
            }
            FieldType type = field.getFieldType();
            fields.add(new Field(field.getName(), new FieldType(type.isNullable(), type.getType(), type.getDictionary(),
                    metadata.build().getMetadataMap()), field.getChildren()));
        }
        return new Schema(fields);
    }

    private static List<List<Object>> query(QueryEngine engine, String sql, Object... parameters) throws QueryException {
        try {
            return engine.query(new SqlRequest(sql, Arrays.asList(parameters), 0, SqlRequest.Limit.NONE), rows -> {
                List<List<Object>> all = new ArrayList<>();
                for (List<Object> row = rows.next(); row != null; row = rows.next()) {
                    all.add(row);
                }
                return all;
            });
        } catch (IOException e) {
            // Collecting rows in a list does no I/O.
            throw new UncheckedIOException(e);
        }
    }

    /** {@code rows} as an answer of {@code schema}, whose columns are text or bytes. */
    private static VectorSchemaRoot answer(Schema schema, List<List<Object>> rows, BufferAllocator allocator) {
        VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        try {
            List<FieldVector> vectors = root.getFieldVectors();
            for (int column = 0; column < vectors.size(); column++) {
                FieldVector vector = vectors.get(column);
                vector.allocateNew();
                for (int row = 0; row < rows.size(); row++) {
                    Object value = rows.get(row).get(column);
                    if (value == null) {
                        vector.setNull(row);
                    } else if (vector instanceof VarCharVector text) {
                        text.setSafe(row, ((String) value).getBytes(StandardCharsets.UTF_8));
                    } else {
                        ((VarBinaryVector) vector).setSafe(row, (byte[]) value);
                    }
                }
                vector.setValueCount(rows.size());
            }
            root.setRowCount(rows.size());
            return root;
        } catch (RuntimeException e) {
            root.close();
            throw e;
        }
    }
}
