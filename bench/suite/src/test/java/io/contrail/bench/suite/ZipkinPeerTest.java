package io.contrail.bench.suite;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zipkin2.Annotation;
import zipkin2.codec.SpanBytesDecoder;
import zipkin2.codec.SpanBytesEncoder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Starts the real Zipkin server on a real MariaDB (Debian's {@code mariadb-server}), loads a tiny
 * generated corpus over Zipkin's HTTP API and asks every question of the suite. Fails, rather than
 * skips, when MariaDB or the Zipkin jar is missing: CI installs {@code mariadb-server}.
 */
class ZipkinPeerTest {

    private static final Set<BenchQuery> ANSWERED_BY_THE_API = EnumSet.of(BenchQuery.TRACE_BY_ID,
            BenchQuery.SEARCH_SERVICE_OPERATION_WINDOW, BenchQuery.HIGH_CARDINALITY_EQUALITY,
            BenchQuery.EVENT_FIELD_SEARCH, BenchQuery.CROSS_SERVICE_EDGES);

    @Test
    void storesEverySpanAndAnswersWhatItsApiCanAndLeavesNothingBehind(@TempDir Path temp) throws Exception {
        SpanCorpus corpus = SpanCorpus.generate(temp.resolve("corpus"), 3000, 7, System.out);
        Path workDir = Files.createDirectories(temp.resolve("work"));
        BenchContext context = new BenchContext(workDir, Path.of("").toAbsolutePath(), System.out);
        List<ProcessHandle> started;

        try (ZipkinPeer peer = new ZipkinPeer()) {
            assertThat(peer.name()).isEqualTo("zipkin-mysql");
            try {
                peer.start(context);
            } catch (PeerUnavailableException e) {
                fail("the Zipkin peer cannot start here (CI must `apt-get install mariadb-server`): "
                        + e.getMessage(), e);
            }
            started = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
            assertThat(started).as("the Zipkin server and mariadbd").hasSizeGreaterThanOrEqualTo(2);

            LoadResult load = peer.load(corpus);
            assertThat(load.spansAcknowledged()).isEqualTo(corpus.spanCount());
            assertThat(load.spansStored()).as(load.notes()).isEqualTo(corpus.spanCount());
            assertThat(load.ackSeconds()).isPositive();
            assertThat(load.storedSeconds()).isGreaterThanOrEqualTo(load.ackSeconds());
            assertThat(load.bytesOnDisk()).isPositive();
            assertThat(load.notes()).contains("accepted in memory").contains("zipkin_spans");

            for (BenchQuery query : BenchQuery.values()) {
                QueryOutcome outcome = peer.query(query, corpus.probes());
                if (ANSWERED_BY_THE_API.contains(query)) {
                    assertThat(outcome.supported()).as(query.name()).isTrue();
                    assertThat(outcome.rows()).as(query + ": " + query.question()).isGreaterThanOrEqualTo(1);
                    assertThat(outcome.elapsedNanos()).as(query.name()).isPositive();
                } else {
                    assertThat(outcome.supported()).as(query.name()).isFalse();
                    assertThat(outcome.unsupportedReason()).as(query.name()).startsWith("Zipkin's API");
                }
            }
            assertThat(peer.query(BenchQuery.SEARCH_SERVICE_OPERATION_WINDOW, corpus.probes()).rows())
                    .isBetween(1L, (long) ZipkinPeer.SEARCH_LIMIT);
        }
        assertThat(workDir.resolve("zipkin-mysql")).doesNotExist();
        assertThat(started).as("processes the peer started").noneMatch(ProcessHandle::isAlive);
    }

    @Test
    void restartsTheServerForTheQueriesWhenMySqlHasNotCaughtUpInTime(@TempDir Path temp) throws Exception {
        SpanCorpus corpus = SpanCorpus.generate(temp.resolve("corpus"), 3000, 7, System.out);
        BenchContext context = new BenchContext(Files.createDirectories(temp.resolve("work")),
                Path.of("").toAbsolutePath(), System.out);

        try (ZipkinPeer peer = new ZipkinPeer(Duration.ofSeconds(1))) {
            try {
                peer.start(context);
            } catch (PeerUnavailableException e) {
                fail("the Zipkin peer cannot start here (CI must `apt-get install mariadb-server`): "
                        + e.getMessage(), e);
            }
            LoadResult load = peer.load(corpus);

            assertThat(load.spansAcknowledged()).isEqualTo(corpus.spanCount());
            assertThat(load.spansStored()).isLessThan(corpus.spanCount());
            assertThat(load.notes()).contains("reached its bound of PT1S").contains("restarted for the queries");
            assertThat(peer.query(BenchQuery.TRACE_BY_ID, corpus.probes()).supported()).isTrue();
        }
    }

    @Test
    void loadsOnlyItsShareOfTheCorpusAndHoldsTheProbes(@TempDir Path temp) throws Exception {
        SpanCorpus corpus = SpanCorpus.generate(temp.resolve("corpus"), 6000, 1000, 7, System.out);
        SpanCorpus share = corpus.prefix(1000);
        BenchContext context = new BenchContext(Files.createDirectories(temp.resolve("work")),
                Path.of("").toAbsolutePath(), System.out);

        try (ZipkinPeer peer = new ZipkinPeer(1000, Duration.ofMinutes(5))) {
            try {
                peer.start(context);
            } catch (PeerUnavailableException e) {
                fail("the Zipkin peer cannot start here (CI must `apt-get install mariadb-server`): "
                        + e.getMessage(), e);
            }
            LoadResult load = peer.load(corpus);

            assertThat(load.spansOffered()).isEqualTo(share.spanCount()).isLessThan(corpus.spanCount());
            assertThat(load.partial(corpus.spanCount())).isTrue();
            assertThat(load.spansAcknowledged()).isEqualTo(share.spanCount());
            assertThat(load.spansStored()).as(load.notes()).isEqualTo(share.spanCount());
            assertThat(load.shareReason()).contains(String.format("the first %,d of the corpus's %,d spans",
                    share.spanCount(), corpus.spanCount()), "spans/s in this run", "query times are on this smaller store");
            assertThat(load.notes()).startsWith(load.shareReason());
            QueryOutcome trace = peer.query(BenchQuery.TRACE_BY_ID, corpus.probes());
            assertThat(trace.rows()).as("the probe trace lies in the share").isPositive();
            assertThat(peer.query(BenchQuery.HIGH_CARDINALITY_EQUALITY, corpus.probes()).rows()).isPositive();
        }
    }

    @Test
    void waitsForMySqlLongerWhenTheShareIsLarger() {
        assertThat(ZipkinPeer.maxStoredWaitFor(ZipkinPeer.DEFAULT_SPAN_SHARE)).isEqualTo(ZipkinPeer.DEFAULT_MAX_STORED_WAIT);
        assertThat(ZipkinPeer.maxStoredWaitFor(1_000)).isEqualTo(ZipkinPeer.DEFAULT_MAX_STORED_WAIT);
        assertThat(ZipkinPeer.maxStoredWaitFor(1_000_000)).as("1M spans at 50 spans/s").isEqualTo(Duration.ofSeconds(20_000));
    }

    @Test
    void convertsOtlpSpansAsOpenTelemetrysZipkinExportersDo() {
        String stacktrace = "TimeoutError: deadline exceeded\n" + "    at charge (payment.js:42)\n".repeat(20);
        Span span = Span.newBuilder()
                .setTraceId(bytes("0af7651916cd43dd8448eb211c80319c")).setSpanId(bytes("b7ad6b7169203331"))
                .setParentSpanId(bytes("00f067aa0ba902b7"))
                .setName("POST /charge").setKind(Span.SpanKind.SPAN_KIND_CLIENT)
                .setStartTimeUnixNano(1_764_000_000_123_456_789L).setEndTimeUnixNano(1_764_000_000_223_456_789L)
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("deadline exceeded"))
                .addAttributes(attribute("peer.service", AnyValue.newBuilder().setStringValue("payment")))
                .addAttributes(attribute("user.id", AnyValue.newBuilder().setStringValue("u-123")))
                .addAttributes(attribute("http.response.status_code", AnyValue.newBuilder().setIntValue(504)))
                .addAttributes(attribute("app.tags", AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
                        .addValues(AnyValue.newBuilder().setStringValue("a")).addValues(AnyValue.newBuilder().setIntValue(2)))))
                .addEvents(Span.Event.newBuilder().setTimeUnixNano(1_764_000_000_150_000_000L).setName("message")
                        .addAttributes(attribute("message.type", AnyValue.newBuilder().setStringValue("SENT"))))
                .addEvents(Span.Event.newBuilder().setTimeUnixNano(1_764_000_000_200_000_000L).setName("exception")
                        .addAttributes(attribute("exception.type", AnyValue.newBuilder().setStringValue("TimeoutError")))
                        .addAttributes(attribute("exception.stacktrace", AnyValue.newBuilder().setStringValue(stacktrace))))
                .addLinks(Span.Link.newBuilder().setTraceId(bytes("11111111111111111111111111111111"))
                        .setSpanId(bytes("2222222222222222")))
                .build();
        ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder()
                        .addAttributes(attribute("service.name", AnyValue.newBuilder().setStringValue("checkout")))
                        .addAttributes(attribute("k8s.pod.name", AnyValue.newBuilder().setStringValue("checkout-7f9c"))))
                .addScopeSpans(ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName("io.grpc"))
                        .addSpans(span))).build();

        List<zipkin2.Span> converted = new ZipkinSpanConverter().convert(request);

        assertThat(converted).hasSize(1);
        zipkin2.Span zipkin = converted.get(0);
        assertThat(zipkin.traceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(zipkin.id()).isEqualTo("b7ad6b7169203331");
        assertThat(zipkin.parentId()).isEqualTo("00f067aa0ba902b7");
        assertThat(zipkin.kind()).isEqualTo(zipkin2.Span.Kind.CLIENT);
        assertThat(zipkin.name()).isEqualTo("post /charge"); // Zipkin lower-cases names
        assertThat(zipkin.timestampAsLong()).isEqualTo(1_764_000_000_123_456L);
        assertThat(zipkin.durationAsLong()).isEqualTo(100_000L);
        assertThat(zipkin.localServiceName()).isEqualTo("checkout");
        assertThat(zipkin.remoteServiceName()).isEqualTo("payment");
        assertThat(zipkin.tags())
                .containsEntry("user.id", "u-123")
                .containsEntry("http.response.status_code", "504")
                .containsEntry("app.tags", "[\"a\",2]")
                .containsEntry("k8s.pod.name", "checkout-7f9c")
                .containsEntry("otel.scope.name", "io.grpc")
                .containsEntry("otel.status_code", "ERROR")
                .containsEntry("error", "deadline exceeded")
                .containsEntry("exception.type", "TimeoutError")
                .containsEntry("exception.stacktrace", stacktrace)
                .doesNotContainKey("service.name");
        assertThat(zipkin.annotations()).containsExactly(
                Annotation.create(1_764_000_000_150_000L, "\"message\":{\"message.type\":\"SENT\"}"),
                Annotation.create(1_764_000_000_200_000L, "exception"));
        assertThat(SpanBytesDecoder.JSON_V2.decodeList(SpanBytesEncoder.JSON_V2.encodeList(converted)))
                .as("survives Zipkin's JSON v2 codec").containsExactly(zipkin);
    }

    private static ByteString bytes(String hex) {
        return ByteString.copyFrom(HexFormat.of().parseHex(hex));
    }

    private static KeyValue attribute(String key, AnyValue.Builder value) {
        return KeyValue.newBuilder().setKey(key).setValue(value).build();
    }
}
