package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Without --auth, the {@code X-Scope-OrgID} header names the tenant, as Tempo, Loki and Mimir take it: the SDK's
 * exporters send it as a header over OTLP/HTTP and as metadata over OTLP/gRPC; a request without it is the default
 * tenant's; a name that cannot be one is refused; a tenant's folder is opened again after a restart.
 */
class TenantHeaderTest {

    @RegisterExtension
    static final RunningServer server = RunningServer.withDefaults();

    private static HttpResponse<byte[]> sql(String tenant, String sql) {
        return tenant == null ? server.postSql(sql) : server.postSql(sql, Tenants.HEADER, tenant);
    }

    private static String services(String tenant) {
        HttpResponse<byte[]> response = sql(tenant, "SELECT list(DISTINCT service_name ORDER BY service_name) FROM spans");
        assertThat(response.statusCode()).as(RunningServer.text(response)).isEqualTo(200);
        return RunningServer.json(response).get("rows").get(0).get(0).toString();
    }

    @Test
    void theHeaderDecidesWhereSpansGoAndWhichOnesAQuerySees() throws IOException {
        assertThat(RecordingSpanExporter.exportOneSpan(OtlpHttpSpanExporter.builder()
                .setEndpoint(server.baseUrl() + "/v1/traces").addHeader("X-Scope-OrgID", "team-a").build(), "a-api")).isTrue();
        assertThat(RecordingSpanExporter.exportOneSpan(OtlpGrpcSpanExporter.builder()
                .setEndpoint("http://127.0.0.1:" + server.server().grpcPort()).addHeader("X-Scope-OrgID", "team-b")
                .build(), "b-api")).isTrue();
        assertThat(RecordingSpanExporter.exportOneSpan(OtlpHttpSpanExporter.builder()
                .setEndpoint(server.baseUrl() + "/v1/traces").build(), "default-api")).isTrue();
        for (String tenant : new String[] {"team-a", "team-b", null}) {
            server.flush(tenant);
        }
        assertThat(services("team-a")).isEqualTo("[\"a-api\"]");
        assertThat(services("team-b")).isEqualTo("[\"b-api\"]");
        assertThat(services(null)).isEqualTo("[\"default-api\"]");
        HttpResponse<byte[]> listed = server.send(HttpRequest.newBuilder(server.uri("/api/services")).GET()
                .header(Tenants.HEADER, "team-b"));
        assertThat(RunningServer.text(listed)).contains("b-api").doesNotContain("a-api").doesNotContain("default-api");
        // Each tenant is a data folder of its own inside the server's, opened again at start: its series are in
        // /metrics before any request names it.
        assertThat(server.dataDir().resolve(Tenants.FOLDER).resolve("team-a").resolve("spans")).isDirectory();
        server.restart();
        assertThat(RunningServer.text(server.get("/metrics"))).contains("contrail_store_live_files{tenant=\"team-a\"}")
                .contains("contrail_store_live_files{tenant=\"team-b\"}");
        assertThat(services("team-b")).isEqualTo("[\"b-api\"]");
        assertThat(services(null)).isEqualTo("[\"default-api\"]");
        try (var children = Files.list(server.dataDir().resolve(Tenants.FOLDER))) {
            assertThat(children.map(p -> p.getFileName().toString()).toList()).contains("team-a", "team-b");
        }
    }

    @Test
    void aReadForATenantWithoutSpansAnswersEmptyAndCreatesNoFolder() {
        for (String path : new String[] {"/api/services", "/health", "/metrics", "/jaeger/api/services",
                "/zipkin/api/v2/services", "/api/search", "/tempo/api/search?q=%7B%7D", "/tempo/api/v2/search/tags"}) {
            HttpResponse<byte[]> response = server.send(HttpRequest.newBuilder(server.uri(path)).GET()
                    .header(Tenants.HEADER, "ghost"));
            assertThat(response.statusCode()).as(path + ": " + RunningServer.text(response)).isEqualTo(200);
            assertThat(RunningServer.text(response)).as(path).doesNotContain("-api");
        }
        assertThat(services("ghost")).isEqualTo("null");
        assertThat(server.dataDir().resolve(Tenants.FOLDER).resolve("ghost")).doesNotExist();
    }

    @Test
    void theCommandLineReadsATenantsFolderByName() {
        assertThat(RecordingSpanExporter.exportOneSpan(OtlpHttpSpanExporter.builder()
                .setEndpoint(server.baseUrl() + "/v1/traces").addHeader("X-Scope-OrgID", "team-cli").build(), "cli-api")).isTrue();
        server.flush("team-cli");
        String data = server.dataDir().toString();
        CommandLineTest.CommandOutput own = CommandLineTest.run("sql", "--data", data, "--tenant", "team-cli",
                "--format", "csv", "SELECT DISTINCT service_name FROM spans");
        assertThat(own.exitCode()).as(own.err()).isZero();
        assertThat(own.out()).contains("cli-api");
        CommandLineTest.CommandOutput missing = CommandLineTest.run("sql", "--data", data, "--tenant", "nobody", "SELECT 1");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("--tenant: no tenant 'nobody'").contains("team-cli");
        CommandLineTest.CommandOutput bad = CommandLineTest.run("sql", "--data", data, "--tenant", "../x", "SELECT 1");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--tenant: a tenant's name must be");
    }

    @Test
    void aHeaderThatCannotNameATenantIsRefusedNamingIt() {
        for (String bad : new String[] {"../x", "a/b", ".hidden", "x".repeat(65)}) {
            HttpResponse<byte[]> response = sql(bad, "SELECT 1");
            assertThat(response.statusCode()).as(bad).isEqualTo(400);
            assertThat(RunningServer.text(response)).contains("X-Scope-OrgID").contains("letters, digits");
        }
        assertThat(RecordingSpanExporter.exportOneSpan(OtlpGrpcSpanExporter.builder()
                .setEndpoint("http://127.0.0.1:" + server.server().grpcPort()).addHeader("X-Scope-OrgID", "../up")
                .build(), "nowhere")).isFalse();
        assertThat(server.dataDir().resolve("up")).doesNotExist();
    }
}
