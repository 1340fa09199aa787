package io.contrail.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.Code;
import com.google.rpc.Status;
import io.contrail.columnar.SpanSink;
import io.contrail.columnar.Store;
import io.contrail.http.zipkin.ContrailStorage;
import io.contrail.http.zipkin.ZipkinQueryApi;
import io.contrail.http.jaeger.JaegerApi;
import io.contrail.ingest.AcceptedSpans;
import io.contrail.ingest.RequestFormat;
import io.contrail.ingest.IngestException;
import io.contrail.ingest.OtlpEncoding;
import io.contrail.ingest.OtlpResponses;
import io.contrail.ingest.SpanReceiver;
import io.contrail.ingest.sampling.TailSampler;
import io.contrail.query.PropagationQueries;
import io.contrail.query.QueryEngine;
import io.contrail.query.QueryException;
import io.contrail.query.QueryResult;
import io.contrail.query.ServiceGraph;
import io.contrail.query.SpanFilter;
import io.contrail.query.TimeParameters;
import io.contrail.query.TimeWindow;
import io.contrail.query.TraceQueries;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.MethodNotAllowedResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Contrail HTTP server: OTLP/HTTP and Zipkin receivers, the SQL and trace APIs, health, the web UI;
 * and the OTLP/gRPC receiver on a port of its own, started and stopped with it.
 * Owns the {@link Store} (the data folder: write side and files) and the {@link QueryEngine} (read side)
 * over its files. Start with {@link #start(ServerConfig)}; {@link #close()} flushes and stops.
 */
public final class ContrailServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ContrailServer.class);
    static final String ARROW_STREAM = "application/vnd.apache.arrow.stream";
    static final String CSV = "text/csv";

    private final ServerConfig config;
    /** The data folder, claimed from before anything in it is touched until close. */
    private final Store store;
    /** Null when every span is kept. */
    private final TailSampler sampler;
    private final QueryEngine engine;
    private final SpanReceiver receiver;
    /** Reads HTTP ingest bodies, bounded in size, total bytes and time, before a permit is taken. */
    private final IngestBodies bodies;
    private final TraceQueries traces;
    private final PropagationQueries propagation;
    private final ContrailStorage zipkin;
    private final Javalin app;
    /** Null when OTLP/gRPC is turned off; set once by {@link #start}, read by whichever thread closes. */
    private volatile OtlpGrpcReceiver grpc;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    /** Shared by the HTTP and gRPC receivers: a request that cannot get a permit soon is refused, retry later. */
    private final IngestPermits ingestPermits = new IngestPermits(DEFAULT_MAX_CONCURRENT_INGEST_REQUESTS);
    public static final int DEFAULT_MAX_CONCURRENT_INGEST_REQUESTS = 16;
    private ContrailServer(ServerConfig config, Store store) throws IOException {
        this.config = config;
        this.store = store;
        this.sampler = store.sampler(TailSampler.class).orElse(null);
        this.engine = QueryEngine.open(config.query(), store.files());
        this.receiver = new SpanReceiver(store.sink(), config.maxBodyBytes());
        this.bodies = new IngestBodies(config.maxBodyBytes(), config.bodies());
        this.traces = new TraceQueries(engine);
        this.propagation = new PropagationQueries(engine);
        this.zipkin = ContrailStorage.newBuilder(receiver, engine).build();
        this.app = Javalin.create(javalin -> {
            javalin.jetty.host = config.host();
            javalin.jetty.port = config.port();
            javalin.startup.showJavalinBanner = false;
            // A known path asked with another method is 405 with Allow, not 404 (RFC 9110 §15.5.6).
            javalin.http.prefer405over404 = true;
            javalin.routes.post("/v1/traces", this::otlpTraces);
            javalin.routes.post("/api/v2/spans", this::zipkinSpans);
            javalin.routes.post(ZipkinQueryApi.PREFIX + "/api/v2/spans", this::zipkinSpans);
            new ZipkinQueryApi(zipkin).addRoutes(javalin.routes);
            javalin.routes.post("/api/sql", this::sql);
            javalin.routes.get("/api/traces/{traceId}", this::trace);
            javalin.routes.get("/api/services", ctx -> ctx.json(Map.of("services", traces.services())));
            javalin.routes.get("/api/services/{service}/operations",
                    ctx -> ctx.json(Map.of("operations", traces.operations(ctx.pathParam("service")))));
            javalin.routes.get("/api/search", this::search);
            javalin.routes.get("/api/propagation",
                    ctx -> ctx.json(propagation.report(time(ctx, "start"), time(ctx, "end"))));
            javalin.routes.get("/api/sampling", this::sampling);
            new DashboardApi(engine).register(javalin.routes);
            new JaegerApi(traces, new ServiceGraph(engine)).register(javalin.routes);
            javalin.routes.get("/health", this::health);
            WebUi.register(javalin);
            javalin.routes.exception(IllegalArgumentException.class,
                    (e, ctx) -> error(ctx, HttpStatus.BAD_REQUEST, e.getMessage()));
            javalin.routes.exception(QueryException.class, (e, ctx) -> queryError(ctx, e));
            javalin.routes.exception(MethodNotAllowedResponse.class, (e, ctx) -> methodNotAllowed(ctx));
            javalin.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
                // The exception's message may name server files; the log has it, the client gets its kind only.
                error(ctx, HttpStatus.INTERNAL_SERVER_ERROR, "internal error (" + e.getClass().getSimpleName()
                        + "); the server's log has the details");
            });
        });
    }

    /** Every route as {@code METHOD path}, as registered; for the tests that hold docs and code together. */
    List<String> routes() {
        return app.unsafe.internalRouter.allHttpHandlers().stream()
                .map(route -> route.endpoint.method.name() + " " + route.endpoint.path).toList();
    }

    /** 405 naming the methods the path does answer, in {@code Allow} and in the body. */
    private void methodNotAllowed(Context ctx) {
        java.util.SortedSet<String> allowed = new java.util.TreeSet<>();
        for (var route : app.unsafe.internalRouter.allHttpHandlers()) {
            if (route.endpoint.method.isHttpMethod() && route.matches(ctx.path())) {
                allowed.add(route.endpoint.method.name());
            }
        }
        String allow = String.join(", ", allowed);
        ctx.header("Allow", allow);
        error(ctx, HttpStatus.METHOD_NOT_ALLOWED, ctx.method().name() + " is not allowed on " + ctx.path()
                + "; it answers " + allow);
    }

    /** Opens the data folder, recovers the write-ahead log and starts listening. */
    public static ContrailServer start(ServerConfig config) throws IOException {
        return start(config, "contrail serve");
    }

    /**
     * Like {@link #start(ServerConfig)}, described as {@code holder} (e.g. {@code contrail demo}) to a
     * process refused the data folder while this server holds it ({@link DataFolderLock}).
     */
    public static ContrailServer start(ServerConfig config, String holder) throws IOException {
        Store.Builder opening = Store.builder(config.store()).holder(holder).decoder(RequestFormat.DECODER)
                .longestRead(config.query().queryTimeout());
        if (config.sampling() != null) {
            opening.sampler(dataDir -> new TailSampler(config.sampling(), dataDir));
        }
        Store store = opening.open();
        ContrailServer server;
        try {
            server = new ContrailServer(config, store);
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        try {
            server.app.start();
        } catch (RuntimeException e) {
            server.closeStores();
            throw new IOException("cannot listen on " + bracketed(config.host()) + ":" + config.port() + ": "
                    + bindFailure(config, e), e);
        }
        try {
            store.describe(server.baseUrl());
        } catch (IOException e) {
            LOG.warn("could not write this server's address into the data folder's lock file: {}", e.getMessage());
        }
        if (config.grpcPort() != ServerConfig.GRPC_DISABLED) {
            try {
                server.grpc = OtlpGrpcReceiver.start(config.host(), config.grpcPort(), server.receiver,
                        server.ingestPermits);
            } catch (IOException e) {
                server.close();
                throw e;
            }
        }
        return server;
    }

    /**
     * Why binding failed, in the user's terms. Javalin reports every bind failure as "Port already in
     * use", even for an address this machine does not have; the socket's own exception says which.
     */
    private static String bindFailure(ServerConfig config, RuntimeException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof java.net.BindException bind) {
                String reason = bind.getMessage() == null ? "" : bind.getMessage();
                if (reason.contains("Cannot assign requested address")) {
                    return "the host " + config.host() + " is not an address of this machine (--host; "
                            + "use 127.0.0.1 for this machine only, or 0.0.0.0 for every interface)";
                }
                if (reason.contains("Address already in use")) {
                    return "port " + config.port() + " is already in use by another process (--port; 0 picks a free one)";
                }
                return reason;
            }
            if (cause instanceof java.nio.channels.UnresolvedAddressException) {
                return "the host " + config.host() + " cannot be resolved (--host)";
            }
        }
        return e.getMessage();
    }

    /** The port listened on (the chosen one when configured with port 0). */
    public int port() {
        return app.port();
    }

    /** The OTLP/gRPC port listened on (the chosen one when configured with 0); -1 when turned off. */
    public int grpcPort() {
        return grpc == null ? ServerConfig.GRPC_DISABLED : grpc.port();
    }

    /** Where OTLP/gRPC exporters on this machine send, as {@code host:port}; null when turned off. */
    public String grpcAddress() {
        return grpc == null ? null : clientHost() + ":" + grpc.port();
    }

    /** The address OTLP/gRPC is bound to, as {@code host:port} ({@code 0.0.0.0:4317} for every interface); null when off. */
    public String grpcBindAddress() {
        return grpc == null ? null : bracketed(config.host()) + ":" + grpc.port();
    }

    /** The address HTTP is bound to, as a URL: {@code http://0.0.0.0:4318} when it listens on every interface. */
    public String bindUrl() {
        return "http://" + bracketed(config.host()) + ":" + port();
    }

    /**
     * Whether the server can be reached from other machines: bound to a wildcard address or to one that
     * is not a loopback address. Nothing authenticates its clients, so this is worth a warning.
     */
    public boolean reachableBeyondThisMachine() {
        try {
            return !java.net.InetAddress.getByName(config.host()).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return true;
        }
    }

    private static String bracketed(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    /** The host a client on this machine connects to: the bound one, or loopback when bound to every interface. */
    private String clientHost() {
        String host = bracketed(config.host());
        return host.equals("0.0.0.0") || host.equals("[::]") || host.equals("[0:0:0:0:0:0:0:0]") ? "127.0.0.1" : host;
    }

    /** The permits every receiver takes; package-private so tests can hold them all. */
    IngestPermits ingestPermits() {
        return ingestPermits;
    }

    /** The URL a client on this machine uses (loopback when bound to every interface); see {@link #bindUrl()}. */
    public String baseUrl() {
        return "http://" + clientHost() + ":" + port();
    }

    /** The data folder this server keeps. */
    public Store store() {
        return store;
    }

    public java.nio.file.Path dataDir() {
        return store.files().root();
    }

    public QueryEngine engine() {
        return engine;
    }

    // ---- ingest

    /** Answers an ingest request that failed, in the receiver's own error format. */
    private interface IngestErrors {
        void answer(Context ctx, int status, String message, int retryAfterSeconds);
    }

    /**
     * Decodes and stores one request's body (already read whole), answering success in the receiver's
     * format; a refusal it throws (bad input, overload, storage failing) is answered by {@link #ingest}.
     */
    private interface IngestHandler {
        void handle(Context ctx, java.io.InputStream body) throws IOException;
    }

    /**
     * Reads the body whole ({@link IngestBodies}: bounded in size, in bytes in flight and in time),
     * only then takes an ingest permit and hands the body to {@code handler}: a client that sends
     * slowly holds its own thread and bytes, never a permit the others need. A body that does not
     * arrive is the client's fault (408/400), never a storage error.
     */
    private void ingest(Context ctx, IngestErrors errors, IngestHandler handler) throws Exception {
        IngestBodies.Body body;
        try {
            body = bodies.read(ctx);
        } catch (IngestException e) {
            LOG.debug("{} {} from {}: {}", ctx.method(), ctx.path(), ctx.ip(), e.getMessage());
            errors.answer(ctx, e.httpStatus(), e.getMessage(), 0);
            return;
        } catch (IngestBodies.BudgetExhausted e) {
            errors.answer(ctx, 503, e.getMessage(), IngestPermits.RETRY_AFTER_SECONDS_WHEN_BUSY);
            return;
        }
        try (body) {
            if (!ingestPermits.tryAcquire()) {
                errors.answer(ctx, 503, ingestPermits.refusalMessage(), IngestPermits.RETRY_AFTER_SECONDS_WHEN_BUSY);
                return;
            }
            try {
                handler.handle(ctx, body.stream());
            } catch (IngestException e) {
                errors.answer(ctx, e.httpStatus(), e.getMessage(), 0);
            } catch (SpanSink.OverloadedException e) {
                errors.answer(ctx, 503, e.getMessage(), e.retryAfterSeconds());
            } catch (IOException e) {
                LOG.error("storing spans failed: {}", describe(e));
                errors.answer(ctx, 503, "spans could not be stored: " + describe(e),
                        IngestPermits.RETRY_AFTER_SECONDS_WHEN_STORAGE_FAILS);
            } finally {
                ingestPermits.release();
            }
        }
    }

    private void otlpTraces(Context ctx) throws Exception {
        OtlpEncoding encoding;
        try {
            encoding = OtlpEncoding.ofContentType(ctx.contentType());
        } catch (IngestException e) {
            otlpError(ctx, OtlpEncoding.JSON, e.httpStatus(), e.getMessage(), 0);
            return;
        }
        IngestErrors errors = (c, status, message, retryAfter) -> otlpError(c, encoding, status, message, retryAfter);
        ingest(ctx, errors, (c, body) -> {
            AcceptedSpans decoded = receiver.receiveOtlp(encoding, body, c.header("Content-Encoding"));
            c.status(HttpStatus.OK).contentType(encoding.contentType())
                    .result(OtlpResponses.encode(decoded.toResponse(), encoding));
        });
    }

    private void zipkinSpans(Context ctx) throws Exception {
        String type = ctx.contentType() == null ? "application/json"
                : ctx.contentType().split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!type.equals("application/json")) {
            error(ctx, HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported Content-Type '" + ctx.contentType()
                    + "'; /api/v2/spans accepts Zipkin v2 JSON (application/json)");
            return;
        }
        IngestErrors errors = (c, status, message, retryAfter) -> {
            if (retryAfter > 0) {
                c.header("Retry-After", String.valueOf(retryAfter));
            }
            error(c, HttpStatus.forStatus(status), message);
        };
        ingest(ctx, errors, (c, body) -> {
            AcceptedSpans decoded = receiver.receiveZipkin(body, c.header("Content-Encoding"));
            if (decoded.fullyAccepted()) {
                c.status(HttpStatus.ACCEPTED);
            } else {
                c.status(HttpStatus.ACCEPTED).json(Map.of("acceptedSpans", decoded.acceptedSpans(),
                        "rejectedSpans", decoded.rejectedSpans(), "error", decoded.errorMessage()));
            }
        });
    }

    /** An I/O failure's message, or its type when it has none (a closed channel, say). */
    private static String describe(IOException e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** OTLP/HTTP failures carry a google.rpc.Status in the request's encoding (OTLP specification). */
    private static void otlpError(Context ctx, OtlpEncoding encoding, int status, String message, int retryAfterSeconds) {
        Code code = switch (status) {
            case 413 -> Code.RESOURCE_EXHAUSTED;
            case 408 -> Code.DEADLINE_EXCEEDED;
            case 503 -> Code.UNAVAILABLE;
            case 415 -> Code.UNIMPLEMENTED;
            default -> Code.INVALID_ARGUMENT;
        };
        Status body = Status.newBuilder().setCode(code.getNumber()).setMessage(message).build();
        if (retryAfterSeconds > 0) {
            ctx.header("Retry-After", String.valueOf(retryAfterSeconds));
        }
        ctx.status(status).contentType(encoding.contentType());
        if (encoding == OtlpEncoding.PROTOBUF) {
            ctx.result(body.toByteArray());
        } else {
            try {
                ctx.result(JsonFormat.printer().omittingInsignificantWhitespace().print(body)
                        .getBytes(StandardCharsets.UTF_8));
            } catch (InvalidProtocolBufferException e) {
                ctx.result(message);
            }
        }
    }

    // ---- query

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
        var trace = traces.trace(ctx.pathParam("traceId"));
        if (trace.isEmpty()) {
            error(ctx, HttpStatus.NOT_FOUND, "trace " + ctx.pathParam("traceId") + " not found");
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
        ctx.json(Map.of("traces", traces.search(request)));
    }

    /** A time parameter (RFC 3339 or epoch digits) in Unix nanoseconds; null when absent or blank. */
    static Long time(Context ctx, String parameter) {
        String value = blankToNull(ctx.queryParam(parameter));
        return value == null ? null : TimeParameters.parseTimeNanos(parameter, value);
    }

    static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private void health(Context ctx) throws IOException {
        Store.Health health = store.check();
        Store.Stats stats = store.stats();
        var w = stats.writes();
        var compaction = stats.compaction();
        SpanReceiver.Stats r = receiver.stats();
        Map<String, Object> body = new LinkedHashMap<>();
        // Degraded: acknowledged spans are not reaching Parquet now, or some were set aside (until removed).
        body.put("status", health.ok() ? "ok" : "degraded");
        body.put("reasons", health.reasons());
        body.put("quarantinedFiles", w.quarantinedFiles());
        body.put("spansQuarantined", w.spansQuarantined());
        body.put("spansAccepted", r.spansAccepted());
        body.put("spansRejected", r.spansRejected());
        body.put("requestsRefused", r.requestsRefused());
        body.put("spansBuffered", w.bufferedSpans());
        body.put("spansBufferLimit", config.store().writes().maxBufferedSpans());
        body.put("spansHeldForSampling", w.heldForSampling());
        body.put("attributeColumns", w.attributeColumns());
        body.put("attributeColumnsLimit", config.store().writes().maxAttributeColumns());
        body.put("attributeKeysOverflowed", w.attributeKeysOverflowed());
        body.put("spansRecoveredOnStart", w.spansReplayed());
        body.put("walBytes", w.walBytes());
        body.put("walFsyncs", w.walFsyncs());
        body.put("files", stats.liveFiles());
        body.put("compactions", compaction.merges());
        body.put("spansCompacted", compaction.spansMerged());
        body.put("flushedSpansCompacted", compaction.flushedSpansMerged());
        body.put("compactionRewritesPerSpan", compaction.rewritesPerFlushedSpan());
        body.put("compactionThrottledMillis", compaction.throttledMillis());
        body.put("compactionPending", stats.pendingMerges());
        body.put("lastCompactionError", compaction.lastError());
        body.put("retentionCutoff", stats.retentionCutoff());
        body.put("filesWritten", w.filesWritten());
        body.put("parquetBytesWritten", w.parquetBytesWritten());
        body.put("lastFlush", w.lastFlush() == null ? null : w.lastFlush().toString());
        body.put("flushFailures", w.flushFailures());
        body.put("lastFlushError", w.lastFlushError());
        body.put("time", Instant.now().toString());
        ctx.json(body);
    }

    /** The sampling policies in force and what they kept and dropped, per hour, service and policy. */
    private void sampling(Context ctx) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("enabled", sampler != null);
        if (sampler == null) {
            body.put("description", "no sampling file: every span is kept with its upstream weight");
            ctx.json(body);
            return;
        }
        body.put("config", sampler.config());
        body.put("spansHeld", sampler.heldSpans());
        body.put("tracesDecidedEarly", sampler.stats().decidedEarly());
        body.put("lateSpansKept", sampler.stats().lateSpansKept());
        body.put("lateSpansDropped", sampler.stats().lateSpansDropped());
        body.put("counts", sampler.stats().rows());
        ctx.json(body);
    }

    private static void queryError(Context ctx, QueryException e) {
        HttpStatus status = e.reason() == QueryException.Reason.TIMEOUT ? HttpStatus.REQUEST_TIMEOUT : HttpStatus.BAD_REQUEST;
        ctx.status(status).json(Map.of("error", e.getMessage(), "reason", e.reason().name().toLowerCase(Locale.ROOT)));
    }

    private static void error(Context ctx, HttpStatus status, String message) {
        ctx.status(status).json(Map.of("error", message == null ? status.getMessage() : message));
    }

    private void closeStores() {
        engine.close();
        store.close();
    }

    /** Stops accepting requests, flushes buffered spans to Parquet, and closes the stores. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            app.stop();
            if (grpc != null) {
                grpc.stop();
            }
            closeStores();
        }
    }

    static List<String> exampleQueries() {
        return List.of(
                "SELECT service_name, count(*) AS spans, round(100.0 * avg((status_code = 'ERROR')::INT), 2) AS error_pct "
                        + "FROM spans GROUP BY 1 ORDER BY spans DESC",
                "SELECT service_name, name, round(quantile_cont(duration_nanos / 1e6, 0.99), 2) AS p99_ms "
                        + "FROM spans WHERE kind = 'SERVER' GROUP BY ALL ORDER BY p99_ms DESC LIMIT 10",
                "SELECT \"attr.http.route\" AS route, count(*) AS errors FROM spans "
                        + "WHERE status_code = 'ERROR' AND \"attr.http.route\" IS NOT NULL GROUP BY 1 ORDER BY 2 DESC");
    }
}
