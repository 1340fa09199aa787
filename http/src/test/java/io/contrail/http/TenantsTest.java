package io.contrail.http;

import static io.contrail.http.OtlpSpans.span;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tenants: each token's tenant (and, without --auth, the X-Scope-OrgID header) keeps its spans in a data folder of
 * its own and sees only those, through every read API and SQL; a tenant's SQL cannot reach another tenant's files
 * by any path, glob, view or function tried; a tenant's own limits and retention touch it alone.
 */
class TenantsTest {

    private static final String SHOP_INGEST = "shop-ingest-5tR8wq";
    private static final String SHOP_QUERY = "shop-query-9pQ2zx";
    private static final String BANK_INGEST = "bank-ingest-3xV7kd";
    private static final String BANK_QUERY = "bank-query-6mW4ty";
    /** A token without a tenant: the default tenant, the data folder's own spans. */
    private static final String DEFAULT = "default-both-2kJ9pl";
    private static final String LIMITED = "limited-ingest-8cN1rs";
    private static final String BRIEF = "brief-both-4hT6mb";
    private static final String TINY = "tiny-both-1qZ5vc";
    private static final Path AUTH_FILE = AuthTest.authFile("tokens:\n"
            + token(SHOP_INGEST, "shop", "ingest") + token(SHOP_QUERY, "shop", "query")
            + token(BANK_INGEST, "bank", "ingest") + token(BANK_QUERY, "bank", "query")
            + token(DEFAULT, null, "ingest, query") + token(LIMITED, "limited", "ingest, query")
            + token(BRIEF, "brief", "ingest, query") + token(TINY, "tiny", "ingest, query")
            + "tenants:\n"
            + "  limited:\n"
            + "    max_spans_per_second: 1\n"
            + "  tiny:\n"
            + "    max_buffered_bytes: 1KB\n"
            + "  brief:\n"
            + "    retention: 1h\n");

    @RegisterExtension
    static final RunningServer server = RunningServer.configured(config -> config.withAuthFile(AUTH_FILE)
            // Spans reach Parquet when a test flushes, so a full buffer stays full until then.
            .withStore(store -> store.withWrites(w -> w.withMaxBufferAge(Duration.ofHours(1)).withMaxBufferWait(Duration.ZERO))));

    /** The one trace ID every tenant sends: they must still never see each other's spans. */
    private static final String TRACE = "5b8efff798038103d269b633813fc60c";
    /** In every span of the bank: no answer to another tenant may hold it. */
    private static final String BANK_SECRET = "bank-secret-7f3a";

    private static final long DAY_AGO = Instant.now().minus(Duration.ofDays(1)).toEpochMilli();
    private static final long HOUR_AHEAD = Instant.now().plus(Duration.ofHours(1)).toEpochMilli();

    private static String token(String token, String tenant, String scopes) {
        return "  - token: \"" + token + "\"\n" + (tenant == null ? "" : "    tenant: " + tenant + "\n")
                + "    scopes: [" + scopes + "]\n";
    }

    @BeforeAll
    static void everyTenantSendsTheSameTrace() {
        // The shop through the SDK's OTLP/HTTP exporter, the bank through its OTLP/gRPC one, the default tenant
        // over plain OTLP/HTTP: one trace ID, three tenants.
        assertThat(exportTrace(OtlpHttpSpanExporter.builder().setEndpoint(server.baseUrl() + "/v1/traces")
                .addHeader("Authorization", "Bearer " + SHOP_INGEST).build(), "shop-frontend", "shop")).isTrue();
        assertThat(exportTrace(OtlpGrpcSpanExporter.builder()
                .setEndpoint("http://127.0.0.1:" + server.server().grpcPort())
                .addHeader("Authorization", "Bearer " + BANK_INGEST).build(), "bank-ledger", BANK_SECRET)).isTrue();
        HttpResponse<byte[]> plain = server.post("/v1/traces", OtlpSpans.request().add("default-gateway",
                        span(TRACE, "00f067aa0ba902b7", "GET /", io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER,
                                Instant.now().minusSeconds(5), Duration.ofMillis(3))).toByteArray(),
                "Content-Type", OtlpSpans.PROTOBUF, "Authorization", "Bearer " + DEFAULT);
        assertThat(plain.statusCode()).as(RunningServer.text(plain)).isEqualTo(200);
        for (String tenant : new String[] {null, "shop", "bank"}) {
            server.flush(tenant);
        }
    }

    /** Exports one span of {@link #TRACE} for {@code service} through the SDK with {@code exporter}. */
    private static boolean exportTrace(SpanExporter exporter, String service, String marker) {
        RecordingSpanExporter recorder = new RecordingSpanExporter(exporter);
        try (SdkTracerProvider provider = SdkTracerProvider.builder()
                .setIdGenerator(new FixedTrace())
                .setResource(Resource.getDefault().merge(Resource.builder().put("service.name", service).build()))
                .addSpanProcessor(SimpleSpanProcessor.create(recorder))
                .build()) {
            provider.get("io.contrail.test").spanBuilder("POST /pay").setSpanKind(SpanKind.SERVER)
                    .setAllAttributes(Attributes.builder().put("app.marker", marker).build()).startSpan().end();
            provider.forceFlush().join(60, TimeUnit.SECONDS);
        }
        List<CompletableResultCode> results = recorder.results();
        return results.size() == 1 && results.get(0).join(60, TimeUnit.SECONDS).isSuccess();
    }

    /** {@code count} spans of {@code service} starting now, each its own trace, numbered from {@code first}. */
    private static OtlpSpans.Request spans(String service, int count, int first) {
        OtlpSpans.Request request = OtlpSpans.request();
        for (int i = first; i < first + count; i++) {
            request.add(service, span(OtlpSpans.traceId(i), OtlpSpans.spanId(i), "GET /",
                    io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER, Instant.now(), Duration.ofMillis(1)));
        }
        return request;
    }

    /** Exports one span for {@code service} over raw OTLP/gRPC with {@code metadata}; the status answered. */
    private static Status grpcExport(String service, String... metadata) {
        byte[] request = OtlpSpans.request().add(service, span(TRACE, "00000000000000aa", "GET /",
                io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER, Instant.now(), Duration.ofMillis(1)))
                .toByteArray();
        try (GrpcExportClient client = new GrpcExportClient(server.server().grpcPort())) {
            client.exportWith(request, metadata);
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    /** Every span in {@link #TRACE}, span IDs counting up. */
    private static final class FixedTrace implements IdGenerator {
        private final AtomicInteger next = new AtomicInteger(1);

        @Override
        public String generateSpanId() {
            return String.format("%016x", next.getAndIncrement());
        }

        @Override
        public String generateTraceId() {
            return TRACE;
        }
    }

    private static HttpResponse<byte[]> get(String token, String pathAndQuery) {
        return server.send(HttpRequest.newBuilder(server.uri(pathAndQuery)).GET()
                .header("Authorization", "Bearer " + token));
    }

    private static String answer(String token, String pathAndQuery) {
        HttpResponse<byte[]> response = get(token, pathAndQuery);
        assertThat(response.statusCode()).as("GET %s: %s", pathAndQuery, RunningServer.text(response)).isEqualTo(200);
        return RunningServer.text(response);
    }

    private static HttpResponse<byte[]> sql(String token, String sql) {
        return server.postSql(sql, "Authorization", "Bearer " + token);
    }

    private static JsonNode rows(String token, String sql) {
        HttpResponse<byte[]> response = sql(token, sql);
        assertThat(response.statusCode()).as("%s: %s", sql, RunningServer.text(response)).isEqualTo(200);
        return RunningServer.json(response).get("rows");
    }

    @Test
    void eachTenantSeesOnlyItsOwnSpansOfTheSameTraceEverywhere() {
        String[][] tenants = {{SHOP_QUERY, "shop-frontend"}, {BANK_QUERY, "bank-ledger"}, {DEFAULT, "default-gateway"}};
        for (String[] tenant : tenants) {
            String token = tenant[0];
            String own = tenant[1];
            List<String> others = Stream.of(tenants).map(t -> t[1]).filter(s -> !s.equals(own)).toList();
            assertThat(rows(token, "SELECT DISTINCT service_name FROM spans").toString()).contains(own)
                    .doesNotContain(others);
            assertThat(rows(token, "SELECT count(*) FROM spans WHERE trace_id = '" + TRACE + "'").get(0).get(0).asLong())
                    .as("%s's spans of the shared trace", own).isEqualTo(1);
            assertThat(rows(token, "SELECT services FROM traces WHERE trace_id = '" + TRACE + "'").toString())
                    .contains(own).doesNotContain(others);
            String[] reads = {
                "/api/services",
                "/api/traces/" + TRACE,
                "/api/search?start=" + DAY_AGO + "&end=" + HOUR_AHEAD,
                "/api/metrics/red?range=all",
                "/api/dependencies?start=" + DAY_AGO + "&end=" + HOUR_AHEAD,
                "/jaeger/api/services",
                "/jaeger/api/traces/" + TRACE,
                "/jaeger/api/traces?service=" + own + "&lookback=2d",
                "/zipkin/api/v2/services",
                "/zipkin/api/v2/trace/" + TRACE,
                "/zipkin/api/v2/traces?serviceName=" + own,
                "/tempo/api/v2/traces/" + TRACE,
                "/tempo/api/search?q=%7B%7D&start=" + DAY_AGO / 1000 + "&end=" + HOUR_AHEAD / 1000,
                "/tempo/api/v2/search/tag/resource.service.name/values?start=" + DAY_AGO / 1000,
            };
            for (String read : reads) {
                assertThat(answer(token, read)).as("%s for %s", read, own).doesNotContain(others);
            }
            assertThat(answer(token, "/api/traces/" + TRACE)).contains(own);
            assertThat(answer(token, "/jaeger/api/traces/" + TRACE)).contains(own);
            assertThat(answer(token, "/zipkin/api/v2/trace/" + TRACE)).contains(own);
            assertThat(answer(token, "/tempo/api/v2/traces/" + TRACE)).contains(own);
            assertThat(answer(token, "/tempo/api/v2/search/tag/resource.service.name/values?start=" + DAY_AGO / 1000))
                    .contains(own);
            assertThat(answer(token, "/api/services")).contains(own);
            // Another tenant's service is unknown here, not empty because of a filter.
            for (String other : others) {
                assertThat(answer(token, "/jaeger/api/traces?service=" + other + "&lookback=2d"))
                        .doesNotContain(TRACE);
                assertThat(answer(token, "/zipkin/api/v2/traces?serviceName=" + other)).doesNotContain(TRACE);
            }
        }
    }

    @Test
    void aTenantsSqlCannotReachAnotherTenantsFilesByAnyPathGlobViewOrFunction() throws IOException {
        Path data = server.dataDir().toAbsolutePath();
        Path bankFolder = data.resolve(Tenants.FOLDER).resolve("bank");
        Path bankFile;
        Path bankLog;
        try (Stream<Path> files = Files.walk(bankFolder.resolve("spans"))) {
            bankFile = files.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
        }
        try (Stream<Path> files = Files.walk(bankFolder.resolve("wal"))) {
            bankLog = files.filter(Files::isRegularFile).findFirst().orElseThrow();
        }
        Path shopSpans = data.resolve(Tenants.FOLDER).resolve("shop").resolve("spans");
        String file = bankFile.toString();
        List<String> attempts = List.of(
                // the file itself, by its path, as a table, by URL, and every file reader DuckDB has
                "SELECT * FROM read_parquet('" + file + "')",
                "SELECT * FROM '" + file + "'",
                "SELECT * FROM read_parquet('file://" + file + "')",
                "SELECT * FROM parquet_scan('" + file + "')",
                "SELECT * FROM parquet_metadata('" + file + "')",
                "SELECT * FROM parquet_schema('" + file + "')",
                "SELECT * FROM parquet_file_metadata('" + file + "')",
                "SELECT * FROM parquet_kv_metadata('" + file + "')",
                "SELECT * FROM read_text('" + file + "')",
                "SELECT * FROM read_blob('" + file + "')",
                "SELECT * FROM read_csv('" + file + "', all_varchar = true)",
                "SELECT * FROM read_json('" + file + "')",
                "SELECT * FROM sniff_csv('" + file + "')",
                // the bank's log, which holds its requests as sent
                "SELECT * FROM read_blob('" + bankLog + "')",
                "SELECT * FROM read_text('" + bankLog + "')",
                // globs over every tenant, from the data folder and from the shop's own folder
                "SELECT * FROM read_parquet('" + data + "/tenants/*/spans/*/*/*.parquet')",
                "SELECT * FROM read_parquet('" + data + "/**/*.parquet')",
                "SELECT * FROM read_parquet('" + shopSpans + "/../../bank/spans/*/*/*.parquet')",
                "SELECT * FROM read_parquet('" + shopSpans + "/../../*/spans/**/*.parquet')",
                "SELECT * FROM read_parquet('tenants/bank/spans/*/*/*.parquet')",
                "SELECT * FROM read_parquet('../bank/spans/*/*/*.parquet')",
                "SELECT * FROM read_parquet(['" + shopSpans + "/x.parquet', '" + file + "'])",
                "SELECT * FROM glob('" + data + "/tenants/bank/**')",
                "SELECT * FROM glob('" + data + "/**')",
                "SELECT * FROM glob('" + shopSpans + "/../../bank/**')",
                // SQL run from a string, and the catalog
                "SELECT * FROM query('SELECT * FROM read_parquet(''" + file + "'')')",
                "SELECT * FROM query_table('" + file + "')",
                "SELECT * FROM duckdb_databases()",
                "SELECT * FROM duckdb_tables()",
                "SELECT * FROM information_schema.tables",
                "ATTACH '" + bankFolder + "/bank.duckdb' AS bank",
                "COPY (SELECT 1) TO '" + bankFolder + "/spans/x.parquet'",
                // the shop's own views
                "SELECT * FROM spans",
                "SELECT * FROM traces",
                "SELECT * FROM sampling_stats");
        List<String> leaked = new ArrayList<>();
        for (String attempt : attempts) {
            HttpResponse<byte[]> response = sql(SHOP_QUERY, attempt);
            String body = RunningServer.text(response);
            if (body.contains(BANK_SECRET) || body.contains("bank-ledger") || (response.statusCode() == 200
                    && (body.contains(bankFolder.toString()) || body.contains("tenants/bank")))) {
                leaked.add(attempt + " → " + response.statusCode() + " " + body);
            }
            assertThat(response.statusCode()).as("%s: %s", attempt, body).isNotEqualTo(500);
        }
        assertThat(leaked).as("statements of the shop's that read the bank's files").isEmpty();
        // The bank's own SQL reads them: the marker is there to be found.
        assertThat(rows(BANK_QUERY, "SELECT \"attr.app.marker\" FROM spans").toString()).contains(BANK_SECRET);
        // The default tenant's folder holds the others' folders; its SQL cannot reach them either.
        for (String attempt : List.of("SELECT * FROM read_parquet('" + file + "')",
                "SELECT * FROM read_parquet('" + data + "/tenants/*/spans/*/*/*.parquet')",
                "SELECT * FROM glob('" + data + "/tenants/**')")) {
            HttpResponse<byte[]> response = sql(DEFAULT, attempt);
            assertThat(RunningServer.text(response)).as(attempt).doesNotContain(BANK_SECRET).doesNotContain("bank-ledger");
            if (response.statusCode() == 200) {
                assertThat(RunningServer.text(response)).as(attempt).doesNotContain(bankFile.getFileName().toString());
            }
        }
    }

    @Test
    void metricsCountEachTenantAndShowATenantOnlyItsOwn() {
        // The operator (a token of the default tenant) sees every tenant's series, labelled; a tenant only its own.
        String operator = answer(DEFAULT, "/metrics");
        assertThat(operator).contains("contrail_ingest_spans_accepted_total{tenant=\"bank\"} 1.0")
                .contains("contrail_ingest_spans_accepted_total{tenant=\"shop\"}")
                .contains("contrail_http_request_duration_seconds");
        String shop = answer(SHOP_QUERY, "/metrics");
        assertThat(shop).contains("contrail_ingest_spans_accepted_total{tenant=\"shop\"}").doesNotContain("bank")
                .doesNotContain("contrail_http_request_duration_seconds");
        // /health, too, describes the token's tenant.
        assertThat(answer(BANK_QUERY, "/health")).contains("\"spansAccepted\":1,");
    }

    @Test
    void aHeaderNamingAnotherTenantThanTheTokensIsRefused() {
        HttpResponse<byte[]> other = server.send(HttpRequest.newBuilder(server.uri("/api/services")).GET()
                .header("Authorization", "Bearer " + SHOP_QUERY).header("X-Scope-OrgID", "bank"));
        assertThat(other.statusCode()).isEqualTo(403);
        assertThat(RunningServer.text(other)).contains("X-Scope-OrgID").contains("shop").doesNotContain("bank-ledger");
        HttpResponse<byte[]> same = server.send(HttpRequest.newBuilder(server.uri("/api/services")).GET()
                .header("Authorization", "Bearer " + SHOP_QUERY).header("X-Scope-OrgID", "shop"));
        assertThat(same.statusCode()).isEqualTo(200);
        assertThat(RunningServer.text(same)).contains("shop-frontend");
        // The same over OTLP/gRPC: PERMISSION_DENIED, naming the metadata.
        Status refused = grpcExport("shop-as-bank", "authorization", "Bearer " + SHOP_INGEST, "x-scope-orgid", "bank");
        assertThat(refused.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(refused.getDescription()).contains("X-Scope-OrgID").contains("shop");
    }

    @Test
    void aTenantOverItsRateIsAnswered429WithRetryAfterWhileOthersGoOn() {
        byte[] body = spans("limited-svc", 50, 9000).toByteArray();
        String[] headers = {"Content-Type", OtlpSpans.PROTOBUF, "Authorization", "Bearer " + LIMITED};
        // One span per second: the first request of 50 empties the bucket and owes 49 s, so the next is refused.
        HttpResponse<byte[]> first = server.post("/v1/traces", body, headers);
        assertThat(first.statusCode()).as(RunningServer.text(first)).isEqualTo(200);
        HttpResponse<byte[]> second = server.post("/v1/traces", body, headers);
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(RunningServer.text(second)).contains("max_spans_per_second");
        assertThat(Integer.parseInt(second.headers().firstValue("Retry-After").orElseThrow())).isBetween(40, 50);
        // Over OTLP/gRPC the refusal is RESOURCE_EXHAUSTED, with the delay as RetryInfo.
        Status overRate = grpcExport("limited-svc", "authorization", "Bearer " + LIMITED);
        assertThat(overRate.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(overRate.getDescription()).contains("max_spans_per_second");
        // Other tenants are not held back.
        assertThat(exportTrace(OtlpHttpSpanExporter.builder().setEndpoint(server.baseUrl() + "/v1/traces")
                .addHeader("Authorization", "Bearer " + SHOP_INGEST).build(), "shop-frontend", "shop")).isTrue();
        server.flush("limited");
        assertThat(rows(LIMITED, "SELECT count(*) FROM spans").get(0).get(0).asLong()).isEqualTo(50);
    }

    @Test
    void aTenantOverItsBufferIsAnswered429WithRetryAfter() {
        OtlpSpans.Request many = spans("tiny-svc", 200, 8000);
        String[] headers = {"Content-Type", OtlpSpans.PROTOBUF, "Authorization", "Bearer " + TINY};
        // An empty buffer takes any one request; the next finds the tenant's 1 KB taken.
        HttpResponse<byte[]> first = server.post("/v1/traces", many.toByteArray(), headers);
        assertThat(first.statusCode()).as(RunningServer.text(first)).isEqualTo(200);
        HttpResponse<byte[]> response = server.post("/v1/traces", many.toByteArray(), headers);
        assertThat(response.statusCode()).as(RunningServer.text(response)).isEqualTo(429);
        assertThat(RunningServer.text(response)).contains("tenant 'tiny'");
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
        assertThat(exportTrace(OtlpHttpSpanExporter.builder().setEndpoint(server.baseUrl() + "/v1/traces")
                .addHeader("Authorization", "Bearer " + SHOP_INGEST).build(), "shop-frontend", "shop")).isTrue();
    }

    @Test
    void aTenantsRetentionFromTheAuthFileRetiresItsSpansOnly() {
        Instant threeHoursAgo = Instant.now().minus(Duration.ofHours(3));
        OtlpSpans.Request spans = OtlpSpans.request()
                .add("archive", span(OtlpSpans.traceId(7001), OtlpSpans.spanId(7001), "GET /old",
                        io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER, threeHoursAgo, Duration.ofMillis(5)))
                .add("fresh", span(OtlpSpans.traceId(7002), OtlpSpans.spanId(7002), "GET /new",
                        io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER, Instant.now(), Duration.ofMillis(5)));
        for (String token : new String[] {BRIEF, DEFAULT}) {
            HttpResponse<byte[]> response = server.post("/v1/traces", spans.toByteArray(),
                    "Content-Type", OtlpSpans.PROTOBUF, "Authorization", "Bearer " + token);
            assertThat(response.statusCode()).as(RunningServer.text(response)).isEqualTo(200);
        }
        server.flush("brief");
        server.flush(null);
        assertThat(server.server().tenant("brief").store().config().retention().maxAge()).isEqualTo(Duration.ofHours(1));
        assertThat(server.server().store().config().retention().enabled()).isFalse();
        String byService = "SELECT service_name, count(*) FROM spans WHERE service_name IN ('archive', 'fresh') "
                + "GROUP BY 1 ORDER BY 1";
        // The tenant's retention (1 h, from the auth file) retires its three-hour-old span; the default tenant,
        // which has none, keeps it.
        Awaitility.await().atMost(Duration.ofSeconds(60))
                .until(() -> rows(BRIEF, byService).toString().equals("[[\"fresh\",1]]"));
        assertThat(rows(DEFAULT, byService).toString()).isEqualTo("[[\"archive\",1],[\"fresh\",1]]");
    }
}
