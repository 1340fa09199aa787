package io.contrail.query;

import io.contrail.columnar.SpanChunk;
import io.contrail.columnar.SpanSink;
import io.contrail.columnar.Store;
import io.contrail.columnar.StoreConfig;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.TracesData;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * Writes test spans into a data folder the way a server does, through a {@link Store}. Its stores compact
 * only when asked ({@link Store#compactOnce}), so a test sees the files its flushes made. Public, as are
 * {@code QueryEngineTest}'s span builders, for the tests of {@code io.contrail.query.traceql}.
 */
public final class StoreFixture {

    private StoreFixture() {
    }

    /** A store in {@code data} with the default settings but no background compaction. */
    public static Store open(Path data) throws IOException {
        return open(data, writes -> writes);
    }

    /** Like {@link #open(Path)}, with the write settings changed by {@code writes}. */
    public static Store open(Path data, UnaryOperator<StoreConfig.Writes> writes) throws IOException {
        return Store.builder(StoreConfig.defaults(data).withWrites(writes)
                .withCompaction(compaction -> compaction.withInterval(Duration.ZERO))).open();
    }

    /** Appends {@code traces} as a receiver does for an OTLP request of these spans; durable when it returns. */
    public static void append(Store store, TracesData traces) throws IOException {
        store.sink().append(SpanChunk.fromTraces(traces), SpanSink.TRACES_DATA, traces.toByteArray());
    }

    /** Appends the spans of {@code request}. */
    public static void append(Store store, ExportTraceServiceRequest request) throws IOException {
        append(store, TracesData.newBuilder().addAllResourceSpans(request.getResourceSpansList()).build());
    }
}
