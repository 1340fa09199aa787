package io.contrail.query;

import io.contrail.columnar.LiveFiles;

import java.sql.Array;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Where context propagation breaks, over a time window: the propagation views
 * ({@code propagation_edges}, {@code orphan_spans}, {@code multi_root_traces}) restricted to spans
 * that started in it. Null bounds mean the whole store.
 */
public final class PropagationQueries {

    private static final int EXAMPLES = 5;
    /** How far beyond the window a bounded cache fetches files, for the parents and children of the spans in it. */
    static final long RELATIVES_MARGIN_NANOS = 3_600_000_000_000L;
    private final QueryEngine engine;

    public PropagationQueries(QueryEngine engine) {
        this.engine = engine;
    }

    /** One client → server edge. */
    public record Edge(String clientService, String serverService, boolean serverInstrumented, long calls,
                       long brokenHops, double brokenPct, List<String> exampleTraceIds) {
    }

    /** A kind of break with how often it occurs and a few traces that show it. */
    public record Breaks(long count, List<String> exampleTraceIds) {
    }

    public record Report(List<Edge> edges, long brokenHops, Breaks orphanSpans, Breaks rootsWithParent,
                         Breaks multiRootTraces) {
    }

    public Report report(Long startUnixNano, Long endUnixNano) throws QueryException {
        TimeWindow span = new TimeWindow(startUnixNano, endUnixNano);
        List<Object> parameters = new ArrayList<>();
        String window = " AND " + span.sql("", 0, parameters);
        // multi_root_traces has a start_time but no date.
        List<Object> rootParameters = new ArrayList<>();
        String rootWindow = " AND " + span.startTimeSql("", 0, rootParameters);
        // The views join spans to their parents and children, which a bounded cache fetches an hour either side of
        // the window for (a parent further away shows as lost).
        LiveFiles.TimeRange reads = span.reads(RELATIVES_MARGIN_NANOS);
        List<Edge> edges = engine.run(reads, "SELECT client_service, server_service, server_instrumented, calls, broken_hops, "
                        + "broken_pct, example_trace_ids FROM (SELECT client_service, server_service, server_instrumented, "
                        + "count(*) AS calls, count(*) FILTER (WHERE server_instrumented AND NOT propagated) AS broken_hops, "
                        + "round(100.0 * count(*) FILTER (WHERE server_instrumented AND NOT propagated) / count(*), 2) AS broken_pct, "
                        + "(list(trace_id ORDER BY trace_id) FILTER (WHERE server_instrumented AND NOT propagated))[1:" + EXAMPLES
                        + "] AS example_trace_ids FROM propagation_hops WHERE true" + window + " GROUP BY ALL) "
                        + "ORDER BY broken_hops DESC, calls DESC, client_service, server_service",
                parameters, rs -> {
                    List<Edge> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(new Edge(rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getLong(4),
                                rs.getLong(5), rs.getDouble(6), strings(rs.getArray(7))));
                    }
                    return out;
                });
        long broken = edges.stream().mapToLong(Edge::brokenHops).sum();
        Breaks orphans = breaks("SELECT count(*), (list(DISTINCT trace_id ORDER BY trace_id))[1:" + EXAMPLES
                + "] FROM orphan_spans WHERE NOT lost_upstream" + window, parameters, reads);
        Breaks lostUpstream = breaks("SELECT count(*), (list(DISTINCT trace_id ORDER BY trace_id))[1:" + EXAMPLES
                + "] FROM orphan_spans WHERE lost_upstream" + window, parameters, reads);
        Breaks multiRoot = breaks("SELECT count(*), (list(trace_id ORDER BY trace_id))[1:" + EXAMPLES
                + "] FROM multi_root_traces WHERE true" + rootWindow, rootParameters, reads);
        return new Report(edges, broken, orphans, lostUpstream, multiRoot);
    }

    private Breaks breaks(String sql, List<Object> parameters, LiveFiles.TimeRange reads) throws QueryException {
        return engine.run(reads, sql, parameters, rs -> {
            rs.next();
            return new Breaks(rs.getLong(1), strings(rs.getArray(2)));
        });
    }

    private static List<String> strings(Array array) throws SQLException {
        List<String> values = new ArrayList<>();
        if (array != null) {
            for (Object value : (Object[]) array.getArray()) {
                values.add((String) value);
            }
        }
        return values;
    }
}
