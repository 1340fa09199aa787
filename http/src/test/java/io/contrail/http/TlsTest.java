package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.contrail.http.tls.ServerCertificate;
import io.contrail.http.tls.TestAuthority;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code contrail serve --tls-cert CERT.pem --tls-key KEY.pem} with a CA made at test time: the real
 * OpenTelemetry SDK exporters (OTLP/HTTP and OTLP/gRPC) trusting that CA send spans that SQL over HTTPS then
 * finds, with the tokens of {@code --auth} carried inside TLS; exporters that do not trust the CA, or speak
 * plain text to a TLS port, store nothing; a plain-HTTP request fails without disturbing the server;
 * {@code demo} loads its traces over its own TLS; and each file a server must not start with is one line.
 */
class TlsTest {

    private static final TestAuthority CA = TestAuthority.create("Contrail test CA");
    private static final String INGEST = "ingest-tls-4hQ8wz";
    private static final String QUERY = "query-tls-9wE2kd";

    @TempDir
    static Path files;
    private static Path certificateFile;
    private static Path keyFile;
    private static Path authFile;
    private static ContrailServer server;
    private static final HttpClient TRUSTING_CA = CA.httpClient();

    @TempDir
    Path scratch;

    @BeforeAll
    static void start() throws IOException {
        TestAuthority.Issued issued = CA.issue();
        certificateFile = issued.writeCertificate(files);
        keyFile = issued.writeKey(files);
        authFile = Files.writeString(files.resolve("auth.yaml"), "tokens:\n"
                + "  - token: \"" + INGEST + "\"\n    tenant: shop\n    scopes: [ingest]\n"
                + "  - token: \"" + QUERY + "\"\n    tenant: shop\n    scopes: [query]\n");
        server = ContrailServer.start(ServerConfig.defaults(files.resolve("data")).withAddress("127.0.0.1", 0)
                .withAuthFile(authFile).withTls(ServerCertificate.read(certificateFile, keyFile)));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void sdkExportersTrustingTheCaSendOverTlsAndSqlOverHttpsFindsTheSpans() throws Exception {
        assertThat(server.baseUrl()).startsWith("https://127.0.0.1:");
        SpanExporter http = OtlpHttpSpanExporter.builder().setEndpoint(server.baseUrl() + "/v1/traces")
                .setTrustedCertificates(CA.pem()).addHeader("Authorization", "Bearer " + INGEST)
                .setTimeout(Duration.ofSeconds(30)).build();
        SpanExporter grpc = OtlpGrpcSpanExporter.builder().setEndpoint("https://127.0.0.1:" + server.grpcPort())
                .setTrustedCertificates(CA.pem()).addHeader("Authorization", "Bearer " + INGEST)
                .setTimeout(Duration.ofSeconds(30)).build();

        assertThat(RecordingSpanExporter.exportOneSpan(http, "tls-sdk-http")).as("OTLP/HTTP over TLS").isTrue();
        assertThat(RecordingSpanExporter.exportOneSpan(grpc, "tls-sdk-grpc")).as("OTLP/gRPC over TLS").isTrue();

        server.tenant("shop").store().flush();
        assertThat(countSpans("tls-sdk-http")).isEqualTo(1);
        assertThat(countSpans("tls-sdk-grpc")).isEqualTo(1);
    }

    @Test
    void tokensAreCheckedInsideTlsAsOverPlainHttp() throws Exception {
        assertThat(sql("SELECT 1", null).statusCode()).isEqualTo(401);
        assertThat(sql("SELECT 1", INGEST).statusCode()).isEqualTo(403);
        assertThat(sql("SELECT 1", QUERY).statusCode()).isEqualTo(200);

        SpanExporter grpcWithQueryToken = OtlpGrpcSpanExporter.builder()
                .setEndpoint("https://127.0.0.1:" + server.grpcPort()).setTrustedCertificates(CA.pem())
                .addHeader("Authorization", "Bearer " + QUERY).setTimeout(Duration.ofSeconds(30)).build();
        assertThat(RecordingSpanExporter.exportOneSpan(grpcWithQueryToken, "tls-grpc-query-token")).isFalse();
        server.tenant("shop").store().flush();
        assertThat(countSpans("tls-grpc-query-token")).isZero();
    }

    @Test
    void exportersThatDoNotTrustTheCaOrSpeakPlainTextFailAndStoreNothing() throws Exception {
        String https = "https://127.0.0.1:";
        String plain = "http://127.0.0.1:";
        Map<String, SpanExporter> exporters = Map.of(
                "tls-untrusted-http", OtlpHttpSpanExporter.builder().setEndpoint(https + server.port() + "/v1/traces")
                        .addHeader("Authorization", "Bearer " + INGEST).setTimeout(Duration.ofSeconds(10)).build(),
                "tls-untrusted-grpc", OtlpGrpcSpanExporter.builder().setEndpoint(https + server.grpcPort())
                        .addHeader("Authorization", "Bearer " + INGEST).setTimeout(Duration.ofSeconds(10)).build(),
                "tls-plain-http", OtlpHttpSpanExporter.builder().setEndpoint(plain + server.port() + "/v1/traces")
                        .addHeader("Authorization", "Bearer " + INGEST).setTimeout(Duration.ofSeconds(10)).build(),
                "tls-plain-grpc", OtlpGrpcSpanExporter.builder().setEndpoint(plain + server.grpcPort())
                        .addHeader("Authorization", "Bearer " + INGEST).setTimeout(Duration.ofSeconds(10)).build());

        for (var exporter : exporters.entrySet()) {
            assertThat(RecordingSpanExporter.exportOneSpan(exporter.getValue(), exporter.getKey())).as(exporter.getKey()).isFalse();
        }

        server.tenant("shop").store().flush();
        for (String service : exporters.keySet()) {
            assertThat(countSpans(service)).as(service).isZero();
        }
    }

    @Test
    void aPlainHttpRequestToTheHttpsPortFailsAndTheServerKeepsServingWithoutAStackTrace() throws Exception {
        Path data = scratch.resolve("child-data");
        Path log = scratch.resolve("child.log");
        try (ChildServer child = ChildServer.start(List.of(), List.of("-Xmx512m"), data, log,
                "--tls-cert", certificateFile.toString(), "--tls-key", keyFile.toString())) {
            URI base = child.baseUrl();
            assertThat(base.getScheme()).isEqualTo("https");

            // The bytes of a plain request are no TLS record: the handshake fails and the connection is closed.
            byte[] answer;
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", base.getPort()), 10_000);
                socket.setSoTimeout(30_000);
                OutputStream out = socket.getOutputStream();
                out.write(("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = socket.getInputStream();
                answer = in.readAllBytes();
            }
            // Nothing, or one TLS alert record (content type 21), and no HTTP answer in plain text.
            assertThat(answer.length == 0 || answer[0] == 21).as("a TLS alert or nothing, then the close").isTrue();
            assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotContain("HTTP/1.1").doesNotContain("status");

            HttpClient plainClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            URI plainHealth = URI.create("http://127.0.0.1:" + base.getPort() + "/health");
            assertThatThrownBy(() -> plainClient.send(HttpRequest.newBuilder(plainHealth).timeout(Duration.ofSeconds(30))
                    .build(), HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);

            HttpResponse<String> health = TRUSTING_CA.send(HttpRequest.newBuilder(base.resolve("/health"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
            assertThat(child.output()).doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    @Test
    void demoLoadsItsTracesOverItsOwnTlsWithAndWithoutTokens() {
        CommandLineTest.CommandOutput plain = CommandLineTest.run("demo", "--exit", "--traces", "2", "--port", "0",
                "--tls-cert", certificateFile.toString(), "--tls-key", keyFile.toString(),
                "--data", scratch.resolve("demo").toString());
        assertThat(plain.exitCode()).as(plain.err()).isZero();
        assertThat(plain.out()).containsPattern("Contrail listening on https://127\\.0\\.0\\.1:\\d+ and OTLP/gRPC "
                + "https://127\\.0\\.0\\.1:\\d+ and Flight SQL grpc\\+tls://127\\.0\\.0\\.1:\\d+")
                .containsPattern("Loaded 2 demo traces \\(\\d+ spans\\)");

        CommandLineTest.CommandOutput withTokens = CommandLineTest.run("demo", "--exit", "--traces", "2", "--port", "0",
                "--host", "0.0.0.0", "--tls-cert", certificateFile.toString(), "--tls-key", keyFile.toString(),
                "--auth", authFile.toString(), "--data", scratch.resolve("demo-auth").toString());
        assertThat(withTokens.exitCode()).as(withTokens.err()).isZero();
        assertThat(withTokens.out()).containsPattern("Contrail listening on https://0\\.0\\.0\\.0:\\d+ \\(from this machine: "
                + "https://127\\.0\\.0\\.1:\\d+\\)").containsPattern("Loaded 2 demo traces \\(\\d+ spans\\)");
        assertThat(withTokens.err()).as("with tokens and TLS there is nothing to warn about")
                .doesNotContain("WARNING").doesNotContain("NOTE");
    }

    @Test
    void oneOptionWithoutTheOtherIsOneLineNamingWhatIsMissing() {
        Path data = scratch.resolve("never");
        CommandLineTest.CommandOutput certOnly = CommandLineTest.run("serve", "--port", "0", "--data", data.toString(),
                "--tls-cert", certificateFile.toString());
        assertThat(certOnly.exitCode()).isEqualTo(2);
        assertThat(certOnly.err().strip()).isEqualTo("contrail serve: --tls-cert needs --tls-key KEY.pem, the "
                + "certificate's private key (see contrail serve --help)");

        CommandLineTest.CommandOutput keyOnly = CommandLineTest.run("serve", "--port", "0", "--data", data.toString(),
                "--tls-key", keyFile.toString());
        assertThat(keyOnly.exitCode()).isEqualTo(2);
        assertThat(keyOnly.err().strip()).isEqualTo("contrail serve: --tls-key needs --tls-cert CERT.pem, the "
                + "certificate chain it belongs to (see contrail serve --help)");
        assertThat(data).as("the data folder is not created").doesNotExist();
    }

    @Test
    void aMissingFileAKeyOfAnotherCertificateAndAnExpiredCertificateAreEachOneLine() {
        Path missing = Path.of("certs", "missing.pem");
        TestAuthority.Issued other = CA.issue();
        Path otherKey = TestAuthority.writePkcs8Key(scratch.resolve("other-key.pem"), other.keys().getPrivate());
        Instant now = Instant.now();
        TestAuthority.Issued expired = CA.issue(other.keys(), now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1)));
        Path expiredCertificate = TestAuthority.writePem(scratch.resolve("expired.pem"), expired.certificate());

        Map<List<String>, String> expected = Map.of(
                List.of(missing.toString(), keyFile.toString()), "contrail: --tls-cert " + missing + ": no such file",
                List.of(certificateFile.toString(), otherKey.toString()), "contrail: --tls-key " + otherKey
                        + ": the private key does not belong to the certificate of --tls-cert " + certificateFile
                        + " (is it the key the certificate was issued for?)",
                List.of(expiredCertificate.toString(), otherKey.toString()), "contrail: --tls-cert " + expiredCertificate
                        + ": the certificate expired on " + expired.certificate().getNotAfter().toInstant());
        Path data = scratch.resolve("never");
        for (var files : expected.entrySet()) {
            CommandLineTest.CommandOutput output = CommandLineTest.run("serve", "--port", "0", "--data", data.toString(),
                    "--tls-cert", files.getKey().get(0), "--tls-key", files.getKey().get(1));
            assertThat(output.exitCode()).isEqualTo(2);
            assertThat(output.err().strip()).isEqualTo(files.getValue());
            assertThat(output.out()).isEmpty();
        }
        assertThat(data).as("the data folder is not created").doesNotExist();
    }

    /** {@code POST /api/sql} over HTTPS, trusting the test CA, with {@code token} (none when null). */
    private static HttpResponse<String> sql(String query, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/sql"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(RunningServer.JSON.writeValueAsBytes(Map.of("sql", query))));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return TRUSTING_CA.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long countSpans(String service) throws IOException, InterruptedException {
        HttpResponse<String> response = sql("SELECT count(*) FROM spans WHERE service_name = '" + service + "'", QUERY);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode rows = RunningServer.JSON.readTree(response.body()).get("rows");
        return rows.get(0).get(0).asLong();
    }

}
