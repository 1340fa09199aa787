package io.contrail.http;

import io.contrail.query.QueryException;
import io.contrail.query.RedMetrics;
import io.contrail.query.ServiceGraph;
import io.contrail.query.SliceComparison;
import io.contrail.query.SpanFilter;
import io.contrail.query.TimeParameters;
import io.contrail.query.TimeWindow;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The routes dashboards chart from: RED metrics ({@code /api/metrics/red}), the service graph
 * ({@code /api/dependencies}) and slice comparison ({@code /api/compare}); the web UI's RED and
 * service map screens show exactly these answers. Parameters are parsed
 * here; the queries live in the query module. Bad parameters throw
 * {@link IllegalArgumentException}, which the server answers 400.
 */
final class DashboardApi {

    /** The RED window when none is given: the last hour. */
    static final long DEFAULT_RED_LOOKBACK_NANOS = 3_600_000_000_000L;
    /** {@code range=all}: a RED window from the first request to the last (the last hour when there is none). */
    static final String RANGE_ALL = "all";

    private final Tenants tenants;

    DashboardApi(Tenants tenants) {
        this.tenants = tenants;
    }

    void register(RoutesConfig routes) {
        routes.get("/api/metrics/red", this::red);
        routes.get("/api/dependencies", this::dependencies);
        routes.get("/api/compare", this::compare);
    }

    private void red(Context ctx) throws QueryException {
        String service = RequestParameters.blankToNull(ctx.queryParam("service"));
        String operation = RequestParameters.blankToNull(ctx.queryParam("operation"));
        List<String> kinds = RedMetrics.parseKinds(ctx.queryParam("kind"));
        Long end = RequestParameters.time(ctx, "end");
        Long start = RequestParameters.time(ctx, "start");
        TimeWindow requests = null;
        String range = RequestParameters.blankToNull(ctx.queryParam("range"));
        if (range != null) {
            if (!range.equals(RANGE_ALL)) {
                throw new IllegalArgumentException("range=" + range + ": the one named range is " + RANGE_ALL
                        + " (from the first request to the last); else give start and end");
            }
            if (start != null || end != null) {
                throw new IllegalArgumentException("range=" + RANGE_ALL + " takes no start or end");
            }
            requests = tenants.of(ctx).red().requestTimes(service, operation, kinds);
        }
        long startNanos;
        long endNanos;
        if (requests != null) {
            startNanos = requests.startUnixNano();
            endNanos = requests.endUnixNano() + 1;
        } else {
            endNanos = end == null ? System.currentTimeMillis() * 1_000_000L : end;
            startNanos = start == null ? endNanos - DEFAULT_RED_LOOKBACK_NANOS : start;
        }
        if (endNanos <= startNanos) {
            throw new IllegalArgumentException("end must be after start");
        }
        TimeWindow window = new TimeWindow(startNanos, endNanos);
        String step = RequestParameters.blankToNull(ctx.queryParam("step"));
        long stepNanos = step == null ? RedMetrics.defaultStepNanos(window) : TimeParameters.parseDurationNanos("step", step);
        if (stepNanos <= 0) {
            // Checked here, not only by RedMetrics.Request: a default window is rounded to whole steps first.
            throw new IllegalArgumentException("step=" + step + ": must be positive");
        }
        if (start == null) {
            // A default window starts on a whole step, so that buckets fall on round times; the window
            // of every request also ends on one, so that its timestamps and step say what it covered.
            window = new TimeWindow(Math.floorDiv(startNanos, stepNanos) * stepNanos,
                    requests == null ? endNanos : -Math.floorDiv(-endNanos, stepNanos) * stepNanos);
        }
        var request = new RedMetrics.Request(service, operation, kinds,
                RequestParameters.blankToNull(ctx.queryParam("groupBy")), window, stepNanos,
                integer(ctx, "limit", RedMetrics.DEFAULT_MAX_GROUPS));
        ctx.json(tenants.of(ctx).red().query(request));
    }

    private void dependencies(Context ctx) throws QueryException {
        TimeWindow window = window(ctx);
        ServiceGraph graph = tenants.of(ctx).graph();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("services", graph.services(window));
        body.put("edges", graph.edges(window));
        ctx.json(body);
    }

    private void compare(Context ctx) throws QueryException {
        String selection = RequestParameters.blankToNull(ctx.queryParam("selection"));
        if (selection == null) {
            throw new IllegalArgumentException("selection is required: a filter like status=error or minDuration=1s");
        }
        String baseline = RequestParameters.blankToNull(ctx.queryParam("baseline"));
        var request = new SliceComparison.Request(SpanFilter.parse("selection", selection),
                baseline == null ? null : SpanFilter.parse("baseline", baseline), window(ctx),
                integer(ctx, "limit", SliceComparison.DEFAULT_LIMIT));
        ctx.json(tenants.of(ctx).comparison().compare(request));
    }

    private static TimeWindow window(Context ctx) {
        return new TimeWindow(RequestParameters.time(ctx, "start"), RequestParameters.time(ctx, "end"));
    }

    private static int integer(Context ctx, String parameter, int defaultValue) {
        String value = RequestParameters.blankToNull(ctx.queryParam(parameter));
        if (value == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(parameter + "=" + value + ": not a whole number");
        }
    }
}
