package io.contrail.bench.suite;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Starts a real PostgreSQL 15 (the Debian package), loads a tiny generated corpus and asks every
 * question of the suite. Fails, rather than skips, when PostgreSQL is not installed: CI installs it.
 */
class PostgresPeerTest {

    @Test
    void answersEveryQuestionOfTheSuiteAndLeavesNothingBehind(@TempDir Path temp) throws Exception {
        SpanCorpus corpus = SpanCorpus.generate(temp.resolve("corpus"), 3000, 7, System.out);
        Path workDir = Files.createDirectories(temp.resolve("work"));
        BenchContext context = new BenchContext(workDir, Path.of("").toAbsolutePath(), System.out);

        try (PostgresPeer peer = new PostgresPeer()) {
            assertThat(peer.name()).isEqualTo("postgresql");
            try {
                peer.start(context);
            } catch (PeerUnavailableException e) {
                fail("the PostgreSQL peer cannot start here: " + e.getMessage(), e);
            }

            LoadResult load = peer.load(corpus);
            assertThat(load.spansAcknowledged()).isEqualTo(corpus.spanCount());
            assertThat(load.spansStored()).isEqualTo(corpus.spanCount());
            assertThat(load.ackSeconds()).isPositive();
            assertThat(load.storedSeconds()).isGreaterThan(load.ackSeconds());
            assertThat(load.bytesOnDisk()).isPositive();
            assertThat(load.notes()).contains("pg_total_relation_size");

            for (BenchQuery query : BenchQuery.values()) {
                QueryOutcome outcome = peer.query(query, corpus.probes());
                assertThat(outcome.supported()).as(query.name()).isTrue();
                assertThat(outcome.rows()).as(query + ": " + query.question()).isGreaterThanOrEqualTo(1);
                assertThat(outcome.elapsedNanos()).as(query.name()).isPositive();
            }
            assertThat(peer.query(BenchQuery.FULL_COUNT, corpus.probes()).rows()).isEqualTo(1);
            assertThat(peer.query(BenchQuery.SEARCH_SERVICE_OPERATION_WINDOW, corpus.probes()).rows())
                    .isBetween(1L, 20L);
            assertThat(peer.query(BenchQuery.SLOWEST_TRACES_IN_HOUR, corpus.probes()).rows()).isEqualTo(10);
        }
        assertThat(workDir.resolve("postgresql")).doesNotExist();
    }

    @Test
    void rowsKeepAttributeTypesAndEscapeWhatCopyTextGivesMeaningTo() throws Exception {
        byte[] traceId = HexFormat.of().parseHex("0af7651916cd43dd8448eb211c80319c");
        byte[] spanId = HexFormat.of().parseHex("b7ad6b7169203331");
        Span span = Span.newBuilder()
                .setTraceId(ByteString.copyFrom(traceId)).setSpanId(ByteString.copyFrom(spanId))
                .setName("GET /cart").setKind(Span.SpanKind.SPAN_KIND_SERVER)
                .setStartTimeUnixNano(1_764_000_000_123_456_789L).setEndTimeUnixNano(1_764_000_000_223_456_789L)
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("line one\nline\ttwo"))
                .addAttributes(attribute("http.response.status_code", AnyValue.newBuilder().setIntValue(500)))
                .addAttributes(attribute("app.ratio", AnyValue.newBuilder().setDoubleValue(0.25)))
                .addAttributes(attribute("app.cached", AnyValue.newBuilder().setBoolValue(false)))
                .addAttributes(attribute("app.path", AnyValue.newBuilder().setStringValue("C:\\tmp")))
                .addAttributes(attribute("app.tags", AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
                        .addValues(AnyValue.newBuilder().setStringValue("a")).addValues(AnyValue.newBuilder().setIntValue(2)))))
                .addEvents(Span.Event.newBuilder().setTimeUnixNano(1_764_000_000_200_000_000L).setName("exception")
                        .addAttributes(attribute("exception.type", AnyValue.newBuilder().setStringValue("TimeoutError"))))
                .build();
        ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(attribute("service.name", AnyValue.newBuilder().setStringValue("cart"))))
                .addScopeSpans(ScopeSpans.newBuilder().addSpans(span))).build();

        StringWriter out = new StringWriter();
        PostgresSpanRows rows = new PostgresSpanRows(out);
        assertThat(rows.write(request)).isEqualTo(1);

        assertThat(out.toString()).isEqualTo(String.join("\t",
                "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "\\N", "cart", "GET /cart", "SERVER",
                "2025-11-24T16:00:00.123456789Z", "2025-11-24T16:00:00.223456789Z", "100000000", "ERROR",
                "line one\\nline\\ttwo",
                "{\"http.response.status_code\":500,\"app.ratio\":0.25,\"app.cached\":false,"
                        + "\"app.path\":\"C:\\\\\\\\tmp\",\"app.tags\":[\"a\",2]}",
                "{\"service.name\":\"cart\"}",
                "[{\"time_unix_nano\":1764000000200000000,\"name\":\"exception\","
                        + "\"attributes\":{\"exception.type\":\"TimeoutError\"}}]") + "\n");
    }

    private static KeyValue attribute(String key, AnyValue.Builder value) {
        return KeyValue.newBuilder().setKey(key).setValue(value).build();
    }

    @Test
    void declinesACorpusTheFreeDiskCannotHoldAndSaysWhy() {
        long otlpBytesOf10MSpans = 6_256_000_000L;

        String reason = PostgresPeer.notEnoughDisk(10_000_000, otlpBytesOf10MSpans, 15_000_000_000L, Path.of("/scratch/pg"));

        assertThat(reason).contains("10,000,000 spans", "about 20.6 GB", "/scratch/pg", "15.0 GB are free");
        assertThat(PostgresPeer.notEnoughDisk(1_000_031, 625_590_945, 71_000_000_000L, Path.of("/scratch/pg")))
                .as("1M spans with 71 GB free").isNull();
        assertThat(PostgresPeer.notEnoughDisk(100_000_000, 62_540_000_000L, 43_000_000_000L, Path.of("/scratch/pg")))
                .as("100M spans, whose OTLP bytes count whether the corpus file is stored raw or gzip'd")
                .contains("100,000,000 spans", "about 166.9 GB", "62.5 GB of OTLP protobuf", "43.0 GB are free");
    }
}
