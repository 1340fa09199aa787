package io.contrail.http.zipkin;

import io.contrail.query.QueryException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import zipkin2.Span;
import zipkin2.codec.DependencyLinkBytesEncoder;
import zipkin2.codec.SpanBytesEncoder;
import zipkin2.storage.QueryRequest;

/**
 * Zipkin's v2 query API under {@value #PREFIX}, as the Zipkin UI, Grafana's Zipkin data source and
 * Zipkin's own server serve it: the same paths, parameters, defaults and JSON (written by zipkin2's
 * encoders), answered by a {@link ContrailStorage}. Bad parameters are answered 400 with a plain-text
 * message naming the parameter, an unknown trace 404, as Zipkin does.
 *
 * <p>{@code POST /zipkin/api/v2/spans} is not here: it is the server's Zipkin receiver, mounted a
 * second time, so that it keeps the receiver's body limits, gzip and ingest permits.
 */
public final class ZipkinQueryApi {

    /** Where the API is mounted: give Grafana and the Zipkin UI {@code http://host:port/zipkin}. */
    public static final String PREFIX = "/zipkin";
    /** Traces returned by {@code /traces} without {@code limit}, as in Zipkin. */
    public static final int DEFAULT_LIMIT = 10;
    /** Milliseconds looked back from {@code endTs} without {@code lookback}: a day, as in Zipkin. */
    public static final long DEFAULT_LOOKBACK_MILLIS = 86_400_000L;
    /** Trace IDs one {@code /traceMany} request may name. */
    public static final int MAX_TRACE_IDS = 1_000;
    private static final String JSON = "application/json";

    /** The storage over the request's tenant's spans. */
    private final java.util.function.Function<Context, ContrailStorage> storages;

    public ZipkinQueryApi(java.util.function.Function<Context, ContrailStorage> storages) {
        this.storages = storages;
    }

    /** A route's work; may throw what a storage call throws. */
    private interface ZipkinHandler {
        void handle(Context ctx) throws IOException;
    }

    public void addRoutes(RoutesConfig routes) {
        String api = PREFIX + "/api/v2";
        routes.get(api + "/services", ctx -> answer(ctx, this::services));
        routes.get(api + "/remoteServices", ctx -> answer(ctx, this::remoteServices));
        routes.get(api + "/spans", ctx -> answer(ctx, this::spanNames));
        routes.get(api + "/traces", ctx -> answer(ctx, this::traces));
        routes.get(api + "/trace/{traceId}", ctx -> answer(ctx, this::trace));
        routes.get(api + "/traceMany", ctx -> answer(ctx, this::traceMany));
        routes.get(api + "/dependencies", ctx -> answer(ctx, this::dependencies));
        routes.get(api + "/autocompleteKeys", ctx -> answer(ctx, this::autocompleteKeys));
        routes.get(api + "/autocompleteValues", ctx -> answer(ctx, this::autocompleteValues));
    }

    /**
     * Runs a route: a bad parameter is a 400 in plain text, as Zipkin answers; a query that DuckDB
     * refused or that timed out goes to the server's handler for {@link QueryException}.
     */
    private static void answer(Context ctx, ZipkinHandler handler) throws Exception {
        try {
            handler.handle(ctx);
        } catch (IllegalArgumentException e) {
            ctx.status(HttpStatus.BAD_REQUEST).contentType("text/plain; charset=utf-8").result(e.getMessage());
        } catch (IOException e) {
            if (e.getCause() instanceof QueryException query) {
                throw query;
            }
            throw e;
        }
    }

    private void services(Context ctx) throws IOException {
        ctx.json(storages.apply(ctx).serviceAndSpanNames().getServiceNames().execute());
    }

    private void remoteServices(Context ctx) throws IOException {
        ctx.json(storages.apply(ctx).serviceAndSpanNames().getRemoteServiceNames(required(ctx, "serviceName")).execute());
    }

    private void spanNames(Context ctx) throws IOException {
        ctx.json(storages.apply(ctx).serviceAndSpanNames().getSpanNames(required(ctx, "serviceName")).execute());
    }

    private void traces(Context ctx) throws IOException {
        Long endTs = wholeNumber(ctx, "endTs");
        Long lookback = wholeNumber(ctx, "lookback");
        Long limit = wholeNumber(ctx, "limit");
        if (limit != null && limit > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("limit=" + limit + ": too large");
        }
        QueryRequest request = QueryRequest.newBuilder()
                .serviceName(ctx.queryParam("serviceName"))
                .remoteServiceName(ctx.queryParam("remoteServiceName"))
                .spanName(ctx.queryParam("spanName"))
                .parseAnnotationQuery(ctx.queryParam("annotationQuery"))
                .minDuration(wholeNumber(ctx, "minDuration"))
                .maxDuration(wholeNumber(ctx, "maxDuration"))
                .endTs(endTs != null ? endTs : System.currentTimeMillis())
                .lookback(lookback != null ? lookback : DEFAULT_LOOKBACK_MILLIS)
                .limit(limit != null ? limit.intValue() : DEFAULT_LIMIT)
                .build();
        writeTraces(ctx, storages.apply(ctx).spanStore().getTraces(request).execute());
    }

    private void trace(Context ctx) throws IOException {
        String traceId = ctx.pathParam("traceId");
        List<Span> trace = storages.apply(ctx).traces().getTrace(traceIdParameter("traceId", traceId)).execute();
        if (trace.isEmpty()) {
            ctx.status(HttpStatus.NOT_FOUND).contentType("text/plain; charset=utf-8").result(traceId + " not found");
            return;
        }
        ctx.contentType(JSON).result(SpanBytesEncoder.JSON_V2.encodeList(trace));
    }

    private void traceMany(Context ctx) throws IOException {
        String traceIds = required(ctx, "traceIds");
        Set<String> ids = new LinkedHashSet<>();
        for (String traceId : traceIds.split(",", -1)) {
            ids.add(traceIdParameter("traceIds", traceId.strip()));
        }
        if (ids.size() > MAX_TRACE_IDS) {
            throw new IllegalArgumentException("traceIds names " + ids.size() + " traces; at most " + MAX_TRACE_IDS);
        }
        writeTraces(ctx, storages.apply(ctx).traces().getTraces(ids).execute());
    }

    private void dependencies(Context ctx) throws IOException {
        Long endTs = wholeNumber(ctx, "endTs");
        if (endTs == null) {
            throw new IllegalArgumentException("endTs parameter is required");
        }
        Long lookback = wholeNumber(ctx, "lookback");
        var links = storages.apply(ctx).spanStore().getDependencies(endTs, lookback != null ? lookback : DEFAULT_LOOKBACK_MILLIS)
                .execute();
        ctx.contentType(JSON).result(DependencyLinkBytesEncoder.JSON_V1.encodeList(links));
    }

    private void autocompleteKeys(Context ctx) throws IOException {
        ctx.json(storages.apply(ctx).autocompleteTags().getKeys().execute());
    }

    private void autocompleteValues(Context ctx) throws IOException {
        ctx.json(storages.apply(ctx).autocompleteTags().getValues(required(ctx, "key")).execute());
    }

    /** A list of traces as Zipkin writes it: a JSON array of span arrays, each encoded by zipkin2. */
    private static void writeTraces(Context ctx, List<List<Span>> traces) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write('[');
        for (int i = 0; i < traces.size(); i++) {
            if (i > 0) {
                body.write(',');
            }
            body.writeBytes(SpanBytesEncoder.JSON_V2.encodeList(traces.get(i)));
        }
        body.write(']');
        ctx.contentType(JSON).result(body.toByteArray());
    }

    private static String required(Context ctx, String parameter) {
        String value = ctx.queryParam(parameter);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(parameter + " parameter is required");
        }
        return value;
    }

    private static Long wholeNumber(Context ctx, String parameter) {
        String value = ctx.queryParam(parameter);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(parameter + "=" + value + ": not a whole number");
        }
    }

    /** Zipkin's trace ID rules (1 to 32 lower-hex digits, not all zeros), accepting upper case. */
    private static String traceIdParameter(String parameter, String traceId) {
        try {
            return Span.normalizeTraceId(traceId.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(parameter + "=" + traceId + ": " + e.getMessage());
        }
    }
}
