package io.contrail.http;

import io.contrail.columnar.Store;
import io.contrail.http.auth.TokenFile;
import io.contrail.http.flight.FlightSqlEndpoint;
import io.contrail.http.tls.ServerCertificate;
import io.contrail.http.jaeger.JaegerApi;
import io.contrail.http.tempo.TempoApi;
import io.contrail.http.zipkin.ZipkinQueryApi;
import io.contrail.ingest.Admission;
import io.contrail.ingest.IngestPermits;
import io.contrail.lake.Lake;
import io.contrail.query.QueryEngine;
import io.contrail.query.QueryException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.MethodNotAllowedResponse;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Contrail HTTP server: OTLP/HTTP and Zipkin receivers, the SQL and trace APIs, health, the web UI;
 * and, each on a port of its own, started and stopped with it, the OTLP/gRPC receiver and the Arrow Flight SQL
 * endpoint ({@link FlightSqlEndpoint}).
 * Owns the {@link Store} (the data folder: write side and files) and the {@link QueryEngine} (read side)
 * over its files. Start with {@link #start(ServerConfig)}; {@link #close()} flushes and stops.
 */
public final class ContrailServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ContrailServer.class);
    /** This build's version, as {@code --version} and Flight SQL's {@code GetSqlInfo} say it. */
    public static final String VERSION = "0.1.0";
    static final String ARROW_STREAM = "application/vnd.apache.arrow.stream";
    static final String CSV = "text/csv";

    private final ServerConfig config;
    /**
     * The default tenant (the data folder, claimed from before anything in it is touched until close, and the
     * shared table when there is one) and the named ones; every route answers for its request's tenant.
     */
    private final Tenants tenants;
    private final ServerMetrics metrics;
    /** The tokens requests must carry; null without --auth. */
    private final TokenFile tokens;
    private final Javalin app;
    /** Null when OTLP/gRPC is turned off; set once by {@link #start}, read by whichever thread closes. */
    private volatile OtlpGrpcReceiver grpc;
    /** Null when Flight SQL is turned off; set once by {@link #start}, read by whichever thread closes. */
    private volatile FlightSqlEndpoint flight;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private ContrailServer(ServerConfig config, String holder, Store store, Lake lake, TokenFile tokens) throws IOException {
        this.config = config;
        this.tokens = tokens;
        // With a lake, queries read the table's files (cached in the data folder) instead of the folder's own.
        var read = lake == null ? store.files() : lake.files();
        QueryEngine engine = QueryEngine.open(config.query().withDataDir(read.root()), read);
        Admission admission = new Admission(lake == null ? store.sink() : lake.sink(), config.maxBodyBytes());
        this.tenants = new Tenants(config, holder, tokens, Tenant.over(null, store, lake, engine, admission));
        this.metrics = new ServerMetrics(tenants::all, tokens);
        IngestBodies bodies = new IngestBodies(config.maxBodyBytes(), config.bodies());
        this.app = Javalin.create(javalin -> {
            javalin.jetty.host = config.host();
            javalin.jetty.port = config.port();
            if (config.tls() != null) {
                javalin.jetty.addConnector((server, http) -> httpsConnector(server, http, config));
            }
            javalin.startup.showJavalinBanner = false;
            // A known path asked with another method is 405 with Allow, not 404 (RFC 9110 §15.5.6).
            javalin.http.prefer405over404 = true;
            javalin.requestLogger.http(metrics::requestAnswered);
            if (tokens != null) {
                RouteAccess access = new RouteAccess(tokens, this::router);
                javalin.routes.before(access::check);
            } else {
                javalin.routes.before(ctx -> Tenants.assign(ctx, false, null));
            }
            new IngestRoutes(tenants, bodies).register(javalin.routes);
            new ZipkinQueryApi(ctx -> tenants.of(ctx).zipkin()).addRoutes(javalin.routes);
            new QueryRoutes(tenants, metrics::sqlAnswerCut).register(javalin.routes);
            new StatusRoutes(config, tenants, metrics).register(javalin.routes);
            new DashboardApi(tenants).register(javalin.routes);
            new JaegerApi(ctx -> tenants.of(ctx).traces(), ctx -> tenants.of(ctx).graph()).register(javalin.routes);
            new TempoApi(ctx -> tenants.of(ctx).traces(), ctx -> tenants.of(ctx).engine(), VERSION).register(javalin.routes);
            WebUi.register(javalin);
            javalin.routes.exception(Tenants.Refused.class,
                    (e, ctx) -> ErrorAnswers.error(ctx, e.status(), e.getMessage()));
            javalin.routes.exception(IllegalArgumentException.class,
                    (e, ctx) -> ErrorAnswers.error(ctx, HttpStatus.BAD_REQUEST, e.getMessage()));
            javalin.routes.exception(QueryException.class, (e, ctx) -> queryError(ctx, e));
            javalin.routes.exception(MethodNotAllowedResponse.class, (e, ctx) -> methodNotAllowed(ctx));
            javalin.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
                // The exception's message may name server files; the log has it, the client gets its kind only.
                ErrorAnswers.error(ctx, HttpStatus.INTERNAL_SERVER_ERROR, "internal error (" + e.getClass().getSimpleName()
                        + "); the server's log has the details");
            });
        });
    }

    /**
     * The one connector of a server with {@code --tls-cert}: HTTPS only, so a token never crosses the wire in
     * plain text. A plain-HTTP request to it fails its TLS handshake and the connection is closed.
     */
    private static ServerConnector httpsConnector(Server server, HttpConfiguration http, ServerConfig config) {
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStore(config.tls().keyStore());
        tls.setKeyStorePassword(config.tls().keyStorePassword());
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        // One certificate, so there is none to choose by name: a client that reached the server by a name the
        // certificate lacks and skipped checking it (curl -k) is answered rather than refused with 400.
        secure.setSniHostCheck(false);
        http.addCustomizer(secure);
        ServerConnector connector = new ServerConnector(server,
                new SslConnectionFactory(tls, HttpVersion.HTTP_1_1.asString()), new HttpConnectionFactory(http));
        connector.setHost(config.host());
        connector.setPort(config.port());
        return connector;
    }

    private io.javalin.router.InternalRouter router() {
        return app.unsafe.internalRouter;
    }

    /** Every route as {@code METHOD path}, as registered; for the tests that hold docs and code together. */
    List<String> routes() {
        return app.unsafe.internalRouter.allHttpHandlers().stream()
                .filter(route -> route.endpoint.method.isHttpMethod())
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
        ErrorAnswers.error(ctx, HttpStatus.METHOD_NOT_ALLOWED, ctx.method().name() + " is not allowed on " + ctx.path()
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
        // A bad auth file is refused before the data folder is touched.
        TokenFile tokens = config.authFile() == null ? null : TokenFile.watch(config.authFile());
        try {
            return start(config, holder, tokens);
        } catch (IOException | RuntimeException e) {
            if (tokens != null) {
                tokens.close();
            }
            throw e;
        }
    }

    private static ContrailServer start(ServerConfig config, String holder, TokenFile tokens) throws IOException {
        Store store = Tenants.openStore(config, config.store(), holder);
        Lake lake = null;
        ContrailServer server;
        try {
            lake = config.lake() == null ? null : Lake.open(config.lake(), store);
            server = new ContrailServer(config, holder, store, lake, tokens);
        } catch (IOException | RuntimeException e) {
            if (lake != null) {
                lake.close();
            }
            store.close();
            throw e;
        }
        try {
            server.tenants.openExisting();
        } catch (IOException | RuntimeException e) {
            server.closeStores();
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
                server.grpc = OtlpGrpcReceiver.start(config.host(), config.grpcPort(),
                        () -> server.tenants.ofGrpcCall().admission(), config.maxBodyBytes(), new GrpcTenants(tokens),
                        config.tls());
            } catch (IOException e) {
                server.close();
                throw e;
            }
        }
        if (config.flightPort() != ServerConfig.FLIGHT_DISABLED) {
            try {
                server.flight = FlightSqlEndpoint.start(new FlightSqlEndpoint.Settings(config.host(), config.flightPort(),
                        config.tls(), config.maxBodyBytes(), "Contrail", VERSION, config.query().queryTimeout()),
                        new FlightTenants(tokens, server.tenants));
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

    /** The Flight SQL port listened on (the chosen one when configured with 0); -1 when turned off. */
    public int flightPort() {
        return flight == null ? ServerConfig.FLIGHT_DISABLED : flight.port();
    }

    /**
     * Where Flight SQL clients on this machine connect, as ADBC and Flight clients write it: {@code grpc://HOST:PORT},
     * {@code grpc+tls://HOST:PORT} with TLS; null when turned off.
     */
    public String flightUri() {
        return flight == null ? null : flightScheme() + clientHost() + ":" + flight.port();
    }

    /** The address Flight SQL is bound to, as {@code grpc://0.0.0.0:4319} for every interface; null when off. */
    public String flightBindUri() {
        return flight == null ? null : flightScheme() + bracketed(config.host()) + ":" + flight.port();
    }

    private String flightScheme() {
        return config.tls() == null ? "grpc://" : "grpc+tls://";
    }

    /** The address HTTP is bound to, as a URL: {@code http://0.0.0.0:4318} when it listens on every interface. */
    public String bindUrl() {
        return scheme() + bracketed(config.host()) + ":" + port();
    }

    /** {@code https://} with {@code --tls-cert}, else {@code http://}: on both ports, as the OTLP exporters write it. */
    public String scheme() {
        return config.tls() == null ? "http://" : "https://";
    }

    /** The certificate HTTPS and OTLP/gRPC present; null when they are plain. */
    public ServerCertificate tls() {
        return config.tls();
    }

    /** Whether requests must carry a token ({@code --auth}). */
    public boolean authenticates() {
        return tokens != null;
    }

    /** The tokens requests are checked against; null without --auth. */
    TokenFile tokens() {
        return tokens;
    }

    /**
     * Whether the server can be reached from other machines: bound to a wildcard address or to one that
     * is not a loopback address. Without {@code --auth} this is worth a warning.
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
        return tenants.root().admission().permits();
    }

    /** The URL a client on this machine uses (loopback when bound to every interface); see {@link #bindUrl()}. */
    public String baseUrl() {
        return scheme() + clientHost() + ":" + port();
    }

    /** The data folder this server keeps. */
    public Store store() {
        return tenants.root().store();
    }

    public java.nio.file.Path dataDir() {
        return store().files().root();
    }

    /** The default tenant's query engine. */
    public QueryEngine engine() {
        return tenants.root().engine();
    }

    /** The tenant {@code name} (null: the default one), opened when it is not yet. */
    Tenant tenant(String name) {
        return tenants.named(name);
    }

    private static void queryError(Context ctx, QueryException e) {
        HttpStatus status = e.reason() == QueryException.Reason.TIMEOUT ? HttpStatus.REQUEST_TIMEOUT : HttpStatus.BAD_REQUEST;
        ctx.status(status).json(Map.of("error", e.getMessage(), "reason", e.reason().name().toLowerCase(Locale.ROOT)));
    }

    /** The shared table this node is part of; null when it keeps its data folder alone. */
    public Lake lake() {
        return tenants.root().lake();
    }

    /**
     * Closes every tenant. A store flushes on close; a lake is closed before its store, so those files are
     * committed on the next start.
     */
    private void closeStores() {
        tenants.close();
    }

    /**
     * Stops accepting requests (HTTP, then OTLP/gRPC and Flight SQL, letting calls in flight finish), flushes
     * buffered spans to Parquet, and closes the stores.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            app.stop();
            if (grpc != null) {
                grpc.stop();
            }
            if (flight != null) {
                flight.stop();
            }
            closeStores();
            if (tokens != null) {
                tokens.close();
            }
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
