package io.contrail.query.zipkin;

import io.contrail.columnar.LiveFiles;
import io.contrail.columnar.SpanSchema;
import io.contrail.query.QueryEngine;
import io.contrail.query.QueryException;
import io.contrail.query.TraceQueries;
import io.contrail.query.TraceQueries.SpanView;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import zipkin2.Call;
import zipkin2.DependencyLink;
import zipkin2.Span;
import zipkin2.internal.DependencyLinker;
import zipkin2.storage.QueryRequest;
import zipkin2.storage.ServiceAndSpanNames;
import zipkin2.storage.SpanStore;
import zipkin2.storage.Traces;

/**
 * Zipkin's read side over the {@code spans} view: traces by ID, trace search, service, remote
 * service and span names, and dependency links, all read through DuckDB and shown as Zipkin spans
 * by {@link ZipkinSpanMapping}.
 *
 * <p>Trace search ({@link #getTraces(QueryRequest)}) narrows the traces in SQL by what a match
 * needs (a span of the service with the name, remote service or duration asked for; the trace's
 * root, else earliest, timestamp in the window), newest first, a page at a time, and then decides
 * with zipkin2's own {@link QueryRequest#test}, which also checks tags and annotations. So the
 * answer follows Zipkin's semantics exactly, and SQL does the scanning.
 *
 * <p>With {@code strictTraceId} false, a trace is every span whose trace ID has the same lower 64
 * bits, as in Zipkin. Identical spans stored twice are shown once. Calls do their work when
 * executed; thread-safe.
 */
public final class ZipkinSpanStore implements SpanStore, Traces, ServiceAndSpanNames {

    /** Traces read per SQL round trip while searching. */
    static final int SEARCH_PAGE_TRACES = 100;
    private static final long NANOS_PER_MILLI = 1_000_000;

    private final QueryEngine engine;
    private final boolean strictTraceId;
    private final boolean searchEnabled;

    /**
     * The read side over {@code engine}; {@code strictTraceId} false groups traces by the lower 64 bits of
     * their ID, {@code searchEnabled} false answers searches and name listings empty (as Zipkin's options).
     */
    public ZipkinSpanStore(QueryEngine engine, boolean strictTraceId, boolean searchEnabled) {
        this.engine = engine;
        this.strictTraceId = strictTraceId;
        this.searchEnabled = searchEnabled;
    }

    // ---- traces by ID

    @Override
    public Call<List<Span>> getTrace(String traceId) {
        String normalized = Span.normalizeTraceId(traceId);
        return new StorageCall<>(() -> {
            List<List<Span>> traces = tracesByKey(List.of(key(normalized)));
            return traces.isEmpty() ? List.of() : traces.get(0);
        });
    }

    @Override
    public Call<List<List<Span>>> getTraces(Iterable<String> traceIds) {
        LinkedHashSet<String> keys = new LinkedHashSet<>();
        for (String traceId : traceIds) {
            keys.add(key(Span.normalizeTraceId(traceId)));
        }
        if (keys.isEmpty()) {
            return Call.emptyList();
        }
        return new StorageCall<>(() -> tracesByKey(new ArrayList<>(keys)));
    }

    /**
     * The key that groups a trace's spans, as the SQL expression {@link #keyColumn()} computes it
     * from a stored (32-digit) trace ID: all of it, or its lower 64 bits when not strict.
     */
    private String key(String normalizedTraceId) {
        String padded = normalizedTraceId.length() == 16 ? "0".repeat(16) + normalizedTraceId : normalizedTraceId;
        return strictTraceId ? padded : padded.substring(16);
    }

    private String keyColumn() {
        return strictTraceId ? "trace_id" : "right(trace_id, 16)";
    }

    /** The traces of these keys, from only the files the trace-ID index names for them (fetched when not on disk). */
    private List<List<Span>> tracesByKey(List<String> keys) throws QueryException {
        try (LiveFiles.ReadLease lease = engine.lease()) {
            String source = engine.traceSource(keys, lease);
            if (source == null) {
                return new ArrayList<>();
            }
            String placeholders = String.join(", ", Collections.nCopies(keys.size(), "?"));
            List<SpanView> spans = engine.run("SELECT " + TraceQueries.SPAN_VIEW_COLUMNS + " FROM " + source + " WHERE "
                            + keyColumn() + " IN (" + placeholders + ") ORDER BY trace_id, start_time, span_id",
                    new ArrayList<>(keys), TraceQueries::readSpans);
            return new ArrayList<>(groupByKey(spans, strictTraceId).values());
        }
    }

    /** Spans grouped into traces in order of first appearance; duplicates removed. */
    private static Map<String, List<Span>> groupByKey(List<SpanView> spans, boolean strict) {
        Map<String, LinkedHashSet<Span>> traces = new LinkedHashMap<>();
        for (SpanView span : spans) {
            String key = strict ? span.traceId() : span.traceId().substring(16);
            traces.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(ZipkinSpanMapping.toZipkin(span));
        }
        Map<String, List<Span>> lists = new LinkedHashMap<>();
        traces.forEach((key, trace) -> lists.put(key, List.copyOf(trace)));
        return lists;
    }

    // ---- search

    @Override
    public Call<List<List<Span>>> getTraces(QueryRequest request) {
        if (!searchEnabled) {
            return Call.emptyList();
        }
        return new StorageCall<>(() -> search(request));
    }

    private List<List<Span>> search(QueryRequest request) throws QueryException {
        List<List<Span>> matches = new ArrayList<>();
        int pageSize = Math.max(SEARCH_PAGE_TRACES, request.limit());
        for (long offset = 0; ; offset += pageSize) {
            Map<String, List<Span>> page = candidatePage(request, strictTraceId, pageSize, offset);
            for (List<Span> trace : page.values()) {
                if (request.test(trace)) {
                    matches.add(trace);
                    if (matches.size() == request.limit()) {
                        return matches;
                    }
                }
            }
            if (page.size() < pageSize) {
                return matches;
            }
        }
    }

    /**
     * One page of the traces that may match, newest first. Tags and annotations are left to
     * {@link QueryRequest#test}.
     */
    private Map<String, List<Span>> candidatePage(QueryRequest request, boolean strict, int pageSize, long offset)
            throws QueryException {
        String key = strict ? "trace_id" : "right(trace_id, 16)";
        List<Object> parameters = new ArrayList<>();
        String sql = candidateTraces(request, key, parameters)
                + ", page AS (SELECT * FROM candidates ORDER BY zipkin_timestamp DESC, zipkin_key LIMIT ? OFFSET ?) "
                + "SELECT " + TraceQueries.SPAN_VIEW_COLUMNS + " FROM spans JOIN page ON " + key + " = page.zipkin_key "
                + "ORDER BY page.zipkin_timestamp DESC, page.zipkin_key, start_time, span_id";
        parameters.add(pageSize);
        parameters.add(offset);
        return groupByKey(engine.run(reads(request), sql, parameters, TraceQueries::readSpans), strict);
    }

    /** The start times {@link #candidateTraces} reads: its window and a day either side (where a trace's spans lie). */
    private static LiveFiles.TimeRange reads(QueryRequest request) {
        // Millisecond times from a request: a day either side of any a client sends stays within a long's nanoseconds.
        long day = 86_400_000L * NANOS_PER_MILLI;
        long latest = Long.MAX_VALUE / NANOS_PER_MILLI - 2 * 86_400_000L;
        return new LiveFiles.TimeRange(Math.max(0, Math.min(latest, request.endTs() - request.lookback())) * NANOS_PER_MILLI - day,
                (Math.min(latest, request.endTs()) + 1) * NANOS_PER_MILLI + day);
    }

    /**
     * A {@code WITH} clause defining {@code candidates(zipkin_key, zipkin_timestamp)}: the traces
     * whose root's (else earliest span's) timestamp lies in the window and that have a span of the
     * requested service with the requested name, remote service and duration. Adds its parameters.
     */
    private static String candidateTraces(QueryRequest request, String key, List<Object> parameters) {
        long windowStartNanos = Math.max(0, request.endTs() - request.lookback()) * NANOS_PER_MILLI;
        long windowEndNanos = request.endTs() * NANOS_PER_MILLI + (NANOS_PER_MILLI - 1);
        // Spans of a trace lie near its root: a day either side of the window covers every trace
        // shorter than a day and lets DuckDB skip the other date folders.
        parameters.add(utcDate(windowStartNanos - 86_400_000L * NANOS_PER_MILLI));
        parameters.add(utcDate(windowEndNanos + 86_400_000L * NANOS_PER_MILLI));

        List<String> having = new ArrayList<>();
        String ofService = "true";
        if (request.serviceName() != null) {
            ofService = "lower(service_name) = ?";
            having.add("bool_or(" + ofService + ")");
            parameters.add(request.serviceName());
        }
        if (request.remoteServiceName() != null) {
            having.add("bool_or(" + ofService + " AND lower(peer_service) = ?)");
            addServiceParameter(request, parameters);
            parameters.add(request.remoteServiceName());
        }
        if (request.spanName() != null) {
            having.add("bool_or(" + ofService + " AND lower(name) = ?)");
            addServiceParameter(request, parameters);
            parameters.add(request.spanName());
        }
        if (request.minDuration() != null) {
            String durationMicros = "duration_nanos // 1000";
            having.add("bool_or(" + ofService + " AND " + durationMicros + " >= ?"
                    + (request.maxDuration() != null ? " AND " + durationMicros + " <= ?" : "") + ")");
            addServiceParameter(request, parameters);
            parameters.add(request.minDuration());
            if (request.maxDuration() != null) {
                parameters.add(request.maxDuration());
            }
        }
        parameters.add(windowStartNanos);
        parameters.add(windowEndNanos);

        // A span starting before 1 µs after the epoch has no Zipkin timestamp (see ZipkinSpanMapping).
        String timed = "epoch_ns(start_time) >= 1000";
        return "WITH traces AS (SELECT " + key + " AS zipkin_key, "
                + "coalesce(min(start_time) FILTER (WHERE parent_span_id IS NULL AND " + timed + "), "
                + "min(start_time) FILTER (WHERE " + timed + ")) AS zipkin_timestamp "
                + "FROM spans WHERE \"date\" BETWEEN ?::DATE AND ?::DATE GROUP BY 1"
                + (having.isEmpty() ? "" : " HAVING " + String.join(" AND ", having)) + "), "
                + "candidates AS (SELECT * FROM traces WHERE zipkin_timestamp BETWEEN make_timestamp_ns(?) "
                + "AND make_timestamp_ns(?))";
    }

    private static void addServiceParameter(QueryRequest request, List<Object> parameters) {
        if (request.serviceName() != null) {
            parameters.add(request.serviceName());
        }
    }

    private static String utcDate(long unixNanos) {
        return Instant.ofEpochSecond(Math.floorDiv(Math.max(0, unixNanos), 1_000_000_000L))
                .atZone(ZoneOffset.UTC).toLocalDate().toString();
    }

    // ---- names

    @Override
    public Call<List<String>> getServiceNames() {
        if (!searchEnabled) {
            return Call.emptyList();
        }
        return new StorageCall<>(() -> names("SELECT DISTINCT lower(service_name) FROM spans "
                + "WHERE service_name <> '' AND service_name <> ? ORDER BY 1", List.of(SpanSchema.UNKNOWN_SERVICE)));
    }

    @Override
    public Call<List<String>> getRemoteServiceNames(String serviceName) {
        if (!searchEnabled || serviceName == null || serviceName.isEmpty()) {
            return Call.emptyList();
        }
        String service = serviceName.toLowerCase(Locale.ROOT);
        return new StorageCall<>(() -> names("SELECT DISTINCT lower(peer_service) FROM spans "
                + "WHERE lower(service_name) = ? AND peer_service <> '' ORDER BY 1", List.of(service)));
    }

    @Override
    public Call<List<String>> getSpanNames(String serviceName) {
        if (!searchEnabled || serviceName == null || serviceName.isEmpty()) {
            return Call.emptyList();
        }
        String service = serviceName.toLowerCase(Locale.ROOT);
        return new StorageCall<>(() -> names("SELECT DISTINCT lower(name) FROM spans "
                + "WHERE lower(service_name) = ? AND name <> '' ORDER BY 1", List.of(service)));
    }

    private List<String> names(String sql, List<Object> parameters) throws QueryException {
        return engine.run(sql, parameters, rs -> {
            List<String> names = new ArrayList<>();
            while (rs.next()) {
                names.add(rs.getString(1));
            }
            return names;
        });
    }

    // ---- dependencies

    /**
     * Links from every trace whose timestamp lies in the window (as trace search decides it), with
     * traces grouped by the lower 64 bits of their ID so that a server that dropped the upper bits
     * still links to its client. One query; its rows stream through Java a trace at a time.
     */
    @Override
    public Call<List<DependencyLink>> getDependencies(long endTs, long lookback) {
        if (endTs <= 0) {
            throw new IllegalArgumentException("endTs <= 0");
        }
        if (lookback <= 0) {
            throw new IllegalArgumentException("lookback <= 0");
        }
        QueryRequest window = QueryRequest.newBuilder().endTs(endTs).lookback(lookback)
                .limit(Integer.MAX_VALUE).build();
        return new StorageCall<>(() -> {
            String key = "right(trace_id, 16)";
            List<Object> parameters = new ArrayList<>();
            String sql = candidateTraces(window, key, parameters)
                    + " SELECT " + TraceQueries.SPAN_VIEW_COLUMNS + " FROM spans JOIN candidates c ON " + key
                    + " = c.zipkin_key ORDER BY c.zipkin_key, start_time, span_id";
            DependencyLinker linker = new DependencyLinker();
            TraceCollector traces = new TraceCollector(trace -> {
                if (window.test(trace)) {
                    linker.putTrace(trace);
                }
            });
            engine.run(reads(window), sql, parameters, rs -> {
                TraceQueries.readSpans(rs, traces::add);
                return null;
            });
            traces.finish();
            return linker.link();
        });
    }

    /** Gathers consecutive spans with the same lower 64 trace-ID bits into traces, without duplicates. */
    private static final class TraceCollector {
        private final Consumer<List<Span>> onTrace;
        private String key;
        private final LinkedHashSet<Span> spans = new LinkedHashSet<>();

        TraceCollector(Consumer<List<Span>> onTrace) {
            this.onTrace = onTrace;
        }

        void add(SpanView stored) {
            String spanKey = stored.traceId().substring(16);
            if (!spanKey.equals(key)) {
                finish();
                key = spanKey;
            }
            spans.add(ZipkinSpanMapping.toZipkin(stored));
        }

        void finish() {
            if (!spans.isEmpty()) {
                onTrace.accept(List.copyOf(spans));
                spans.clear();
            }
        }
    }
}
