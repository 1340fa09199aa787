package io.contrail.bench.suite;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The peer "a team would build by hand": PostgreSQL 15 (the Debian package) in a temporary folder,
 * one {@code spans} table with JSONB attributes, loaded with COPY, indexed the way a team would
 * index it (btree on trace_id, GIN on attributes, btree on service and start time), asked the
 * suite's questions in PostgreSQL SQL.
 *
 * <p>The questions follow {@link DuckDbSuiteSql} clause for clause (filters, columns, order, LIMITs),
 * so that both dialects answer with the same rows: an operation is service + span name, a root
 * span has no parent ID, an error is status ERROR, a cross-service edge joins a span to its parent
 * in the same trace where the services differ, the window is [start, end) of the probes. Change
 * one and the other together. Each timed run covers planning (every execution is planned with its
 * actual values), execution and reading every row and column.
 */
public final class PostgresPeer implements Peer {

    private static final String CREATE_TABLE = """
            CREATE TABLE spans (
                trace_id       text NOT NULL,
                span_id        text NOT NULL,
                parent_span_id text,
                service_name   text NOT NULL,
                name           text NOT NULL,
                kind           text NOT NULL,
                start_time     timestamptz NOT NULL,
                end_time       timestamptz NOT NULL,
                duration_nanos bigint NOT NULL,
                status_code    text NOT NULL,
                status_message text,
                attributes     jsonb NOT NULL,
                resource       jsonb NOT NULL,
                events         jsonb
            )""";

    /** An index a team would add for the questions it knows it will ask. */
    private record Index(String description, String sql) {
    }

    /** In build order. */
    private static final List<Index> INDEXES = List.of(
            new Index("trace_id btree", "CREATE INDEX spans_trace_id ON spans (trace_id)"),
            new Index("attributes GIN (jsonb_path_ops)",
                    "CREATE INDEX spans_attributes ON spans USING gin (attributes jsonb_path_ops)"),
            new Index("(service_name, start_time) btree",
                    "CREATE INDEX spans_service_start ON spans (service_name, start_time)"));

    /**
     * Disk the loaded table and indexes take per byte of the corpus as OTLP protobuf: 2.44 in
     * {@code bench/run --quick} (1,528 B/span against 626 B/span of OTLP), rounded up.
     */
    static final double DISK_BYTES_PER_OTLP_BYTE = 2.6;
    /**
     * Disk needed beyond the table and indexes while loading: the WAL (max_wal_size is 1 GB by
     * default and a checkpoint can lag behind it) and the sort files of the index builds.
     */
    static final long DISK_HEADROOM_BYTES = 4L << 30;
    private static final double BYTES_PER_GB = 1e9;
    private static final int COPY_BUFFER_BYTES = 1 << 20;
    private static final double NANOS_PER_SECOND = 1e9;

    private static final ObjectMapper JSON = new ObjectMapper();

    private PostgresServer server;
    private Connection connection;
    private PrintStream progress = System.out;

    public PostgresPeer() {
    }

    @Override
    public String name() {
        return "postgresql";
    }

    @Override
    public void start(BenchContext context) throws Exception {
        progress = context.progress();
        server = PostgresServer.start(context.workDir().resolve("postgresql"), progress);
        connection = DriverManager.getConnection(server.jdbcUrl());
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET TIME ZONE 'UTC'");
        }
    }

    @Override
    public LoadResult load(SpanCorpus corpus) throws Exception {
        String noRoom = notEnoughDisk(corpus.spanCount(), corpus.otlpBytes(),
                Files.getFileStore(server.dataDir()).getUsableSpace(), server.dataDir());
        if (noRoom != null) {
            throw new PeerUnavailableException(noRoom);
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute(CREATE_TABLE);
        }
        long copyStart = System.nanoTime();
        long copied = copy(corpus);
        double copySeconds = (System.nanoTime() - copyStart) / NANOS_PER_SECOND;
        progress.printf("  postgresql: COPY of %,d spans took %.1f s%n", copied, copySeconds);

        List<String> indexTimes = new ArrayList<>();
        double indexSeconds = 0;
        try (Statement statement = connection.createStatement()) {
            for (Index index : INDEXES) {
                long indexStart = System.nanoTime();
                statement.execute(index.sql());
                double seconds = (System.nanoTime() - indexStart) / NANOS_PER_SECOND;
                indexSeconds += seconds;
                indexTimes.add(String.format("%s %.1f s", index.description(), seconds));
                progress.printf("  postgresql: index %s took %.1f s%n", index.description(), seconds);
            }
            long analyzeStart = System.nanoTime();
            statement.execute("ANALYZE spans");
            double seconds = (System.nanoTime() - analyzeStart) / NANOS_PER_SECOND;
            indexSeconds += seconds;
            indexTimes.add(String.format("ANALYZE %.1f s", seconds));
        }
        long stored = singleLong("SELECT count(*) FROM spans");
        long bytes = singleLong("SELECT pg_total_relation_size('spans')");
        long tableBytes = singleLong("SELECT pg_table_size('spans')");
        String version = singleString("SHOW server_version");
        String notes = String.format("PostgreSQL %s; ack = COPY (text format, one stream, committed with fsync on)"
                        + " %.1f s; stored = COPY + index builds and ANALYZE (%.1f s: %s); bytes ="
                        + " pg_total_relation_size('spans') = table with TOAST %,d + indexes %,d, WAL not counted;"
                        + " one row per span, resource attributes repeated in every row as JSONB; %s",
                version, copySeconds, indexSeconds, String.join(", ", indexTimes), tableBytes, bytes - tableBytes,
                server.describe());
        return LoadResult.whole(corpus.spanCount(), copied, stored, copySeconds, copySeconds + indexSeconds, bytes, notes);
    }

    /**
     * Why a corpus of {@code spans} spans ({@code otlpBytes} as OTLP protobuf) would not fit in the
     * {@code usableBytes} free where the cluster lives, or null when it fits: checked before loading,
     * so that a run at 10M spans skips the peer with the reason instead of failing midway.
     */
    static String notEnoughDisk(long spans, long otlpBytes, long usableBytes, Path where) {
        long needed = (long) Math.ceil(otlpBytes * DISK_BYTES_PER_OTLP_BYTE) + DISK_HEADROOM_BYTES;
        if (usableBytes >= needed) {
            return null;
        }
        return String.format(Locale.ROOT, "not enough free disk for %,d spans: PostgreSQL would need about %.1f GB in"
                        + " %s (%.1f× the %.1f GB of OTLP protobuf for the table with its JSONB and indexes, as measured"
                        + " at 1M spans, plus %.1f GB for WAL and index-build sort files), and %.1f GB are free there",
                spans, needed / BYTES_PER_GB, where, DISK_BYTES_PER_OTLP_BYTE, otlpBytes / BYTES_PER_GB,
                DISK_HEADROOM_BYTES / BYTES_PER_GB, usableBytes / BYTES_PER_GB);
    }

    /** Streams every span through one {@code COPY … FROM STDIN}; returns the rows PostgreSQL took. */
    private long copy(SpanCorpus corpus) throws SQLException, IOException {
        String sql = "COPY spans (" + PostgresSpanRows.COLUMNS + ") FROM STDIN";
        PGCopyOutputStream copy = new PGCopyOutputStream(connection.unwrap(PGConnection.class), sql, COPY_BUFFER_BYTES);
        try {
            Writer out = new BufferedWriter(new OutputStreamWriter(copy, StandardCharsets.UTF_8), COPY_BUFFER_BYTES);
            PostgresSpanRows rows = new PostgresSpanRows(out);
            long written = 0;
            long reportEvery = Math.max(1, corpus.spanCount() / 10);
            long nextReport = reportEvery;
            for (ExportTraceServiceRequest request : corpus.requests()) {
                written += rows.write(request);
                if (written >= nextReport) {
                    progress.printf("  postgresql: copied %,d of %,d spans%n", written, corpus.spanCount());
                    while (nextReport <= written) {
                        nextReport += reportEvery;
                    }
                }
            }
            out.flush();
            return copy.endCopy();
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    @Override
    public QueryOutcome query(BenchQuery query, SpanCorpus.Probes probes) throws Exception {
        try (PreparedStatement statement = connection.prepareStatement(sql(query))) {
            bind(statement, query, probes);
            long start = System.nanoTime();
            long rows = 0;
            try (ResultSet result = statement.executeQuery()) {
                int columns = result.getMetaData().getColumnCount();
                while (result.next()) {
                    for (int column = 1; column <= columns; column++) {
                        result.getString(column);
                    }
                    rows++;
                }
            }
            return QueryOutcome.timed(System.nanoTime() - start, rows);
        }
    }

    /** The suite's questions in PostgreSQL SQL; parameters are bound by {@link #bind}. */
    static String sql(BenchQuery query) {
        return switch (query) {
            case TRACE_BY_ID -> "SELECT * FROM spans WHERE trace_id = ? ORDER BY start_time, span_id";
            case SEARCH_SERVICE_OPERATION_WINDOW -> """
                    SELECT trace_id, start_time, duration_nanos, status_code
                    FROM spans
                    WHERE service_name = ? AND name = ? AND start_time >= ? AND start_time < ?
                    ORDER BY start_time DESC, trace_id
                    LIMIT 20""";
            // @> so that the GIN index answers; ->> = would scan every row.
            case HIGH_CARDINALITY_EQUALITY -> """
                    SELECT trace_id, span_id, service_name, name, start_time, duration_nanos
                    FROM spans
                    WHERE attributes @> ?::jsonb
                    ORDER BY start_time, span_id""";
            case FILTER_ONE_GROUP_BY_ANOTHER -> """
                    SELECT attributes ->> 'http.route' AS http_route, count(*) AS spans
                    FROM spans
                    WHERE attributes @> '{"http.request.method": "POST"}'
                    GROUP BY http_route
                    ORDER BY spans DESC, http_route""";
            case PERCENTILES_PER_OPERATION_PER_MINUTE -> """
                    SELECT service_name, name, date_trunc('minute', start_time) AS minute, count(*) AS calls,
                           percentile_cont(0.50) WITHIN GROUP (ORDER BY duration_nanos) AS p50_nanos,
                           percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_nanos) AS p95_nanos,
                           percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_nanos) AS p99_nanos
                    FROM spans
                    WHERE start_time >= ? AND start_time < ? AND kind = 'SERVER'
                    GROUP BY service_name, name, minute
                    ORDER BY service_name, name, minute""";
            case ERROR_RATE_PER_SERVICE -> """
                    SELECT service_name, count(*) AS spans,
                           count(*) FILTER (WHERE status_code = 'ERROR') AS error_spans,
                           avg(CASE WHEN status_code = 'ERROR' THEN 1.0 ELSE 0.0 END) AS error_rate
                    FROM spans
                    GROUP BY service_name
                    ORDER BY service_name""";
            case SLOWEST_TRACES_IN_HOUR -> """
                    SELECT trace_id, service_name, name, duration_nanos
                    FROM spans
                    WHERE parent_span_id IS NULL AND start_time >= ? AND start_time < ?
                    ORDER BY duration_nanos DESC, trace_id
                    LIMIT 10""";
            case DISTINCT_TRACES_PER_ROUTE -> """
                    SELECT attributes ->> 'http.route' AS http_route, count(DISTINCT trace_id) AS traces
                    FROM spans
                    WHERE attributes ->> 'http.route' IS NOT NULL
                    GROUP BY http_route
                    ORDER BY traces DESC, http_route""";
            case CROSS_SERVICE_EDGES -> """
                    SELECT parent.service_name AS parent_service, child.service_name AS child_service, count(*) AS calls
                    FROM spans AS child
                    JOIN spans AS parent ON child.trace_id = parent.trace_id AND child.parent_span_id = parent.span_id
                    WHERE child.service_name <> parent.service_name
                    GROUP BY parent_service, child_service
                    ORDER BY calls DESC, parent_service, child_service""";
            case EVENT_FIELD_SEARCH -> """
                    SELECT trace_id, span_id, service_name, name AS span_name
                    FROM spans CROSS JOIN LATERAL jsonb_array_elements(events) AS event
                    WHERE event ->> 'name' = 'exception' AND event -> 'attributes' ->> 'exception.type' = ?
                    ORDER BY trace_id, span_id
                    """ + "LIMIT " + BenchQuery.EVENT_SEARCH_LIMIT;
            case FULL_COUNT -> "SELECT count(*) FROM spans";
            case RESOURCE_ATTRIBUTE -> """
                    SELECT resource ->> 'k8s.pod.name' AS k8s_pod_name, count(*) AS spans
                    FROM spans
                    GROUP BY k8s_pod_name
                    ORDER BY spans DESC, k8s_pod_name""";
        };
    }

    private static void bind(PreparedStatement statement, BenchQuery query, SpanCorpus.Probes probes)
            throws SQLException, IOException {
        OffsetDateTime windowStart = utc(probes.windowStartUnixNano());
        OffsetDateTime windowEnd = utc(probes.windowEndUnixNano());
        switch (query) {
            case TRACE_BY_ID -> statement.setString(1, probes.traceId());
            case SEARCH_SERVICE_OPERATION_WINDOW -> {
                statement.setString(1, probes.service());
                statement.setString(2, probes.operation());
                statement.setObject(3, windowStart);
                statement.setObject(4, windowEnd);
            }
            case HIGH_CARDINALITY_EQUALITY -> statement.setString(1, JSON.writeValueAsString(Map.of("user.id", probes.userId())));
            case PERCENTILES_PER_OPERATION_PER_MINUTE, SLOWEST_TRACES_IN_HOUR -> {
                statement.setObject(1, windowStart);
                statement.setObject(2, windowEnd);
            }
            case EVENT_FIELD_SEARCH -> statement.setString(1, probes.exceptionType());
            case FILTER_ONE_GROUP_BY_ANOTHER, ERROR_RATE_PER_SERVICE, DISTINCT_TRACES_PER_ROUTE, CROSS_SERVICE_EDGES,
                    FULL_COUNT, RESOURCE_ATTRIBUTE -> {
                // no parameters
            }
        }
    }

    private static OffsetDateTime utc(long unixNano) {
        return OffsetDateTime.ofInstant(Instant.ofEpochSecond(Math.floorDiv(unixNano, 1_000_000_000L),
                Math.floorMod(unixNano, 1_000_000_000L)), ZoneOffset.UTC);
    }

    private long singleLong(String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }

    private String singleString(String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getString(1);
        }
    }

    @Override
    public void close() throws SQLException, IOException {
        try {
            if (connection != null) {
                connection.close();
                connection = null;
            }
        } finally {
            if (server != null) {
                server.stopAndDelete();
                server = null;
            }
        }
    }
}
