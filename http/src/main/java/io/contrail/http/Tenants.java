package io.contrail.http;

import io.contrail.columnar.Store;
import io.contrail.columnar.StoreConfig;
import io.contrail.http.auth.AccessTokens;
import io.contrail.http.auth.TenantSettings;
import io.contrail.http.auth.TokenFile;
import io.contrail.ingest.Admission;
import io.contrail.ingest.RequestFormat;
import io.contrail.ingest.TenantLimitedSink;
import io.contrail.ingest.sampling.TailSampler;
import io.contrail.query.QueryEngine;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The server's tenants. The default tenant (no tenant named) keeps its spans in the data folder itself, as a
 * server without tenants always has; a named tenant in {@code tenants/NAME} inside it, a data folder of its own
 * with its own write-ahead log, span files, compaction, retention ({@code retention} in the auth file's
 * {@code tenants:} section) and buffer, opened on its first request (and at start for every folder already
 * there). Its query engine may read only its own span files; the default tenant's only the data folder's
 * {@code spans/} and {@code sampling/}, which hold no other tenant's files.
 *
 * <p>Which tenant a request is for ({@link #resolve}): with {@code --auth}, the token's tenant; without, the
 * {@value #HEADER} header (Tempo's, Loki's and Mimir's), else the default tenant.
 */
final class Tenants implements AutoCloseable {

    /** The folder inside the data folder that holds the named tenants' data folders. */
    static final String FOLDER = "tenants";
    /** The header that names a tenant without --auth (and must agree with the token's tenant with it). */
    static final String HEADER = "X-Scope-OrgID";
    static final io.grpc.Metadata.Key<String> GRPC_HEADER =
            io.grpc.Metadata.Key.of("x-scope-orgid", io.grpc.Metadata.ASCII_STRING_MARSHALLER);
    /** The tenant of an OTLP/gRPC call, set by the interceptor that read its metadata ({@link GrpcTenants}). */
    static final io.grpc.Context.Key<String> GRPC_TENANT = io.grpc.Context.key("contrail-tenant");
    /**
     * The most named tenants one server opens: each has its own store and query engine. Without --auth any
     * client may name one; with it the auth file names them.
     */
    static final int MAX_TENANTS = 100;
    private static final String ATTRIBUTE = "contrail.tenant";

    /** A request whose tenant cannot be served: its status and a message naming the header or token. */
    static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient HttpStatus status;

        Refused(HttpStatus status, String message) {
            super(message);
            this.status = status;
        }

        HttpStatus status() {
            return status;
        }

        io.grpc.Status grpcStatus() {
            io.grpc.Status.Code code = switch (status) {
                case FORBIDDEN -> io.grpc.Status.Code.PERMISSION_DENIED;
                case BAD_REQUEST -> io.grpc.Status.Code.INVALID_ARGUMENT;
                case TOO_MANY_REQUESTS -> io.grpc.Status.Code.RESOURCE_EXHAUSTED;
                default -> io.grpc.Status.Code.UNIMPLEMENTED;
            };
            return io.grpc.Status.fromCode(code).withDescription(getMessage());
        }
    }

    private final ServerConfig config;
    private final String holder;
    /** Null without --auth. */
    private final TokenFile tokens;
    private final Tenant root;
    private final Map<String, Tenant> named = new ConcurrentHashMap<>();
    private boolean closed;

    Tenants(ServerConfig config, String holder, TokenFile tokens, Tenant root) {
        this.config = config;
        this.holder = holder;
        this.tokens = tokens;
        this.root = root;
    }

    /** Opens the data folder of every tenant that has one, so their logs are recovered and their files kept. */
    void openExisting() throws IOException {
        for (String name : namesIn(config.store().dataDir())) {
            named(name);
        }
    }

    /** The tenants that have a folder in the data folder {@code dataDir}, by name. */
    static List<String> namesIn(Path dataDir) throws IOException {
        Path folder = dataDir.resolve(FOLDER);
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(folder)) {
            return children.filter(Files::isDirectory).map(child -> child.getFileName().toString())
                    .filter(name -> AccessTokens.TENANT.matcher(name).matches()).sorted().toList();
        }
    }

    /** For a message: {@code " (tenants: a, b)"}, or {@code " (it has no tenants)"}. */
    static String listed(Path dataDir) throws IOException {
        List<String> names = namesIn(dataDir);
        return names.isEmpty() ? " (it has no tenants)" : " (tenants: " + String.join(", ", names) + ")";
    }

    /** The default tenant: the data folder's own spans. */
    Tenant root() {
        return root;
    }

    /** Every open tenant, the default one first. */
    List<Tenant> all() {
        List<Tenant> all = new ArrayList<>();
        all.add(root);
        named.values().stream().sorted(java.util.Comparator.comparing(Tenant::name)).forEach(all::add);
        return all;
    }

    /** The tenant of an HTTP request, as {@link #assign} recorded it; the default one when none was. */
    Tenant of(Context ctx) {
        return named(ctx.attribute(ATTRIBUTE));
    }

    /** The tenant of the OTLP/gRPC call in progress ({@link #GRPC_TENANT}). */
    Tenant ofGrpcCall() {
        return named(GRPC_TENANT.get());
    }

    /** The tenant named {@code name} (null: the default one), its data folder opened on first use. */
    Tenant named(String name) {
        if (name == null) {
            return root;
        }
        Tenant open = named.get(name);
        return open != null ? open : open(name);
    }

    private synchronized Tenant open(String name) {
        Tenant open = named.get(name);
        if (open != null) {
            return open;
        }
        if (closed) {
            throw new Refused(HttpStatus.SERVICE_UNAVAILABLE, "the server is stopping");
        }
        if (config.lake() != null) {
            throw new Refused(HttpStatus.NOT_IMPLEMENTED, "tenant '" + name + "': this node writes a shared table "
                    + "(--storage), which keeps the default tenant only; send without " + HEADER
                    + " (or with a token without a tenant)");
        }
        if (named.size() >= MAX_TENANTS) {
            throw new Refused(HttpStatus.TOO_MANY_REQUESTS, "tenant '" + name + "': this server keeps at most "
                    + MAX_TENANTS + " tenants and has them all");
        }
        try {
            Tenant tenant = openTenant(name);
            named.put(name, tenant);
            return tenant;
        } catch (IOException e) {
            throw new UncheckedIOException("tenant '" + name + "': its data folder cannot be opened: " + e.getMessage(), e);
        }
    }

    private Tenant openTenant(String name) throws IOException {
        TenantSettings settings = tokens == null ? TenantSettings.NONE : tokens.tenant(name);
        StoreConfig storeConfig = config.store().withWrites(w -> {
            var own = w.withDataDir(config.store().dataDir().resolve(FOLDER).resolve(name));
            return settings.maxBufferedBytes() > 0 ? own.withMaxBufferedBytes(settings.maxBufferedBytes()) : own;
        });
        if (settings.retention() != null) {
            storeConfig = storeConfig.withRetention(r -> r.withMaxAge(settings.retention()));
        }
        Store store = openStore(config, storeConfig, holder);
        QueryEngine engine = null;
        try {
            engine = QueryEngine.open(config.query().withDataDir(store.files().root()), store.files());
            Admission admission = new Admission(new TenantLimitedSink(name, store.sink(),
                    () -> tokens == null ? 0 : tokens.tenant(name).maxSpansPerSecond()),
                    config.maxBodyBytes(), root.admission().permits());
            return Tenant.over(name, store, null, engine, admission);
        } catch (IOException | RuntimeException e) {
            if (engine != null) {
                engine.close();
            }
            store.close();
            throw e;
        }
    }

    /** Opens a data folder as the server does every tenant's: its log recovered, its sampler (if any) attached. */
    static Store openStore(ServerConfig config, StoreConfig storeConfig, String holder) throws IOException {
        Store.Builder opening = Store.builder(storeConfig).holder(holder).decoder(RequestFormat.DECODER)
                .longestRead(config.query().queryTimeout());
        if (config.sampling() != null) {
            opening.sampler(dataDir -> new TailSampler(config.sampling(), dataDir));
        }
        return opening.open();
    }

    /**
     * The tenant a request is for. With tokens ({@code withTokens}): the token's ({@code tokenTenant}; null, the
     * default tenant), and a {@value #HEADER} naming another is refused 403. Without: the header's, checked.
     *
     * @throws Refused 400 for a header that is not a tenant name, 403 for one the token does not belong to
     */
    static String resolve(boolean withTokens, String tokenTenant, String header) {
        String asked = header == null || header.isBlank() ? null : header.strip();
        if (withTokens) {
            if (asked != null && !asked.equals(tokenTenant)) {
                throw new Refused(HttpStatus.FORBIDDEN, HEADER + ": this token belongs to "
                        + (tokenTenant == null ? "the default tenant" : "tenant '" + tokenTenant + "'")
                        + ", not to the tenant the header names");
            }
            return tokenTenant;
        }
        if (asked != null && !AccessTokens.TENANT.matcher(asked).matches()) {
            throw new Refused(HttpStatus.BAD_REQUEST, HEADER + ": a tenant's name must be " + AccessTokens.TENANT_RULE);
        }
        return asked;
    }

    /**
     * Records the tenant of an HTTP request for {@link #of} ({@link #resolve}); when it cannot be served, answers
     * the refusal as {@code {"error": "..."}}, skips every other handler and returns false.
     */
    static boolean assign(Context ctx, boolean withTokens, String tokenTenant) {
        try {
            ctx.attribute(ATTRIBUTE, resolve(withTokens, tokenTenant, ctx.header(HEADER)));
            return true;
        } catch (Refused refused) {
            ErrorAnswers.error(ctx, refused.status(), refused.getMessage());
            ctx.skipRemainingHandlers();
            return false;
        }
    }

    /** Closes every named tenant, then the default one. */
    @Override
    public void close() {
        List<Tenant> open;
        synchronized (this) {
            closed = true;
            open = new ArrayList<>(named.values());
        }
        for (Tenant tenant : open) {
            tenant.close();
        }
        root.close();
    }
}
