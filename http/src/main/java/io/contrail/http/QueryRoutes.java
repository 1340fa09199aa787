package io.contrail.http;

import io.contrail.query.QueryEngine;
import io.contrail.query.QueryException;
import io.contrail.query.SpanFilter;
import io.contrail.query.SqlRequest;
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
 * The query routes: {@code POST /api/sql} (JSON, CSV, NDJSON or Arrow, as the client accepts; {@link SqlBody}), one trace by ID,
 * the trace search, services and their operations, and the propagation report. Failures are thrown
 * ({@link QueryException}, {@link IllegalArgumentException}) and answered by the server's error mapping.
 */
final class QueryRoutes {

    static final String ARROW_STREAM = "application/vnd.apache.arrow.stream";
    static final String CSV = "text/csv";
    static final String NDJSON = "application/x-ndjson";
    static final String TRUNCATED_HEADER = "X-Contrail-Truncated";

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

    /**
     * {@code POST /api/sql}: {@code {"sql": "…", "params": […], "offset": N, "maxRows": N}}. JSON answers are cut to
     * the engine's caps (a smaller {@code maxRows} cuts them sooner) and say where the next page starts; CSV,
     * NDJSON and Arrow answers stream whole unless {@code maxRows} cuts them. A cut answer is marked by
     * {@code X-Contrail-Truncated: true}.
     */
    private void sql(Context ctx) throws IOException, QueryException {
        SqlBody body = SqlBody.parse(ctx.bodyAsBytes());
        QueryEngine engine = tenants.of(ctx).engine();
        String accept = ctx.header("Accept") == null ? "" : ctx.header("Accept").toLowerCase(Locale.ROOT);
        // Answers are written as they are read; a failing statement throws before anything is written, so its
        // error still gets its status.
        SqlRequest.Limit streamed = body.maxRows() == null ? SqlRequest.Limit.NONE : SqlRequest.Limit.rows(body.maxRows());
        if (accept.contains(ARROW_STREAM)) {
            engine.queryArrow(body.request(streamed), truncated -> {
                ctx.header(TRUNCATED_HEADER, String.valueOf(truncated)).contentType(ARROW_STREAM);
                return ctx.outputStream();
            });
            return;
        }
        if (accept.contains(CSV) || accept.contains(NDJSON)) {
            boolean csv = accept.contains(CSV);
            engine.query(body.request(streamed), rows -> {
                ctx.header(TRUNCATED_HEADER, String.valueOf(rows.truncated()));
                ctx.contentType((csv ? CSV : NDJSON) + "; charset=utf-8");
                if (csv) {
                    ResultFormats.csv(rows, ctx.outputStream());
                } else {
                    ResultFormats.ndjson(rows, ctx.outputStream());
                }
                return null;
            });
            return;
        }
        QueryEngine.Config caps = engine.config();
        SqlRequest.Limit paged = new SqlRequest.Limit(body.maxRows() == null ? caps.maxRows()
                : Math.min(body.maxRows(), caps.maxRows()), caps.maxResultBytes());
        engine.query(body.request(paged), rows -> {
            ctx.header(TRUNCATED_HEADER, String.valueOf(rows.truncated()));
            ctx.contentType("application/json");
            ResultFormats.json(rows, body.offset(), ctx.outputStream());
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
