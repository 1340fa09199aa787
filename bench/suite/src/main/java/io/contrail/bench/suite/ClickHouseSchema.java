package io.contrail.bench.suite;

import java.util.List;

/**
 * The two ClickHouse trace schemas the suite measures, each as its project ships it (no tuning): the
 * tables and materialized views, the table rows go into, and the suite's questions in ClickHouse SQL
 * written the way the project's own reader or UI asks them (attributes through the map or the
 * nested arrays). Rows are made by {@link ClickHouseSpanRows}.
 *
 * <p>The questions follow {@link DuckDbSuiteSql} clause for clause (filters, columns, order, LIMITs) so
 * that every dialect answers with the same rows: an operation is service + span name, a root span has
 * an empty parent ID (both exporters write '' where OTLP has none), an error is status "Error", a
 * cross-service edge joins a span to its parent in the same trace where the services differ, the
 * window is [start, end) of the probes. Change one and the others together.
 */
enum ClickHouseSchema {

    /**
     * The OpenTelemetry Collector's ClickHouse exporter (what ClickStack/HyperDX reads): {@code otel_traces}
     * with {@code Map(LowCardinality(String), String)} attributes, bloom filters on their keys and values,
     * ordered by service, span name and time, and the trace-ID → time side table fed by a materialized view.
     * DDL from open-telemetry/opentelemetry-collector-contrib, exporter/clickhouseexporter/internal/sql_templates/
     * traces_table.sql, traces_id_ts_lookup_table.sql and traces_id_ts_lookup_mv.sql at commit
     * ff7a94656bd04ce95228ff4282554a233ed93434, with the template's placeholders filled as the exporter
     * fills them by default (database "default", table "otel_traces", ENGINE MergeTree(), no cluster, no TTL).
     */
    OTEL_TRACES("clickhouse", "otel_traces", List.of("""
            CREATE TABLE IF NOT EXISTS otel_traces (
                Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
                TraceId String CODEC(ZSTD(1)),
                SpanId String CODEC(ZSTD(1)),
                ParentSpanId String CODEC(ZSTD(1)),
                TraceState String CODEC(ZSTD(1)),
                SpanName LowCardinality(String) CODEC(ZSTD(1)),
                SpanKind LowCardinality(String) CODEC(ZSTD(1)),
                ServiceName LowCardinality(String) CODEC(ZSTD(1)),
                ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
                ScopeName String CODEC(ZSTD(1)),
                ScopeVersion String CODEC(ZSTD(1)),
                SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
                Duration UInt64 CODEC(ZSTD(1)),
                StatusCode LowCardinality(String) CODEC(ZSTD(1)),
                StatusMessage String CODEC(ZSTD(1)),
                Events Nested (
                    Timestamp DateTime64(9),
                    Name LowCardinality(String),
                    Attributes Map(LowCardinality(String), String)
                ) CODEC(ZSTD(1)),
                Links Nested (
                    TraceId String,
                    SpanId String,
                    TraceState String,
                    Attributes Map(LowCardinality(String), String)
                ) CODEC(ZSTD(1)),
                INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
                INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
                INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
                INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
                INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
                INDEX idx_duration Duration TYPE minmax GRANULARITY 1
            ) ENGINE = MergeTree()
            PARTITION BY toDate(Timestamp)
            ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))
            SETTINGS index_granularity=8192, ttl_only_drop_parts = 1""", """
            CREATE TABLE IF NOT EXISTS otel_traces_trace_id_ts (
                TraceId String CODEC(ZSTD(1)),
                Start DateTime CODEC(Delta, ZSTD(1)),
                End DateTime CODEC(Delta, ZSTD(1)),
                INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1
            ) ENGINE = MergeTree()
            PARTITION BY toDate(Start)
            ORDER BY (TraceId, Start)
            SETTINGS index_granularity=8192, ttl_only_drop_parts = 1""", """
            CREATE MATERIALIZED VIEW IF NOT EXISTS otel_traces_trace_id_ts_mv
            TO default.otel_traces_trace_id_ts
            AS SELECT
                TraceId,
                min(Timestamp) as Start,
                max(Timestamp) as End
            FROM default.otel_traces
            WHERE TraceId != ''
            GROUP BY TraceId"""), List.of("otel_traces", "otel_traces_trace_id_ts")),

    /**
     * Jaeger v2's ClickHouse storage: {@code spans} with typed nested attribute arrays (str/int/double/bool/
     * complex, for the span, its resource, scope, events and links), ordered by service, span name and time,
     * and {@code trace_id_timestamps} fed by a materialized view. DDL from jaegertracing/jaeger,
     * internal/storage/v2/clickhouse/sql/create_spans_table.sql, create_trace_id_timestamps_table.sql and
     * create_trace_id_timestamps_mv.sql at commit 8498073ff809b1a3923521920a9b1b017ea97ecf (TTL 0: the
     * template's TTL clause is left out, as Jaeger leaves it out by default). Jaeger's other tables
     * (services, operations, attribute metadata, dependencies) serve its UI's drop-downs and are not created.
     */
    JAEGER("clickhouse-jaeger", "spans", List.of("""
            CREATE TABLE
                IF NOT EXISTS spans (
                    id String,
                    trace_id String,
                    trace_state String,
                    parent_span_id String,
                    name String,
                    kind String,
                    start_time DateTime64 (9),
                    status_code String,
                    status_message String,
                    duration Int64,
                    bool_attributes Nested (key String, value Bool),
                    double_attributes Nested (key String, value Float64),
                    int_attributes Nested (key String, value Int64),
                    str_attributes Nested (key String, value String),
                    complex_attributes Nested (key String, value String),
                    events Nested (
                        name String,
                        timestamp DateTime64 (9),
                        bool_attributes Nested (key String, value Bool),
                        double_attributes Nested (key String, value Float64),
                        int_attributes Nested (key String, value Int64),
                        str_attributes Nested (key String, value String),
                        complex_attributes Nested (key String, value String)
                    ),
                    links Nested (
                        trace_id String,
                        span_id String,
                        trace_state String,
                        bool_attributes Nested (key String, value Bool),
                        double_attributes Nested (key String, value Float64),
                        int_attributes Nested (key String, value Int64),
                        str_attributes Nested (key String, value String),
                        complex_attributes Nested (key String, value String)
                    ),
                    service_name String,
                    resource_bool_attributes Nested (key String, value Bool),
                    resource_double_attributes Nested (key String, value Float64),
                    resource_int_attributes Nested (key String, value Int64),
                    resource_str_attributes Nested (key String, value String),
                    resource_complex_attributes Nested (key String, value String),
                    scope_name String,
                    scope_version String,
                    scope_bool_attributes Nested (key String, value Bool),
                    scope_double_attributes Nested (key String, value Float64),
                    scope_int_attributes Nested (key String, value Int64),
                    scope_str_attributes Nested (key String, value String),
                    scope_complex_attributes Nested (key String, value String),
                    INDEX idx_trace_id trace_id TYPE bloom_filter GRANULARITY 1,
                    INDEX idx_duration duration TYPE minmax GRANULARITY 1
                ) ENGINE = MergeTree
            PARTITION BY toDate(start_time)
            ORDER BY (service_name, name, toDateTime(start_time))""", """
            CREATE TABLE IF NOT EXISTS trace_id_timestamps
            (
                trace_id String,
                start SimpleAggregateFunction(min, DateTime64(9)),
                end SimpleAggregateFunction(max, DateTime64(9))
            )
            ENGINE = AggregatingMergeTree()
            ORDER BY (trace_id)""", """
            CREATE MATERIALIZED VIEW IF NOT EXISTS trace_id_timestamps_mv
            TO trace_id_timestamps
            AS
            SELECT
                trace_id,
                min(start_time) AS start,
                max(start_time) AS end
            FROM spans
            GROUP BY trace_id"""), List.of("spans", "trace_id_timestamps"));

    private final String peerName;
    private final String table;
    private final List<String> ddl;
    private final List<String> tables;

    ClickHouseSchema(String peerName, String table, List<String> ddl, List<String> tables) {
        this.peerName = peerName;
        this.table = table;
        this.ddl = ddl;
        this.tables = tables;
    }

    /** The peer's name in tables and in {@code --peers}. */
    String peerName() {
        return peerName;
    }

    /** The table spans are inserted into (the side table fills through its materialized view). */
    String table() {
        return table;
    }

    /** The statements that create the schema, in order. */
    List<String> ddl() {
        return ddl;
    }

    /** Every table whose parts count as the peer's bytes on disk. */
    List<String> tables() {
        return tables;
    }

    /** A one-line description for the report. */
    String describe() {
        return switch (this) {
            case OTEL_TRACES -> "the OpenTelemetry Collector ClickHouse exporter's schema (otel_traces + "
                    + "otel_traces_trace_id_ts, the ClickStack shape; collector-contrib ff7a946)";
            case JAEGER -> "Jaeger v2's ClickHouse schema (spans + trace_id_timestamps; jaeger 8498073)";
        };
    }

    /** The suite's question {@code query} in ClickHouse SQL over this schema, with the probes' values inlined. */
    String sql(BenchQuery query, SpanCorpus.Probes probes) {
        return this == OTEL_TRACES ? otel(query, probes) : jaeger(query, probes);
    }

    private static String otel(BenchQuery query, SpanCorpus.Probes p) {
        String window = "Timestamp >= " + time(p.windowStartUnixNano()) + " AND Timestamp < " + time(p.windowEndUnixNano());
        return switch (query) {
            // As Grafana's ClickHouse data source and ClickStack ask for a trace: its time bounds from the side table
            // first, so that the partition and the primary key prune, then the spans.
            case TRACE_BY_ID -> "WITH " + literal(p.traceId()) + " AS trace_id,"
                    + " (SELECT min(Start) FROM otel_traces_trace_id_ts WHERE TraceId = trace_id) AS trace_start,"
                    + " (SELECT max(End) + 1 FROM otel_traces_trace_id_ts WHERE TraceId = trace_id) AS trace_end"
                    + " SELECT * FROM otel_traces WHERE TraceId = trace_id AND Timestamp >= trace_start"
                    + " AND Timestamp <= trace_end ORDER BY Timestamp, SpanId";
            case SEARCH_SERVICE_OPERATION_WINDOW -> "SELECT TraceId, Timestamp, Duration, StatusCode FROM otel_traces"
                    + " WHERE ServiceName = " + literal(p.service()) + " AND SpanName = " + literal(p.operation())
                    + " AND " + window + " ORDER BY Timestamp DESC, TraceId LIMIT 20";
            case HIGH_CARDINALITY_EQUALITY -> "SELECT TraceId, SpanId, ServiceName, SpanName, Timestamp, Duration"
                    + " FROM otel_traces WHERE SpanAttributes['user.id'] = " + literal(p.userId())
                    + " ORDER BY Timestamp, SpanId";
            case FILTER_ONE_GROUP_BY_ANOTHER -> "SELECT SpanAttributes['http.route'] AS route, count() AS spans"
                    + " FROM otel_traces WHERE SpanAttributes['http.request.method'] = 'POST'"
                    + " GROUP BY route ORDER BY spans DESC, route";
            case PERCENTILES_PER_OPERATION_PER_MINUTE -> "SELECT ServiceName, SpanName, toStartOfMinute(Timestamp) AS minute,"
                    + " quantile(0.5)(Duration) AS p50_nanos, quantile(0.95)(Duration) AS p95_nanos,"
                    + " quantile(0.99)(Duration) AS p99_nanos, count() AS spans FROM otel_traces"
                    + " WHERE " + window + " AND SpanKind = 'Server'"
                    + " GROUP BY ServiceName, SpanName, minute ORDER BY ServiceName, SpanName, minute";
            case ERROR_RATE_PER_SERVICE -> "SELECT ServiceName, count() AS spans, countIf(StatusCode = 'Error') AS errors,"
                    + " avg(StatusCode = 'Error') AS error_rate FROM otel_traces GROUP BY ServiceName ORDER BY ServiceName";
            case SLOWEST_TRACES_IN_HOUR -> "SELECT TraceId, ServiceName, SpanName, Duration FROM otel_traces"
                    + " WHERE ParentSpanId = '' AND " + window + " ORDER BY Duration DESC, TraceId LIMIT 10";
            case DISTINCT_TRACES_PER_ROUTE -> "SELECT SpanAttributes['http.route'] AS route, count(DISTINCT TraceId) AS traces"
                    + " FROM otel_traces WHERE mapContains(SpanAttributes, 'http.route')"
                    + " GROUP BY route ORDER BY traces DESC, route";
            case CROSS_SERVICE_EDGES -> "SELECT parent.ServiceName AS caller, child.ServiceName AS callee, count() AS calls"
                    + " FROM otel_traces AS child INNER JOIN otel_traces AS parent"
                    + " ON child.TraceId = parent.TraceId AND child.ParentSpanId = parent.SpanId"
                    + " WHERE child.ServiceName != parent.ServiceName"
                    + " GROUP BY caller, callee ORDER BY calls DESC, caller, callee";
            case EVENT_FIELD_SEARCH -> "SELECT TraceId, SpanId, ServiceName, SpanName FROM otel_traces"
                    + " ARRAY JOIN Events.Name AS event_name, Events.Attributes AS event_attributes"
                    + " WHERE event_name = 'exception' AND event_attributes['exception.type'] = " + literal(p.exceptionType())
                    + " ORDER BY TraceId, SpanId LIMIT " + BenchQuery.EVENT_SEARCH_LIMIT;
            case FULL_COUNT -> "SELECT count() AS spans FROM otel_traces";
            case RESOURCE_ATTRIBUTE -> "SELECT ResourceAttributes['k8s.pod.name'] AS pod, count() AS spans FROM otel_traces"
                    + " GROUP BY pod ORDER BY spans DESC, pod";
        };
    }

    private static String jaeger(BenchQuery query, SpanCorpus.Probes p) {
        String window = "start_time >= " + time(p.windowStartUnixNano()) + " AND start_time < " + time(p.windowEndUnixNano());
        return switch (query) {
            // Jaeger's reader asks for a trace without a time range as SelectSpansByTraceID: every column, by trace_id.
            case TRACE_BY_ID -> "SELECT * FROM spans AS s WHERE s.trace_id = " + literal(p.traceId())
                    + " ORDER BY start_time, id";
            case SEARCH_SERVICE_OPERATION_WINDOW -> "SELECT trace_id, start_time, duration, status_code FROM spans"
                    + " WHERE service_name = " + literal(p.service()) + " AND name = " + literal(p.operation())
                    + " AND " + window + " ORDER BY start_time DESC, trace_id LIMIT 20";
            // A string attribute of the span, as Jaeger's query builder filters one (arrayExists over the nested pairs).
            case HIGH_CARDINALITY_EQUALITY -> "SELECT trace_id, id, service_name, name, start_time, duration FROM spans"
                    + " WHERE " + strAttribute("", "user.id", p.userId()) + " ORDER BY start_time, id";
            case FILTER_ONE_GROUP_BY_ANOTHER -> "SELECT " + strValue("", "http.route") + " AS route, count() AS spans"
                    + " FROM spans WHERE " + strAttribute("", "http.request.method", "POST")
                    + " GROUP BY route ORDER BY spans DESC, route";
            case PERCENTILES_PER_OPERATION_PER_MINUTE -> "SELECT service_name, name, toStartOfMinute(start_time) AS minute,"
                    + " quantile(0.5)(duration) AS p50_nanos, quantile(0.95)(duration) AS p95_nanos,"
                    + " quantile(0.99)(duration) AS p99_nanos, count() AS spans FROM spans"
                    + " WHERE " + window + " AND kind = 'server'"
                    + " GROUP BY service_name, name, minute ORDER BY service_name, name, minute";
            case ERROR_RATE_PER_SERVICE -> "SELECT service_name, count() AS spans, countIf(status_code = 'Error') AS errors,"
                    + " avg(status_code = 'Error') AS error_rate FROM spans GROUP BY service_name ORDER BY service_name";
            case SLOWEST_TRACES_IN_HOUR -> "SELECT trace_id, service_name, name, duration FROM spans"
                    + " WHERE parent_span_id = '' AND " + window + " ORDER BY duration DESC, trace_id LIMIT 10";
            case DISTINCT_TRACES_PER_ROUTE -> "SELECT " + strValue("", "http.route") + " AS route,"
                    + " count(DISTINCT trace_id) AS traces FROM spans WHERE has(str_attributes.key, 'http.route')"
                    + " GROUP BY route ORDER BY traces DESC, route";
            case CROSS_SERVICE_EDGES -> "SELECT parent.service_name AS caller, child.service_name AS callee, count() AS calls"
                    + " FROM spans AS child INNER JOIN spans AS parent"
                    + " ON child.trace_id = parent.trace_id AND child.parent_span_id = parent.id"
                    + " WHERE child.service_name != parent.service_name"
                    + " GROUP BY caller, callee ORDER BY calls DESC, caller, callee";
            case EVENT_FIELD_SEARCH -> "SELECT trace_id, id, service_name, name FROM spans"
                    + " ARRAY JOIN events.name AS event_name, events.str_attributes AS event_attributes"
                    + " WHERE event_name = 'exception' AND arrayExists(a -> a.1 = 'exception.type' AND a.2 = "
                    + literal(p.exceptionType()) + ", event_attributes)"
                    + " ORDER BY trace_id, id LIMIT " + BenchQuery.EVENT_SEARCH_LIMIT;
            case FULL_COUNT -> "SELECT count() AS spans FROM spans";
            case RESOURCE_ATTRIBUTE -> "SELECT " + strValue("resource_", "k8s.pod.name") + " AS pod, count() AS spans"
                    + " FROM spans GROUP BY pod ORDER BY spans DESC, pod";
        };
    }

    /** Jaeger's filter on a string attribute: the pair exists in the nested key/value arrays. */
    private static String strAttribute(String prefix, String key, String value) {
        return "arrayExists((key, value) -> key = " + literal(key) + " AND value = " + literal(value) + ", "
                + prefix + "str_attributes.key, " + prefix + "str_attributes.value)";
    }

    /** The value of a string attribute from the nested arrays ('' when the span has none). */
    private static String strValue(String prefix, String key) {
        return prefix + "str_attributes.value[indexOf(" + prefix + "str_attributes.key, " + literal(key) + ")]";
    }

    /** A DateTime64(9) for a Unix-nanosecond instant. */
    static String time(long unixNano) {
        return "fromUnixTimestamp64Nano(toInt64(" + unixNano + "))";
    }

    static String literal(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
