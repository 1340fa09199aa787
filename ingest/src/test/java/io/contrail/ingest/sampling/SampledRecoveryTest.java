package io.contrail.ingest.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.contrail.columnar.SpanChunk;
import io.contrail.columnar.SpanSink;
import io.contrail.columnar.Store;
import io.contrail.columnar.StoreConfig;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spans a sampler still holds are acknowledged: they must survive a restart although flushes of
 * other traces happened meanwhile, and spans already written must not come back twice.
 */
class SampledRecoveryTest {

    @TempDir
    Path data;

    @Test
    void heldSpansSurviveARestartAndWrittenSpansAreNotReplayedTwice() throws Exception {
        Path patient = Files.writeString(data.resolveSibling(data.getFileName() + "-patient.yaml"),
                "quietPeriodMillis: 1\nmaxWaitMillis: 600000\npolicies: [{type: latency, thresholdMillis: 0}]\n");
        Path hasty = Files.writeString(data.resolveSibling(data.getFileName() + "-hasty.yaml"),
                "quietPeriodMillis: 1\nmaxWaitMillis: 1\npolicies: [{type: latency, thresholdMillis: 0}]\n");
        TracesData rootless = traces(1, 3, false);
        TracesData whole = traces(2, 4, true);

        try (Store store = Store.builder(StoreConfig.defaults(data))
                .sampler(dir -> new TailSampler(SamplingConfig.read(patient), dir)).open()) {
            TailSampler first = store.sampler(TailSampler.class).orElseThrow();
            append(store, rootless);
            append(store, whole);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (first.heldSpans() > 3) {
                assertThat(System.nanoTime()).as("the whole trace is decided").isLessThan(deadline);
                LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
            }
            store.flush();
            assertThat(spansPerTrace()).as("written before the restart").containsExactly(Map.entry(traceHex(2), 4L));
        }

        try (Store store = Store.builder(StoreConfig.defaults(data))
                .sampler(dir -> new TailSampler(SamplingConfig.read(hasty), dir)).open()) {
            TailSampler second = store.sampler(TailSampler.class).orElseThrow();
            assertThat(store.stats().writes().spansSkippedOnReplay()).as("the written trace is skipped on replay")
                    .isEqualTo(4);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (second.heldSpans() > 0) {
                assertThat(System.nanoTime()).as("the rootless trace is decided").isLessThan(deadline);
                LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
            }
            store.flush();
            assertThat(spansPerTrace()).containsOnly(Map.entry(traceHex(1), 3L), Map.entry(traceHex(2), 4L));
        }
        assertThat(Files.list(data.resolve("wal")).count()).as("log segments left once everything is written")
                .isLessThanOrEqualTo(1);
    }

    /** Appends {@code traces} as a receiver does for an OTLP request of these spans. */
    private static void append(Store store, TracesData traces) throws IOException {
        store.sink().append(SpanChunk.fromTraces(traces), SpanSink.TRACES_DATA, traces.toByteArray());
    }

    private Map<String, Long> spansPerTrace() throws Exception {
        Map<String, Long> counts = new HashMap<>();
        try (Connection connection = DriverManager.getConnection("jdbc:duckdb:");
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT trace_id, count(*) FROM read_parquet('"
                     + data.resolve("spans") + "/*/*/*.parquet', union_by_name = true) GROUP BY 1")) {
            while (rows.next()) {
                counts.put(rows.getString(1), rows.getLong(2));
            }
        }
        return counts;
    }

    private static String traceHex(int trace) {
        return java.util.HexFormat.of().formatHex(traceId(trace).toByteArray());
    }

    private static ByteString traceId(int trace) {
        byte[] id = new byte[16];
        id[0] = (byte) trace;
        id[15] = (byte) (trace * 7 + 1);
        return ByteString.copyFrom(id);
    }

    private static TracesData traces(int trace, int spans, boolean withRoot) {
        ScopeSpans.Builder scope = ScopeSpans.newBuilder();
        long start = 1_764_000_000_000_000_000L;
        for (int i = 0; i < spans; i++) {
            Span.Builder span = Span.newBuilder().setTraceId(traceId(trace))
                    .setSpanId(ByteString.copyFrom(new byte[] {1, 0, 0, 0, 0, 0, (byte) trace, (byte) (i + 1)}))
                    .setName("op").setStartTimeUnixNano(start).setEndTimeUnixNano(start + 1_000_000);
            if (i > 0 || !withRoot) {
                span.setParentSpanId(ByteString.copyFrom(new byte[] {1, 0, 0, 0, 0, 0, (byte) trace, 9}));
            }
            scope.addSpans(span);
        }
        Resource resource = Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
                .setValue(AnyValue.newBuilder().setStringValue("cart"))).build();
        return TracesData.newBuilder().addResourceSpans(ResourceSpans.newBuilder().setResource(resource)
                .addScopeSpans(scope)).build();
    }
}
