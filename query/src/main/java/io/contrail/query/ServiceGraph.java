package io.contrail.query;

import java.util.ArrayList;
import java.util.List;

/**
 * Which services call which, over a time window: one edge per (calling service, called service)
 * with call and error counts and latency percentiles, for service-graph panels.
 *
 * <p>An edge comes from a span whose parent span belongs to another service (the usual client →
 * server hand-off, also producer → consumer), counted on the child: its status and duration are
 * the called side's. A CLIENT span without a child that names its peer ({@code peer.service},
 * else {@code server.address}) is an edge to that peer too — the database, cache or uninstrumented
 * service that never reports spans — counted on the client span; those hops come from the
 * {@code propagation_hops} view. Counts and percentiles are weighted by {@code sample_weight}.
 * The graph's nodes are the services with spans in the window ({@link #services}) and the peers
 * that edges name.
 */
public final class ServiceGraph {

    /** How far outside the window a parent span may have started; a call rarely outlasts it. */
    private static final long PARENT_MARGIN_NANOS = 3_600_000_000_000L;

    private final QueryEngine engine;

    public ServiceGraph(QueryEngine engine) {
        this.engine = engine;
    }

    /**
     * One edge.
     *
     * @param callsFromPeerAttributes the part of {@code callCount} seen only from the client side
     *                                (no server span joined the trace)
     * @param callsWithLostContext    the part of {@code callsFromPeerAttributes} to a service that
     *                                reports spans itself: calls where trace context was lost
     *                                ({@code propagation_hops.server_instrumented})
     */
    public record Edge(String parent, String child, double callCount, double errorCount, double p50Millis,
                       double p99Millis, double callsFromPeerAttributes, double callsWithLostContext) {
    }

    /** A service with spans in the window: its spans and those with status ERROR, weighted. */
    public record Service(String name, double spanCount, double errorCount) {
    }

    /** The services with spans in the window, by name. */
    public List<Service> services(TimeWindow window) throws QueryException {
        List<Object> parameters = new ArrayList<>();
        String sql = "SELECT service_name, sum(sample_weight), "
                + "coalesce(sum(sample_weight) FILTER (WHERE status_code = 'ERROR'), 0) FROM spans WHERE "
                + window.sql("", 0, parameters) + " GROUP BY service_name ORDER BY service_name";
        return engine.run(window.reads(0), sql, parameters, rs -> {
            List<Service> services = new ArrayList<>();
            while (rs.next()) {
                services.add(new Service(rs.getString(1), rs.getDouble(2), rs.getDouble(3)));
            }
            return services;
        });
    }

    /** Edges, the busiest first. */
    public List<Edge> edges(TimeWindow window) throws QueryException {
        List<Object> parameters = new ArrayList<>();
        String childWindow = window.sql("c", 0, parameters);
        String parentWindow = window.sql("p", PARENT_MARGIN_NANOS, parameters);
        String hopWindow = window.sql("h", 0, parameters);
        String calls = "SELECT p.service_name AS parent, c.service_name AS child, c.duration_nanos AS d, "
                + "c.sample_weight AS w, c.status_code = 'ERROR' AS err, false AS from_peer, false AS lost "
                + "FROM spans c JOIN spans p ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id "
                + "WHERE c.parent_span_id IS NOT NULL AND p.service_name <> c.service_name AND " + childWindow
                + " AND " + parentWindow
                + " UNION ALL SELECT h.client_service, h.server_service, h.duration_nanos, h.sample_weight, "
                + "h.status_code = 'ERROR', true, h.server_instrumented FROM propagation_hops h WHERE NOT h.propagated "
                + "AND h.server_service IS NOT NULL AND h.server_service <> h.client_service AND " + hopWindow;
        String sql = "SELECT parent, child, any_value(total_w), coalesce(sum(w) FILTER (WHERE err), 0), "
                + WeightedQuantiles.quantile(0.5) + ", " + WeightedQuantiles.quantile(0.99) + ", "
                + "coalesce(sum(w) FILTER (WHERE from_peer), 0), coalesce(sum(w) FILTER (WHERE lost), 0) "
                + "FROM (" + WeightedQuantiles.ranked(calls, "parent, child") + ") "
                + "GROUP BY parent, child ORDER BY any_value(total_w) DESC, parent, child";
        return engine.run(window.reads(PARENT_MARGIN_NANOS), sql, parameters, rs -> {
            List<Edge> edges = new ArrayList<>();
            while (rs.next()) {
                edges.add(new Edge(rs.getString(1), rs.getString(2), rs.getDouble(3), rs.getDouble(4),
                        rs.getDouble(5) / 1e6, rs.getDouble(6) / 1e6, rs.getDouble(7), rs.getDouble(8)));
            }
            return edges;
        });
    }
}
