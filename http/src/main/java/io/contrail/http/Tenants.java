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
import io.contrail.lake.Lake;
import io.contrail.lake.LakeConfig;
import io.contrail.query.QueryEngine;
import io.grpc.Metadata;
import io.grpc.Status;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The server's tenants. The default tenant (no tenant named) keeps its spans in the data folder itself, as a
 * server without tenants always has; a named tenant in {@code tenants/NAME} inside it, a data folder of its own
 * with its own write-ahead log, span files, compaction, retention ({@code retention} in the auth file's
 * {@code tenants:} section) and buffer, created by its first ingest request (and opened at start for every
 * folder already there). A read for a tenant that has no folder creates none: it is answered from an engine
 * over no spans ({@link #reading}). Its query engine may read only its own span files; the default tenant's
 * only the data folder's {@code spans/} and {@code sampling/}, which hold no other tenant's files. In the cluster
 * mode a named tenant's spans go to a table of its own ({@link LakeConfig#forTenant}), read through its own cache.
 *
 * <p>Which tenant a request is for ({@link #resolve}): with {@code --auth}, the token's tenant; without, the
 * {@value #HEADER} header (Tempo's, Loki's and Mimir's), else the default tenant.
 */
final class Tenants implements AutoCloseable {

    /** The folder inside the data folder that holds the named tenants' data folders. */
    static final String FOLDER = "tenants";
    /** The header that names a tenant without --auth (and must agree with the token's tenant with it). */
    static final String HEADER = "X-Scope-OrgID";
    static final Metadata.Key<String> GRPC_HEADER = Metadata.Key.of("x-scope-orgid", Metadata.ASCII_STRING_MARSHALLER);
    /** The tenant of an OTLP/gRPC call, set by the interceptor that read its metadata ({@link GrpcTenants}). */
    static final io.grpc.Context.Key<String> GRPC_TENANT = io.grpc.Context.key("contrail-tenant");
    /**
     * The most named tenants one server opens: each has its own store and query engine. Without --auth any
     * client may name one; with it the auth file names them.
     */
    static final int MAX_TENANTS = 100;
    /** The folder, inside {@link #FOLDER}, of the engine over no spans that answers tenants without a folder. */
    private static final String NO_SPANS = ".none";
    private static final String ATTRIBUTE = "contrail.tenant";
    private static final Logger LOG = LoggerFactory.getLogger(Tenants.class);

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

        /** The same refusal over OTLP/gRPC; a server stopping is UNAVAILABLE, which exporters retry. */
        Status grpcStatus() {
            Status.Code code = switch (status) {
                case FORBIDDEN -> Status.Code.PERMISSION_DENIED;
                case BAD_REQUEST -> Status.Code.INVALID_ARGUMENT;
                case SERVICE_UNAVAILABLE -> Status.Code.UNAVAILABLE;
                default -> throw new IllegalStateException("no gRPC code for " + status);
            };
            return Status.fromCode(code).withDescription(getMessage());
        }
    }

    private final ServerConfig config;
    private final String holder;
    /** Null without --auth. */
    private final TokenFile tokens;
    private final Tenant root;
    private final Map<String, Tenant> named = new ConcurrentHashMap<>();
    /** The engine over no spans ({@link #reading}); opened on first use, null until then. */
    private QueryEngine noSpans;
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
            try {
                named(name);
            } catch (RuntimeException e) {
                // One tenant's folder that cannot be opened does not keep the others, or the server, down.
                LOG.error("tenant '{}' is not served: {}", name, e.getMessage());
            }
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
        named.values().stream().sorted(Comparator.comparing(Tenant::name)).forEach(all::add);
        return all;
    }

    /** The tenant an HTTP request reads, as {@link #assign} recorded it ({@link #reading}). */
    Tenant of(Context ctx) {
        return reading(ctx.attribute(ATTRIBUTE));
    }

    /** The tenant an HTTP request sends spans to, its folder created if it has none ({@link #named}). */
    Tenant receiving(Context ctx) {
        return named(ctx.attribute(ATTRIBUTE));
    }

    /** The tenant the OTLP/gRPC call in progress sends spans to ({@link #GRPC_TENANT}). */
    Tenant ofGrpcCall() {
        return named(GRPC_TENANT.get());
    }

    /**
     * The tenant {@code name} to read from: the open one, or the one whose folder (or, in the cluster mode, whose
     * table) is there; a tenant that has none is answered from an engine over no spans, without a folder, store or
     * admission of its own.
     */
    Tenant reading(String name) {
        if (name == null) {
            return root;
        }
        Tenant open = named.get(name);
        if (open != null) {
            return open;
        }
        // In the cluster mode another node may have made the tenant's table: this node then reads it too.
        Lake shared = root.lake();
        if (Files.isDirectory(folderOf(name)) || (shared != null && shared.catalogHolds(config.lake().forTenant(name)))) {
            return named(name);
        }
        return Tenant.over(name, null, null, noSpans(), null);
    }

    private synchronized QueryEngine noSpans() {
        if (closed) {
            throw new Refused(HttpStatus.SERVICE_UNAVAILABLE, "the server is stopping");
        }
        if (noSpans == null) {
            Path folder = config.store().dataDir().resolve(FOLDER).resolve(NO_SPANS);
            try {
                noSpans = QueryEngine.open(config.query().withDataDir(folder));
            } catch (IOException e) {
                throw new UncheckedIOException("the engine over no spans cannot be opened: " + e.getMessage(), e);
            }
        }
        return noSpans;
    }

    private Path folderOf(String name) {
        return config.store().dataDir().resolve(FOLDER).resolve(name);
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
        if (named.size() >= MAX_TENANTS) {
            throw new Refused(HttpStatus.BAD_REQUEST, "tenant '" + name + "': this server keeps at most "
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
            var own = w.withDataDir(folderOf(name));
            return settings.maxBufferedBytes() > 0 ? own.withMaxBufferedBytes(settings.maxBufferedBytes()) : own;
        });
        // In the cluster mode the tenant's own table is retired by its maintainer; the local folder only stages.
        if (settings.retention() != null && config.lake() == null) {
            storeConfig = storeConfig.withRetention(r -> r.withMaxAge(settings.retention()));
        }
        Store store = openStore(config, storeConfig, holder);
        Lake lake = null;
        QueryEngine engine = null;
        try {
            if (config.lake() != null) {
                LakeConfig table = config.lake().forTenant(name);
                if (settings.retention() != null) {
                    table = table.withMaintenance(m -> m.withRetention(settings.retention()));
                }
                lake = Lake.open(table, store);
            }
            var read = lake == null ? store.files() : lake.files();
            engine = QueryEngine.open(config.query().withDataDir(read.root()), read);
            TenantLimitedSink limited = new TenantLimitedSink(name, lake == null ? store.sink() : lake.sink(),
                    () -> tokens == null ? 0 : tokens.tenant(name).maxSpansPerSecond(), () -> store.check().ok());
            Admission admission = new Admission(limited, config.maxBodyBytes(), root.admission().permits(),
                    limited::checkNotExhausted);
            return Tenant.over(name, store, lake, engine, admission);
        } catch (IOException | RuntimeException e) {
            if (engine != null) {
                engine.close();
            }
            if (lake != null) {
                lake.close();
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

    /** Closes every named tenant, then the default one; one that fails to close does not keep the others open. */
    @Override
    public void close() {
        List<AutoCloseable> open = new ArrayList<>();
        synchronized (this) {
            closed = true;
            open.addAll(named.values());
            if (noSpans != null) {
                open.add(noSpans);
            }
        }
        open.add(root);
        RuntimeException failed = null;
        for (AutoCloseable tenant : open) {
            try {
                tenant.close();
            } catch (Exception e) {
                LOG.error("closing {} failed: {}", tenant instanceof Tenant t ? t.described() : "the engine over no spans",
                        e.toString());
                if (failed == null) {
                    failed = new IllegalStateException("closing the tenants failed", e);
                } else {
                    failed.addSuppressed(e);
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
    }
}
