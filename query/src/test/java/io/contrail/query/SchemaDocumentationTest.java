package io.contrail.query;

import com.google.protobuf.ByteString;
import io.contrail.columnar.SpanSchema;
import io.contrail.columnar.Store;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/schema.md is the contract with everyone who reads the Parquet files without Contrail: its
 * fixed-column table must say what {@link SpanSchema} says, and a file the warehouse writes, read
 * by a plain DuckDB that knows nothing of Contrail, must have the columns and types it documents.
 */
class SchemaDocumentationTest {

    /** Relative to the query module, where Maven runs its tests. */
    static final Path SCHEMA_DOC = Path.of("..", "docs", "schema.md");
    static final String FIXED_COLUMNS_SECTION = "## Fixed columns";
    static final long T0 = 1_764_000_000_000_000_000L; // 2025-11-24T16:00:00Z
    static final String TRACE = "0af7651916cd43dd8448eb211c80319c";

    @TempDir
    Path data;

    /** One row of the fixed-column table, backticks removed. */
    record DocumentedColumn(String name, String type, String inFiles, String description, String otlpSource,
                            String zipkinSource) {
        boolean inVersion(int version) {
            return List.of(inFiles.split(", ")).contains("v" + version);
        }
    }

    @Test
    void documentedColumnsMatchTheSchema() throws IOException {
        List<DocumentedColumn> documented = documentedFixedColumns();

        assertThat(documented).extracting(DocumentedColumn::name)
                .containsExactlyElementsOf(SpanSchema.COLUMNS.stream().map(SpanSchema.Column::name).toList());
        assertThat(documented).extracting(DocumentedColumn::type)
                .containsExactlyElementsOf(SpanSchema.COLUMNS.stream().map(SpanSchema.Column::sqlType).toList());
        // The rest of each row is derived from SpanSchema too, so the page cannot drift from it.
        assertThat(documented).containsExactlyElementsOf(SpanSchema.COLUMNS.stream()
                .map(c -> new DocumentedColumn(c.name(), c.sqlType(), c.stored() ? "v1, v2" : "v1", c.description(),
                        c.otlpSource(), c.zipkinSource()))
                .toList());
        assertThat(Files.readString(SCHEMA_DOC)).contains("This page describes **schema version " + SpanSchema.VERSION + "**");
    }

    /**
     * The recipe docs/schema.md gives notebook users is the query the {@code spans} view runs, and with its
     * amendment for version 1 files it reads a folder of v1 and v2 files, in plain DuckDB, as Contrail's
     * {@code spans} does.
     */
    @Test
    void theNotebookRecipeIsTheViewsQueryAndReadsV1AndV2FilesAlike() throws Exception {
        String recipe = recipe();
        String glob = "contrail-data/spans/*/*/*.parquet";
        String source = "read_parquet('" + glob + "', union_by_name = true, hive_partitioning = true, "
                + "hive_types = {'date': 'DATE', 'hour': 'INTEGER'})";
        assertThat(normalized(recipe)).isEqualTo(normalized("CREATE VIEW spans AS " + SpanSchema.readerQuery(source, false)));
        String withV1Files = recipe.replace("kind, start_time)", "kind, start_time, end_time)");
        assertThat(normalized(withV1Files)).isEqualTo(normalized("CREATE VIEW spans AS " + SpanSchema.readerQuery(source, true)));

        Path fixture = Path.of("..", "http", "src", "test", "resources", "schema-v1", "data");
        try (Stream<Path> walk = Files.walk(fixture)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                Path copy = data.resolve(fixture.relativize(file).toString());
                Files.createDirectories(copy.getParent());
                Files.copy(file, copy);
            }
        }
        try (Store store = StoreFixture.open(data)) {
            StoreFixture.append(store, checkoutTraces());
            store.flush();
        }
        String all = "SELECT * FROM spans ORDER BY trace_id, span_id, kind";
        List<List<Object>> viaContrail;
        try (QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(data))) {
            viaContrail = engine.query(all).rows();
        }
        List<List<Object>> viaRecipe = new ArrayList<>();
        try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:");
             Statement statement = duckdb.createStatement()) {
            statement.execute(withV1Files.replace(glob, (data.toAbsolutePath() + "/spans/*/*/*.parquet").replace("'", "''")));
            try (ResultSet rs = statement.executeQuery("SELECT DISTINCT decode(value) FROM parquet_kv_metadata('"
                    + data.toAbsolutePath() + "/spans/*/*/*.parquet') WHERE decode(key) = '"
                    + SpanSchema.VERSION_METADATA_KEY + "' ORDER BY 1")) {
                List<String> versions = new ArrayList<>();
                while (rs.next()) {
                    versions.add(rs.getString(1));
                }
                assertThat(versions).as("the folder holds both versions").containsExactly("1", "2");
            }
            try (ResultSet rs = statement.executeQuery(all)) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<Object> row = new ArrayList<>();
                    for (int i = 1; i <= columns; i++) {
                        row.add(SqlValues.toJava(rs.getObject(i)));
                    }
                    viaRecipe.add(row);
                }
            }
        }
        assertThat(viaContrail).hasSizeGreaterThan(2);
        assertThat(viaRecipe).isEqualTo(viaContrail);
    }

    /** The SQL block after "Reading the files without Contrail" in docs/schema.md. */
    private static String recipe() throws IOException {
        String doc = Files.readString(SCHEMA_DOC);
        int at = doc.indexOf("**Reading the files without Contrail**");
        assertThat(at).as("docs/schema.md has the notebook recipe").isNotNegative();
        int start = doc.indexOf("```sql\n", at) + "```sql\n".length();
        return doc.substring(start, doc.indexOf("```", start)).strip().replaceAll(";$", "");
    }

    /** SQL with identifiers unquoted and whitespace collapsed, for comparing text. */
    private static String normalized(String sql) {
        return sql.replace("\"", "").replaceAll("\\s+", " ").replace("( ", "(").replace(" )", ")").strip();
    }

    @Test
    void parquetFilesHaveTheDocumentedColumns() throws Exception {
        try (Store store = StoreFixture.open(data)) {
            StoreFixture.append(store, checkoutTraces());
            store.flush();
        }
        List<Path> files = publishedFiles();
        assertThat(files).isNotEmpty().allSatisfy(file -> assertThat(data.relativize(file).toString())
                .matches("spans/date=2025-11-24/hour=16/part-\\d{12}-[0-9a-f]{8}\\.(parquet|traceids)"));
        assertThat(files).as("each span file with its trace-ID sidecar").hasSize(2);

        String glob = (data.toAbsolutePath() + "/spans/*/*/*.parquet").replace("'", "''");
        List<DocumentedColumn> documented = documentedFixedColumns();
        try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:");
             Statement statement = duckdb.createStatement()) {
            Map<String, String> described = describe(statement,
                    "DESCRIBE SELECT * FROM read_parquet('" + glob + "', union_by_name=true)");

            List<String> fixedInFileOrder = described.keySet().stream()
                    .filter(name -> !isAttributeColumn(name) && !name.equals("date") && !name.equals("hour"))
                    .toList();
            List<DocumentedColumn> stored = documented.stream().filter(c -> c.inVersion(SpanSchema.VERSION)).toList();
            assertThat(fixedInFileOrder).containsExactlyElementsOf(stored.stream().map(DocumentedColumn::name).toList());
            for (DocumentedColumn column : stored) {
                assertThat(described.get(column.name()))
                        .as("type of %s", column.name())
                        .isEqualTo(duckDbRendering(statement, column.type()));
            }

            Map<String, String> attributeColumns = new LinkedHashMap<>(described);
            attributeColumns.keySet().removeIf(name -> !isAttributeColumn(name));
            // The types docs/schema.md "Attribute columns" gives for these values.
            assertThat(attributeColumns).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "attr.app.user", "VARCHAR",
                    "attr.app.count", "BIGINT",
                    "attr.app.ratio", "DOUBLE", // a double and an integer: DOUBLE
                    "attr.app.cached", "BOOLEAN",
                    "attr.app.ids", "BIGINT[]",
                    "resource.service.name", "VARCHAR",
                    "resource.host.name", "VARCHAR"));

            Map<String, String> versionByFile = new LinkedHashMap<>();
            try (ResultSet rs = statement.executeQuery("SELECT file_name, decode(value) FROM parquet_kv_metadata('"
                    + glob + "') WHERE decode(key) = '" + SpanSchema.VERSION_METADATA_KEY + "'")) {
                while (rs.next()) {
                    versionByFile.put(rs.getString(1), rs.getString(2));
                }
            }
            long parquetFiles = files.stream().filter(file -> file.toString().endsWith(".parquet")).count();
            assertThat(versionByFile).hasSize((int) parquetFiles).allSatisfy((file, version) -> assertThat(version).isEqualTo(String.valueOf(SpanSchema.VERSION)));
        }
    }

    /** The rows of the first table under "## Fixed columns" in docs/schema.md. */
    static List<DocumentedColumn> documentedFixedColumns() throws IOException {
        List<String> lines = Files.readAllLines(SCHEMA_DOC);
        int section = lines.indexOf(FIXED_COLUMNS_SECTION);
        assertThat(section).as("%s has a section %s", SCHEMA_DOC, FIXED_COLUMNS_SECTION).isNotNegative();
        int header = section;
        while (header < lines.size() && !lines.get(header).startsWith("|")) {
            header++;
        }
        assertThat(cells(lines.get(header)))
                .containsExactly("column", "type", "in files", "description", "OTLP source", "Zipkin source");
        List<DocumentedColumn> columns = new ArrayList<>();
        for (int i = header + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            List<String> cells = cells(lines.get(i));
            assertThat(cells).as("cells of %s", lines.get(i)).hasSize(6);
            columns.add(new DocumentedColumn(cells.get(0), cells.get(1), cells.get(2), cells.get(3), cells.get(4),
                    cells.get(5)));
        }
        return columns;
    }

    private static List<String> cells(String row) {
        String inner = row.trim().replaceAll("^\\|", "").replaceAll("\\|$", "");
        return Stream.of(inner.split("\\|", -1)).map(cell -> cell.replace("`", "").trim()).toList();
    }

    private static boolean isAttributeColumn(String name) {
        return name.startsWith(SpanSchema.SPAN_ATTRIBUTE_PREFIX) || name.startsWith(SpanSchema.RESOURCE_ATTRIBUTE_PREFIX);
    }

    private static Map<String, String> describe(Statement statement, String sql) throws SQLException {
        Map<String, String> columns = new LinkedHashMap<>();
        try (ResultSet rs = statement.executeQuery(sql)) {
            while (rs.next()) {
                columns.put(rs.getString("column_name"), rs.getString("column_type"));
            }
        }
        return columns;
    }

    /** How DuckDB itself prints a declared type, so that quoting and spacing do not matter. */
    private static String duckDbRendering(Statement statement, String type) throws SQLException {
        try (ResultSet rs = statement.executeQuery("SELECT typeof(NULL::" + type + ")")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private List<Path> publishedFiles() throws IOException {
        try (Stream<Path> walk = Files.walk(data.resolve("spans"))) {
            List<Path> files = walk.filter(Files::isRegularFile).sorted().toList();
            assertThat(files).as("no temp file is left behind")
                    .noneMatch(file -> file.getFileName().toString().startsWith("."));
            return files;
        }
    }

    /** A server span and its client child, with one attribute of each kind, an event and a link. */
    private static TracesData checkoutTraces() {
        Span server = span("b7ad6b7169203331", null, "POST /checkout", Span.SpanKind.SPAN_KIND_SERVER, 0, 50_000_000)
                .addAttributes(attribute("app.user", AnyValue.newBuilder().setStringValue("u-42")))
                .addAttributes(attribute("app.count", AnyValue.newBuilder().setIntValue(3)))
                .addAttributes(attribute("app.ratio", AnyValue.newBuilder().setDoubleValue(0.25)))
                .addAttributes(attribute("app.cached", AnyValue.newBuilder().setBoolValue(true)))
                .addAttributes(attribute("app.ids", AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
                        .addValues(AnyValue.newBuilder().setIntValue(1))
                        .addValues(AnyValue.newBuilder().setIntValue(2)))))
                .addEvents(Span.Event.newBuilder().setName("cache.miss").setTimeUnixNano(T0 + 1_000_000)
                        .addAttributes(attribute("cache.key", AnyValue.newBuilder().setStringValue("cart:42"))))
                .addLinks(Span.Link.newBuilder().setTraceId(id("4bf92f3577b34da6a3ce929d0e0e4736"))
                        .setSpanId(id("00f067aa0ba902b7")))
                .build();
        Span client = span("1111111111111111", "b7ad6b7169203331", "GET cart", Span.SpanKind.SPAN_KIND_CLIENT,
                2_000_000, 20_000_000)
                .addAttributes(attribute("app.ratio", AnyValue.newBuilder().setIntValue(1)))
                .build();
        return TracesData.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder()
                        .addAttributes(attribute("service.name", AnyValue.newBuilder().setStringValue("checkout")))
                        .addAttributes(attribute("host.name", AnyValue.newBuilder().setStringValue("host-1"))))
                .addScopeSpans(ScopeSpans.newBuilder()
                        .setScope(InstrumentationScope.newBuilder().setName("io.contrail.test").setVersion("1.0"))
                        .addSpans(server)
                        .addSpans(client)))
                .build();
    }

    private static Span.Builder span(String spanId, String parentSpanId, String name, Span.SpanKind kind,
                                     long startOffsetNanos, long durationNanos) {
        Span.Builder span = Span.newBuilder().setTraceId(id(TRACE)).setSpanId(id(spanId)).setName(name).setKind(kind)
                .setStartTimeUnixNano(T0 + startOffsetNanos)
                .setEndTimeUnixNano(T0 + startOffsetNanos + durationNanos);
        if (parentSpanId != null) {
            span.setParentSpanId(id(parentSpanId));
        }
        return span;
    }

    private static KeyValue attribute(String key, AnyValue.Builder value) {
        return KeyValue.newBuilder().setKey(key).setValue(value).build();
    }

    private static ByteString id(String hex) {
        return ByteString.copyFrom(HexFormat.of().parseHex(hex));
    }
}
