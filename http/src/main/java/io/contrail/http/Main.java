package io.contrail.http;

import io.contrail.columnar.Store;
import io.contrail.columnar.StoreConfig;
import io.contrail.ingest.sampling.SamplingConfig;
import io.contrail.lake.LakeConfig;
import io.contrail.query.QueryEngine;
import io.contrail.query.QueryException;
import io.contrail.query.QueryResult;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** The {@code contrail} command line: {@code serve}, {@code sql}, {@code demo}, {@code compact}. */
@Command(name = "contrail", mixinStandardHelpOptions = true, version = "contrail " + ContrailServer.VERSION,
        description = "Contrail, an analytical trace warehouse: OpenTelemetry and Zipkin spans in, "
                + "partitioned Parquet on disk, any attribute sliced with SQL.",
        subcommands = {Main.Serve.class, Main.Sql.class, Main.Demo.class, Main.Compact.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true)
                .setDefaultValueProvider(new UnitDefaults())
                .setUnmatchedOptionsArePositionalParams(true)
                .setParameterExceptionHandler(Main::badCommandLine)
                .setExecutionExceptionHandler((e, commandLine, parseResult) -> {
                    // Bad settings (a sampling file, say) and unusable folders or ports: one clear line, no stack trace.
                    if (e instanceof IllegalArgumentException || e instanceof java.io.IOException) {
                        commandLine.getErr().println("contrail: " + e.getMessage());
                        return 2;
                    }
                    throw e;
                });
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /**
     * A command line that cannot be parsed: one line naming the option or value and where the help
     * is, e.g. {@code contrail serve: unknown option '--prot' (see contrail serve --help)}.
     */
    private static int badCommandLine(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        String name = command.getCommandSpec().qualifiedName();
        String problem = e.getMessage();
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
            String argument = unmatched.getUnmatched().get(0);
            problem = (argument.startsWith("-") ? "unknown option '" : "unexpected argument '") + argument + "'";
        }
        command.getErr().println(name + ": " + problem + " (see " + name + " --help)");
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }

    /**
     * The defaults of the options that take a time or a size, written with their unit, so that
     * {@code --help} shows {@code 30s} and {@code 64MB} rather than {@code PT30S} and 67108864.
     */
    static final class UnitDefaults implements CommandLine.IDefaultValueProvider {
        @Override
        public String defaultValue(CommandLine.Model.ArgSpec argument) {
            if (!(argument instanceof CommandLine.Model.OptionSpec option)) {
                return null;
            }
            return switch (option.longestName()) {
                case "--max-body-bytes" -> OptionUnits.formatSize(io.contrail.ingest.RequestBody.DEFAULT_MAX_BODY_BYTES);
                case "--body-timeout" -> OptionUnits.formatDuration(IngestBodies.DEFAULT_BODY_TIMEOUT);
                case "--flush-interval" -> OptionUnits.formatDuration(ServerConfig.STORE_DEFAULTS.writes().maxBufferAge());
                case "--max-buffered-bytes" -> OptionUnits.formatSize(ServerConfig.STORE_DEFAULTS.writes().maxBufferedBytes());
                case "--max-buffer-wait" -> OptionUnits.formatDuration(ServerConfig.STORE_DEFAULTS.writes().maxBufferWait());
                case "--query-timeout" -> OptionUnits.formatDuration(QueryEngine.Config.DEFAULT_QUERY_TIMEOUT);
                case "--compact-interval" -> OptionUnits.formatDuration(ServerConfig.STORE_DEFAULTS.compaction().interval());
                default -> null;
            };
        }
    }

    /** Options shared by commands that run a server. */
    static final class ServerOptions {
        @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
        CommandLine.Model.CommandSpec command;

        @Option(names = "--data", paramLabel = "DIR", description = "Data folder (default: ${DEFAULT-VALUE}).")
        Path data = ServerConfig.DEFAULT_DATA_DIR;

        @Option(names = "--host", paramLabel = "HOST",
                description = "Address to listen on, for HTTP, OTLP/gRPC and Flight SQL (default: ${DEFAULT-VALUE}).")
        String host = ServerConfig.DEFAULT_HOST;

        @Option(names = "--port", paramLabel = "PORT",
                description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}, the OTLP/HTTP port).")
        int port = ServerConfig.DEFAULT_PORT;

        @Option(names = "--grpc-port", paramLabel = "PORT",
                description = "OTLP/gRPC port on the same host; 0 picks a free one, -1 turns OTLP/gRPC off "
                        + "(default: " + ServerConfig.DEFAULT_GRPC_PORT + ", the OTLP/gRPC port; "
                        + "a free one when --port is 0).")
        Integer grpcPort;

        @Option(names = "--flight-port", paramLabel = "PORT",
                description = "Arrow Flight SQL port on the same host, for JDBC and ADBC clients (DBeaver, pandas); "
                        + "0 picks a free one, -1 turns Flight SQL off (default: " + ServerConfig.DEFAULT_FLIGHT_PORT
                        + "; a free one when --port is 0).")
        Integer flightPort;

        @Option(names = "--max-body-bytes", paramLabel = "SIZE", converter = OptionUnits.Size.class,
                description = "Largest request body or gRPC message, compressed or decompressed, e.g. 64MB "
                        + "(default: ${DEFAULT-VALUE}).")
        long maxBodyBytes = io.contrail.ingest.RequestBody.DEFAULT_MAX_BODY_BYTES;

        @Option(names = "--body-timeout", paramLabel = "TIME", converter = OptionUnits.Seconds.class,
                description = "Longest an HTTP request body may take to arrive, e.g. 30s; slower ones are answered 408 "
                        + "(default: ${DEFAULT-VALUE}; a bare number is seconds).")
        Duration bodyTimeout = IngestBodies.DEFAULT_BODY_TIMEOUT;

        @Option(names = "--flush-interval", paramLabel = "TIME", converter = OptionUnits.Millis.class,
                description = "Longest time an acknowledged span waits before it is written to Parquet and "
                        + "visible to SQL, e.g. 500ms, 2s (default: ${DEFAULT-VALUE}"
                        + "; a bare number is milliseconds).")
        Duration flushInterval = ServerConfig.STORE_DEFAULTS.writes().maxBufferAge();

        @Option(names = "--max-buffered-spans", paramLabel = "N",
                description = "Refuse ingest (503 with Retry-After) while this many acknowledged spans wait to be "
                        + "written to Parquet (default: ${DEFAULT-VALUE}).")
        long maxBufferedSpans = ServerConfig.STORE_DEFAULTS.writes().maxBufferedSpans();

        @Option(names = "--max-buffered-bytes", paramLabel = "SIZE", converter = OptionUnits.Size.class,
                description = "Refuse ingest (503 with Retry-After) while spans taking this much heap wait to be "
                        + "written to Parquet, e.g. 256MB; about 700 bytes per span of a typical request "
                        + "(default: ${DEFAULT-VALUE}).")
        long maxBufferedBytes = ServerConfig.STORE_DEFAULTS.writes().maxBufferedBytes();

        @Option(names = "--max-buffer-wait", paramLabel = "TIME", converter = OptionUnits.Millis.class,
                description = "Longest an ingest request waits for room when the buffer is full (the bounds above) "
                        + "before it is refused with 503, e.g. 500ms, 0 to refuse at once (default: ${DEFAULT-VALUE}"
                        + "; a bare number is milliseconds).")
        Duration maxBufferWait = ServerConfig.STORE_DEFAULTS.writes().maxBufferWait();

        @Option(names = "--max-attribute-columns", paramLabel = "N",
                description = "Attribute keys (span and resource together) that get a column of their own; "
                        + "keys past it are stored in the attr_overflow and resource_overflow maps, with a warning "
                        + "(an application that puts IDs into keys) (default: ${DEFAULT-VALUE}).")
        int maxAttributeColumns = ServerConfig.STORE_DEFAULTS.writes().maxAttributeColumns();

        @Option(names = "--query-timeout", paramLabel = "TIME", converter = OptionUnits.Seconds.class,
                description = "Queries running longer are interrupted and answered 408, e.g. 30s, 10m "
                        + "(default: ${DEFAULT-VALUE}; a bare number is seconds).")
        Duration queryTimeout = QueryEngine.Config.DEFAULT_QUERY_TIMEOUT;

        @Option(names = "--sampling", paramLabel = "FILE",
                description = "Tail-sampling policies (YAML or JSON; see README, 'Sampling'). "
                        + "Without it every span is kept.")
        Path samplingFile;

        @Option(names = "--auth", paramLabel = "FILE",
                description = "Tokens every request must carry as Authorization: Bearer TOKEN, each with its scopes "
                        + "(ingest: send spans; query: read), in YAML; reloaded when the file changes (see README, "
                        + "'On a network'). Without it nothing is checked.")
        Path authFile;

        @Option(names = "--tls-cert", paramLabel = "CERT.pem",
                description = "Serve HTTPS only, and OTLP/gRPC and Flight SQL over TLS only, with this certificate chain "
                        + "(PEM: the server's certificate first, then intermediates). Needs --tls-key.")
        Path tlsCertificate;

        @Option(names = "--tls-key", paramLabel = "KEY.pem",
                description = "The private key of --tls-cert, unencrypted PEM: PKCS#8 (BEGIN PRIVATE KEY) or the "
                        + "traditional BEGIN RSA PRIVATE KEY / BEGIN EC PRIVATE KEY; RSA, EC or Ed25519.")
        Path tlsKey;

        @Option(names = "--storage", paramLabel = "s3://BUCKET/PREFIX",
                description = "Share one Apache Iceberg table on S3 with other nodes (README, 'Beyond one machine'): "
                        + "span files go to this bucket and prefix, queries read every node's spans. Needs --catalog. "
                        + "Credentials: the AWS SDK's (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile); region: "
                        + "AWS_REGION. --data then keeps this node's log, files on their way and its cache.")
        String storage;

        @Option(names = "--s3-endpoint", paramLabel = "URL",
                description = "An S3-compatible server instead of AWS, e.g. http://127.0.0.1:9000 (path-style requests).")
        String s3Endpoint;

        @Option(names = "--catalog", paramLabel = "JDBC-URL",
                description = "The Iceberg catalog's database, e.g. jdbc:postgresql://HOST:5432/DB?user=U&password=P.")
        String catalog;

        @Option(names = "--node-id", paramLabel = "NAME",
                description = "This node's name among those sharing the table (default: one chosen once and kept "
                        + "in the data folder).")
        String nodeId;

        @Option(names = "--max-pending-upload", paramLabel = "SIZE", converter = OptionUnits.Size.class,
                description = "Span files not yet in the shared table past which ingest answers 503 "
                        + "(default: 1GiB).")
        Long maxPendingUpload;

        @Option(names = "--cache-size", paramLabel = "SIZE", converter = OptionUnits.Size.class,
                description = "Bytes of the shared table's span files this node keeps on disk for queries: the newest, "
                        + "and those queries used last; a query downloads what else its start_time range needs, and is "
                        + "refused when that is more (default: the whole table is kept).")
        Long cacheSize;

        @CommandLine.Mixin
        LifecycleOptions lifecycle = new LifecycleOptions();

        /** The shared table the options name; null without --storage. */
        private LakeConfig lake() {
            if (storage == null) {
                String[] names = {"--s3-endpoint", "--catalog", "--node-id", "--max-pending-upload", "--cache-size"};
                Object[] values = {s3Endpoint, catalog, nodeId, maxPendingUpload, cacheSize};
                for (int i = 0; i < names.length; i++) {
                    if (values[i] != null) {
                        throw new CommandLine.ParameterException(command.commandLine(),
                                names[i] + " needs --storage s3://BUCKET/PREFIX (a shared table)");
                    }
                }
                return null;
            }
            if (lifecycle.maxSizeBytes > 0) {
                throw new CommandLine.ParameterException(command.commandLine(),
                        "--max-size is not available with --storage: the shared table is retired by age (--retention)");
            }
            if (catalog == null) {
                throw new CommandLine.ParameterException(command.commandLine(),
                        "--storage needs --catalog JDBC-URL: the database of the Iceberg catalog, e.g. "
                                + "jdbc:postgresql://HOST:5432/DB?user=U&password=P");
            }
            try {
                LakeConfig lake = LakeConfig.parse(storage, s3Endpoint, catalog).withNodeId(nodeId);
                lake = maxPendingUpload == null ? lake : lake.withMaxPendingBytes(maxPendingUpload);
                return cacheSize == null ? lake : lake.withCacheBytes(cacheSize);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(command.commandLine(), e.getMessage());
            }
        }

        /** The certificate the options name, read and checked now; null without them. */
        private io.contrail.http.tls.ServerCertificate tls() {
            if (tlsCertificate == null && tlsKey == null) {
                return null;
            }
            if (tlsKey == null) {
                throw new CommandLine.ParameterException(command.commandLine(),
                        "--tls-cert needs --tls-key KEY.pem, the certificate's private key");
            }
            if (tlsCertificate == null) {
                throw new CommandLine.ParameterException(command.commandLine(),
                        "--tls-key needs --tls-cert CERT.pem, the certificate chain it belongs to");
            }
            return io.contrail.http.tls.ServerCertificate.read(tlsCertificate, tlsKey);
        }

        ServerConfig toConfig() throws java.io.IOException {
            if (maxBufferedSpans < 1) {
                throw new CommandLine.ParameterException(command.commandLine(),
                        "--max-buffered-spans=" + maxBufferedSpans + ": must be at least 1");
            }
            if (maxAttributeColumns < 0) {
                throw new CommandLine.ParameterException(command.commandLine(),
                        "--max-attribute-columns=" + maxAttributeColumns + ": must be 0 or more");
            }
            for (var positive : java.util.Map.of("--body-timeout", bodyTimeout, "--flush-interval", flushInterval,
                    "--query-timeout", queryTimeout).entrySet()) {
                if (positive.getValue().isZero()) {
                    throw new CommandLine.ParameterException(command.commandLine(),
                            positive.getKey() + "=0: must be a positive time, e.g. 30s");
                }
            }
            ServerConfig defaults = lifecycle.applyTo(ServerConfig.defaults(data), command.commandLine());
            ServerConfig address = defaults.withAddress(host, port);
            address = grpcPort == null ? address : address.withGrpcPort(grpcPort);
            address = flightPort == null ? address : address.withFlightPort(flightPort);
            return address.withMaxBodyBytes(maxBodyBytes)
                    .withBodies(new ServerConfig.IngestBodyLimits(bodyTimeout, defaults.bodies().maxBytesInFlight()))
                    .withSampling(samplingFile == null ? null : SamplingConfig.read(samplingFile))
                    .withStore(store -> store.withWrites(writes -> writes.withMaxBufferAge(flushInterval)
                            .withMaxBufferedSpans(maxBufferedSpans).withMaxBufferedBytes(maxBufferedBytes)
                            .withMaxBufferWait(maxBufferWait).withMaxAttributeColumns(maxAttributeColumns)))
                    .withQuery(defaults.query().withQueryTimeout(queryTimeout))
                    .withLake(lake())
                    .withAuthFile(authFile)
                    .withTls(tls());
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Receive spans (OTLP/HTTP on /v1/traces, OTLP/gRPC on --grpc-port, Zipkin on "
                    + "/api/v2/spans) and answer queries (SQL on /api/sql and, for JDBC and ADBC clients, Flight SQL on "
                    + "--flight-port).")
    static final class Serve implements Callable<Integer> {
        @CommandLine.Mixin
        ServerOptions options;

        @Override
        public Integer call() throws Exception {
            try (ContrailServer server = startAndAnnounce(options, "contrail serve")) {
                System.out.println("OTLP/HTTP: " + server.bindUrl() + "/v1/traces   OTLP/gRPC: "
                        + (server.grpcBindAddress() == null ? "off" : grpcEndpoint(server)) + "   Zipkin: "
                        + server.bindUrl() + "/api/v2/spans   SQL: " + server.bindUrl() + "/api/sql   Flight SQL: "
                        + (server.flightBindUri() == null ? "off" : server.flightBindUri()));
                awaitShutdown(server);
            }
            return 0;
        }
    }

    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Start the server, load realistic demo traces through the OTLP endpoint "
                    + "(skipped when the data folder already has spans), and print example queries.")
    static final class Demo implements Callable<Integer> {
        @CommandLine.Mixin
        ServerOptions options;

        @Option(names = "--traces", paramLabel = "N", description = "Demo traces to send, at least 1 "
                + "(default: ${DEFAULT-VALUE}).")
        int traces = DemoLoader.DEFAULT_TRACES;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--exit", description = "Stop after loading instead of serving.")
        boolean exit;

        @Override
        public Integer call() throws Exception {
            if (traces < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--traces=" + traces + ": must be at least 1");
            }
            try (ContrailServer server = startAndAnnounce(options, "contrail demo")) {
                // With TLS the demo trusts the server's own certificate, whichever CA signed it.
                javax.net.ssl.SSLContext tls = server.tls() == null ? null : server.tls().trustingItselfOnly();
                DemoLoader.Result loaded;
                if (server.tokens() == null) {
                    loaded = new DemoLoader(URI.create(server.baseUrl()), System.out, null, tls).loadIfEmpty(server, traces);
                } else {
                    // With --auth the demo sends through the same door, with a token of its own that no file holds.
                    String token = server.tokens().issueLocalIngestToken();
                    try {
                        loaded = new DemoLoader(URI.create(server.baseUrl()), System.out, token, tls)
                                .loadIfEmpty(server, traces);
                    } finally {
                        server.tokens().revokeLocalIngestToken();
                    }
                }
                System.out.println(loaded.describe());
                if (!exit) {
                    printExamples(server.baseUrl(), System.out);
                    System.out.println("Press Ctrl-C to stop.");
                    awaitShutdown(server);
                    return 0;
                }
            }
            printStopped(options.data, System.out);
            return 0;
        }
    }

    @Command(name = "compact", mixinStandardHelpOptions = true,
            description = "Merge each hour partition's small files into large ones, trace by trace, now, "
                    + "showing progress. A running `contrail serve` does this in the background; stop it first.")
    static final class Compact implements Callable<Integer> {
        @Option(names = "--data", paramLabel = "DIR", description = "Data folder (default: ${DEFAULT-VALUE}).")
        Path data = ServerConfig.DEFAULT_DATA_DIR;

        @Option(names = "--target-spans", paramLabel = "N", description = "Spans per compacted file at most "
                + "(default: ${DEFAULT-VALUE}).")
        int targetSpans = ServerConfig.STORE_DEFAULTS.compaction().targetSpans();

        @Option(names = "--row-group-spans", paramLabel = "N", description = "Rows per Parquet row group "
                + "(default: ${DEFAULT-VALUE}).")
        int rowGroupSpans = ServerConfig.STORE_DEFAULTS.compaction().rowGroupSpans();

        @Override
        public Integer call() throws Exception {
            if (!data.resolve("spans").toFile().isDirectory()) {
                System.err.println("contrail compact: no span files under " + data.toAbsolutePath() + " (use --data DIR)");
                return 2;
            }
            if (targetSpans < 2 || rowGroupSpans < 1) {
                System.err.println("contrail compact: --target-spans must be at least 2 and --row-group-spans at least 1");
                return 2;
            }
            StoreConfig config = StoreConfig.defaults(data).withCompaction(compaction -> compaction
                    .withTargetSpans(targetSpans).withRowGroupSpans(rowGroupSpans)
                    .withThreads(Runtime.getRuntime().availableProcessors()));
            try {
                Store.compact(config, "contrail compact", System.out);
                return 0;
            } catch (java.io.IOException e) {
                System.err.println("contrail compact: " + e.getMessage());
                return 1;
            }
        }
    }

    /** Starts a server and prints the line scripts and tests look for: "Contrail listening on URL". */
    private static ContrailServer startAndAnnounce(ServerOptions options, String command) throws java.io.IOException {
        ContrailServer server = ContrailServer.start(options.toConfig(), command);
        String bindUrl = server.bindUrl();
        System.out.println("Contrail listening on " + bindUrl
                + (bindUrl.equals(server.baseUrl()) ? "" : " (from this machine: " + server.baseUrl() + ")")
                + (server.grpcBindAddress() == null ? "" : " and OTLP/gRPC " + grpcEndpoint(server))
                + (server.flightBindUri() == null ? "" : " and Flight SQL " + server.flightBindUri()) + " (data: "
                + server.dataDir() + ")");
        if (server.authenticates()) {
            System.out.println("Every request needs Authorization: Bearer TOKEN with a token of " + options.authFile
                    + " (" + server.tokens().size() + " tokens; reloaded when the file changes); open without one: "
                    + "the web UI's pages and /health (its status only).");
        }
        if (server.reachableBeyondThisMachine() && !server.authenticates()) {
            System.err.println("WARNING: listening on " + options.host + ", reachable from other machines, without "
                    + "authentication: anyone who can reach port " + server.port()
                    + (server.grpcBindAddress() == null ? "" : " or " + server.grpcPort())
                    + (server.flightBindUri() == null ? "" : " or " + server.flightPort())
                    + " can send spans and read every stored span through /api/sql, Flight SQL and the other APIs. "
                    + "Give tokens with --auth FILE (README, 'On a network'), or use --host 127.0.0.1 (the default).");
        } else if (server.reachableBeyondThisMachine() && server.tls() == null) {
            System.err.println("NOTE: without TLS tokens and spans cross the network in plain text: give the server "
                    + "a certificate with --tls-cert CERT.pem --tls-key KEY.pem (README, 'On a network'), keep it to "
                    + "a trusted network, or put a TLS proxy in front.");
        }
        return server;
    }

    /** Where OTLP/gRPC listens as an exporter's endpoint names it: {@code https://HOST:PORT} with TLS, else {@code HOST:PORT}. */
    private static String grpcEndpoint(ContrailServer server) {
        return (server.tls() == null ? "" : server.scheme()) + server.grpcBindAddress();
    }

    static void printExamples(String baseUrl, PrintStream out) {
        out.println();
        out.println("Contrail is ready: " + baseUrl);
        out.println("Open the web UI:   " + baseUrl + "/  (search, trace waterfall, service map, RED charts, compare, SQL console)");
        out.println("Try these (or any SQL over the views " + Sql.VIEWS + "):");
        for (String query : ContrailServer.exampleQueries()) {
            out.println();
            out.println("  curl -s " + baseUrl + "/api/sql -H 'Content-Type: application/json' \\");
            out.println("       -d '" + ResultFormats.JSON.createObjectNode().put("sql", query).toString()
                    .replace("'", "'\\''") + "'");
        }
        out.println();
        out.println("or on the command line:  ./contrail sql \"" + ContrailServer.exampleQueries().get(0) + "\"");
    }

    /** What {@code demo --exit} says once its server has stopped: how to look at the data it left. */
    static void printStopped(Path data, PrintStream out) {
        out.println();
        out.println("The server has stopped (--exit); the demo spans are in " + data + ".");
        out.println("Query them from the command line:");
        out.println("  ./contrail sql --data " + data + " \"" + ContrailServer.exampleQueries().get(0) + "\"");
        out.println("or start the server again for the web UI and the HTTP API:  ./contrail serve --data " + data);
    }

    private static void awaitShutdown(ContrailServer server) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Stopping: flushing buffered spans to Parquet …");
            server.close();
            stopped.countDown();
        }, "contrail-shutdown"));
        stopped.await();
    }

    enum Format { table, csv, json }

    @Command(name = "sql", mixinStandardHelpOptions = true,
            description = "Run one read-only SQL query over the Parquet files directly (works while a server runs). "
                    + "Views: " + Sql.VIEWS + " (see README, 'Views').")
    static final class Sql implements Callable<Integer> {
        /** Every view a query can read, as the help lists them; a test holds this against the engine's views. */
        static final String VIEWS = "spans, span_events, span_attributes, attribute_keys, traces, span_timing, "
                + "propagation_hops, propagation_edges, orphan_spans, multi_root_traces, sampling_stats";

        @Parameters(paramLabel = "QUERY", description = "The SQL query (DuckDB dialect).")
        String query;

        @Option(names = "--data", paramLabel = "DIR", description = "Data folder (default: ${DEFAULT-VALUE}).")
        Path data = ServerConfig.DEFAULT_DATA_DIR;

        @Option(names = "--tenant", paramLabel = "NAME",
                description = "Read this tenant's spans (DIR/tenants/NAME) instead of the default tenant's.")
        String tenant;

        @Option(names = "--format", paramLabel = "FORMAT",
                description = "table, csv or json (default: ${DEFAULT-VALUE}).")
        Format format = Format.table;

        @Option(names = "--max-rows", paramLabel = "N", description = "Rows to print at most (default: ${DEFAULT-VALUE}).")
        int maxRows = QueryEngine.Config.DEFAULT_MAX_ROWS;

        @Override
        public Integer call() throws Exception {
            if (!data.toFile().isDirectory()) {
                System.err.println("contrail sql: no data folder at " + data.toAbsolutePath()
                        + " (use --data DIR, or start `contrail serve` first)");
                return 2;
            }
            Path folder = data;
            if (tenant != null) {
                if (!io.contrail.http.auth.AccessTokens.TENANT.matcher(tenant).matches()) {
                    System.err.println("contrail sql: --tenant: a tenant's name must be "
                            + io.contrail.http.auth.AccessTokens.TENANT_RULE);
                    return 2;
                }
                folder = data.resolve(Tenants.FOLDER).resolve(tenant);
                if (!folder.toFile().isDirectory()) {
                    System.err.println("contrail sql: --tenant: no tenant '" + tenant + "' in " + data.toAbsolutePath()
                            + Tenants.listed(data));
                    return 2;
                }
            }
            try (QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(folder).withMaxRows(maxRows))) {
                QueryResult result = engine.query(query);
                PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
                switch (format) {
                    case csv -> ResultFormats.csv(result, out);
                    case json -> out.println(ResultFormats.JSON.writeValueAsString(ResultFormats.json(result)));
                    default -> ResultFormats.table(result, out);
                }
                out.flush();
                return 0;
            } catch (QueryException e) {
                System.err.println("contrail sql: " + e.getMessage());
                return 1;
            }
        }
    }
}
