package io.contrail.bench.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * ClickHouse as the suite runs it: embedded ClickHouse (chDB, the npm package {@code chdb} pinned in
 * {@code bench/clickhouse/package-lock.json}) in a Node.js child process, {@code bench/clickhouse/driver.js},
 * holding one persistent session on a data folder and answering on a loopback HTTP port it prints.
 * One engine per peer; its process's CPU time is the engine's own (plus Node's HTTP server, a small share).
 */
final class ClickHouseEngine implements AutoCloseable {

    /** Where the driver lives, relative to the repository root. */
    static final String DRIVER_DIR = "bench/clickhouse";
    private static final Duration QUERY_TIMEOUT = Duration.ofMinutes(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final HttpClient http;
    private final URI base;
    private final String version;
    private final Path log;

    private ClickHouseEngine(Process process, int port, String version, Path log) {
        this.process = process;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
                .build();
        this.base = URI.create("http://127.0.0.1:" + port + "/");
        this.version = version;
        this.log = log;
    }

    /**
     * Starts the driver on {@code dataDir} (created if missing).
     *
     * @throws PeerUnavailableException when Node.js or the installed chdb package is missing, saying how to install it
     */
    static ClickHouseEngine start(Path repositoryRoot, Path dataDir, Path log) throws PeerUnavailableException,
            IOException, InterruptedException {
        Path driverDir = repositoryRoot.resolve(DRIVER_DIR);
        Path driver = driverDir.resolve("driver.js");
        if (!Files.isRegularFile(driver)) {
            throw new PeerUnavailableException(DRIVER_DIR + "/driver.js is missing from this checkout");
        }
        if (!Files.isDirectory(driverDir.resolve("node_modules").resolve("chdb"))) {
            throw new PeerUnavailableException("the chdb package is not installed in " + DRIVER_DIR + ": run "
                    + DRIVER_DIR + "/install (bench/run and .ci/run do)");
        }
        Files.createDirectories(dataDir);
        Process process;
        try {
            process = new ProcessBuilder("node", driver.toString(), dataDir.toString())
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new PeerUnavailableException("Node.js (`node`) cannot be started: " + e.getMessage(), e);
        }
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null) {
            process.waitFor(10, TimeUnit.SECONDS);
            String errors = Files.exists(log) ? String.join("\n", lastLines(Files.readAllLines(log), 5)) : "";
            throw new PeerUnavailableException("the ClickHouse driver exited before it listened"
                    + (process.isAlive() ? "" : " (exit " + process.exitValue() + ")") + ": " + errors);
        }
        JsonNode hello = JSON.readTree(line);
        // Nothing else comes on stdout; drain it so that a stray line cannot block the driver.
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // discard
                }
            } catch (IOException e) {
                // the driver is gone
            }
        }, "bench-clickhouse-stdout");
        drain.setDaemon(true);
        drain.start();
        return new ClickHouseEngine(process, hello.get("port").asInt(), hello.get("version").asText(), log);
    }

    private static List<String> lastLines(List<String> lines, int count) {
        return lines.subList(Math.max(0, lines.size() - count), lines.size());
    }

    String version() {
        return version;
    }

    long pid() {
        return process.pid();
    }

    /** Runs one statement; answers its result as text in {@code format}. */
    String query(String sql, String format) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("query?format=" + encode(format)))
                .timeout(QUERY_TIMEOUT).POST(HttpRequest.BodyPublishers.ofString(sql, StandardCharsets.UTF_8)).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() != 200) {
            throw new IOException("ClickHouse refused a query (" + response.statusCode() + "): " + response.body().strip()
                    + "\n  the query: " + sql);
        }
        return response.body();
    }

    /** Runs a statement without a result (DDL). */
    void execute(String sql) throws IOException, InterruptedException {
        query(sql, "TabSeparated");
    }

    /** A query whose answer is one number. */
    long singleLong(String sql) throws IOException, InterruptedException {
        return Long.parseLong(query(sql, "TabSeparated").strip());
    }

    /** One INSERT of {@code rows} (in {@code format}) into {@code table}; answers the rows ClickHouse wrote. */
    long insert(String table, String format, byte[] rows) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("insert?table=" + encode(table) + "&format=" + encode(format)))
                .timeout(QUERY_TIMEOUT).POST(HttpRequest.BodyPublishers.ofByteArray(rows)).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() != 200) {
            throw new IOException("ClickHouse refused an insert into " + table + " (" + response.statusCode() + "): "
                    + response.body().strip());
        }
        return JSON.readTree(response.body()).get("rowsWritten").asLong();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** Closes the session (the driver leaves when its stdin closes); kills the process if it does not leave. */
    @Override
    public void close() throws IOException, InterruptedException {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // already gone
        }
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    Path log() {
        return log;
    }
}
