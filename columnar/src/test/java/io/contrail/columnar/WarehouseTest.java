package io.contrail.columnar;

import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.contrail.columnar.TestSpans.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WarehouseTest {

    @TempDir
    Path data;

    private Warehouse.Config config() {
        return Warehouse.Config.defaults(data).withMaxBufferAge(Duration.ofHours(1));
    }

    private List<List<Object>> query(String sql) throws Exception {
        return TestSpans.duckDbRows(sql.replace("$FILES",
                "read_parquet('" + new DataLayout(data).spansGlob() + "', union_by_name=true, hive_partitioning=true)"));
    }

    @Test
    void appendedSpansLandInHourPartitionedParquetWithTypedAttributeColumns() throws Exception {
        Span root = span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "GET /cart", 0, 20_000_000)
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("boom"))
                .addAttributes(attr("http.route", "/cart"))
                .addAttributes(attr("http.response.status_code", 500L))
                .addAttributes(attr("app.amount", 12.5))
                .addAttributes(attr("app.cache.hit", true))
                .addAttributes(attrLongs("app.ids", 1, 2, 3))
                .addEvents(Span.Event.newBuilder().setName("exception").setTimeUnixNano(T0 + 5)
                        .addAttributes(attr("exception.type", "IllegalStateException")))
                .build();
        Span child = span("0af7651916cd43dd8448eb211c80319c", "00f067aa0ba902b7", "SELECT", 3_700_000_000_000L, 1_000)
                .setParentSpanId(id("b7ad6b7169203331")).setKind(Span.SpanKind.SPAN_KIND_CLIENT)
                .addAttributes(attr("db.system.name", "postgresql")).build();
        try (Warehouse warehouse = Warehouse.open(config())) {
            warehouse.append(traces("cart", root, child));
            warehouse.flush();
        }

        List<Path> files = new DataLayout(data).spanFiles();
        assertThat(files).hasSize(2);
        assertThat(files.get(0).toString()).contains("date=2025-11-24/hour=16");
        assertThat(files.get(1).toString()).contains("date=2025-11-24/hour=17");

        List<List<Object>> rows = query("SELECT trace_id, span_id, parent_span_id, service_name, kind, status_code, "
                + "status_message, http_route, http_status_code, \"attr.http.response.status_code\", "
                + "\"attr.app.amount\", \"attr.app.cache.hit\", \"attr.app.ids\"::VARCHAR, "
                + "events[1].name, events[1].attributes->>'exception.type', \"resource.host.name\", duration_nanos, "
                + "epoch_ns(start_time) - " + T0 + ", db_system, hour FROM $FILES ORDER BY start_time");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0)).containsExactly("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", null, "cart",
                "SERVER", "ERROR", "boom", "/cart", 500L, 500L, 12.5, true, "[1, 2, 3]", "exception",
                "IllegalStateException", "host-1", 20_000_000L, 0L, null, 16L);
        assertThat(rows.get(1).get(2)).isEqualTo("b7ad6b7169203331");
        assertThat(rows.get(1).get(4)).isEqualTo("CLIENT");
        assertThat(rows.get(1).get(18)).isEqualTo("postgresql");
    }

    @Test
    void filesCarryTheSchemaVersionInTheirMetadata() throws Exception {
        try (Warehouse warehouse = Warehouse.open(config())) {
            warehouse.append(manySpans("svc", 1, 10));
            warehouse.flush();
        }
        Path file = new DataLayout(data).spanFiles().get(0);
        List<List<Object>> rows = query("SELECT decode(value) FROM parquet_kv_metadata('" + file + "') "
                + "WHERE decode(key) = '" + SpanSchema.VERSION_METADATA_KEY + "'");
        assertThat(rows).containsExactly(List.of(String.valueOf(SpanSchema.VERSION)));
    }

    @Test
    void aFlushedFileComesWithTheTraceIdSidecarOfExactlyItsTraces() throws Exception {
        try (Warehouse warehouse = Warehouse.open(config())) {
            warehouse.append(manySpans("svc", 1, 10));
            warehouse.append(manySpans("svc", 2, 30));
            warehouse.flush();
        }
        Path file = new DataLayout(data).spanFiles().get(0);
        long[] written = TraceIdIndex.readSidecar(SpanFiles.traceIdSidecar(file));
        // Keys are the IDs' low 64 bits: the two batches' trace IDs share 1..10 there, so 30 keys for 40 traces.
        assertThat(written).as("sidecar written by the flush").isNotNull().hasSize(30);
        try (java.sql.Connection duckdb = java.sql.DriverManager.getConnection("jdbc:duckdb:")) {
            assertThat(written).containsExactly(TraceIdIndex.keysOf(duckdb, file));
        }
    }

    @Test
    void unflushedSpansAreRecoveredFromTheLogOnRestart() throws Exception {
        Warehouse crashed = Warehouse.open(config());
        crashed.append(manySpans("svc", 1, 500));
        // No close(): the process "dies" with the spans only in the write-ahead log.
        try (Warehouse restarted = Warehouse.open(config())) {
            assertThat(restarted.stats().spansReplayed()).isEqualTo(500);
            restarted.flush();
        }
        assertThat(query("SELECT count(*), count(DISTINCT span_id) FROM $FILES"))
                .containsExactly(List.of(500L, 500L));
        assertThat(Files.list(data.resolve("wal")).count()).isLessThanOrEqualTo(1);
    }

    @Test
    void replayAfterACrashBetweenPublishAndLogDeletionDuplicatesNothing() throws Exception {
        Path walCopy = data.resolveSibling(data.getFileName() + "-walcopy");
        try (Warehouse warehouse = Warehouse.open(config())) {
            warehouse.append(manySpans("svc", 1, 300));
            copy(data.resolve("wal"), walCopy);
            warehouse.flush();
        }
        // Put the log back as it was before the flush deleted it: a crash right after publishing.
        copy(walCopy, data.resolve("wal"));
        try (Warehouse restarted = Warehouse.open(config())) {
            assertThat(restarted.stats().spansSkippedOnReplay()).isEqualTo(300);
            restarted.append(manySpans("svc", 2, 10));
            restarted.flush();
        }
        assertThat(query("SELECT count(*), count(DISTINCT trace_id || span_id) FROM $FILES"))
                .containsExactly(List.of(310L, 310L));
    }

    @Test
    void appendsBeyondTheBufferBoundAreRefusedAndWriteNothing() throws Exception {
        try (Warehouse warehouse = Warehouse.open(config().withMaxBufferedSpans(100))) {
            warehouse.append(manySpans("svc", 1, 80));
            assertThatThrownBy(() -> warehouse.append(manySpans("svc", 2, 80)))
                    .isInstanceOf(Warehouse.OverloadedException.class)
                    .hasMessageContaining("limit 100");
            warehouse.flush();
            warehouse.append(manySpans("svc", 3, 80));
            warehouse.flush();
        }
        assertThat(query("SELECT count(*) FROM $FILES")).containsExactly(List.of(160L));
    }

    @Test
    void appendsBeyondTheByteBoundAreRefusedAndAcceptedAgainOnceFlushed() throws Exception {
        TracesData first = manySpans("svc", 1, 80);
        TracesData second = manySpans("svc", 2, 80);
        long bound = first.getSerializedSize() + second.getSerializedSize() / 2;
        try (Warehouse warehouse = Warehouse.open(config().withMaxBufferedBytes(bound))) {
            warehouse.append(first);
            assertThatThrownBy(() -> warehouse.append(second))
                    .isInstanceOf(Warehouse.OverloadedException.class)
                    .hasMessageContaining("limit " + bound + " bytes");
            assertThat(warehouse.stats().spansAppended()).as("the refused spans were not logged").isEqualTo(80);
            warehouse.flush();
            warehouse.append(second);
            warehouse.flush();
        }
        assertThat(query("SELECT count(*) FROM $FILES")).containsExactly(List.of(160L));
    }

    @Test
    void spansLoggedFromTheirReceivedEncodingAreRecoveredOnRestart() throws Exception {
        TracesData traces = manySpans("svc", 1, 50);
        Warehouse crashed = Warehouse.open(config());
        crashed.append(traces, traces.toByteArray());
        // No close(): the process "dies" with the spans only in the write-ahead log.
        try (Warehouse restarted = Warehouse.open(config())) {
            assertThat(restarted.stats().spansReplayed()).isEqualTo(50);
            restarted.flush();
        }
        assertThat(query("SELECT count(*), count(DISTINCT span_id) FROM $FILES"))
                .containsExactly(List.of(50L, 50L));
    }

    @Test
    void concurrentAppendsShareFsyncs() throws Exception {
        try (Warehouse warehouse = Warehouse.open(config())) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int seed = t;
                Thread thread = new Thread(() -> {
                    for (int i = 0; i < 50; i++) {
                        try {
                            warehouse.append(manySpans("svc", seed * 1000 + i, 2));
                        } catch (Exception e) {
                            throw new RuntimeException(e);
                        }
                    }
                });
                thread.start();
                threads.add(thread);
            }
            for (Thread thread : threads) {
                thread.join();
            }
            assertThat(warehouse.stats().spansAppended()).isEqualTo(800);
            assertThat(warehouse.stats().walFsyncs()).isLessThan(400);
            warehouse.flush();
        }
        assertThat(query("SELECT count(*) FROM $FILES")).containsExactly(List.of(800L));
    }

    @Test
    void aKeyKeepsItsListOrScalarShapeAcrossFilesSoEveryFileStaysReadableTogether() throws Exception {
        try (Warehouse warehouse = Warehouse.open(config())) {
            warehouse.append(traces("svc", span("0af7651916cd43dd8448eb211c80319c", "0000000000000001", "a", 0, 1)
                    .addAttributes(attrLongs("app.ids", 1, 2)).addAttributes(attr("app.tag", "x")).build()));
            warehouse.flush();
        }
        try (Warehouse restarted = Warehouse.open(config())) {
            restarted.append(traces("svc", span("0af7651916cd43dd8448eb211c80319c", "0000000000000002", "b", 10, 1)
                    .addAttributes(attr("app.ids", "7")).addAttributes(attrLongs("app.tag", 3, 4)).build()));
            restarted.flush();
        }
        assertThat(query("SELECT span_id, \"attr.app.ids\"::VARCHAR, \"attr.app.tag\" FROM $FILES ORDER BY span_id"))
                .containsExactly(List.of("0000000000000001", "[1, 2]", "x"), List.of("0000000000000002", "[7]", "[3,4]"));
    }

    private static void copy(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
