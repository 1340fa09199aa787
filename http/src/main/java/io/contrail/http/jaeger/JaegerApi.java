package io.contrail.http.jaeger;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contrail.http.GoDuration;
import io.contrail.query.QueryException;
import io.contrail.query.ServiceGraph;
import io.contrail.query.SpanFilter;
import io.contrail.query.TimeWindow;
import io.contrail.query.TraceQueries;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Jaeger's HTTP JSON query API (v2.20.0, the last release that has it), under {@link #PREFIX}:
 * what the Jaeger UI and Grafana's Jaeger data source call. Give Grafana
 * {@code http://<host>:<port>/jaeger} as the data source URL.
 *
 * <p>Parameters are read as Jaeger reads them ({@code cmd/query/app/query_parser.go}): search
 * times in Unix microseconds, dependency times and lookback in milliseconds, durations as Go
 * duration strings ({@code 1.5s}, {@code 1h30m}), tags as {@code tags=<JSON object>} or repeated
 * {@code tag=key:value}. Errors answer in Jaeger's envelope ({@code errors: [{code, msg}]}).
 */
public final class JaegerApi {

    /** Where the API is mounted; Contrail's own API owns {@code /api}. */
    public static final String PREFIX = "/jaeger";
    /** Jaeger's default search limit. */
    static final int DEFAULT_LIMIT = 100;
    /** Jaeger's default search window when no start is given: two days. */
    static final long DEFAULT_SEARCH_LOOKBACK_NANOS = 2 * 86_400_000_000_000L;
    /** Jaeger's default dependencies lookback: one day. */
    static final long DEFAULT_DEPENDENCIES_LOOKBACK_MILLIS = 86_400_000L;

    private static final Logger LOG = LoggerFactory.getLogger(JaegerApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HEX_ID = Pattern.compile("[0-9a-fA-F]{1,32}");

    /** The trace queries and the service graph over the request's tenant's spans. */
    private final Function<Context, TraceQueries> traces;
    private final Function<Context, ServiceGraph> graph;

    public JaegerApi(Function<Context, TraceQueries> traces, Function<Context, ServiceGraph> graph) {
        this.traces = traces;
        this.graph = graph;
    }

    public void register(RoutesConfig routes) {
        routes.get(PREFIX + "/api/services", jaeger(ctx -> ctx.json(JaegerJson.Response.of(traces.apply(ctx).services()))));
        routes.get(PREFIX + "/api/services/{service}/operations", jaeger(this::operationNames));
        routes.get(PREFIX + "/api/operations", jaeger(this::operations));
        routes.get(PREFIX + "/api/traces", jaeger(this::search));
        routes.get(PREFIX + "/api/traces/{traceID}", jaeger(this::trace));
        routes.get(PREFIX + "/api/dependencies", jaeger(this::dependencies));
    }

    /** Runs a handler, answering its failures in Jaeger's error envelope. */
    private static Handler jaeger(Handler handler) {
        return ctx -> {
            try {
                handler.handle(ctx);
            } catch (IllegalArgumentException e) {
                ctx.status(400).json(JaegerJson.Response.error(400, e.getMessage()));
            } catch (QueryException e) {
                int status = switch (e.reason()) {
                    case TIMEOUT -> 408;
                    // a lookback over more of a shared table than this node's cache may hold
                    case TOO_LARGE -> 400;
                    default -> 500;
                };
                LOG.warn("{} {} failed: {}", ctx.method(), ctx.path(), e.getMessage());
                ctx.status(status).json(JaegerJson.Response.error(status, e.getMessage()));
            }
        };
    }

    private void operationNames(Context ctx) throws QueryException {
        Set<String> names = new LinkedHashSet<>();
        for (Map<String, String> operation : traces.apply(ctx).operations(ctx.pathParam("service"))) {
            names.add(operation.get("name"));
        }
        ctx.json(JaegerJson.Response.of(List.copyOf(names)));
    }

    private void operations(Context ctx) throws QueryException {
        String service = ctx.queryParam("service");
        if (service == null || service.isEmpty()) {
            throw new IllegalArgumentException("parameter 'service' is required");
        }
        String spanKind = ctx.queryParam("spanKind") == null ? "" : ctx.queryParam("spanKind").toLowerCase(Locale.ROOT);
        List<JaegerJson.Operation> operations = new ArrayList<>();
        for (Map<String, String> operation : traces.apply(ctx).operations(service)) {
            String kind = JaegerTranslator.spanKind(operation.get("spanKind"));
            if (spanKind.isEmpty() || spanKind.equals(kind)) {
                operations.add(new JaegerJson.Operation(operation.get("name"), kind));
            }
        }
        ctx.json(JaegerJson.Response.of(operations));
    }

    private void trace(Context ctx) throws QueryException {
        String id = traceId(ctx.pathParam("traceID"));
        var trace = traces.apply(ctx).trace(id);
        if (trace.isEmpty()) {
            ctx.status(404).json(JaegerJson.Response.error(404, "trace not found"));
            return;
        }
        // Jaeger fills total only for name listings; trace answers carry 0.
        ctx.json(new JaegerJson.Response(List.of(JaegerTranslator.trace(trace.get())), 0, 0, 0, null));
    }

    private void search(Context ctx) throws QueryException {
        List<String> ids = ctx.queryParams("traceID");
        if (!ids.isEmpty()) {
            List<String> wanted = ids.stream().map(JaegerApi::traceId).toList();
            List<JaegerJson.Trace> found = new ArrayList<>();
            Set<String> foundIds = new LinkedHashSet<>();
            for (TraceQueries.Trace trace : traces.apply(ctx).traces(wanted)) {
                found.add(JaegerTranslator.trace(trace));
                foundIds.add(trace.traceId());
            }
            List<JaegerJson.Error> errors = new ArrayList<>();
            for (String id : wanted) {
                if (!foundIds.contains(id)) {
                    errors.add(new JaegerJson.Error(0, "trace not found", JaegerTranslator.traceId(id)));
                }
            }
            ctx.json(new JaegerJson.Response(found, 0, 0, 0, errors.isEmpty() ? null : errors));
            return;
        }
        String service = ctx.queryParam("service");
        if (service == null || service.isEmpty()) {
            throw new IllegalArgumentException("parameter 'service' is required");
        }
        Long minDuration = goDuration(ctx, "minDuration");
        Long maxDuration = goDuration(ctx, "maxDuration");
        if (minDuration != null && maxDuration != null && maxDuration < minDuration) {
            throw new IllegalArgumentException("'maxDuration' should be greater than 'minDuration'");
        }
        Map<String, String> tags = tags(ctx);
        String status = null;
        if ("true".equals(tags.get("error"))) {
            // Jaeger marks failed spans with the tag error=true; Contrail keeps that as the span status.
            tags.remove("error");
            status = "error";
        }
        long now = System.currentTimeMillis() * 1_000_000L;
        Long end = micros(ctx, "end");
        Long start = micros(ctx, "start");
        long endNanos = end == null ? now : end;
        long startNanos = start != null ? start : before(endNanos, lookbackNanos(ctx.queryParam("lookback")));
        int limit = limit(ctx.queryParam("limit"));
        String operation = ctx.queryParam("operation");
        var filter = new SpanFilter(service, operation == null || operation.isEmpty() ? null : operation, tags,
                minDuration, maxDuration, status);
        TraceQueries queries = traces.apply(ctx);
        List<String> matched = queries.search(new TraceQueries.SearchRequest(filter,
                new TimeWindow(startNanos, endNanos), limit)).stream().map(TraceQueries.TraceSummary::traceId).toList();
        List<JaegerJson.Trace> found = queries.traces(matched).stream().map(JaegerTranslator::trace).toList();
        ctx.json(new JaegerJson.Response(found, 0, 0, 0, null));
    }

    private void dependencies(Context ctx) throws QueryException {
        long endMillis = System.currentTimeMillis();
        String endTs = ctx.queryParam("endTs");
        if (endTs != null && !endTs.isEmpty()) {
            endMillis = parseLong("endTs", endTs);
        }
        String lookback = ctx.queryParam("lookback");
        long lookbackMillis = lookback == null || lookback.isEmpty() ? DEFAULT_DEPENDENCIES_LOOKBACK_MILLIS
                : parseLong("lookback", lookback);
        long endNanos = millisToNanos("endTs", endMillis);
        String service = ctx.queryParam("service");
        List<JaegerJson.DependencyLink> links = new ArrayList<>();
        for (ServiceGraph.Edge edge : graph.apply(ctx).edges(TimeWindow.lookback(endNanos,
                millisToNanos("lookback", lookbackMillis)))) {
            if (service == null || service.isEmpty() || edge.parent().equals(service) || edge.child().equals(service)) {
                links.add(new JaegerJson.DependencyLink(edge.parent(), edge.child(), Math.round(edge.callCount())));
            }
        }
        ctx.json(new JaegerJson.Response(links, 0, 0, 0, null));
    }

    /** A trace ID as Jaeger accepts it (1 to 32 hex digits, leading zeros optional), as 32 digits. */
    static String traceId(String id) {
        if (id == null || !HEX_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("TraceID cannot be longer than 32 hex characters: '" + id + "'");
        }
        return "0".repeat(32 - id.length()) + id.toLowerCase(Locale.ROOT);
    }

    private static Map<String, String> tags(Context ctx) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (String tag : ctx.queryParams("tag")) {
            int colon = tag.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("malformed 'tag' parameter, expecting key:value, received: " + tag);
            }
            tags.put(tag.substring(0, colon), tag.substring(colon + 1));
        }
        for (String json : ctx.queryParams("tags")) {
            if (json.isEmpty()) {
                continue;
            }
            try {
                tags.putAll(JSON.readValue(json, new TypeReference<Map<String, String>>() {
                }));
            } catch (IOException e) {
                throw new IllegalArgumentException("malformed 'tags' parameter, cannot unmarshal JSON: " + e.getMessage());
            }
        }
        return tags;
    }

    /** Microseconds as nanoseconds; a 400 for a time whose nanoseconds a long cannot hold (not an overflow, a 500). */
    private static Long micros(Context ctx, String parameter) {
        String value = ctx.queryParam(parameter);
        if (value == null || value.isEmpty()) {
            return null;
        }
        long micros = parseLong(parameter, value);
        if (micros > Long.MAX_VALUE / 1_000L || micros < Long.MIN_VALUE / 1_000L) {
            throw new IllegalArgumentException("unable to parse param '" + parameter + "': " + value
                    + " microseconds is out of range");
        }
        return micros * 1_000L;
    }

    private static long lookbackNanos(String lookback) {
        if (lookback == null || lookback.isEmpty() || lookback.equals("custom")) {
            return DEFAULT_SEARCH_LOOKBACK_NANOS;
        }
        // The Jaeger UI sends 1h, 2d …; Jaeger itself ignores lookback, but a search without start honours it.
        if (lookback.matches("\\d+d")) {
            try {
                return Math.multiplyExact(Long.parseLong(lookback.substring(0, lookback.length() - 1)), 86_400_000_000_000L);
            } catch (ArithmeticException | NumberFormatException e) {
                throw new IllegalArgumentException("unable to parse param 'lookback': " + lookback + " is out of range");
            }
        }
        return parseGoDuration("lookback", lookback);
    }

    /** {@code lookback} nanoseconds before {@code end}; the earliest time there is when that is before it. */
    private static long before(long end, long lookback) {
        try {
            return Math.subtractExact(end, lookback);
        } catch (ArithmeticException e) {
            return Long.MIN_VALUE;
        }
    }

    /** Milliseconds as nanoseconds; IllegalArgumentException naming the parameter beyond ±2⁶³ ns. */
    private static long millisToNanos(String parameter, long millis) {
        try {
            return Math.multiplyExact(millis, 1_000_000L);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("unable to parse param '" + parameter + "': " + millis
                    + " milliseconds is out of range");
        }
    }

    private static int limit(String value) {
        if (value == null || value.isEmpty()) {
            return DEFAULT_LIMIT;
        }
        long limit = parseLong("limit", value);
        if (limit < 1 || limit > TraceQueries.MAX_SEARCH_LIMIT) {
            throw new IllegalArgumentException("unable to parse param 'limit': must be between 1 and "
                    + TraceQueries.MAX_SEARCH_LIMIT);
        }
        return (int) limit;
    }

    private static Long goDuration(Context ctx, String parameter) {
        String value = ctx.queryParam(parameter);
        return value == null || value.isEmpty() ? null : parseGoDuration(parameter, value);
    }

    /** A Go duration string ({@code 300ms}, {@code 1.5h}, {@code 1h30m}) in nanoseconds. */
    static long parseGoDuration(String parameter, String value) {
        try {
            return GoDuration.parseNanos(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unable to parse param '" + parameter + "': " + e.getMessage(), e);
        }
    }

    private static long parseLong(String parameter, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unable to parse param '" + parameter + "': strconv.ParseInt: parsing \""
                    + value + "\": invalid syntax");
        }
    }
}
