package io.contrail.http;

import static io.contrail.http.OtlpSpans.span;
import static io.contrail.http.OtlpSpans.spanId;
import static io.contrail.http.OtlpSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code contrail serve --auth FILE}: every route, OTLP/gRPC included, with no token, an unknown token, the
 * wrong scope and the right one; the real OpenTelemetry SDK exporters with and without the header; a
 * {@code token_sha256} entry; reloading the file while the server runs; {@code /health} without a token.
 */
class AuthTest {

    private static final String INGEST = "ingest-7Qx2vR9k";
    /** In the file only as its SHA-256: the file holds no secret for it. */
    private static final String QUERY = "query-Lm4pW8zt";
    private static final String UNKNOWN = "nobody-knows-this";
    /** Another tenant's, with both scopes. */
    private static final String BANK = "bank-both-Qe2vL8";
    /** Without a tenant: the default tenant's, which sees every tenant's metrics. */
    private static final String OPERATOR = "operator-Zr7nQ3";
    private static final Path AUTH_FILE = authFile("tokens:\n"
            + "  - token: \"" + INGEST + "\"\n"
            + "    tenant: shop\n"
            + "    scopes: [ingest]\n"
            + "  - token_sha256: \"" + sha256Hex(QUERY) + "\"\n"
            + "    tenant: shop\n"
            + "    scopes: [query]\n"
            + "  - token: \"" + OPERATOR + "\"\n"
            + "    scopes: [query]\n"
            + "  - token: \"" + BANK + "\"\n"
            + "    tenant: bank\n"
            + "    scopes: [ingest, query]\n");

    @RegisterExtension
    static final RunningServer server = RunningServer.configured(config -> config.withAuthFile(AUTH_FILE));

    private static final Instant START = Instant.parse("2026-11-20T10:00:00Z");
    private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";

    /** A route as a test calls it: the template the server registers, a concrete path, what it needs. */
    private record Route(String method, String template, String path, Access access, String contentType, String body) {
        static Route get(String template, String path, Access access) {
            return new Route("GET", template, path, access, null, null);
        }

        static Route post(String template, String path, Access access, String contentType, String body) {
            return new Route("POST", template, path, access, contentType, body);
        }

        String key() {
            return method + " " + template;
        }
    }

    /** Who may call a route: anyone, a token with the ingest scope, or one with the query scope. */
    private enum Access { OPEN, INGEST, QUERY }

    /** Every route the server registers (checked below), and a few requests that are no route. */
    private static final List<Route> ROUTES = List.of(
            Route.post("/v1/traces", "/v1/traces", Access.INGEST, "application/json", "{\"resourceSpans\":[]}"),
            Route.post("/api/v2/spans", "/api/v2/spans", Access.INGEST, "application/json", "[]"),
            Route.post("/zipkin/api/v2/spans", "/zipkin/api/v2/spans", Access.INGEST, "application/json", "[]"),
            Route.post("/api/sql", "/api/sql", Access.QUERY, "application/json", "{\"sql\":\"SELECT 1\"}"),
            Route.get("/api/traces/{traceId}", "/api/traces/" + TRACE, Access.QUERY),
            Route.get("/api/services", "/api/services", Access.QUERY),
            Route.get("/api/services/{service}/operations", "/api/services/checkout/operations", Access.QUERY),
            Route.get("/api/search", "/api/search", Access.QUERY),
            Route.get("/api/propagation", "/api/propagation", Access.QUERY),
            Route.get("/api/metrics/red", "/api/metrics/red?service=checkout", Access.QUERY),
            Route.get("/api/dependencies", "/api/dependencies", Access.QUERY),
            Route.get("/api/compare", "/api/compare?a=status_code%3D%27ERROR%27", Access.QUERY),
            Route.get("/api/sampling", "/api/sampling", Access.QUERY),
            Route.get("/api/sql-examples", "/api/sql-examples", Access.QUERY),
            Route.get("/metrics", "/metrics", Access.QUERY),
            Route.get("/jaeger/api/services", "/jaeger/api/services", Access.QUERY),
            Route.get("/jaeger/api/services/{service}/operations", "/jaeger/api/services/checkout/operations", Access.QUERY),
            Route.get("/jaeger/api/operations", "/jaeger/api/operations?service=checkout", Access.QUERY),
            Route.get("/jaeger/api/traces", "/jaeger/api/traces?service=checkout", Access.QUERY),
            Route.get("/jaeger/api/traces/{traceID}", "/jaeger/api/traces/" + TRACE, Access.QUERY),
            Route.get("/jaeger/api/dependencies", "/jaeger/api/dependencies?endTs=1&lookback=1", Access.QUERY),
            Route.get("/tempo/api/echo", "/tempo/api/echo", Access.QUERY),
            Route.get("/tempo/api/status/buildinfo", "/tempo/api/status/buildinfo", Access.QUERY),
            Route.get("/tempo/api/traces/{traceID}", "/tempo/api/traces/" + TRACE, Access.QUERY),
            Route.get("/tempo/api/v2/traces/{traceID}", "/tempo/api/v2/traces/" + TRACE, Access.QUERY),
            Route.get("/tempo/api/search", "/tempo/api/search?q=%7B%7D", Access.QUERY),
            Route.get("/tempo/api/search/tags", "/tempo/api/search/tags", Access.QUERY),
            Route.get("/tempo/api/v2/search/tags", "/tempo/api/v2/search/tags", Access.QUERY),
            Route.get("/tempo/api/search/tag/{tagName}/values", "/tempo/api/search/tag/service.name/values", Access.QUERY),
            Route.get("/tempo/api/v2/search/tag/{tagName}/values", "/tempo/api/v2/search/tag/resource.service.name/values",
                    Access.QUERY),
            Route.get("/tempo/api/metrics/query_range", "/tempo/api/metrics/query_range?q=%7B%7D", Access.QUERY),
            Route.get("/tempo/api/metrics/query", "/tempo/api/metrics/query?q=%7B%7D", Access.QUERY),
            Route.get("/zipkin/api/v2/services", "/zipkin/api/v2/services", Access.QUERY),
            Route.get("/zipkin/api/v2/remoteServices", "/zipkin/api/v2/remoteServices?serviceName=checkout", Access.QUERY),
            Route.get("/zipkin/api/v2/spans", "/zipkin/api/v2/spans?serviceName=checkout", Access.QUERY),
            Route.get("/zipkin/api/v2/traces", "/zipkin/api/v2/traces", Access.QUERY),
            Route.get("/zipkin/api/v2/trace/{traceId}", "/zipkin/api/v2/trace/" + TRACE, Access.QUERY),
            Route.get("/zipkin/api/v2/traceMany", "/zipkin/api/v2/traceMany?traceIds=" + TRACE, Access.QUERY),
            Route.get("/zipkin/api/v2/dependencies", "/zipkin/api/v2/dependencies?endTs=1", Access.QUERY),
            Route.get("/zipkin/api/v2/autocompleteKeys", "/zipkin/api/v2/autocompleteKeys", Access.QUERY),
            Route.get("/zipkin/api/v2/autocompleteValues", "/zipkin/api/v2/autocompleteValues?key=http.route", Access.QUERY),
            Route.get("/health", "/health", Access.OPEN),
            Route.get("/", "/", Access.OPEN),
            // No route of their own: static files of the UI (its own and a library's from npm), a path nothing
            // answers, and the ingest path with a trailing slash, which the router treats as the ingest route, so it
            // needs the ingest scope too.
            Route.get("(static)", "/ui/app.js", Access.OPEN),
            Route.get("(static library)", "/ui/vendor/uPlot.esm.js", Access.OPEN),
            Route.get("(none)", "/no/such/path", Access.QUERY),
            Route.post("(slash)", "/v1/traces/", Access.INGEST, "application/json", "{\"resourceSpans\":[]}"));

    @Test
    void theTableHoldsEveryRouteTheServerRegisters() {
        Set<String> registered = new TreeSet<>(server.server().routes());
        Set<String> inTable = ROUTES.stream().filter(route -> route.template().startsWith("/")).map(Route::key)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(inTable).isEqualTo(registered);
    }

    @Test
    void withoutATokenEveryRouteButTheUiAndHealthIs401WithABearerChallenge() {
        for (Route route : ROUTES) {
            HttpResponse<byte[]> response = call(route, null);
            if (route.access() == Access.OPEN) {
                assertThat(response.statusCode()).as(route.key()).isEqualTo(200);
            } else {
                assertThat(response.statusCode()).as(route.key()).isEqualTo(401);
                assertThat(response.headers().firstValue("WWW-Authenticate")).as(route.key())
                        .hasValue("Bearer realm=\"contrail\"");
                assertThat(RunningServer.json(response).get("error").asText()).as(route.key())
                        .contains("no token").contains("Authorization: Bearer");
            }
        }
    }

    @Test
    void anUnknownTokenIs401NamingTheProblem() {
        for (Route route : ROUTES) {
            HttpResponse<byte[]> response = call(route, "Bearer " + UNKNOWN);
            if (route.access() == Access.OPEN) {
                assertThat(response.statusCode()).as(route.key()).isEqualTo(200);
                continue;
            }
            assertThat(response.statusCode()).as(route.key()).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).as(route.key()).isPresent();
            String error = RunningServer.json(response).get("error").asText();
            assertThat(error).as(route.key()).contains("unknown token").doesNotContain(UNKNOWN);
        }
        // Not a Bearer token at all: refused as missing, saying what to send.
        HttpResponse<byte[]> basic = call(ROUTES.get(3), "Basic " + UNKNOWN);
        assertThat(basic.statusCode()).isEqualTo(401);
        assertThat(RunningServer.text(basic)).contains("not a Bearer token");
    }

    @Test
    void anotherTenantsTokenGetsThroughEveryRouteAndSeesNoneOfTheShopsSpans() {
        assertThat(RecordingSpanExporter.exportOneSpan(OtlpHttpSpanExporter.builder()
                .setEndpoint(server.baseUrl() + "/v1/traces").addHeader("Authorization", "Bearer " + INGEST).build(),
                "shop-only-service")).isTrue();
        server.flush("shop");
        assertThat(countSpans("shop-only-service")).isEqualTo(1);
        for (Route route : ROUTES) {
            HttpResponse<byte[]> response = call(route, "Bearer " + BANK);
            assertThat(response.statusCode()).as("%s with another tenant's token: %s", route.key(), RunningServer.text(response))
                    .isNotIn(401, 403).isLessThan(500);
            assertThat(RunningServer.text(response)).as(route.key()).doesNotContain("shop-only-service");
        }
    }

    @Test
    void aTokenOfTheOtherScopeIs403AndOneOfTheRightScopeGetsThrough() {
        for (Route route : ROUTES) {
            if (route.access() == Access.OPEN) {
                continue;
            }
            String wrong = route.access() == Access.INGEST ? QUERY : INGEST;
            String right = route.access() == Access.INGEST ? INGEST : QUERY;

            HttpResponse<byte[]> refused = call(route, "Bearer " + wrong);
            assertThat(refused.statusCode()).as("%s with the wrong scope", route.key()).isEqualTo(403);
            assertThat(RunningServer.json(refused).get("error").asText()).as(route.key())
                    .contains("needs the scope " + route.access().name().toLowerCase());

            // The scheme's case does not matter (RFC 9110 §11.1).
            HttpResponse<byte[]> allowed = call(route, "bearer " + right);
            assertThat(allowed.statusCode()).as("%s with the right scope: %s", route.key(), RunningServer.text(allowed))
                    .isNotIn(401, 403).isLessThan(500);
        }
    }

    @Test
    void grpcCallsNeedAnIngestToken() {
        try (GrpcExportClient client = new GrpcExportClient(server.server().grpcPort())) {
            Function<String, Status.Code> export = authorization -> {
                byte[] request = OtlpSpans.request().add("grpc-auth-raw", span(traceId(901), spanId(1), "raw",
                        Span.SpanKind.SPAN_KIND_SERVER, START, Duration.ofMillis(3))).toByteArray();
                try {
                    client.export(request, authorization);
                    return Status.Code.OK;
                } catch (StatusRuntimeException e) {
                    return e.getStatus().getCode();
                }
            };
            assertThat(export.apply(null)).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(export.apply("Bearer " + UNKNOWN)).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(export.apply("Bearer " + QUERY)).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(export.apply("Bearer " + INGEST)).isEqualTo(Status.Code.OK);

            var refused = catchThrowableOfType(StatusRuntimeException.class, () -> client.export(new byte[0], (String) null));
            assertThat(refused.getStatus().getDescription()).contains("no token");
        }
        server.flush("shop");
        assertThat(countSpans("grpc-auth-raw")).as("only the call with the ingest token stored its span").isEqualTo(1);
    }

    @Test
    void sdkHttpExporterSpansArriveWithTheIngestTokenOnly() {
        Function<String, SpanExporter> exporter = token -> {
            var builder = OtlpHttpSpanExporter.builder().setEndpoint(server.baseUrl() + "/v1/traces");
            return token == null ? builder.build() : builder.addHeader("Authorization", "Bearer " + token).build();
        };
        assertThat(RecordingSpanExporter.exportOneSpan(exporter.apply(null), "sdk-http-none")).isFalse();
        assertThat(RecordingSpanExporter.exportOneSpan(exporter.apply(QUERY), "sdk-http-query")).isFalse();
        assertThat(RecordingSpanExporter.exportOneSpan(exporter.apply(INGEST), "sdk-http-ingest")).isTrue();

        server.flush("shop");
        assertThat(countSpans("sdk-http-ingest")).isEqualTo(1);
        assertThat(countSpans("sdk-http-none")).isZero();
        assertThat(countSpans("sdk-http-query")).isZero();
    }

    @Test
    void sdkGrpcExporterSpansArriveWithTheIngestTokenOnly() {
        Function<String, SpanExporter> exporter = token -> {
            var builder = OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + server.server().grpcPort());
            return token == null ? builder.build() : builder.addHeader("Authorization", "Bearer " + token).build();
        };
        assertThat(RecordingSpanExporter.exportOneSpan(exporter.apply(null), "sdk-grpc-none")).isFalse();
        assertThat(RecordingSpanExporter.exportOneSpan(exporter.apply(QUERY), "sdk-grpc-query")).isFalse();
        assertThat(RecordingSpanExporter.exportOneSpan(exporter.apply(INGEST), "sdk-grpc-ingest")).isTrue();

        server.flush("shop");
        assertThat(countSpans("sdk-grpc-ingest")).isEqualTo(1);
        assertThat(countSpans("sdk-grpc-none")).isZero();
        assertThat(countSpans("sdk-grpc-query")).isZero();
    }

    @Test
    void healthWithoutAValidTokenSaysOnlyTheStatus() {
        JsonNode open = RunningServer.json(call(Route.get("/health", "/health", Access.OPEN), null));
        assertThat(fieldNames(open)).containsExactly("status");
        assertThat(open.get("status").asText()).isIn("ok", "degraded");

        JsonNode unknown = RunningServer.json(call(Route.get("/health", "/health", Access.OPEN), "Bearer " + UNKNOWN));
        assertThat(fieldNames(unknown)).containsExactly("status");

        JsonNode full = RunningServer.json(call(Route.get("/health", "/health", Access.OPEN), "Bearer " + QUERY));
        assertThat(fieldNames(full)).contains("status", "spansAccepted", "files", "walBytes");
    }

    @Test
    void metricsCountRefusalsByCause() {
        call(ROUTES.get(3), null);
        call(ROUTES.get(3), "Bearer " + UNKNOWN);
        call(ROUTES.get(3), "Bearer " + INGEST);
        String metrics = RunningServer.text(call(Route.get("/metrics", "/metrics", Access.QUERY), "Bearer " + OPERATOR));
        for (String cause : List.of("missing", "unknown", "scope")) {
            assertThat(refusedCount(metrics, cause)).as(cause).isPositive();
        }
        assertThat(metrics).contains("contrail_auth_reloads_total{result=\"ok\"} 0.0")
                .contains("contrail_auth_reloads_total{result=\"failed\"} 0.0");
    }

    @Test
    void aChangedFileIsReloadedAndABrokenOneKeepsTheTokensBefore(@TempDir Path data) throws IOException {
        Path file = data.resolve("auth.yaml");
        Files.writeString(file, "tokens:\n  - token: old-token\n    scopes: [query]\n");
        var config = ServerConfig.defaults(data.resolve("data")).withAddress("127.0.0.1", 0).withAuthFile(file);
        try (ContrailServer reloading = ContrailServer.start(config)) {
            Function<String, Integer> sqlAs = token -> sqlStatus(reloading, token);
            assertThat(sqlAs.apply("old-token")).isEqualTo(200);

            replace(file, "tokens:\n  - token: new-token\n    scopes: [query, ingest]\n");
            Awaitility.await("the new token is in force").atMost(Duration.ofSeconds(30))
                    .until(() -> sqlAs.apply("new-token") == 200);
            assertThat(sqlAs.apply("old-token")).isEqualTo(401);

            replace(file, "tokens:\n  - token: newer-token\n    scopes: [querry]\n");
            Awaitility.await("the broken file counted as a failed reload").atMost(Duration.ofSeconds(30))
                    .until(() -> reloading.tokens().stats().reloadsFailed() == 1);
            assertThat(sqlAs.apply("new-token")).as("the tokens before stay in force").isEqualTo(200);
            assertThat(sqlAs.apply("newer-token")).isEqualTo(401);

            Files.delete(file);
            Awaitility.await("a deleted file counted as a failed reload").atMost(Duration.ofSeconds(30))
                    .until(() -> reloading.tokens().stats().reloadsFailed() == 2);
            assertThat(sqlAs.apply("new-token")).isEqualTo(200);
            assertThat(reloading.tokens().stats().reloadsOk()).isEqualTo(1);
        }
    }

    @Test
    void aServerWithABadAuthFileDoesNotStartAndSaysWhy(@TempDir Path data) throws IOException {
        Path file = data.resolve("auth.yaml");
        Files.writeString(file, "tokens: []\n");
        var config = ServerConfig.defaults(data.resolve("data")).withAddress("127.0.0.1", 0).withAuthFile(file);

        var error = catchThrowableOfType(IllegalArgumentException.class, () -> ContrailServer.start(config).close());

        assertThat(error).hasMessage("auth file " + file + ": tokens: the list is empty; a server with --auth needs "
                + "at least one token (without --auth nothing is checked)");
        assertThat(data.resolve("data")).as("the data folder is not touched").doesNotExist();
    }

    // ---- helpers

    private static HttpResponse<byte[]> call(Route route, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(route.path()));
        if (route.method().equals("POST")) {
            request.POST(HttpRequest.BodyPublishers.ofString(route.body())).header("Content-Type", route.contentType());
        } else {
            request.GET();
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return server.send(request);
    }

    private static int sqlStatus(ContrailServer target, String token) {
        try {
            var response = java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            java.net.URI.create(target.baseUrl() + "/api/sql"))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"sql\":\"SELECT 1\"}")).build(),
                    HttpResponse.BodyHandlers.discarding());
            return response.statusCode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Spans of {@code service} in SQL, asked with the query token. */
    private static long countSpans(String service) {
        HttpResponse<byte[]> response = server.postSql("SELECT count(*) FROM spans WHERE service_name = '" + service + "'",
                "Authorization", "Bearer " + QUERY);
        assertThat(response.statusCode()).as(RunningServer.text(response)).isEqualTo(200);
        return RunningServer.json(response).get("rows").get(0).get(0).asLong();
    }


    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static double refusedCount(String metrics, String cause) {
        var matcher = java.util.regex.Pattern.compile("(?m)^contrail_auth_refused_total\\{cause=\"" + cause + "\"} (\\S+)$")
                .matcher(metrics);
        assertThat(matcher.find()).as("contrail_auth_refused_total{cause=%s} in %s", cause, metrics).isTrue();
        return Double.parseDouble(matcher.group(1));
    }

    /** Replaces the file's content in one step, as an operator's tooling should (README, 'On a network'). */
    private static void replace(Path file, String yaml) throws IOException {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        Files.writeString(next, yaml);
        Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    static Path authFile(String yaml) {
        try {
            Path file = Files.createTempFile("contrail-auth", ".yaml");
            file.toFile().deleteOnExit();
            Files.writeString(file, yaml);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sha256Hex(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
