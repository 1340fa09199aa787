package io.contrail.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.contrail.bench.suite.ContrailServerProcess;
import io.contrail.workload.Workload;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import com.google.protobuf.ByteString;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.Schema;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.types.Types;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The table two {@code contrail serve} nodes write, read by Apache Spark (local mode, Iceberg's SparkCatalog on
 * the same JDBC catalog and S3 server) exactly as {@code docs/lake-engines.md} tells users to: Spark's answers
 * equal Contrail's own SQL. It also keeps the two facts that the table's design rests on: Spark cannot load a
 * table with Iceberg's {@code timestamp_ns} (so nanosecond times are {@code long}), and Iceberg's vectorized
 * Parquet reader fails on those columns (so the table turns it off).
 */
class SparkReadsTheTableTest {

    /** Iceberg's JDBC catalog keys its rows by catalog name: Spark's catalog must be named as Contrail's is. */
    static final String CATALOG = "contrail";
    static final String SPANS = CATALOG + ".contrail.spans";
    /** Node a's spans start at 10:59:50 UTC (hours 10 and 11), node b's at 23:59:55 (a date later, too). */
    static final long A_START = nanos("2025-03-01T10:59:50Z");
    static final long B_START = nanos("2025-03-01T23:59:55Z");
    static final String CONFLICT_KEY = "contrail.test.retries";

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void sparkAnswersAsContrailDoesOverTheTableTwoNodesWrote(@TempDir Path work) throws Exception {
        try (Cluster cluster = Cluster.start(work)) {
            ContrailServerProcess a = cluster.node("a");
            ContrailServerProcess b = cluster.node("b");
            CompletableFuture<Long> toA = CompletableFuture.supplyAsync(() -> send(cluster, a,
                    Workload.builder().seed(21).startTimeUnixNano(A_START).build(), 25));
            CompletableFuture<Long> toB = CompletableFuture.supplyAsync(() -> send(cluster, b,
                    Workload.builder().seed(22).startTimeUnixNano(B_START).build(), 25));
            // One attribute key, a number on node a; once that is in the table, text on node b.
            assertThat(cluster.send(a, conflictSpan(1, AnyValue.newBuilder().setIntValue(3).build())).statusCode())
                    .isEqualTo(200);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(cluster.sql(b,
                    "SELECT count(*) FROM spans WHERE trace_id = '" + conflictTraceId() + "'").get(0).get(0).asLong())
                    .isEqualTo(1));
            assertThat(cluster.send(b, conflictSpan(2, AnyValue.newBuilder().setStringValue("three").build()))
                    .statusCode()).isEqualTo(200);
            long acknowledged = toA.get() + toB.get() + 2;
            assertThat(acknowledged).isGreaterThan(5000);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(cluster.counts(a)).containsExactly(acknowledged, acknowledged));

            try (SparkSession spark = spark(cluster, work)) {
                // Everything, per service, per partition: the same numbers.
                assertThat(rows(spark, "SELECT count(*) FROM " + SPANS)).containsExactly(List.of(Long.toString(acknowledged)));
                assertSame(spark, cluster, a,
                        "SELECT service_name, count(*), sum(duration_nanos) FROM %s GROUP BY 1 ORDER BY 1");
                List<List<String>> partitions = assertSame(spark, cluster, a,
                        "SELECT CAST(date AS STRING), hour, count(*) FROM %s GROUP BY 1, 2 ORDER BY 1, 2");
                assertThat(partitions).extracting(row -> row.get(0) + " " + row.get(1))
                        .containsExactly("2025-03-01 10", "2025-03-01 11", "2025-03-01 23", "2025-03-02 0");
                List<List<String>> lastHour = assertSame(spark, cluster, a,
                        "SELECT count(*) FROM %s WHERE date = DATE '2025-03-02' AND hour = 0");
                assertThat(lastHour.get(0).get(0)).isEqualTo(partitions.get(3).get(2));

                // Nanosecond times are bigints of epoch nanoseconds, exactly the files' values.
                StructType schema = spark.table(SPANS).schema();
                assertThat(schema.apply("start_time").dataType()).isEqualTo(DataTypes.LongType);
                assertThat(schema.apply("events").dataType().simpleString()).startsWith("array<struct<time:bigint,");
                assertThat(schema.apply("links").dataType().simpleString())
                        .startsWith("array<struct<trace_id:string,span_id:string,trace_state:string,attributes:string,");
                assertThat(schema.apply("attr_overflow").dataType().simpleString()).isEqualTo("map<string,string>");
                assertThat(schema.apply("date").dataType()).isEqualTo(DataTypes.DateType);
                assertThat(schema.apply("hour").dataType()).isEqualTo(DataTypes.IntegerType);
                JsonNode some = cluster.sql(a, "SELECT span_id, epoch_ns(start_time) FROM spans ORDER BY span_id LIMIT 5");
                List<String> ids = new ArrayList<>();
                List<List<String>> expected = new ArrayList<>();
                for (JsonNode row : some) {
                    ids.add("'" + row.get(0).asText() + "'");
                    expected.add(List.of(row.get(0).asText(), row.get(1).asText()));
                }
                assertThat(rows(spark, "SELECT span_id, start_time FROM " + SPANS + " WHERE span_id IN ("
                        + String.join(", ", ids) + ") ORDER BY span_id")).isEqualTo(expected);
                assertThat(rows(spark, "SELECT min(start_time), max(start_time), sum(start_time % 1000003), "
                        + "sum(start_time % 1000) FROM " + SPANS))
                        .isEqualTo(contrailRows(cluster, a, "SELECT min(epoch_ns(start_time)), max(epoch_ns(start_time)), "
                                + "sum(epoch_ns(start_time) % 1000003), sum(epoch_ns(start_time) % 1000) FROM spans"));
                assertThat(Long.parseLong(rows(spark, "SELECT sum(start_time % 1000) FROM " + SPANS).get(0).get(0)))
                        .as("nanoseconds below the microsecond are kept").isPositive();
                assertThat(rows(spark, "SELECT count(*), sum(e.time % 1000003) FROM " + SPANS
                        + " LATERAL VIEW explode(events) AS e"))
                        .isEqualTo(contrailRows(cluster, a, "SELECT count(*), sum(epoch_ns(e.time) % 1000003) FROM "
                                + "(SELECT unnest(events) AS e FROM spans)"));
                // A time filter on the bigint, as the docs write it; it agrees with the partitions.
                String window = " >= " + nanos("2025-03-01T11:00:00Z") + " AND %1$s < " + nanos("2025-03-02T00:00:00Z");
                assertThat(rows(spark, "SELECT count(*) FROM " + SPANS + " WHERE start_time" + window.formatted("start_time")))
                        .isEqualTo(contrailRows(cluster, a, "SELECT count(*) FROM spans WHERE epoch_ns(start_time)"
                                + window.formatted("epoch_ns(start_time)")));
                assertThat(rows(spark, "SELECT count(*) FROM " + SPANS + " WHERE timestamp_micros(start_time DIV 1000)"
                        + " >= TIMESTAMP '2025-03-01 11:00:00' AND timestamp_micros(start_time DIV 1000)"
                        + " < TIMESTAMP '2025-03-02 00:00:00'").get(0).get(0))
                        .isEqualTo(Long.toString(Long.parseLong(partitions.get(1).get(2)) + Long.parseLong(partitions.get(2).get(2))));

                // Spark has no timestamp_nanos (4.1): microseconds are the finest a Spark timestamp holds.
                assertThatThrownBy(() -> spark.sql("SELECT timestamp_nanos(0)")).hasMessageContaining("timestamp_nanos");

                // Attribute columns (dots in their names: backticks in Spark).
                List<List<String>> routes = assertSame(spark, cluster, a,
                        "SELECT `attr.http.route`, count(*) FROM %s WHERE `attr.http.route` IS NOT NULL GROUP BY 1 ORDER BY 1");
                assertThat(routes).hasSizeGreaterThan(2);
                assertSame(spark, cluster, a, "SELECT `resource.k8s.pod.name`, count(*) FROM %s"
                        + " WHERE `resource.k8s.pod.name` IS NOT NULL GROUP BY 1 ORDER BY 1");
                // The key that came as a number, then as text: the column keeps the number, the text is in the
                // overflow map; Spark reads both (and its aggregate push-down of the column's bounds works).
                assertSame(spark, cluster, a, "SELECT span_id, `attr." + CONFLICT_KEY + "`, attr_overflow['" + CONFLICT_KEY
                        + "'] FROM %s WHERE trace_id = '" + conflictTraceId() + "' ORDER BY span_id");
                assertThat(rows(spark, "SELECT span_id, `attr." + CONFLICT_KEY + "`, attr_overflow['" + CONFLICT_KEY
                        + "'] FROM " + SPANS + " WHERE trace_id = '" + conflictTraceId() + "' ORDER BY span_id"))
                        .containsExactly(List.of(conflictSpanId(1), "3", "null"), List.of(conflictSpanId(2), "null", "three"));
                assertThat(rows(spark, "SELECT max(`attr." + CONFLICT_KEY + "`) FROM " + SPANS)).containsExactly(List.of("3"));

                // The queries docs/lake-engines.md shows run as written (on this test's dates).
                assertThat(rows(spark, "SELECT count(*) FROM " + SPANS + " WHERE date = DATE '2025-03-01' AND hour >= 11"
                        + " AND start_time >= unix_micros(TIMESTAMP '2025-03-01 11:00:00') * 1000"))
                        .isEqualTo(rows(spark, "SELECT count(*) FROM " + SPANS + " WHERE date = DATE '2025-03-01' AND hour >= 11"));
                assertThat(rows(spark, "SELECT trace_id, span_id, name, timestamp_micros(start_time DIV 1000) AS start_ts,"
                        + " timestamp_micros((start_time + duration_nanos) DIV 1000) AS end_ts FROM " + SPANS
                        + " WHERE date = DATE '2025-03-01' AND hour = 10 AND service_name = 'frontend' LIMIT 20")).hasSize(20);
                assertThat(rows(spark, "SELECT get_json_object(e.attributes, \"$['exception.type']\") AS type, count(*) FROM "
                        + SPANS + " LATERAL VIEW explode(events) AS e WHERE e.name = 'exception' GROUP BY 1 ORDER BY 1"))
                        .isEqualTo(contrailRows(cluster, a, "SELECT json_extract_string(e.attributes, '$.\"exception.type\"'),"
                                + " count(*) FROM (SELECT unnest(events) AS e FROM spans) WHERE e.name = 'exception'"
                                + " GROUP BY 1 ORDER BY 1"))
                        .isNotEmpty().allSatisfy(row -> assertThat(row.get(0)).isNotEqualTo("null"));
                assertThat(rows(spark, "SELECT service_name, percentile_approx(duration_nanos, 0.99) / 1e6 AS p99_ms FROM "
                        + SPANS + " WHERE date = DATE '2025-03-01' GROUP BY service_name ORDER BY p99_ms DESC"))
                        .hasSizeGreaterThan(5).allSatisfy(row -> assertThat(Double.parseDouble(row.get(1))).isPositive());

                // Why the table turns Iceberg's vectorized Parquet reader off: it takes the type from the file's
                // TIMESTAMP(NANOS) annotation and fails on the long column.
                assertThatThrownBy(() -> spark.read().option("vectorization-enabled", "true").table(SPANS)
                        .select("start_time").collectAsList())
                        .hasStackTraceContaining("org.apache.iceberg.types.Types$LongType cannot be cast to class "
                                + "org.apache.iceberg.types.Types$TimestampNanoType");
                // Why nanosecond times are long: Spark cannot even load a table with a timestamp_ns column.
                assertThatThrownBy(() -> spark.table(nanosecondTable(cluster)).schema())
                        .isInstanceOf(UnsupportedOperationException.class)
                        .hasMessage("Cannot convert unsupported type to Spark: timestamp_ns");
                // And a Spark catalog under another name sees none of Contrail's tables.
                assertThat(spark.catalog().tableExists("elsewhere.contrail.spans")).isFalse();
            }
        }
    }

    /** Sends {@code requests} requests of 20 traces each; every one must be acknowledged. Returns the spans sent. */
    static long send(Cluster cluster, ContrailServerProcess node, Workload workload, int requests) {
        long spans = 0;
        for (int i = 0; i < requests; i++) {
            ExportTraceServiceRequest request = workload.nextRequest(20);
            try {
                HttpResponse<String> response = cluster.send(node, request);
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            } catch (Exception e) {
                throw new AssertionError("sending to " + node.baseUrl(), e);
            }
            spans += Cluster.spans(request);
        }
        return spans;
    }

    static String conflictTraceId() {
        return "c0ff1c7c0ff1c7c0ff1c7c0ff1c7c0ff";
    }

    static String conflictSpanId(int n) {
        return "00000000000000c" + n;
    }

    /** One span of a trace of its own with {@value #CONFLICT_KEY} = {@code value}, at 11:30 on 2025-03-01. */
    static ExportTraceServiceRequest conflictSpan(int n, AnyValue value) {
        long start = nanos("2025-03-01T11:30:00Z") + n;
        Span span = Span.newBuilder()
                .setTraceId(ByteString.copyFrom(HexFormat.of().parseHex(conflictTraceId())))
                .setSpanId(ByteString.copyFrom(HexFormat.of().parseHex(conflictSpanId(n))))
                .setName("retry")
                .setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
                .setStartTimeUnixNano(start)
                .setEndTimeUnixNano(start + 1000)
                .addAttributes(KeyValue.newBuilder().setKey(CONFLICT_KEY).setValue(value))
                .build();
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
                        .setValue(AnyValue.newBuilder().setStringValue("conflicts"))))
                .addScopeSpans(ScopeSpans.newBuilder().addSpans(span))).build();
    }

    /**
     * Spark in this JVM with the catalog docs/lake-engines.md configures: SparkCatalog, type jdbc, on the
     * cluster's PostgreSQL, S3FileIO on its S3 server (path-style, its keys). And a second catalog, the same
     * but for its name.
     */
    static SparkSession spark(Cluster cluster, Path work) {
        SparkSession.Builder builder = SparkSession.builder()
                .master("local[2]")
                .appName("contrail-spark-reader")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.local.dir", work.resolve("spark-local").toString())
                .config("spark.sql.warehouse.dir", work.resolve("spark-warehouse").toUri().toString())
                .config("spark.sql.session.timeZone", "UTC");
        for (String name : List.of(CATALOG, "elsewhere")) {
            builder.config("spark.sql.catalog." + name, "org.apache.iceberg.spark.SparkCatalog");
            builder.config("spark.sql.catalog." + name + ".type", "jdbc");
            for (Map.Entry<String, String> property : catalogProperties(cluster).entrySet()) {
                builder.config("spark.sql.catalog." + name + "." + property.getKey(), property.getValue());
            }
        }
        return builder.getOrCreate();
    }

    /** The Iceberg catalog properties a reader of Contrail's table gives (Spark prefixes them). */
    static Map<String, String> catalogProperties(Cluster cluster) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put(CatalogProperties.URI, cluster.catalog.jdbcUrl());
        properties.put("jdbc.user", cluster.catalog.user());
        properties.put("jdbc.password", cluster.catalog.password());
        properties.put("jdbc.schema-version", "V1");
        properties.put(CatalogProperties.WAREHOUSE_LOCATION, Cluster.STORAGE);
        properties.put(CatalogProperties.FILE_IO_IMPL, "org.apache.iceberg.aws.s3.S3FileIO");
        properties.put("s3.endpoint", cluster.s3.endpoint().toString());
        properties.put("s3.path-style-access", "true");
        properties.put("s3.access-key-id", cluster.s3.accessKey());
        properties.put("s3.secret-access-key", cluster.s3.secretKey());
        properties.put("client.region", cluster.s3.region());
        return properties;
    }

    /**
     * Creates (through Iceberg's API, in a namespace of its own) an empty format-3 table whose one column is
     * {@code timestamp_ns}, as Contrail's span files type {@code start_time}; returns its Spark name.
     */
    static String nanosecondTable(Cluster cluster) {
        try (JdbcCatalog catalog = new JdbcCatalog()) {
            catalog.initialize(CATALOG, catalogProperties(cluster));
            Namespace probe = Namespace.of("probe");
            catalog.createNamespace(probe);
            catalog.buildTable(TableIdentifier.of(probe, "nanos"),
                            new Schema(Types.NestedField.optional(1, "start_time", Types.TimestampNanoType.withoutZone())))
                    .withProperty(TableProperties.FORMAT_VERSION, "3")
                    .withLocation(Cluster.STORAGE.replace("/spans", "/probe"))
                    .create();
        }
        return CATALOG + ".probe.nanos";
    }

    /** Runs {@code sql} (with %s for the table) on Spark and on a node; asserts the same rows; returns them. */
    static List<List<String>> assertSame(SparkSession spark, Cluster cluster, ContrailServerProcess node, String sql)
            throws Exception {
        List<List<String>> fromSpark = rows(spark, sql.formatted(SPANS));
        String contrailSql = sql.formatted("spans").replace("AS STRING", "AS VARCHAR").replace('`', '"');
        assertThat(fromSpark).as(sql).isEqualTo(contrailRows(cluster, node, contrailSql)).isNotEmpty();
        return fromSpark;
    }

    static List<List<String>> rows(SparkSession spark, String sql) {
        List<List<String>> rows = new ArrayList<>();
        for (Row row : spark.sql(sql).collectAsList()) {
            List<String> values = new ArrayList<>();
            for (int i = 0; i < row.length(); i++) {
                values.add(String.valueOf(row.get(i)));
            }
            rows.add(values);
        }
        return rows;
    }

    static List<List<String>> contrailRows(Cluster cluster, ContrailServerProcess node, String sql) throws Exception {
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode row : cluster.sql(node, sql)) {
            List<String> values = new ArrayList<>();
            row.forEach(value -> values.add(value.isNull() ? "null" : value.asText()));
            rows.add(values);
        }
        return rows;
    }

    static long nanos(String instant) {
        Instant at = Instant.parse(instant);
        return at.getEpochSecond() * 1_000_000_000L + at.getNano();
    }
}
