package io.contrail.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contrail.bench.suite.ContrailServerProcess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Several {@code contrail serve} processes sharing one table: an S3 server ({@link S3Server}), the Iceberg
 * catalog's database ({@link CatalogDatabase}), and nodes started from the runnable jar (system property
 * {@code contrail.jar}) with {@code --storage s3://contrail/spans}, each on a data folder of its own.
 */
final class Cluster implements AutoCloseable {

    static final String BUCKET = "contrail";
    static final String STORAGE = "s3://" + BUCKET + "/spans";
    private static final ObjectMapper JSON = new ObjectMapper();

    final S3Server s3;
    final CatalogDatabase catalog;
    private final Path work;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<ContrailServerProcess> nodes = new ArrayList<>();

    private Cluster(Path work, S3Server s3, CatalogDatabase catalog) {
        this.work = work;
        this.s3 = s3;
        this.catalog = catalog;
    }

    static Cluster start(Path work) throws Exception {
        S3Server s3 = S3Server.start(work.resolve("s3"));
        try {
            s3.createBucket(BUCKET);
            return new Cluster(work, s3, CatalogDatabase.start(work.resolve("catalog-db")));
        } catch (Exception e) {
            s3.close();
            throw e;
        }
    }

    /** The catalog URL a node is given, credentials included as the PostgreSQL driver reads them. */
    String catalogUrl() {
        return catalog.jdbcUrl() + (catalog.jdbcUrl().contains("?") ? "&" : "?") + "user=" + catalog.user()
                + "&password=" + catalog.password();
    }

    /** Starts a node on {@code work/<name>} (again, after a stop or kill: the same folder, the same node). */
    ContrailServerProcess node(String name, String... serveArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("--grpc-port", "-1", "--flush-interval", "200ms",
                "--storage", STORAGE, "--s3-endpoint", s3.endpoint().toString(), "--catalog", catalogUrl()));
        args.addAll(List.of(serveArgs));
        Path log = work.resolve(name + "-" + System.nanoTime() + ".log");
        ContrailServerProcess node = ContrailServerProcess.serve(jar(), work.resolve(name), log, "768m", args, Map.of(
                "AWS_ACCESS_KEY_ID", s3.accessKey(), "AWS_SECRET_ACCESS_KEY", s3.secretKey(), "AWS_REGION", s3.region()));
        nodes.add(node);
        return node;
    }

    private static Path jar() {
        Path jar = Path.of(System.getProperty("contrail.jar", "../http/target/contrail.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no runnable jar at " + jar + " (system property contrail.jar); "
                    + "build it first: mvn -pl http -am package");
        }
        return jar;
    }

    /** Sends an OTLP/HTTP protobuf request; returns the response (status, Retry-After). */
    HttpResponse<String> send(ContrailServerProcess node, ExportTraceServiceRequest request) throws IOException,
            InterruptedException {
        return send(node, request, null);
    }

    /** Sends {@code request} for the tenant {@code tenant} ({@code X-Scope-OrgID}; null: the default tenant). */
    HttpResponse<String> send(ContrailServerProcess node, ExportTraceServiceRequest request, String tenant)
            throws IOException, InterruptedException {
        HttpRequest.Builder post = HttpRequest.newBuilder(node.baseUrl().resolve("/v1/traces"))
                .header("Content-Type", "application/x-protobuf")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(request.toByteArray()));
        return http.send(tenant == null ? post.build() : post.header("X-Scope-OrgID", tenant).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Runs SQL on a node; returns the rows. */
    JsonNode sql(ContrailServerProcess node, String sql) throws IOException, InterruptedException {
        return sql(node, sql, null);
    }

    /** Runs SQL on a node as the tenant {@code tenant} (null: the default tenant); returns the rows. */
    JsonNode sql(ContrailServerProcess node, String sql, String tenant) throws IOException, InterruptedException {
        HttpRequest.Builder post = HttpRequest.newBuilder(node.baseUrl().resolve("/api/sql"))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.createObjectNode().put("sql", sql).toString()));
        HttpResponse<String> response = http.send(tenant == null ? post.build() : post.header("X-Scope-OrgID", tenant).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("SQL on " + node.baseUrl() + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        return JSON.readTree(response.body()).get("rows");
    }

    /** A node's {@code GET path}, as JSON. */
    JsonNode get(ContrailServerProcess node, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(node.baseUrl().resolve(path))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    /** {@code count(*)} and {@code count(DISTINCT (trace_id, span_id, kind))} of the spans a node sees. */
    long[] counts(ContrailServerProcess node) throws IOException, InterruptedException {
        JsonNode row = sql(node, "SELECT count(*), count(DISTINCT (trace_id, span_id, kind)) FROM spans").get(0);
        return new long[] {row.get(0).asLong(), row.get(1).asLong()};
    }

    static int spans(ExportTraceServiceRequest request) {
        return request.getResourceSpansList().stream().flatMap(r -> r.getScopeSpansList().stream())
                .mapToInt(s -> s.getSpansCount()).sum();
    }

    @Override
    public void close() {
        for (ContrailServerProcess node : nodes) {
            node.close();
        }
        catalog.close();
        s3.close();
    }
}
