package io.contrail.lake;

import io.contrail.columnar.DataLayout;
import io.contrail.columnar.LiveFiles;
import io.contrail.columnar.SpanFiles;
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
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.TableScan;
import org.apache.iceberg.aws.AwsClientProperties;
import org.apache.iceberg.aws.s3.S3FileIOProperties;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.io.PositionOutputStream;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.mapping.MappingUtil;
import org.apache.iceberg.mapping.NameMapping;
import org.apache.iceberg.mapping.NameMappingParser;
import org.apache.iceberg.parquet.ParquetSchemaUtil;
import org.apache.iceberg.parquet.ParquetUtil;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.SnapshotUtil;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.LocalInputFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one Apache Iceberg table that every node's spans go to: {@code contrail.spans} in a JDBC catalog,
 * its files on S3 ({@code S3FileIO}). Its columns are the span files' own: a file's columns are unioned
 * into the table's schema by name when it is appended (a new attribute key becomes a new column), and a
 * name mapping lets every reader find the files' columns, which carry no Parquet field IDs. It is
 * partitioned by {@code date} and {@code hour} of the spans' start time (identity partitions whose values
 * come from the files' folders, as in a data folder). Iceberg format 2; nanosecond times are {@code long}
 * columns ({@link #fileSchema}).
 *
 * <p>Thread-safe as Iceberg's {@link Table} is: commits are optimistic and retried.
 */
final class SpanTable implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SpanTable.class);
    /** The snapshot summary key naming the node that committed it. */
    static final String NODE_SUMMARY = "contrail.node";
    /** Where in the table's location the span files are. */
    static final String DATA_FOLDER = "data";
    private static final int SCHEMA_COMMIT_ATTEMPTS = 10;

    private final JdbcCatalog catalog;
    private final Table table;

    private SpanTable(JdbcCatalog catalog, Table table) {
        this.catalog = catalog;
        this.table = table;
    }

    /** Connects to the catalog and loads the table, creating it (and its namespace) when no node has yet. */
    static SpanTable open(LakeConfig config) {
        JdbcCatalog catalog = new JdbcCatalog();
        catalog.initialize("contrail", catalogProperties(config));
        try {
            Namespace namespace = Namespace.of(LakeConfig.NAMESPACE);
            if (!catalog.namespaceExists(namespace)) {
                try {
                    catalog.createNamespace(namespace, Map.of());
                } catch (AlreadyExistsException raced) {
                    // another node created it first
                }
            }
            Table table;
            if (catalog.tableExists(identifier(config))) {
                table = catalog.loadTable(identifier(config));
            } else {
                try {
                    table = create(catalog, config);
                } catch (AlreadyExistsException raced) {
                    table = catalog.loadTable(identifier(config));
                }
            }
            return new SpanTable(catalog, table);
        } catch (RuntimeException e) {
            closeQuietly(catalog);
            throw e;
        }
    }

    /** The table {@code config} names, in the {@value LakeConfig#NAMESPACE} namespace. */
    static TableIdentifier identifier(LakeConfig config) {
        return TableIdentifier.of(LakeConfig.NAMESPACE, config.table());
    }

    static Map<String, String> catalogProperties(LakeConfig config) {
        Map<String, String> properties = new HashMap<>();
        properties.put(CatalogProperties.URI, config.catalogUrl());
        properties.put(CatalogProperties.WAREHOUSE_LOCATION, config.location());
        properties.put(CatalogProperties.FILE_IO_IMPL, "org.apache.iceberg.aws.s3.S3FileIO");
        // Manifests are immutable: every query of a bounded cache plans its files from them (SpanTable#files), so
        // keep their contents in memory rather than reading them from the object store each time.
        properties.put(CatalogProperties.IO_MANIFEST_CACHE_ENABLED, "true");
        // The catalog's current table layout (with views), which Spark's and Trino's JDBC catalogs also use.
        properties.put("jdbc.schema-version", "V1");
        String region = System.getenv("AWS_REGION");
        properties.put(AwsClientProperties.CLIENT_REGION, region == null || region.isBlank() ? LakeConfig.DEFAULT_REGION : region);
        if (config.s3Endpoint() != null) {
            properties.put(S3FileIOProperties.ENDPOINT, config.s3Endpoint().toString());
            // S3-compatible servers answer at endpoint/bucket, not at bucket.endpoint.
            properties.put(S3FileIOProperties.PATH_STYLE_ACCESS, "true");
        }
        return properties;
    }

    private static Table create(JdbcCatalog catalog, LakeConfig config) {
        Schema schema = new Schema(
                Types.NestedField.optional(1, "date", Types.DateType.get()),
                Types.NestedField.optional(2, "hour", Types.IntegerType.get()));
        PartitionSpec spec = PartitionSpec.builderFor(schema).identity("date").identity("hour").build();
        Table table = catalog.buildTable(identifier(config), schema)
                .withPartitionSpec(spec)
                .withLocation(config.location())
                .withProperty(TableProperties.FORMAT_VERSION, "2")
                // Iceberg's vectorized Parquet reader (Spark's default) refuses a long column stored as a
                // nanosecond timestamp; the row reader reads it as the epoch nanoseconds it is.
                .withProperty(TableProperties.PARQUET_VECTORIZATION_ENABLED, "false")
                .withProperty(TableProperties.DEFAULT_NAME_MAPPING, NameMappingParser.toJson(MappingUtil.create(schema)))
                // Every commit writes a new metadata file; keep the last 100 and delete older ones.
                .withProperty(TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED, "true")
                .withProperty(TableProperties.METADATA_PREVIOUS_VERSIONS_MAX, "100")
                // Every node commits about once a second: an append that lost a race is applied again on the new
                // metadata, more times than Iceberg's default 4 before the round fails.
                .withProperty(TableProperties.COMMIT_NUM_RETRIES, "20")
                .create();
        LOG.info("created the Iceberg table {} at {}", identifier(config), config.location());
        return table;
    }

    /** Whether the catalog this table is in holds the table {@code other} names (another tenant's, say). */
    boolean catalogHolds(LakeConfig other) {
        return catalog.tableExists(identifier(other));
    }

    Table table() {
        return table;
    }

    /** Reads the catalog's current metadata; returns the current snapshot's ID, or -1 while the table has none. */
    long refresh() {
        table.refresh();
        Snapshot current = table.currentSnapshot();
        return current == null ? -1 : current.snapshotId();
    }

    /** A span file in the table, as of the last {@link #refresh()}. */
    record TableFile(String location, String partitionPath, long bytes, long spans, DataFile file) {
        String name() {
            return location.substring(location.lastIndexOf('/') + 1);
        }
    }

    /** Every span file of the table's current snapshot (as of the last {@link #refresh()}). */
    List<TableFile> files() {
        Snapshot current = table.currentSnapshot();
        return current == null ? new ArrayList<>() : files(current.snapshotId(), LiveFiles.TimeRange.ALL);
    }

    /**
     * The span files of snapshot {@code snapshotId} that may hold spans starting in {@code range}, as Iceberg's scan
     * plans them: manifests and files whose {@code date} partitions lie outside the range are skipped, and so are
     * files whose {@code start_time} bounds (column statistics from their footers) do.
     */
    List<TableFile> files(long snapshotId, LiveFiles.TimeRange range) {
        List<TableFile> files = new ArrayList<>();
        TableScan scan = table.newScan().useSnapshot(snapshotId);
        if (!range.isAll()) {
            scan = scan.filter(filter(SnapshotUtil.schemaFor(table, snapshotId), range));
        }
        try (CloseableIterable<FileScanTask> tasks = scan.planFiles()) {
            for (FileScanTask task : tasks) {
                files.add(tableFile(task.file()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** The data files snapshots between two added, and the locations of those they removed. */
    record Changes(List<TableFile> added, Set<String> removed) {
    }

    /**
     * What changed from snapshot {@code fromSnapshotId} to {@code toSnapshotId}, from the manifests the snapshots
     * between them wrote: a node follows the table in proportion to its changes, not to its size. Null when the
     * first is not an ancestor of the second (expired meanwhile): then plan the snapshot in full.
     */
    Changes changes(long fromSnapshotId, long toSnapshotId) {
        List<Snapshot> chain = new ArrayList<>();
        Snapshot snapshot = table.snapshot(toSnapshotId);
        while (snapshot != null && snapshot.snapshotId() != fromSnapshotId) {
            chain.add(snapshot);
            Long parent = snapshot.parentId();
            snapshot = parent == null ? null : table.snapshot(parent);
        }
        if (snapshot == null) {
            return null;
        }
        java.util.Collections.reverse(chain);
        Map<String, TableFile> added = new java.util.LinkedHashMap<>();
        Set<String> removed = new HashSet<>();
        for (Snapshot step : chain) {
            for (DataFile file : step.addedDataFiles(table.io())) {
                added.put(file.location(), tableFile(file));
            }
            for (DataFile file : step.removedDataFiles(table.io())) {
                if (added.remove(file.location()) == null) {
                    removed.add(file.location());
                }
            }
        }
        return new Changes(List.copyOf(added.values()), removed);
    }

    private static TableFile tableFile(DataFile file) {
        return new TableFile(file.location(), folderOf(file.location()), file.fileSizeInBytes(), file.recordCount(),
                file.copyWithoutStats());
    }

    /** Iceberg's filter for spans starting in {@code range}: on the {@code date} partition, and on {@code start_time} when the table has it. */
    static Expression filter(Schema schema, LiveFiles.TimeRange range) {
        Expression filter = Expressions.alwaysTrue();
        if (range.fromNanos() != Long.MIN_VALUE) {
            filter = Expressions.and(filter, Expressions.greaterThanOrEqual("date", epochDay(range.fromNanos())));
            if (schema.findField("start_time") != null) {
                filter = Expressions.and(filter, Expressions.greaterThanOrEqual("start_time", range.fromNanos()));
            }
        }
        if (range.toNanos() != Long.MAX_VALUE) {
            // to is exclusive: the last nanosecond a span may start at is to - 1.
            filter = Expressions.and(filter, Expressions.lessThanOrEqual("date", epochDay(range.toNanos() - 1)));
            if (schema.findField("start_time") != null) {
                filter = Expressions.and(filter, Expressions.lessThan("start_time", range.toNanos()));
            }
        }
        return filter;
    }

    private static String epochDay(long nanos) {
        return LocalDate.ofEpochDay(Math.floorDiv(nanos, 86_400_000_000_000L)).toString();
    }

    /**
     * The {@code date=YYYY-MM-DD/hour=HH} folder a file was uploaded to, as a data folder names it (Iceberg's
     * own partition path would say {@code hour=7}).
     */
    static String folderOf(String location) {
        int name = location.lastIndexOf('/');
        int hour = location.lastIndexOf('/', name - 1);
        int date = location.lastIndexOf('/', hour - 1);
        return location.substring(date + 1, name);
    }

    /** Where a node's span file goes: {@code <location>/data/date=…/hour=…/<node>-<file name>}. */
    String locationOf(String nodeId, String partitionPath, String fileName) {
        return table.location() + "/" + DATA_FOLDER + "/" + partitionPath + "/" + nodeId + "-" + fileName;
    }

    /** A local span file to add to the table: its path, its hive partition path, and where it goes. */
    record Upload(Path local, String partitionPath, String location) {
    }

    /** Where the trace-ID sidecar of the span file at {@code location} is: beside it, as in a data folder. */
    static String sidecarLocation(String location) {
        return location.substring(0, location.length() - DataLayout.PARQUET_SUFFIX.length()) + SpanFiles.TRACE_ID_SUFFIX;
    }

    /**
     * Uploads the files (and their sidecars, beside them) and commits them to the table in one append
     * snapshot; their columns must be the table's ({@link #addColumns}). A failure before the commit
     * leaves the table as it was (uploaded objects not committed are orphans that a retry overwrites).
     *
     * @throws CommitStateUnknownException when the catalog may or may not have taken the commit; the caller
     *                                     looks at the table to find out
     * @return the spans the files hold
     */
    long append(List<Upload> uploads, String nodeId) throws IOException {
        AppendFiles append = table.newAppend();
        long spans = 0;
        for (Upload upload : uploads) {
            DataFile file = upload(upload);
            spans += file.recordCount();
            append.appendFile(file);
        }
        append.set(NODE_SUMMARY, nodeId).commit();
        return spans;
    }

    private void copyToTable(Path local, String location) throws IOException {
        OutputFile out = table.io().newOutputFile(location);
        try (PositionOutputStream stream = out.createOrOverwrite()) {
            Files.copy(local, stream);
        }
    }

    /**
     * Uploads a span file (and its sidecar when it has one) and returns its entry, with the column statistics
     * of its footer, for a commit to add.
     */
    DataFile upload(Upload upload) throws IOException {
        copyToTable(upload.local(), upload.location());
        Path sidecar = SpanFiles.traceIdSidecar(upload.local());
        if (Files.exists(sidecar)) {
            copyToTable(sidecar, sidecarLocation(upload.location()));
        }
        Metrics metrics = ParquetUtil.footerMetrics(footer(upload.local()), java.util.stream.Stream.empty(),
                MetricsConfig.forTable(table), nameMapping());
        return DataFiles.builder(table.spec())
                .withPath(upload.location())
                .withFormat(FileFormat.PARQUET)
                .withFileSizeInBytes(Files.size(upload.local()))
                .withPartitionPath(upload.partitionPath())
                .withMetrics(metrics)
                .build();
    }

    /** Downloads {@code location} to {@code target} (which must not exist yet; written under a temporary name, then renamed). */
    void download(String location, Path target) throws IOException {
        Path temp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try (InputStream in = table.io().newInputFile(location).newStream()) {
            Files.copy(in, temp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(temp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Whether {@code location} exists in the table's storage. */
    boolean exists(String location) {
        return table.io().newInputFile(location).exists();
    }

    NameMapping nameMapping() {
        String json = table.properties().get(TableProperties.DEFAULT_NAME_MAPPING);
        return json == null ? MappingUtil.create(table.schema()) : NameMappingParser.fromJson(json);
    }

    /**
     * A span file's footer, read without Hadoop's configuration (whose XML parser the product does not ship;
     * the footer is all that is read).
     */
    static ParquetMetadata footer(Path file) throws IOException {
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file),
                ParquetReadOptions.builder(new PlainParquetConfiguration()).build())) {
            return reader.getFooter();
        }
    }

    /**
     * The columns of a span file, as the table declares them (the file has no field IDs; they are assigned in
     * order). Nanosecond times ({@code start_time}, {@code events[].time}) are declared {@code long}: epoch
     * nanoseconds, as stored. Iceberg's {@code timestamp_ns} (format 3) holds them, but Spark cannot read a
     * table that has one ("Cannot convert unsupported type to Spark: timestamp_ns", Spark 4.1 / Iceberg 1.12),
     * and a microsecond {@code timestamp} would read them 1000 times too large. Contrail's own queries read
     * the files' types, not the table's.
     */
    static Schema fileSchema(Path file) throws IOException {
        Schema parquet = ParquetSchemaUtil.convert(footer(file).getFileMetaData().getSchema());
        return new Schema(withLongTimes(parquet.asStruct()).asStructType().fields());
    }

    /** {@code type} with every {@code timestamp_ns} made {@code long}, field IDs kept. */
    static Type withLongTimes(Type type) {
        switch (type.typeId()) {
            case TIMESTAMP_NANO:
                return Types.LongType.get();
            case STRUCT: {
                List<Types.NestedField> fields = new ArrayList<>();
                for (Types.NestedField field : type.asStructType().fields()) {
                    fields.add(Types.NestedField.of(field.fieldId(), field.isOptional(), field.name(),
                            withLongTimes(field.type()), field.doc()));
                }
                return Types.StructType.of(fields);
            }
            case LIST: {
                Types.ListType list = type.asListType();
                Type element = withLongTimes(list.elementType());
                return list.isElementOptional() ? Types.ListType.ofOptional(list.elementId(), element)
                        : Types.ListType.ofRequired(list.elementId(), element);
            }
            case MAP: {
                Types.MapType map = type.asMapType();
                Type value = withLongTimes(map.valueType());
                return map.isValueOptional()
                        ? Types.MapType.ofOptional(map.keyId(), map.valueId(), withLongTimes(map.keyType()), value)
                        : Types.MapType.ofRequired(map.keyId(), map.valueId(), withLongTimes(map.keyType()), value);
            }
            default:
                return type;
        }
    }

    /**
     * The columns of {@code file} whose type differs from the table's column of that name: Iceberg cannot
     * change a column's type (but for int → long and float → double), so their values are stored otherwise
     * ({@link TypeConflicts}).
     */
    Set<String> conflictingColumns(Path file) throws IOException {
        Set<String> conflicts = new HashSet<>();
        Schema schema = table.schema();
        for (Types.NestedField field : fileSchema(file).columns()) {
            Types.NestedField existing = schema.findField(field.name());
            if (existing != null && !sameShape(existing.type(), field.type())) {
                conflicts.add(field.name());
            }
        }
        return conflicts;
    }

    /** Whether two types are the same but for field IDs (and for int/long, float/double, which Iceberg reads as the wider). */
    static boolean sameShape(Type table, Type file) {
        if (table.isPrimitiveType() && file.isPrimitiveType()) {
            return table.equals(file) || org.apache.iceberg.types.TypeUtil.isPromotionAllowed(file, table.asPrimitiveType());
        }
        if (table.typeId() != file.typeId()) {
            return false;
        }
        List<Types.NestedField> tableFields = table.asNestedType().fields();
        List<Types.NestedField> fileFields = file.asNestedType().fields();
        if (table.isStructType()) {
            for (Types.NestedField field : fileFields) {
                Types.NestedField other = table.asStructType().field(field.name());
                if (other != null && !sameShape(other.type(), field.type())) {
                    return false;
                }
            }
            return true;
        }
        if (tableFields.size() != fileFields.size()) {
            return false;
        }
        for (int i = 0; i < tableFields.size(); i++) {
            if (!sameShape(tableFields.get(i).type(), fileFields.get(i).type())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Adds the columns of {@code file} that the table lacks (Iceberg schema evolution, by name) with the
     * name mapping that finds them, in one commit. Call after {@link #conflictingColumns} found none: the
     * file's columns then have the table's types or are new. When another node changed the schema at the
     * same time the change is made again on its schema, unless that node gave one of the file's new columns
     * another type: then this throws, and the caller's next round rewrites the file.
     */
    void addColumns(Path file) throws IOException {
        Schema fileSchema = fileSchema(file);
        for (int attempt = 1; !coveredBy(table.schema(), fileSchema); attempt++) {
            try {
                org.apache.iceberg.Transaction change = table.newTransaction();
                change.updateSchema().unionByNameWith(fileSchema).commit();
                change.updateProperties().set(TableProperties.DEFAULT_NAME_MAPPING,
                        NameMappingParser.toJson(MappingUtil.create(change.table().schema()))).commit();
                change.commitTransaction();
                return;
            } catch (CommitFailedException | IllegalArgumentException e) {
                table.refresh();
                if (!conflictingColumns(file).isEmpty()) {
                    throw new IOException("another node added columns of " + file.getFileName() + " with other types "
                            + "meanwhile (" + e.getMessage() + "); the next round moves them to the overflow maps", e);
                }
                if (attempt >= SCHEMA_COMMIT_ATTEMPTS) {
                    throw e;
                }
                LOG.debug("schema change raced another node's; retrying: {}", e.getMessage());
            }
        }
    }

    /** Whether every column of {@code file} (nested fields too) is in {@code table} under its name. */
    private static boolean coveredBy(Schema table, Schema file) {
        Set<String> tableNames = new HashSet<>(org.apache.iceberg.types.TypeUtil.indexByName(table.asStruct()).keySet());
        return tableNames.containsAll(org.apache.iceberg.types.TypeUtil.indexByName(file.asStruct()).keySet());
    }

    @Override
    public void close() {
        closeQuietly(catalog);
    }

    private static void closeQuietly(JdbcCatalog catalog) {
        try {
            catalog.close();
        } catch (RuntimeException e) {
            LOG.debug("closing the catalog: {}", e.getMessage());
        }
    }
}
