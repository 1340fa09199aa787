package io.contrail.columnar;

import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
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

    private StoreConfig.Writes config() {
        return StoreConfig.Writes.defaults(data).withMaxBufferAge(Duration.ofHours(1));
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
    void aFlushLargerThanOneFileIsCutIntoFilesOfEvenSize() throws Exception {
        try (Warehouse warehouse = Warehouse.open(config().withMaxFileSpans(1_000))) {
            warehouse.append(manySpans("svc", 1, 2_001));
            warehouse.flush();
        }
        // 2,001 spans, at most 1,000 a file: three files of 667, not two of 1,000 and one of a single span
        // (a merge copies row groups as they are, so a flush's file sizes last).
        assertThat(query("SELECT count(*) FROM read_parquet('" + new DataLayout(data).spansGlob()
                + "', filename = true) GROUP BY filename ORDER BY 1"))
                .containsExactly(List.of(667L), List.of(667L), List.of(667L));
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
        DataFolderLock crashedProcess = DataFolderLock.acquire(data, "crashed");
        Warehouse crashed = Warehouse.open(config(), SpanSampler.KEEP_ALL, crashedProcess);
        crashed.append(manySpans("svc", 1, 500));
        // No close(): the process "dies" with the spans only in the write-ahead log, and the OS releases its claim.
        crashedProcess.close();
        try (Warehouse restarted = Warehouse.open(config())) {
            assertThat(restarted.stats().spansReplayed()).isEqualTo(500);
            restarted.flush();
        }
        assertThat(query("SELECT count(*), count(DISTINCT span_id) FROM $FILES"))
                .containsExactly(List.of(500L, 500L));
        assertThat(Files.list(data.resolve("wal")).count()).isLessThanOrEqualTo(1);
    }

    /**
     * The flusher starts on open and writes recovered spans within the buffer age, possibly before a
     * reader registers for published files (a server opens its query engine in between): the reader
     * must still hear of them, or the recovered spans stay invisible to its queries until a later flush
     * (CrashSafetyTest lost a round's last acknowledged requests that way).
     */
    @Test
    void aListenerRegisteredAfterTheRecoveryFlushStillHearsOfItsFiles() throws Exception {
        DataFolderLock crashedProcess = DataFolderLock.acquire(data, "crashed");
        Warehouse crashed = Warehouse.open(config(), SpanSampler.KEEP_ALL, crashedProcess);
        crashed.append(manySpans("svc", 1, 500));
        // No close(): the process "dies" with the spans only in the write-ahead log, and the OS releases its claim.
        crashedProcess.close();
        try (Warehouse restarted = Warehouse.open(config())) {
            // The recovered spans are published before anyone registers (as when the buffer age ran out first).
            restarted.flush();
            assertThat(restarted.stats().filesWritten()).isEqualTo(1);
            java.util.concurrent.atomic.AtomicInteger told = new java.util.concurrent.atomic.AtomicInteger();
            restarted.onFilesPublished(told::incrementAndGet);
            assertThat(told.get()).as("times a listener registered after the recovery flush was told").isEqualTo(1);
        }
    }

    @Test
    void replayAfterACrashBetweenPublishAndLogDeletionDuplicatesNothing(@TempDir Path walCopy) throws Exception {
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
        try (Warehouse warehouse = Warehouse.open(config().withMaxBufferedSpans(100).withMaxBufferWait(Duration.ZERO))) {
            warehouse.append(manySpans("svc", 1, 80));
            assertThatThrownBy(() -> warehouse.append(manySpans("svc", 2, 80)))
                    .isInstanceOf(SpanSink.OverloadedException.class)
                    .hasMessageContaining("limit 100");
            warehouse.flush();
            warehouse.append(manySpans("svc", 3, 80));
            warehouse.flush();
        }
        assertThat(query("SELECT count(*) FROM $FILES")).containsExactly(List.of(160L));
    }

    /** A failure nothing retries (here a listener) stops writing, and the stats (so /health) say so, not ok. */
    @Test
    void aWriterThatStopsSaysSoInItsStatsAndFlushesFail() throws Exception {
        try (Warehouse warehouse = Warehouse.open(config())) {
            warehouse.onFilesPublished(() -> {
                throw new IllegalStateException("listener broke");
            });
            warehouse.append(manySpans("svc", 1, 10));

            assertThatThrownBy(warehouse::flush).isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("the flusher has stopped");
            assertThat(warehouse.stats().flushFailing()).isTrue();
            assertThat(warehouse.stats().lastFlushError()).contains("listener broke")
                    .contains("spans stay in the write-ahead log");
        }
    }

    /**
     * An append past the bound waits for room instead of being refused at once, and its waiting makes the
     * flusher take the full buffer (here the buffer's age, an hour, would not).
     */
    @Test
    void anAppendPastTheBoundWaitsForTheFlushThatMakesRoomAndIsTaken() throws Exception {
        try (Warehouse warehouse = Warehouse.open(config().withMaxBufferedSpans(100)
                .withMaxBufferWait(Duration.ofSeconds(60)))) {
            warehouse.append(manySpans("svc", 1, 80));
            warehouse.append(manySpans("svc", 2, 80));

            assertThat(warehouse.stats().spansAppended()).isEqualTo(160);
            assertThat(warehouse.stats().filesWritten()).as("the first 80 spans were flushed to make room").isOne();
            warehouse.flush();
        }
        assertThat(query("SELECT count(*) FROM $FILES")).containsExactly(List.of(160L));
    }

    @Test
    void appendsBeyondTheByteBoundAreRefusedAndAcceptedAgainOnceFlushed() throws Exception {
        TracesData first = manySpans("svc", 1, 80);
        TracesData second = manySpans("svc", 2, 80);
        long bound = first.getSerializedSize() + second.getSerializedSize() / 2;
        try (Warehouse warehouse = Warehouse.open(config().withMaxBufferedBytes(bound).withMaxBufferWait(Duration.ZERO))) {
            warehouse.append(first);
            assertThatThrownBy(() -> warehouse.append(second))
                    .isInstanceOf(SpanSink.OverloadedException.class)
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
        DataFolderLock crashedProcess = DataFolderLock.acquire(data, "crashed");
        Warehouse crashed = Warehouse.open(config(), SpanSampler.KEEP_ALL, crashedProcess);
        crashed.append(traces, traces.toByteArray());
        // No close(): the process "dies" with the spans only in the write-ahead log, and the OS releases its claim.
        crashedProcess.close();
        try (Warehouse restarted = Warehouse.open(config())) {
            assertThat(restarted.stats().spansReplayed()).isEqualTo(50);
            restarted.flush();
        }
        assertThat(query("SELECT count(*), count(DISTINCT span_id) FROM $FILES"))
                .containsExactly(List.of(50L, 50L));
    }

    /** A request format of the test's own: OTLP/JSON of a TracesData. */
    private static final int JSON_FORMAT = 3;
    private static final SpanSink.RequestDecoder JSON_DECODER = (format, request) -> {
        assertThat(format).isEqualTo(JSON_FORMAT);
        TracesData.Builder traces = TracesData.newBuilder();
        com.google.protobuf.util.JsonFormat.parser().merge(new String(request, java.nio.charset.StandardCharsets.UTF_8), traces);
        return SpanChunk.fromTraces(traces.build());
    };

    @Test
    void aRequestLoggedInItsOwnFormatIsDecodedAgainOnRestart() throws Exception {
        TracesData traces = manySpans("svc", 2, 40);
        byte[] json = com.google.protobuf.util.JsonFormat.printer().print(traces)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        DataFolderLock crashedProcess = DataFolderLock.acquire(data, "crashed");
        Warehouse crashed = Warehouse.open(config(), SpanSampler.KEEP_ALL, JSON_DECODER, crashedProcess);
        crashed.append(SpanChunk.fromTraces(traces), JSON_FORMAT, json);
        crashedProcess.close();

        // A server that cannot decode the format refuses to start and leaves the log alone.
        assertThatThrownBy(() -> Warehouse.open(config()))
                .hasMessageContaining("format 3");
        try (DataFolderLock restartedProcess = DataFolderLock.acquire(data, "restarted");
             Warehouse restarted = Warehouse.open(config(), SpanSampler.KEEP_ALL, JSON_DECODER, restartedProcess)) {
            assertThat(restarted.stats().spansReplayed()).isEqualTo(40);
            restarted.flush();
        }
        assertThat(query("SELECT count(*), count(DISTINCT span_id), min(service_name) FROM $FILES"))
                .containsExactly(List.of(40L, 40L, "svc"));
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

    @Test
    void keysThatDifferOnlyInNonAsciiCaseKeepColumnsOfTheirOwnAsInDuckDb() throws Exception {
        // DuckDB folds ASCII letters only: the Kelvin sign is not k, É is not é, İ is not i + U+0307.
        String[] keys = {"k", "\u212A", "É", "é", "İ", "i\u0307", "ß", "ẞ"};
        try (Warehouse warehouse = Warehouse.open(config())) {
            Span.Builder first = span("0af7651916cd43dd8448eb211c80319c", "0000000000000001", "a", 0, 1);
            for (String key : keys) {
                first.addAttributes(attr(key, "v-" + key));
            }
            warehouse.append(traces("svc", first.build()));
            warehouse.flush();
            // A second file, read together with the first through union_by_name.
            warehouse.append(traces("svc", span("0af7651916cd43dd8448eb211c80319c", "0000000000000002", "b", 10, 1)
                    .addAttributes(attr("\u212A", "second kelvin")).addAttributes(attr("é", "second é")).build()));
            warehouse.flush();
        }
        StringBuilder columns = new StringBuilder();
        List<Object> expected = new ArrayList<>();
        for (String key : keys) {
            columns.append(", ").append(SpanSchema.quote(SpanSchema.spanAttributeColumn(key)));
            expected.add("v-" + key);
        }
        List<List<Object>> rows = query("SELECT span_id" + columns + " FROM $FILES ORDER BY span_id");
        assertThat(rows.get(0).subList(1, keys.length + 1)).containsExactlyElementsOf(expected);
        assertThat(rows.get(1).subList(1, keys.length + 1)).containsExactly(
                null, "second kelvin", null, "second é", null, null, null, null);
    }

    @Test
    void keysThatDifferOnlyInAsciiCaseShareTheColumnOfTheFirstSeen() throws Exception {
        try (Warehouse warehouse = Warehouse.open(config())) {
            warehouse.append(traces("svc",
                    span("0af7651916cd43dd8448eb211c80319c", "0000000000000001", "a", 0, 1)
                            .addAttributes(attr("app.Count", 1L)).build(),
                    span("0af7651916cd43dd8448eb211c80319c", "0000000000000002", "b", 0, 1)
                            .addAttributes(attr("APP.count", 2L)).build()));
            warehouse.flush();
        }
        assertThat(query("SELECT span_id, \"attr.app.count\" FROM $FILES ORDER BY span_id"))
                .containsExactly(List.of("0000000000000001", 1L), List.of("0000000000000002", 2L));
    }

    @Test
    void aRepeatedServiceNameIsTheLastOneInBothItsColumns() throws Exception {
        TracesData traces = TracesData.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(attr("service.name", "first"))
                        .addAttributes(attr("service.name", "last")))
                .addScopeSpans(ScopeSpans.newBuilder().addSpans(
                        span("0af7651916cd43dd8448eb211c80319c", "0000000000000001", "a", 0, 1)))).build();
        try (Warehouse warehouse = Warehouse.open(config())) {
            warehouse.append(traces);
            warehouse.flush();
        }
        assertThat(query("SELECT service_name, \"resource.service.name\" FROM $FILES"))
                .containsExactly(List.of("last", "last"));
    }

    @Test
    void aSpanTheWriterFailsOnIsSetAsideAndEveryOtherSpanIsWritten() throws Exception {
        // The ingest validator refuses a NUL in a key; the store must not depend on that.
        Span poison = span("0af7651916cd43dd8448eb211c80319c", "00000000000000ff", "poison", 7, 1)
                .addAttributes(attr("a\u0000b", "v")).build();
        TracesData good = manySpans("svc", 1, 40);
        TracesData mixed = good.toBuilder().setResourceSpans(0, good.getResourceSpans(0).toBuilder()
                .setScopeSpans(0, good.getResourceSpans(0).getScopeSpans(0).toBuilder().addSpans(13, poison))).build();
        try (Warehouse warehouse = Warehouse.open(config())) {
            warehouse.append(mixed);
            assertThat(warehouse.flush(20_000)).as("the flush completes").isTrue();
            Store.WriteStats stats = warehouse.stats();
            assertThat(stats.spansQuarantined()).isEqualTo(1);
            assertThat(stats.flushFailing()).isFalse();
            assertThat(stats.quarantinedFiles()).singleElement().asString()
                    .startsWith("quarantine/spans-").endsWith(".otlp.json");
            // Spans after it are not held up.
            warehouse.append(manySpans("svc", 2, 5));
            assertThat(warehouse.flush(20_000)).isTrue();
        }
        assertThat(query("SELECT count(*), count(*) FILTER (WHERE name = 'poison') FROM $FILES"))
                .containsExactly(List.of(45L, 0L));
        List<Path> quarantined;
        try (Stream<Path> files = Files.list(data.resolve("quarantine"))) {
            quarantined = files.toList();
        }
        assertThat(quarantined).hasSize(1);
        String json = Files.readString(quarantined.get(0));
        var tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        var stored = tree.at("/resourceSpans/0/scopeSpans/0/spans");
        assertThat(stored).hasSize(1);
        assertThat(stored.get(0).get("traceId").asText()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(stored.get(0).get("spanId").asText()).isEqualTo("00000000000000ff");
        assertThat(stored.get(0).at("/attributes/0/key").asText()).isEqualTo("a\u0000b");
        assertThat(tree.at("/resourceSpans/0/resource/attributes/0/value/stringValue").asText()).isEqualTo("svc");
        assertThat(tree.get(Quarantine.REASON_FIELD).asText()).contains("unterminated quoted identifier")
                .doesNotContain(data.toString());
        // It is read back as OTLP: the file is a valid ExportTraceServiceRequest in OTLP/JSON but for hex IDs.
        // The log was truncated past it: a restart replays nothing and sets nothing aside again.
        try (Warehouse restarted = Warehouse.open(config())) {
            assertThat(restarted.stats().spansReplayed()).isZero();
            restarted.flush();
            assertThat(restarted.stats().quarantinedFiles()).hasSize(1);
        }
        assertThat(query("SELECT count(*) FROM $FILES")).containsExactly(List.of(45L));
    }

    @Test
    void spansWithTimesOutsideTheStoredRangeAreSetAsideNotStoredBefore1970() throws Exception {
        Span wraps = span("0af7651916cd43dd8448eb211c80319c", "00000000000000fe", "2^64-2", 0, 1)
                .setStartTimeUnixNano(-2L).setEndTimeUnixNano(-2L).build();
        Span tooLate = span("0af7651916cd43dd8448eb211c80319c", "00000000000000fd", "2^63-1", 0, 1)
                .setStartTimeUnixNano(Long.MAX_VALUE).setEndTimeUnixNano(Long.MAX_VALUE).build();
        Span lateEvent = span("0af7651916cd43dd8448eb211c80319c", "00000000000000fc", "event", 0, 1)
                .addEvents(Span.Event.newBuilder().setName("e").setTimeUnixNano(Long.MIN_VALUE + 1)).build();
        try (Warehouse warehouse = Warehouse.open(config())) {
            warehouse.append(traces("svc", wraps, tooLate, lateEvent,
                    span("0af7651916cd43dd8448eb211c80319c", "0000000000000001", "fine", 0, 1).build()));
            assertThat(warehouse.flush(20_000)).isTrue();
            assertThat(warehouse.stats().spansQuarantined()).isEqualTo(3);
        }
        assertThat(query("SELECT name, year(start_time) FROM $FILES")).containsExactly(List.of("fine", 2025L));
    }

    @Test
    void aFolderThatCannotBeWrittenIsRetriedNotQuarantined() throws Exception {
        try (Warehouse warehouse = Warehouse.open(config())) {
            // A file where the partition folder must go: every write there fails, the probe's too.
            Path hour = data.resolve("spans/date=2025-11-24");
            Files.createDirectories(hour);
            Files.writeString(hour.resolve("hour=16"), "not a folder");
            warehouse.append(manySpans("svc", 1, 10));
            assertThat(warehouse.flush(1_500)).as("the flush cannot complete").isFalse();
            assertThat(warehouse.stats().flushFailing()).isTrue();
            assertThat(warehouse.stats().lastFlushError()).doesNotContain(data.toString());
            assertThat(warehouse.stats().spansQuarantined()).isZero();
            Files.delete(hour.resolve("hour=16"));
            assertThat(warehouse.flush(30_000)).as("the flush completes once the folder can be written").isTrue();
            assertThat(warehouse.stats().flushFailing()).isFalse();
        }
        assertThat(query("SELECT count(*) FROM $FILES")).containsExactly(List.of(10L));
        assertThat(data.resolve("quarantine")).doesNotExist();
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
