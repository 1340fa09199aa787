package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contrail.ingest.sampling.SamplingConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real {@link ContrailServer} on 127.0.0.1 and a free port, over a fresh temporary data folder,
 * with the HTTP calls tests make against it.
 *
 * <p>Register it with {@code @RegisterExtension}: in a static field one server serves the whole
 * class; in an instance field every test gets its own. The data folder is deleted on close.
 */
final class RunningServer implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

    /** Integers come back as {@code Long}, so values compare equal to what tests expect. */
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_LONG_FOR_INTS);
    private static final TypeReference<List<Object>> LIST = new TypeReference<>() {
    };
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final UnaryOperator<ServerConfig> configure;
    /** A data folder whose contents the server starts on (copied), or null for an empty one. */
    private final Path startingData;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private Path dataDir;
    private ContrailServer server;
    private String owner;

    private RunningServer(UnaryOperator<ServerConfig> configure, Path startingData) {
        this.configure = configure;
        this.startingData = startingData;
    }

    /** A server with {@link ServerConfig#defaults} (apart from the address). */
    static RunningServer withDefaults() {
        return new RunningServer(UnaryOperator.identity(), null);
    }

    /** A server with the defaults on a copy of the data folder {@code folder} (e.g. a committed fixture). */
    static RunningServer onCopyOf(Path folder) {
        return new RunningServer(UnaryOperator.identity(), folder);
    }

    /** A server whose default configuration {@code configure} adjusts. */
    static RunningServer configured(UnaryOperator<ServerConfig> configure) {
        return new RunningServer(configure, null);
    }

    /** A sampling file holding {@code yaml}, read as the server reads its {@code --sampling} file. */
    static SamplingConfig samplingFile(String yaml) {
        try {
            Path file = Files.createTempFile("sampling", ".yaml");
            Files.writeString(file, yaml);
            SamplingConfig config = SamplingConfig.read(file);
            Files.delete(file);
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        startFor(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        startFor(context);
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        stopFor(context);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        stopFor(context);
    }

    /**
     * Starts unless already running: the first callback (the class's for a static field, each
     * test's for an instance field, never a nested class's) owns the server and its stop.
     */
    private void startFor(ExtensionContext context) throws IOException {
        if (server == null) {
            start();
            owner = context.getUniqueId();
        }
    }

    private void stopFor(ExtensionContext context) throws IOException {
        if (context.getUniqueId().equals(owner)) {
            stop();
            owner = null;
        }
    }

    private void start() throws IOException {
        dataDir = Files.createTempDirectory("contrail-http-test");
        if (startingData != null) {
            try (Stream<Path> paths = Files.walk(startingData)) {
                for (Path path : paths.toList()) {
                    Path copy = dataDir.resolve(startingData.relativize(path).toString());
                    if (Files.isDirectory(path)) {
                        Files.createDirectories(copy);
                    } else {
                        Files.copy(path, copy);
                    }
                }
            }
        }
        ServerConfig config = configure.apply(ServerConfig.defaults(dataDir).withAddress("127.0.0.1", 0));
        try {
            server = ContrailServer.start(config);
        } catch (IOException | RuntimeException e) {
            stop();
            throw e;
        }
    }

    private void stop() throws IOException {
        if (server != null) {
            server.close();
            server = null;
        }
        if (dataDir != null) {
            try (Stream<Path> paths = Files.walk(dataDir)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
            dataDir = null;
        }
    }

    /** Stops the server (a clean shutdown, which flushes) and starts a new one on the same data folder. */
    void restart() throws IOException {
        server.close();
        server = null;
        ServerConfig config = configure.apply(ServerConfig.defaults(dataDir).withAddress("127.0.0.1", 0));
        server = ContrailServer.start(config);
    }

    ContrailServer server() {
        return server;
    }

    Path dataDir() {
        return dataDir;
    }

    String baseUrl() {
        return server.baseUrl();
    }

    /** Writes every buffered span to Parquet and returns once queries can see it. */
    void flush() {
        try {
            server.store().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@link #flush()} for the tenant {@code tenant}'s spans (null: the default tenant's). */
    void flush(String tenant) {
        try {
            server.tenant(tenant).store().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits (with a deadline) until the tail sampler holds no span: every trace sent so far is decided. */
    void awaitSamplingDecisions() {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (server.store().sampler(io.contrail.ingest.sampling.TailSampler.class).map(s -> s.heldSpans()).orElse(0L) > 0) {
            assertThat(System.nanoTime()).as("sampler decided every trace in time").isLessThan(deadline);
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
    }

    // ---- raw HTTP

    HttpResponse<byte[]> get(String pathAndQuery) {
        return send(HttpRequest.newBuilder(uri(pathAndQuery)).GET());
    }

    /** POSTs {@code body}; {@code headers} are name, value pairs (Content-Type among them, if wanted). */
    HttpResponse<byte[]> post(String path, byte[] body, String... headers) {
        return post(path, HttpRequest.BodyPublishers.ofByteArray(body), headers);
    }

    HttpResponse<byte[]> post(String path, HttpRequest.BodyPublisher body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).POST(body);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    URI uri(String pathAndQuery) {
        return URI.create(baseUrl() + pathAndQuery);
    }

    HttpResponse<byte[]> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static JsonNode json(HttpResponse<byte[]> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (HTTP " + response.statusCode() + "): "
                    + new String(response.body(), StandardCharsets.UTF_8), e);
        }
    }

    static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    static String urlEncode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    // ---- the APIs

    /** GETs a JSON resource that must answer 200. */
    JsonNode getJson(String pathAndQuery) {
        HttpResponse<byte[]> response = get(pathAndQuery);
        assertThat(response.statusCode()).as("GET %s: %s", pathAndQuery, text(response)).isEqualTo(200);
        return json(response);
    }

    /** POST /api/sql with {@code {"sql": sql}} and the given headers; any status. */
    HttpResponse<byte[]> postSql(String sql, String... headers) {
        try {
            byte[] body = JSON.writeValueAsBytes(Map.of("sql", sql));
            String[] all = Stream.concat(Stream.of("Content-Type", "application/json"), Stream.of(headers))
                    .toArray(String[]::new);
            return post("/api/sql", body, all);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** POST /api/sql with {@code body} as JSON and the given headers; any status. */
    HttpResponse<byte[]> postSqlBody(Map<String, ?> body, String... headers) {
        try {
            String[] all = Stream.concat(Stream.of("Content-Type", "application/json"), Stream.of(headers))
                    .toArray(String[]::new);
            return post("/api/sql", JSON.writeValueAsBytes(body), all);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a query that must succeed and returns the JSON answer: {@code {columns, rows, truncated}}. */
    JsonNode sql(String sql) {
        HttpResponse<byte[]> response = postSql(sql);
        assertThat(response.statusCode()).as("%s: %s", sql, text(response)).isEqualTo(200);
        return json(response);
    }

    /** The rows of a query that must succeed, each row an array of values. */
    JsonNode rows(String sql) {
        return sql(sql).get("rows");
    }

    /** The single value of a one-row, one-column query. */
    JsonNode value(String sql) {
        JsonNode rows = rows(sql);
        assertThat(rows).as("rows of %s", sql).hasSize(1);
        assertThat(rows.get(0)).as("columns of %s", sql).hasSize(1);
        return rows.get(0).get(0);
    }

    /**
     * The rows of a query that must succeed, each as column name → plain Java value (String, Long,
     * Double, Boolean, List, Map or null).
     */
    List<Map<String, Object>> records(String sql) {
        JsonNode answer = sql(sql);
        List<Map<String, Object>> records = new ArrayList<>();
        for (JsonNode row : answer.get("rows")) {
            List<Object> values = JSON.convertValue(row, LIST);
            Map<String, Object> record = new LinkedHashMap<>();
            for (int i = 0; i < values.size(); i++) {
                record.put(answer.get("columns").get(i).get("name").asText(), values.get(i));
            }
            records.add(record);
        }
        return records;
    }

    /** The one row of a query that must return exactly one. */
    Map<String, Object> record(String sql) {
        List<Map<String, Object>> records = records(sql);
        assertThat(records).as("rows of %s", sql).hasSize(1);
        return records.get(0);
    }

    /** Spans stored in Parquet after a flush: what a query sees once everything buffered is written. */
    long storedSpanCount() {
        flush();
        return value("SELECT count(*) FROM spans").asLong();
    }

    JsonNode health() {
        return getJson("/health");
    }
}
