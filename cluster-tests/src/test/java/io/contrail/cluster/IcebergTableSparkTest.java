package io.contrail.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Metrics;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.mapping.MappingUtil;
import org.apache.iceberg.mapping.NameMapping;
import org.apache.iceberg.mapping.NameMappingParser;
import org.apache.iceberg.parquet.ParquetSchemaUtil;
import org.apache.iceberg.parquet.ParquetUtil;
// Iceberg's Spark runtime jar carries Parquet relocated; product code on iceberg-parquet uses org.apache.parquet.
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.iceberg.shaded.org.apache.parquet.io.LocalInputFile;
import org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType;
import org.apache.iceberg.types.Types;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feasibility: Contrail's span Parquet files (written by DuckDB, as Contrail writes them) registered as they
 * are in one Apache Iceberg table (JDBC catalog on PostgreSQL, data and metadata on S3), and read back by
 * Iceberg's own reader and by Spark.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IcebergTableSparkTest {

    static final String BUCKET = "lake";
    static final String CATALOG = "contrail";
    static final Namespace NAMESPACE = Namespace.of("traces");

    @TempDir
    static Path work;
    static S3Server s3;
    static CatalogDatabase database;
    static JdbcCatalog catalog;
    static SparkSession spark;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3Server.start(work.resolve("s3"));
        s3.createBucket(BUCKET);
        database = CatalogDatabase.start(work.resolve("catalog-db"));
        catalog = new JdbcCatalog();
        catalog.initialize(CATALOG, catalogProperties());
        catalog.createNamespace(NAMESPACE);
        SparkSession.Builder builder = SparkSession.builder()
                .master("local[1]")
                .appName("contrail-iceberg-feasibility")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "1")
                .config("spark.local.dir", work.resolve("spark-local").toString())
                .config("spark.sql.warehouse.dir", work.resolve("spark-warehouse").toUri().toString())
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.catalog." + CATALOG, "org.apache.iceberg.spark.SparkCatalog")
                .config("spark.sql.catalog." + CATALOG + ".type", "jdbc");
        for (Map.Entry<String, String> property : catalogProperties().entrySet()) {
            builder.config("spark.sql.catalog." + CATALOG + "." + property.getKey(), property.getValue());
        }
        spark = builder.getOrCreate();
    }

    @AfterAll
    static void stop() throws IOException {
        if (spark != null) {
            spark.stop();
        }
        if (catalog != null) {
            catalog.close();
        }
        if (database != null) {
            database.stop();
        }
        if (s3 != null) {
            s3.stop();
        }
    }

    static Map<String, String> catalogProperties() {
        Map<String, String> properties = new HashMap<>();
        properties.put(CatalogProperties.URI, database.jdbcUrl());
        properties.put("jdbc.user", database.user());
        properties.put("jdbc.password", database.password());
        properties.put(CatalogProperties.WAREHOUSE_LOCATION, "s3://" + BUCKET + "/warehouse");
        properties.put(CatalogProperties.FILE_IO_IMPL, "org.apache.iceberg.aws.s3.S3FileIO");
        properties.put("s3.endpoint", s3.endpoint().toString());
        properties.put("s3.path-style-access", "true");
        properties.put("s3.access-key-id", s3.accessKey());
        properties.put("s3.secret-access-key", s3.secretKey());
        properties.put("client.region", s3.region());
        return properties;
    }

    static final String SPANS = CATALOG + "." + NAMESPACE + ".spans";
    static final String EPOCH_NS_OF_FIRST = "1772359200000000000";

    /**
     * Iceberg format v2 has no nanosecond timestamp; v3 has timestamp_ns, which Iceberg's own reader reads,
     * but Spark (4.1.3 with Iceberg 1.12.0; Iceberg's TypeToSparkType has no case for it in any of its Spark
     * runtimes) cannot even load such a table.
     */
    @Test
    @Order(1)
    void nanosecondTimestampsNeedFormatV3AndSparkCannotLoadThem() throws Exception {
        Path file = writeSpanFile(work.resolve("spans-1.parquet"), 0, 2000, "");
        Schema fileSchema = ParquetSchemaUtil.convert(parquetSchema(file));
        assertThat(fileSchema.findType("start_time")).isEqualTo(Types.TimestampNanoType.withoutZone());
        assertThat(fileSchema.findType("events.element.time")).isEqualTo(Types.TimestampNanoType.withoutZone());
        // DuckDB's JSON is a Parquet string with the JSON annotation: Iceberg makes it a string.
        assertThat(fileSchema.findType("events.element.attributes")).isEqualTo(Types.StringType.get());

        assertThatThrownBy(() -> createTable("spans_ns_v2", fileSchema, 2, Map.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Invalid type for start_time: timestamp_ns is not supported until v3")
                .hasMessageContaining("Invalid type for events.element.time: timestamp_ns is not supported until v3");

        Table v3 = createTable("spans_ns_v3", fileSchema, 3, Map.of());
        append(v3, file, "date=2026-03-01/hour=10");
        assertThat(icebergRecordCount(v3)).isEqualTo(2000);
        try (CloseableIterable<Record> records = IcebergGenerics.read(v3)
                .where(Expressions.equal("span_id", "00000000000f4241")).build()) {
            Record second = records.iterator().next();
            assertThat(second.getField("start_time")).isEqualTo(LocalDateTime.of(2026, 3, 1, 10, 0, 1, 7));
            assertThat(second.getField("date")).isEqualTo(LocalDate.of(2026, 3, 1));
            assertThat(second.getField("hour")).isEqualTo(10);
        }
        assertThatThrownBy(() -> spark.table(CATALOG + "." + NAMESPACE + ".spans_ns_v3").schema())
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessage("Cannot convert unsupported type to Spark: timestamp_ns");
    }

    /**
     * What works: the nanosecond columns declared as Iceberg {@code long} (epoch nanoseconds, as the files hold
     * them), Parquet vectorized reads off. Spark then reads the files as they are.
     */
    @Test
    @Order(2)
    void sparkReadsTheSpanFilesAsTheyAre() throws Exception {
        Path file = work.resolve("spans-1.parquet");
        Table table = createTable("spans", nanosAsLong(ParquetSchemaUtil.convert(parquetSchema(file))), 2,
                Map.of(TableProperties.PARQUET_VECTORIZATION_ENABLED, "false"));
        append(table, file, "date=2026-03-01/hour=10");
        assertThat(icebergRecordCount(table)).isEqualTo(2000);

        String local = "read_parquet('" + file.toAbsolutePath() + "')";
        assertThat(sparkLongs("SELECT 'all', count(*) FROM " + SPANS)).isEqualTo(Map.of("all", 2000L));
        assertThat(sparkLongs("SELECT service_name, count(*) FROM " + SPANS + " GROUP BY service_name"))
                .isEqualTo(duckDbLongs("SELECT service_name, count(*) FROM " + local + " GROUP BY service_name"))
                .hasSize(3);
        assertThat(sparkLongs("SELECT service_name, sum(duration_nanos) FROM " + SPANS + " GROUP BY service_name"))
                .isEqualTo(duckDbLongs("SELECT service_name, sum(duration_nanos) FROM " + local + " GROUP BY service_name"));
        assertThat(sparkLongs("SELECT 'hour', count(*) FROM " + SPANS + " WHERE date = DATE '2026-03-01' AND hour = 10"))
                .isEqualTo(Map.of("hour", 2000L));
        assertThat(sparkLongs("SELECT 'hour', count(*) FROM " + SPANS + " WHERE date = DATE '2026-03-01' AND hour = 11"))
                .isEqualTo(Map.of("hour", 0L));
        assertThat(sparkLongs("SELECT `attr.http.route`, count(*) FROM " + SPANS + " WHERE `attr.http.route` = '/pay' GROUP BY 1"))
                .isEqualTo(duckDbLongs("SELECT \"attr.http.route\", count(*) FROM " + local
                        + " WHERE \"attr.http.route\" = '/pay' GROUP BY 1"))
                .containsOnlyKeys("/pay");

        // Types as Spark sees them, and the nanoseconds kept (epoch_ns in DuckDB = the long in Spark).
        StructType sparkSchema = spark.table(SPANS).schema();
        assertThat(sparkSchema.apply("start_time").dataType()).isEqualTo(DataTypes.LongType);
        assertThat(sparkSchema.apply("events").dataType().simpleString())
                .isEqualTo("array<struct<time:bigint,name:string,attributes:string,dropped_attributes_count:int>>");
        assertThat(sparkSchema.apply("date").dataType()).isEqualTo(DataTypes.DateType);
        assertThat(sparkSchema.apply("hour").dataType()).isEqualTo(DataTypes.IntegerType);
        assertThat(sparkLongs("SELECT span_id, start_time FROM " + SPANS))
                .isEqualTo(duckDbLongs("SELECT span_id, epoch_ns(start_time) FROM " + local));
        assertThat(sparkLongs("SELECT span_id, events[0].time FROM " + SPANS + " WHERE size(events) > 0"))
                .isEqualTo(duckDbLongs("SELECT span_id, epoch_ns(events[1].time) FROM " + local + " WHERE len(events) > 0"));
        assertThat(spark.sql("SELECT events[0].attributes FROM " + SPANS + " WHERE span_id = '00000000000f4240'")
                .first().getString(0)).isEqualTo("{\"attempt\":0,\"reason\":\"timeout\"}");
        // A Spark timestamp (microseconds) from the long, for who wants one:
        assertThat(spark.sql("SELECT CAST(timestamp_micros(start_time DIV 1000) AS STRING) FROM " + SPANS
                + " WHERE span_id = '00000000000f4241'").first().getString(0)).isEqualTo("2026-03-01 10:00:01");
        // Pruning by the footer's min/max: exact, since the long column holds what the file holds.
        assertThat(sparkLongs("SELECT 'late', count(*) FROM " + SPANS + " WHERE start_time > " + EPOCH_NS_OF_FIRST + " * 2"))
                .isEqualTo(Map.of("late", 0L));

        // With Iceberg's vectorized Parquet reader (the default, used when only primitive columns are read), the
        // same table fails: it takes the type from the file's TIMESTAMP(NANOS) annotation and casts the column's.
        assertThatThrownBy(() -> spark.read().option("vectorization-enabled", "true").table(SPANS)
                .select("start_time").collectAsList())
                .hasStackTraceContaining("class org.apache.iceberg.types.Types$LongType cannot be cast to class "
                        + "org.apache.iceberg.types.Types$TimestampNanoType");
    }

    /** A second file with one more column: the table's schema grows by name, the older rows read NULL. */
    @Test
    @Order(3)
    void schemaEvolutionByName() throws Exception {
        Table table = catalog.loadTable(TableIdentifier.of(NAMESPACE, "spans"));
        Path file = writeSpanFile(work.resolve("spans-2.parquet"), 2000, 500,
                ", 'v' || (i % 7)::VARCHAR AS \"attr.new.key\"");
        table.updateSchema().unionByNameWith(nanosAsLong(ParquetSchemaUtil.convert(parquetSchema(file)))).commit();
        refreshNameMapping(table);
        append(table, file, "date=2026-03-01/hour=11");

        assertThat(table.schema().findType("attr.new.key")).isEqualTo(Types.StringType.get());
        spark.sql("REFRESH TABLE " + SPANS);
        assertThat(sparkLongs("SELECT hour, count(`attr.new.key`) FROM " + SPANS + " GROUP BY hour"))
                .isEqualTo(Map.of("10", 0L, "11", 500L));
        assertThat(sparkLongs("SELECT hour, count(*) FROM " + SPANS + " WHERE `attr.new.key` IS NULL GROUP BY hour"))
                .isEqualTo(Map.of("10", 2000L));
    }

    /** A third file where attr.retry.count is VARCHAR instead of BIGINT: observed, not solved. */
    @Test
    @Order(4)
    void typeConflict() throws Exception {
        Table table = catalog.loadTable(TableIdentifier.of(NAMESPACE, "spans"));
        Path file = writeSpanFile(work.resolve("spans-3.parquet"), 2500, 300, "").getParent().resolve("spans-3.parquet");
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = duck.createStatement()) {
            Path typed = work.resolve("spans-3-typed.parquet");
            Files.move(file, typed);
            statement.execute("COPY (SELECT * REPLACE (CASE WHEN \"attr.retry.count\" IS NULL THEN NULL ELSE 'n'"
                    + " || \"attr.retry.count\"::VARCHAR END AS \"attr.retry.count\") FROM read_parquet('" + typed
                    + "')) TO '" + file + "' (FORMAT parquet, COMPRESSION zstd)");
        }
        Schema fileSchema = nanosAsLong(ParquetSchemaUtil.convert(parquetSchema(file)));
        assertThat(fileSchema.findType("attr.retry.count")).isEqualTo(Types.StringType.get());
        assertThatThrownBy(() -> table.updateSchema().unionByNameWith(fileSchema).commit())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Cannot change column type: attr.retry.count: long -> string");

        // Appended anyway (the name mapping maps the string column to the long field): Iceberg takes the file;
        // Spark reads it as long as the column is not read, and fails the task when it is.
        append(table, file, "date=2026-03-01/hour=12");
        spark.sql("REFRESH TABLE " + SPANS);
        assertThat(sparkLongs("SELECT hour, count(*) FROM " + SPANS + " GROUP BY hour"))
                .isEqualTo(Map.of("10", 2000L, "11", 500L, "12", 300L));
        assertThatThrownBy(() -> spark.sql("SELECT `attr.retry.count` FROM " + SPANS + " WHERE hour = 12").collectAsList())
                .hasStackTraceContaining("java.lang.ClassCastException: class org.apache.spark.unsafe.types.UTF8String "
                        + "cannot be cast to class java.lang.Long");
        // The file's string min/max now stand as the long column's: Iceberg's aggregate push-down reads them.
        assertThatThrownBy(() -> spark.sql("SELECT max(`attr.retry.count`) FROM " + SPANS).collectAsList())
                .isInstanceOf(java.nio.BufferUnderflowException.class)
                .hasStackTraceContaining("org.apache.iceberg.expressions.MaxAggregate.evaluateRef");
    }

    static Schema nanosAsLong(Schema schema) {
        return replaceNanos(schema, Types.LongType.get());
    }

    static Schema replaceNanos(Schema schema, org.apache.iceberg.types.Type replacement) {
        return new Schema(replaceNanos(schema.asStruct(), replacement).asStructType().fields());
    }

    static org.apache.iceberg.types.Type replaceNanos(org.apache.iceberg.types.Type type, org.apache.iceberg.types.Type replacement) {
        if (type instanceof Types.TimestampNanoType) {
            return replacement;
        }
        if (type instanceof Types.StructType struct) {
            List<Types.NestedField> fields = new ArrayList<>();
            for (Types.NestedField field : struct.fields()) {
                fields.add(Types.NestedField.of(field.fieldId(), field.isOptional(), field.name(),
                        replaceNanos(field.type(), replacement)));
            }
            return Types.StructType.of(fields);
        }
        if (type instanceof Types.ListType list) {
            org.apache.iceberg.types.Type element = replaceNanos(list.elementType(), replacement);
            return list.isElementOptional() ? Types.ListType.ofOptional(list.elementId(), element)
                    : Types.ListType.ofRequired(list.elementId(), element);
        }
        return type;
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    /** {@code rows} spans numbered from {@code first}, shaped like Contrail's span files; {@code extraColumns} is SQL. */
    static Path writeSpanFile(Path file, int first, int rows, String extraColumns) throws SQLException {
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = duck.createStatement()) {
            statement.execute("""
                    COPY (
                      SELECT
                        format('{:032x}', 1000000 + i // 4) AS trace_id,
                        format('{:016x}', 1000000 + i) AS span_id,
                        CASE WHEN i %% 4 = 0 THEN NULL ELSE format('{:016x}', 1000000 + i - i %% 4) END AS parent_span_id,
                        ['checkout', 'cart', 'payments'][1 + i %% 3] AS service_name,
                        'GET ' || ['/cart', '/pay', '/items/{id}'][1 + i %% 3] AS name,
                        CASE WHEN i %% 4 = 0 THEN 'SERVER' ELSE 'CLIENT' END AS kind,
                        make_timestamp_ns(1772359200000000000 + i * 1000000007) AS start_time,
                        (1000 + (i * 7919) %% 100000)::BIGINT AS duration_nanos,
                        CASE WHEN i %% 17 = 0 THEN 'ERROR' ELSE 'UNSET' END AS status_code,
                        CASE WHEN i %% 4 = 0 THEN 200 + (i %% 3) * 100 ELSE NULL END::BIGINT AS http_status_code,
                        CASE WHEN i %% 5 = 0 THEN [{'time': make_timestamp_ns(1772359200000000000 + i * 1000000007 + 123),
                                                   'name': 'retry',
                                                   'attributes': json_object('attempt', i %% 3, 'reason', 'timeout'),
                                                   'dropped_attributes_count': 0::INTEGER}]
                             ELSE [] END AS events,
                        1.0::DOUBLE AS sample_weight,
                        ['/cart', '/pay', '/items/{id}'][1 + i %% 3] AS "attr.http.route",
                        ['checkout', 'cart', 'payments'][1 + i %% 3] AS "resource.service.name",
                        CASE WHEN i %% 6 = 0 THEN (i %% 3)::BIGINT ELSE NULL END AS "attr.retry.count"
                        %s
                      FROM range(%d, %d) AS t(i)
                    ) TO '%s' (FORMAT parquet, COMPRESSION zstd)
                    """.formatted(extraColumns, first, first + rows, file.toAbsolutePath().toString().replace("'", "''")));
        }
        return file;
    }

    static MessageType parquetSchema(Path file) throws IOException {
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
            return reader.getFooter().getFileMetaData().getSchema();
        }
    }

    /** The file's columns, then date and hour (identity partitions, not in the files), name mapping set. */
    static Table createTable(String name, Schema fileSchema, int formatVersion, Map<String, String> properties) {
        List<Types.NestedField> columns = new ArrayList<>(fileSchema.columns());
        int next = fileSchema.highestFieldId();
        columns.add(Types.NestedField.optional(next + 1, "date", Types.DateType.get()));
        columns.add(Types.NestedField.optional(next + 2, "hour", Types.IntegerType.get()));
        Schema schema = new Schema(columns);
        PartitionSpec spec = PartitionSpec.builderFor(schema).identity("date").identity("hour").build();
        Table table = catalog.buildTable(TableIdentifier.of(NAMESPACE, name), schema)
                .withPartitionSpec(spec)
                .withProperty(TableProperties.FORMAT_VERSION, Integer.toString(formatVersion))
                .withProperties(properties)
                .create();
        refreshNameMapping(table);
        return table;
    }

    static void refreshNameMapping(Table table) {
        table.updateProperties()
                .set(TableProperties.DEFAULT_NAME_MAPPING, NameMappingParser.toJson(MappingUtil.create(table.schema())))
                .commit();
    }

    /** Uploads the file as it is through the table's FileIO and appends it with footer metrics under {@code partitionPath}. */
    static DataFile append(Table table, Path file, String partitionPath) throws IOException {
        String location = table.locationProvider().newDataLocation(partitionPath + "/" + file.getFileName());
        OutputFile out = table.io().newOutputFile(location);
        try (InputStream in = Files.newInputStream(file); OutputStream stream = out.createOrOverwrite()) {
            in.transferTo(stream);
        }
        InputFile uploaded = table.io().newInputFile(location);
        NameMapping mapping = NameMappingParser.fromJson(table.properties().get(TableProperties.DEFAULT_NAME_MAPPING));
        Metrics metrics = ParquetUtil.fileMetrics(uploaded, MetricsConfig.forTable(table), mapping);
        DataFile dataFile = DataFiles.builder(table.spec())
                .withPath(location)
                .withFileSizeInBytes(uploaded.getLength())
                .withFormat(FileFormat.PARQUET)
                .withPartitionPath(partitionPath)
                .withMetrics(metrics)
                .build();
        AppendFiles append = table.newAppend();
        append.appendFile(dataFile);
        append.commit();
        return dataFile;
    }

    static long icebergRecordCount(Table table) throws IOException {
        long count = 0;
        try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
            for (FileScanTask task : tasks) {
                count += task.file().recordCount();
            }
        }
        return count;
    }

    /** DuckDB's answer over a local file: first column as the key, second as a long. */
    static Map<String, Long> duckDbLongs(String sql) throws SQLException {
        Map<String, Long> result = new TreeMap<>();
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = duck.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                result.put(rows.getString(1), rows.getLong(2));
            }
        }
        return result;
    }

    static Map<String, Long> sparkLongs(String sql) {
        Map<String, Long> result = new TreeMap<>();
        for (Row row : spark.sql(sql).collectAsList()) {
            result.put(String.valueOf(row.get(0)), ((Number) row.get(1)).longValue());
        }
        return result;
    }
}
