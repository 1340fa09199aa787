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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;

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
    /**
     * On NDJSON and CSV answers, their columns' names and DuckDB types ({@link ResultFormats#columnsHeader}), which
     * those formats do not carry; left out when longer than {@value #MAX_COLUMNS_HEADER} bytes.
     */
    static final String COLUMNS_HEADER = "X-Contrail-Columns";
    static final int MAX_COLUMNS_HEADER = 4096;

    /**
     * The most {@code POST /api/sql} answers made at once, past which one is refused with 503 and Retry-After: each
     * holds a server thread, a DuckDB connection and the files it reads for as long as its client takes to read it
     * (a streamed answer of any size at the client's pace), and the server's threads also take in spans.
     */
    static final int MAX_SQL_ANSWERS = 32;

    private final Tenants tenants;
    private final Runnable answerCut;
    private final Semaphore answers = new Semaphore(MAX_SQL_ANSWERS);

    /** {@code answerCut} is told of every answer cut short ({@link AnswerBody}). */
    QueryRoutes(Tenants tenants, Runnable answerCut) {
        this.tenants = tenants;
        this.answerCut = answerCut;
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
        if (!answers.tryAcquire()) {
            ctx.header("Retry-After", "1");
            ErrorAnswers.error(ctx, HttpStatus.SERVICE_UNAVAILABLE, MAX_SQL_ANSWERS + " SQL answers are being made or "
                    + "read already, the most at once; retry shortly");
            return;
        }
        try {
            answer(ctx, body);
        } finally {
            answers.release();
        }
    }

    private void answer(Context ctx, SqlBody body) throws IOException, QueryException {
        QueryEngine engine = tenants.of(ctx).engine();
        String accept = ctx.header("Accept") == null ? "" : ctx.header("Accept").toLowerCase(Locale.ROOT);
        // Answers are written as they are read; a statement failing in its first rows throws before anything is
        // written, so its error still gets its status. One failing later cuts the answer short (AnswerBody).
        SqlRequest.Limit streamed = body.maxRows() == null ? SqlRequest.Limit.NONE : SqlRequest.Limit.rows(body.maxRows());
        AnswerBody out = new AnswerBody(ctx, answerCut);
        if (accept.contains(ARROW_STREAM)) {
            out.write(() -> engine.queryArrow(body.request(streamed), truncated -> {
                ctx.header(TRUNCATED_HEADER, String.valueOf(truncated)).contentType(ARROW_STREAM);
                return out;
            }));
            return;
        }
        if (accept.contains(CSV) || accept.contains(NDJSON)) {
            boolean csv = accept.contains(CSV);
            out.write(() -> engine.query(body.request(streamed), rows -> {
                ctx.header(TRUNCATED_HEADER, String.valueOf(rows.truncated()));
                ResultFormats.columnsHeader(rows.columns(), MAX_COLUMNS_HEADER).ifPresent(text -> ctx.header(COLUMNS_HEADER, text));
                ctx.contentType((csv ? CSV : NDJSON) + "; charset=utf-8");
                if (csv) {
                    ResultFormats.csv(rows, out);
                } else {
                    ResultFormats.ndjson(rows, out);
                }
                return null;
            }));
            return;
        }
        QueryEngine.Config caps = engine.config();
        SqlRequest.Limit paged = new SqlRequest.Limit(body.maxRows() == null ? caps.maxRows()
                : Math.min(body.maxRows(), caps.maxRows()), caps.maxResultBytes());
        out.write(() -> engine.query(body.request(paged), rows -> {
            ctx.header(TRUNCATED_HEADER, String.valueOf(rows.truncated()));
            ctx.contentType("application/json");
            ResultFormats.json(rows, body.offset(), out);
            return null;
        }));
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
        TimeWindow window = new TimeWindow(time(ctx, "start"), time(ctx, "end"));
        String q = ctx.queryParam("q");
        if (q != null && !q.isBlank()) {
            for (String filter : List.of("service", "operation", "attr", "minDuration", "maxDuration", "status")) {
                if (ctx.queryParamMap().containsKey(filter)) {
                    throw new IllegalArgumentException("q (a TraceQL query) and " + filter
                            + " do not go together: write the condition in the query, e.g. { resource.service.name = "
                            + "\"checkout\" && duration > 250ms }");
                }
            }
            ctx.json(Map.of("traces", tenants.of(ctx).traces().searchTraceQlSummaries(q, window, limitValue)));
            return;
        }
        var request = new TraceQueries.SearchRequest(SpanFilter.fromParameters(ctx.queryParamMap()), window, limitValue);
        ctx.json(Map.of("traces", tenants.of(ctx).traces().search(request)));
    }

}
