package io.contrail.columnar;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;

import java.util.HexFormat;

/** Small, readable OTLP fixtures for columnar tests, and DuckDB to read the files back. */
final class TestSpans {

    /** Every row of {@code sql}, run by a fresh in-memory DuckDB. */
    /** Runs a statement that returns no rows (a COPY) in an in-memory DuckDB. */
    static void duckDbExecute(String sql) throws java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:");
             java.sql.Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static java.util.List<java.util.List<Object>> duckDbRows(String sql) throws java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:");
             java.sql.Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery(sql)) {
            java.util.List<java.util.List<Object>> rows = new java.util.ArrayList<>();
            while (rs.next()) {
                java.util.List<Object> row = new java.util.ArrayList<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.add(rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        }
    }

    static final long T0 = 1_764_000_000_000_000_000L; // 2025-11-24T16:00:00Z

    static KeyValue attr(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    static KeyValue attr(String key, long value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
    }

    static KeyValue attr(String key, double value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setDoubleValue(value)).build();
    }

    static KeyValue attr(String key, boolean value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setBoolValue(value)).build();
    }

    static KeyValue attrLongs(String key, long... values) {
        ArrayValue.Builder array = ArrayValue.newBuilder();
        for (long v : values) {
            array.addValues(AnyValue.newBuilder().setIntValue(v));
        }
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setArrayValue(array)).build();
    }

    static ByteString id(String hex) {
        return ByteString.copyFrom(HexFormat.of().parseHex(hex));
    }

    static Span.Builder span(String traceHex, String spanHex, String name, long startOffsetNanos, long durationNanos) {
        return Span.newBuilder().setTraceId(id(traceHex)).setSpanId(id(spanHex)).setName(name)
                .setKind(Span.SpanKind.SPAN_KIND_SERVER)
                .setStartTimeUnixNano(T0 + startOffsetNanos)
                .setEndTimeUnixNano(T0 + startOffsetNanos + durationNanos)
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_UNSET));
    }

    static TracesData traces(String service, Span... spans) {
        return TracesData.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(attr("service.name", service))
                        .addAttributes(attr("host.name", "host-1")))
                .addScopeSpans(ScopeSpans.newBuilder()
                        .setScope(InstrumentationScope.newBuilder().setName("test-scope").setVersion("1.0"))
                        .addAllSpans(java.util.List.of(spans)))).build();
    }

    /** {@code count} distinct spans of service {@code service}, trace IDs derived from {@code seed}. */
    static TracesData manySpans(String service, int seed, int count) {
        Span[] spans = new Span[count];
        for (int i = 0; i < count; i++) {
            spans[i] = span(String.format("%016x%016x", seed + 1, i + 1), String.format("%016x", i + 1),
                    "op-" + (i % 7), i * 1_000_000L, 5_000_000L)
                    .addAttributes(attr("seq", (long) i)).build();
        }
        return traces(service, spans);
    }

    private TestSpans() {
    }
}
