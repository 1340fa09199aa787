package io.contrail.query;

import io.contrail.columnar.LiveFiles;
import io.contrail.columnar.SpanSchema;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * RED metrics — request rate, error rate and duration percentiles — as time series over the
 * {@code spans} view, optionally one series per value of any column or attribute, for charts.
 *
 * <p>Every figure is weighted by {@code sample_weight}: counts are sums of weights and the
 * percentiles are {@link WeightedQuantiles weighted}, so the series stay right under sampling.
 * Requests are, by default, the spans that receive work (kind SERVER or CONSUMER).
 */
public final class RedMetrics {

    public static final int DEFAULT_MAX_GROUPS = 10;
    public static final int MAX_GROUPS = 100;
    public static final int MAX_POINTS = 1_000;
    /** Default span kinds counted as requests. */
    public static final List<String> DEFAULT_KINDS = List.of("SERVER", "CONSUMER");
    private static final Set<String> KINDS = Set.of("UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER");
    /** Steps a default is rounded up to, in seconds: charts read better on round intervals. */
    private static final long[] ROUND_STEPS_SECONDS = {1, 5, 10, 15, 30, 60, 300, 600, 900, 1800, 3600, 10800,
            21600, 43200, 86400};
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final QueryEngine engine;

    public RedMetrics(QueryEngine engine) {
        this.engine = engine;
    }

    /**
     * What to chart.
     *
     * @param service   null for every service
     * @param operation span name; null for every operation
     * @param kinds     span kinds counted as requests; empty for every kind
     * @param groupBy   a column of {@code spans} or an attribute key, see {@link #resolveColumn}; null for one series
     * @param window    both bounds set
     * @param stepNanos bucket width
     * @param maxGroups series kept, the busiest first
     */
    public record Request(String service, String operation, List<String> kinds, String groupBy, TimeWindow window,
                         long stepNanos, int maxGroups) {
        public Request {
            if (window.startUnixNano() == null || window.endUnixNano() == null) {
                throw new IllegalArgumentException("start and end must both be set");
            }
            if (stepNanos <= 0) {
                throw new IllegalArgumentException("step=" + stepNanos + "ns: must be positive");
            }
            if (maxGroups < 1 || maxGroups > MAX_GROUPS) {
                throw new IllegalArgumentException("limit=" + maxGroups + ": must be between 1 and " + MAX_GROUPS);
            }
            kinds = checkedKinds(kinds);
            long points = points(window, stepNanos);
            if (points > MAX_POINTS) {
                throw new IllegalArgumentException("step=" + stepNanos / 1e9 + "s: gives " + points
                        + " points between start and end; at most " + MAX_POINTS);
            }
        }
    }

    /**
     * One series: values per timestamp. {@code rate} is requests per second, {@code errorRate} the
     * fraction of requests with status ERROR (null without requests), percentiles in milliseconds
     * (null without requests).
     *
     * @param group the groupBy value (as text), null when not grouped or when the span has no value
     */
    public record Series(String group, double requests, double[] rate, Double[] errorRate, Double[] p50,
                         Double[] p95, Double[] p99) {
    }

    /**
     * The answer. {@code timestamps} are the bucket starts in Unix milliseconds (what chart
     * libraries take); {@code otherGroups} counts group values left out by the cap.
     */
    public record Result(List<Long> timestamps, long stepMillis, String groupBy, List<Series> series,
                         int otherGroups) {
    }

    /** A step for a window when the caller gives none: about 60 points, on a round interval. */
    public static long defaultStepNanos(TimeWindow window) {
        long rangeNanos = window.endUnixNano() - window.startUnixNano();
        long wantedSeconds = Math.max(1, rangeNanos / 60 / NANOS_PER_SECOND);
        for (long step : ROUND_STEPS_SECONDS) {
            if (step >= wantedSeconds) {
                return step * NANOS_PER_SECOND;
            }
        }
        return wantedSeconds * NANOS_PER_SECOND;
    }

    /** Span kinds from a parameter value: comma-separated names (any case), or {@code all} for every kind. */
    public static List<String> parseKinds(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_KINDS;
        }
        if (value.trim().equalsIgnoreCase("all")) {
            return List.of();
        }
        return Arrays.stream(value.split(",")).map(k -> k.trim().toUpperCase(Locale.ROOT))
                .map(k -> k.startsWith("SPAN_KIND_") ? k.substring("SPAN_KIND_".length()) : k).toList();
    }

    private static List<String> checkedKinds(List<String> kinds) {
        for (String kind : kinds) {
            if (!KINDS.contains(kind)) {
                throw new IllegalArgumentException("kind=" + kind + ": use " + String.join(", ", KINDS.stream().sorted().toList())
                        + " or all");
            }
        }
        return List.copyOf(kinds);
    }

    private static long points(TimeWindow window, long stepNanos) {
        long range = window.endUnixNano() - window.startUnixNano();
        return Math.max(1, (range + stepNanos - 1) / stepNanos);
    }

    /**
     * The {@code spans} column a user names: a column as it is ({@code service_name},
     * {@code attr.http.route}), else a span attribute key ({@code http.route}), else a resource
     * attribute key ({@code k8s.pod.name}). Throws {@link IllegalArgumentException} naming
     * {@code parameter} when none exists.
     */
    static String resolveColumn(String parameter, String name, Map<String, String> columnTypes) {
        for (String candidate : List.of(name, SpanSchema.spanAttributeColumn(name),
                SpanSchema.resourceAttributeColumn(name))) {
            if (columnTypes.containsKey(candidate)) {
                return candidate;
            }
        }
        throw new IllegalArgumentException(parameter + "=" + name + ": no column or attribute key of that name; "
                + "name a column of spans (service_name, http_route, \"attr.<key>\", \"resource.<key>\") or an attribute key");
    }

    /**
     * When the first and the last request of {@code service}, {@code operation} and {@code kinds}
     * (as in {@link Request}) started, in Unix nanoseconds; null when there are none. For a window
     * that holds all of them: charts of "all time".
     */
    public TimeWindow requestTimes(String service, String operation, List<String> kinds) throws QueryException {
        List<Object> parameters = new ArrayList<>();
        List<String> conditions = requestConditions(service, operation, checkedKinds(kinds), parameters);
        String sql = "SELECT epoch_ns(min(start_time)), epoch_ns(max(start_time)) FROM spans"
                + (conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions));
        // "All time" reads every file: with a bounded cache, refused when they are more than it holds.
        return engine.run(LiveFiles.TimeRange.ALL, sql, parameters, rs -> {
            rs.next();
            long first = rs.getLong(1);
            return rs.wasNull() ? null : new TimeWindow(first, rs.getLong(2));
        });
    }

    /** The conditions that select requests; placeholders' values are added to {@code parameters}. */
    private static List<String> requestConditions(String service, String operation, List<String> kinds,
                                                  List<Object> parameters) {
        // Service and operation select as the search's filter does.
        SpanFilter.Condition serviceAndOperation = new SpanFilter(service, operation, Map.of(), null, null, null)
                .toSql(Map.of());
        List<String> conditions = new ArrayList<>(List.of(serviceAndOperation.sql()));
        parameters.addAll(serviceAndOperation.parameters());
        if (!kinds.isEmpty()) {
            conditions.add("kind IN (" + String.join(", ", kinds.stream().map(k -> "?").toList()) + ")");
            parameters.addAll(kinds);
        }
        return conditions;
    }

    public Result query(Request request) throws QueryException {
        Map<String, String> columnTypes = engine.spanColumnTypes();
        String groupColumn = request.groupBy() == null ? null : resolveColumn("groupBy", request.groupBy(), columnTypes);
        String groupExpression = groupColumn == null ? "NULL::VARCHAR" : SpanSchema.quote(groupColumn) + "::VARCHAR";
        long start = request.window().startUnixNano();
        long step = request.stepNanos();
        int points = (int) points(request.window(), step);

        List<Object> parameters = new ArrayList<>();
        parameters.add(start);
        parameters.add(step);
        List<String> conditions = requestConditions(request.service(), request.operation(), request.kinds(), parameters);
        conditions.add(request.window().sql("", 0, parameters));
        conditions.add("start_time < make_timestamp_ns(?)");
        parameters.add(request.window().endUnixNano());
        parameters.add(request.maxGroups());
        String source = "SELECT (epoch_ns(start_time) - ?) // ? AS bucket, " + groupExpression + " AS grp, "
                + "duration_nanos AS d, sample_weight AS w, status_code = 'ERROR' AS err FROM spans WHERE "
                + String.join(" AND ", conditions);
        String sql = "WITH s AS (" + source + "), "
                + "top AS (SELECT grp, sum(w) AS requests FROM s GROUP BY grp ORDER BY requests DESC, grp NULLS LAST LIMIT ?), "
                + "groups AS (SELECT count(DISTINCT grp) + count(*) FILTER (WHERE grp IS NULL) AS n FROM (SELECT DISTINCT grp FROM s)), "
                + "r AS (" + WeightedQuantiles.ranked("SELECT s.* FROM s SEMI JOIN top ON s.grp IS NOT DISTINCT FROM top.grp",
                "bucket, grp") + ") "
                + "SELECT r.grp, r.bucket, any_value(r.total_w), coalesce(sum(r.w) FILTER (WHERE r.err), 0), "
                + WeightedQuantiles.quantile(0.5) + ", " + WeightedQuantiles.quantile(0.95) + ", "
                + WeightedQuantiles.quantile(0.99) + ", any_value(top.requests), (SELECT n FROM groups) "
                + "FROM r JOIN top ON r.grp IS NOT DISTINCT FROM top.grp GROUP BY r.grp, r.bucket "
                + "ORDER BY any_value(top.requests) DESC, r.grp NULLS LAST, r.bucket";
        double stepSeconds = step / 1e9;
        return engine.run(request.window().reads(0), sql, parameters, rs -> {
            Map<String, SeriesBuilder> series = new LinkedHashMap<>();
            long groups = 0;
            while (rs.next()) {
                long bucket = rs.getLong(2);
                groups = rs.getLong(9);
                if (bucket < 0 || bucket >= points) {
                    continue;
                }
                String group = rs.getString(1);
                SeriesBuilder builder = series.computeIfAbsent(group,
                        g -> new SeriesBuilder(g, points));
                builder.requests = rs.getDouble(8);
                int i = (int) bucket;
                double requests = rs.getDouble(3);
                builder.rate[i] = requests / stepSeconds;
                builder.errorRate[i] = requests > 0 ? rs.getDouble(4) / requests : null;
                builder.p50[i] = millis(rs.getObject(5));
                builder.p95[i] = millis(rs.getObject(6));
                builder.p99[i] = millis(rs.getObject(7));
            }
            List<Long> timestamps = new ArrayList<>(points);
            for (int i = 0; i < points; i++) {
                timestamps.add(Math.floorDiv(start + i * step, 1_000_000L));
            }
            List<Series> out = series.values().stream().map(SeriesBuilder::build).toList();
            return new Result(timestamps, step / 1_000_000L, groupColumn, out, (int) Math.max(0, groups - out.size()));
        });
    }

    private static Double millis(Object nanos) {
        return nanos == null ? null : ((Number) nanos).doubleValue() / 1e6;
    }

    private static final class SeriesBuilder {
        final String group;
        double requests;
        final double[] rate;
        final Double[] errorRate;
        final Double[] p50;
        final Double[] p95;
        final Double[] p99;

        SeriesBuilder(String group, int points) {
            this.group = group;
            rate = new double[points];
            errorRate = new Double[points];
            p50 = new Double[points];
            p95 = new Double[points];
            p99 = new Double[points];
        }

        Series build() {
            return new Series(group, requests, rate, errorRate, p50, p95, p99);
        }
    }
}
