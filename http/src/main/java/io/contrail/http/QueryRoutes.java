package io.contrail.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.contrail.query.QueryEngine;
import io.contrail.query.QueryException;
import io.contrail.query.SpanFilter;
import io.contrail.query.TimeWindow;
import io.contrail.query.TraceQueries;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;

import static io.contrail.http.RequestParameters.time;

/**
 * The query routes: {@code POST /api/sql} (JSON, CSV or Arrow, as the client accepts), one trace by ID,
 * the trace search, services and their operations, and the propagation report. Failures are thrown
 * ({@link QueryException}, {@link IllegalArgumentException}) and answered by the server's error mapping.
 */
final class QueryRoutes {

    static final String ARROW_STREAM = "application/vnd.apache.arrow.stream";
    static final String CSV = "text/csv";

    private final Tenants tenants;

    QueryRoutes(Tenants tenants) {
        this.tenants = tenants;
    }

    void register(RoutesConfig routes) {
        routes.post("/api/sql", this::sql);
        routes.get("/api/traces/{traceId}", this::trace);
        routes.get("/api/services", ctx -> ctx.json(Map.of("services", tenants.of(ctx).traces().services())));
        routes.get("/api/services/{service}/operations",
                ctx -> ctx.json(Map.of("operations", tenants.of(ctx).traces().operations(ctx.pathParam("service")))));
        routes.get("/api/search", this::search);
        routes.get("/api/propagation",
                ctx -> ctx.json(tenants.of(ctx).propagation().report(time(ctx, "start"), time(ctx, "end"))));
    }

    private void sql(Context ctx) throws IOException, QueryException {
        JsonNode body;
        try {
            body = ResultFormats.JSON.readTree(ctx.bodyAsBytes());
        } catch (IOException e) {
            throw new IllegalArgumentException("the body must be JSON like {\"sql\": \"SELECT …\"}: " + e.getMessage());
        }
        if (body == null || !body.path("sql").isTextual()) {
            throw new IllegalArgumentException("the body must be JSON with a string field \"sql\"");
        }
        String sql = body.get("sql").asText();
        QueryEngine engine = tenants.of(ctx).engine();
        String accept = ctx.header("Accept") == null ? "" : ctx.header("Accept").toLowerCase(Locale.ROOT);
        // Answers are written as they are read (within the engine's row and byte caps); a failing
        // statement throws before anything is written, so its error still gets its status.
        if (accept.contains(ARROW_STREAM)) {
            engine.queryArrow(sql, truncated -> {
                ctx.header("X-Contrail-Truncated", String.valueOf(truncated)).contentType(ARROW_STREAM);
                return ctx.outputStream();
            });
            return;
        }
        boolean csv = accept.contains(CSV);
        engine.query(sql, rows -> {
            ctx.header("X-Contrail-Truncated", String.valueOf(rows.truncated()));
            if (csv) {
                ctx.contentType(CSV + "; charset=utf-8");
                ResultFormats.csv(rows, ctx.outputStream());
            } else {
                ctx.contentType("application/json");
                ResultFormats.json(rows, ctx.outputStream());
            }
            return null;
        });
    }

    private void trace(Context ctx) throws QueryException {
        var trace = tenants.of(ctx).traces().trace(ctx.pathParam("traceId"));
        if (trace.isEmpty()) {
            ErrorAnswers.error(ctx, HttpStatus.NOT_FOUND, "trace " + ctx.pathParam("traceId") + " not found");
            return;
        }
        ctx.json(trace.get());
    }

    private void search(Context ctx) throws QueryException {
        String limit = ctx.queryParam("limit");
        int limitValue;
        try {
            limitValue = limit == null ? TraceQueries.DEFAULT_SEARCH_LIMIT : Integer.parseInt(limit.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("limit=" + limit + ": not a whole number");
        }
        if (limitValue < 1 || limitValue > TraceQueries.MAX_SEARCH_LIMIT) {
            throw new IllegalArgumentException("limit=" + limit + ": must be between 1 and " + TraceQueries.MAX_SEARCH_LIMIT);
        }
        var request = new TraceQueries.SearchRequest(SpanFilter.fromParameters(ctx.queryParamMap()),
                new TimeWindow(time(ctx, "start"), time(ctx, "end")), limitValue);
        ctx.json(Map.of("traces", tenants.of(ctx).traces().search(request)));
    }

}
