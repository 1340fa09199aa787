package io.contrail.query;

import static io.contrail.query.QueryEngineTest.resourceSpans;
import static io.contrail.query.QueryEngineTest.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.contrail.columnar.SpanSchema;
import io.contrail.columnar.Store;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files written over months disagree: a key changes type, new keys appear, and a future writer
 * adds or drops fixed columns under a new schema version. The views must keep answering.
 */
class SchemaEvolutionTest {

    private static final String TRACE = "5af7651916cd43dd8448eb211c80319c";

    @TempDir
    Path data;

    private static KeyValue attribute(String key, AnyValue value) {
        return KeyValue.newBuilder().setKey(key).setValue(value).build();
    }

    private static TracesData oneSpan(String spanId, KeyValue... attributes) {
        Span.Builder span = span(TRACE, spanId, null, "op", Span.SpanKind.SPAN_KIND_SERVER, 0, 1_000_000);
        span.addAllAttributes(List.of(attributes));
        return TracesData.newBuilder().addResourceSpans(resourceSpans("cart", span.build())).build();
    }

    @Test
    void viewsOverSpansFollowNewFilesAndNewColumnsWhileTheServerRuns() throws Exception {
        String attributes = "SELECT span_id, \"key\", \"value\" FROM span_attributes WHERE scope = 'span' ORDER BY ALL";
        try (Store store = StoreFixture.open(data);
             QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(data))) {
            store.files().onChange(engine::filesChanged);
            KeyValue region = attribute("region", AnyValue.newBuilder().setStringValue("eu").build());
            StoreFixture.append(store, oneSpan("00000000000000b1", region));
            store.flush();
            assertThat(engine.query(attributes).rows()).containsExactly(List.of("00000000000000b1", "region", "eu"));

            // Same columns: the views that read spans are not re-created, and still see the new file.
            StoreFixture.append(store, oneSpan("00000000000000b2", region));
            store.flush();
            assertThat(engine.query(attributes).rows()).containsExactly(List.of("00000000000000b1", "region", "eu"),
                    List.of("00000000000000b2", "region", "eu"));
            assertThat(engine.query("SELECT count(*) FROM span_timing").rows()).containsExactly(List.of(2L));

            // A new key is a new column: span_attributes shows it.
            StoreFixture.append(store, oneSpan("00000000000000b3", attribute("zone", AnyValue.newBuilder().setIntValue(7).build())));
            store.flush();
            assertThat(engine.query(attributes + " OFFSET 2").rows()).containsExactly(List.of("00000000000000b3", "zone", "7"));
            assertThat(engine.query("SELECT \"key\" FROM attribute_keys WHERE scope = 'span' ORDER BY 1").rows())
                    .containsExactly(List.of("region"), List.of("zone"));
        }
    }

    @Test
    void aKeyThatChangesTypeAndKeysThatAppearLaterStayQueryable() throws Exception {
        try (Store store = StoreFixture.open(data)) {
            StoreFixture.append(store, oneSpan("00000000000000a1", attribute("retry.count", AnyValue.newBuilder().setIntValue(3).build())));
            store.flush();
            StoreFixture.append(store, oneSpan("00000000000000a2",
                    attribute("retry.count", AnyValue.newBuilder().setStringValue("three").build()),
                    attribute("feature.flag", AnyValue.newBuilder().setBoolValue(true).build())));
            store.flush();
        }
        try (QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(data))) {
            assertThat(engine.query("SELECT span_id, \"attr.retry.count\", \"attr.feature.flag\" FROM spans ORDER BY span_id")
                    .rows()).containsExactly(Arrays.asList("00000000000000a1", "3", null),
                    Arrays.asList("00000000000000a2", "three", true));
            assertThat(engine.query("SELECT count(*) FROM spans WHERE \"attr.retry.count\" = '3'").rows())
                    .containsExactly(List.of(1L));
            assertThat(engine.query("SELECT data_type FROM attribute_keys WHERE \"key\" = 'retry.count'").rows())
                    .as("the type after widening").containsExactly(List.of("VARCHAR"));
        }
    }

    @Test
    void filesOfAFutureSchemaVersionAreReadBesideTodaysAndSayTheirVersion() throws Exception {
        try (Store store = StoreFixture.open(data)) {
            StoreFixture.append(store, oneSpan("00000000000000b1"));
            store.flush();
        }
        Path today = new io.contrail.columnar.DataLayout(data).spanFiles().get(0);
        // A newer writer: one fixed column more, one fewer, and the next version in the file's metadata.
        Path future = today.resolveSibling("part-999999999999-0000abcd.parquet");
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
             Statement statement = duck.createStatement()) {
            statement.execute("COPY (SELECT * EXCLUDE (kind) REPLACE ('00000000000000b2' AS span_id), "
                    + "42 AS cost_micro_dollars FROM read_parquet('" + today + "')) TO '" + future
                    + "' (FORMAT parquet, KV_METADATA {'" + SpanSchema.VERSION_METADATA_KEY + "': '" + (SpanSchema.VERSION + 1)
                    + "'})");
        }
        try (QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(data))) {
            assertThat(engine.query("SELECT span_id, kind, cost_micro_dollars FROM spans ORDER BY span_id")
                    .rows()).containsExactly(Arrays.asList("00000000000000b1", "SERVER", null),
                    Arrays.asList("00000000000000b2", null, 42));
            assertThat(engine.query("SELECT DISTINCT decode(value) FROM parquet_kv_metadata('" + data
                    + "/spans/*/*/*.parquet') WHERE decode(key) = '" + SpanSchema.VERSION_METADATA_KEY + "' ORDER BY 1")
                    .rows()).as("each file says its version").containsExactly(List.of(String.valueOf(SpanSchema.VERSION)),
                    List.of(String.valueOf(SpanSchema.VERSION + 1)));
        }
    }
}
