package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The notebook of {@code docs/notebooks/} as an engineer runs it: {@code scripts/notebook} executes it with
 * Debian's Jupyter ({@code jupyter nbconvert --execute}) against a real server holding the demo traces that
 * {@code contrail demo} loads, and every cell must show what the server holds: the routes of the demo shop with
 * the slowest at the tail first, every service build's error rate, the services on the slowest trace's critical
 * path, and a chart. The committed copy must hold its outputs and nothing of the machine it ran on.
 */
class NotebookTest {

    private static final Path NOTEBOOK = Path.of("docs", "notebooks", "last-hour.ipynb");
    private static final int DEMO_TRACES = 300;
    /** Kernel start, pandas and matplotlib imports and the cells; a cell may take 300 s before nbconvert gives up. */
    private static final long RUN_TIMEOUT_SECONDS = 600;
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    /** The notebook's "last hour": the hour before the newest span, as the notebook anchors it. */
    private static final String IN_THE_WINDOW = "start_time >= (SELECT max(start_time) - INTERVAL 1 HOUR FROM spans)";

    @RegisterExtension
    static final RunningServer server = RunningServer.withDefaults();

    @TempDir
    Path scratch;

    @BeforeAll
    static void loadDemoTraces() throws Exception {
        new DemoLoader(URI.create(server.baseUrl()), new PrintStream(OutputStream.nullOutputStream())).load(DEMO_TRACES);
        server.flush();
    }

    @Test
    void everyCellShowsWhatTheDemoServerHolds() throws Exception {
        Map<String, JsonNode> cells = codeCells(execute());

        assertThat(cells).containsKeys("connect", "load-spans", "p99-per-route", "error-rate", "critical-path", "chart");
        for (var cell : cells.entrySet()) {
            assertThat(cell.getValue().get("execution_count").isNumber()).as("cell %s ran", cell.getKey()).isTrue();
            assertThat(cell.getValue().get("outputs")).as("outputs of cell %s", cell.getKey()).isNotEmpty()
                    .noneMatch(output -> output.get("output_type").asText().equals("error"));
        }

        List<Map<String, Object>> routesByP99 = server.records("""
                SELECT service_name, "attr.http.route" AS route, quantile_cont(duration_nanos, 0.99) AS p99
                FROM spans WHERE kind = 'SERVER' AND "attr.http.route" IS NOT NULL AND %s
                GROUP BY ALL ORDER BY p99 DESC""".formatted(IN_THE_WINDOW));
        Set<String> routes = new TreeSet<>();
        routesByP99.forEach(row -> routes.add((String) row.get("route")));
        assertThat(routes).as("the demo shop's routes").contains("/api/checkout", "/api/cart", "/api/products/{productId}");
        String p99Table = shownText(cells.get("p99-per-route"));
        assertThat(p99Table).contains(routes);
        assertThat(firstRouteIn(p99Table, routes)).as("the route listed first, the slowest at p99")
                .isEqualTo(routesByP99.get(0).get("route"));

        String errorRates = shownText(cells.get("error-rate"));
        for (var build : server.records("SELECT DISTINCT service_name, \"resource.service.version\" AS version "
                + "FROM spans WHERE kind = 'SERVER' AND " + IN_THE_WINDOW)) {
            assertThat(errorRates).as("the error rate of %s", build).contains((String) build.get("service_name"),
                    (String) build.get("version"));
        }

        String slowestTraceId = (String) server.record("SELECT trace_id FROM spans WHERE parent_span_id IS NULL AND "
                + IN_THE_WINDOW + " ORDER BY duration_nanos DESC, trace_id LIMIT 1").get("trace_id");
        Set<String> onTheCriticalPath = new TreeSet<>();
        for (JsonNode span : server.getJson("/api/traces/" + slowestTraceId).get("spans")) {
            if (span.get("criticalPathNanos").asLong() > 0) {
                onTheCriticalPath.add(span.get("serviceName").asText());
            }
        }
        assertThat(onTheCriticalPath).as("services on the slowest trace's critical path").isNotEmpty();
        assertThat(shownText(cells.get("critical-path"))).contains(slowestTraceId).contains(onTheCriticalPath);

        assertThat(pngs(cells.get("chart"))).as("the chart").singleElement()
                .satisfies(png -> assertThat(Arrays.copyOf(png, PNG_SIGNATURE.length)).isEqualTo(PNG_SIGNATURE))
                .satisfies(png -> assertThat(png.length).isGreaterThan(20_000));
    }

    @Test
    void theCommittedNotebookHoldsItsOutputsAndNothingOfTheMachineItRanOn() throws IOException {
        Map<String, JsonNode> cells = codeCells(RunningServer.JSON.readTree(
                RepositoryRoot.find().resolve(NOTEBOOK).toFile()));

        StringBuilder allText = new StringBuilder();
        for (var cell : cells.entrySet()) {
            assertThat(cell.getValue().get("outputs")).as("outputs of the committed cell %s (scripts/notebook "
                    + "writes them)", cell.getKey()).isNotEmpty()
                    .noneMatch(output -> output.get("output_type").asText().equals("error"));
            assertThat(cell.getValue().get("metadata").has("execution")).as("execution times of %s", cell.getKey())
                    .isFalse();
            allText.append(shownText(cell.getValue())).append('\n');
        }
        assertThat(shownText(cells.get("p99-per-route"))).contains("/api/checkout", "/api/cart");
        assertThat(pngs(cells.get("chart"))).as("the committed chart").hasSize(1);

        assertThat(allText.toString()).as("paths of a machine in the outputs")
                .doesNotContain("/tmp/", "/root", "/home/", "/work/", "/Users/", "file://");
        Matcher port = Pattern.compile("\\b(?:127\\.0\\.0\\.1|localhost):(\\d+)").matcher(allText);
        while (port.find()) {
            assertThat(port.group(1)).as("a port in the outputs: %s", port.group()).isEqualTo("4318");
        }
    }

    /** Runs {@code scripts/notebook --output-dir} against the server; the executed copy. */
    private JsonNode execute() throws IOException, InterruptedException {
        Path root = RepositoryRoot.find();
        Path out = scratch.resolve("executed");
        ProcessBuilder run = new ProcessBuilder(root.resolve("scripts/notebook").toString(), "--output-dir", out.toString())
                .directory(root.toFile()).redirectErrorStream(true);
        run.environment().put("CONTRAIL_URL", server.baseUrl());
        run.environment().remove("CONTRAIL_TOKEN");
        run.environment().put("TMPDIR", scratch.toString());
        Process process = run.start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        if (!process.waitFor(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("scripts/notebook did not end within " + RUN_TIMEOUT_SECONDS + " s");
        }
        assertThat(process.exitValue()).as("scripts/notebook (Debian's jupyter-nbconvert, python3-ipykernel, "
                + "python3-pandas, python3-matplotlib: scripts/test-prerequisites installs them):\n%s", output.join())
                .isZero();
        return RunningServer.JSON.readTree(out.resolve(NOTEBOOK.getFileName()).toFile());
    }

    /** The code cells by their {@code id}. */
    private static Map<String, JsonNode> codeCells(JsonNode notebook) {
        Map<String, JsonNode> cells = new LinkedHashMap<>();
        for (JsonNode cell : notebook.get("cells")) {
            if (cell.get("cell_type").asText().equals("code")) {
                cells.put(cell.get("id").asText(), cell);
            }
        }
        return cells;
    }

    /** What a cell shows as text: what it printed and the plain-text form of what it displayed. */
    private static String shownText(JsonNode cell) {
        StringBuilder text = new StringBuilder();
        for (JsonNode output : cell.get("outputs")) {
            text.append(multiline(output.get("text")));
            if (output.has("data")) {
                text.append(multiline(output.get("data").get("text/plain")));
            }
            text.append('\n');
        }
        return text.toString();
    }

    /** A notebook string: one string, or a list of lines. */
    private static String multiline(JsonNode value) {
        if (value == null) {
            return "";
        }
        if (!value.isArray()) {
            return value.asText();
        }
        StringBuilder text = new StringBuilder();
        value.forEach(line -> text.append(line.asText()));
        return text.toString();
    }

    /** The PNG images a cell displayed. */
    private static List<byte[]> pngs(JsonNode cell) {
        List<byte[]> images = new ArrayList<>();
        for (JsonNode output : cell.get("outputs")) {
            if (output.has("data") && output.get("data").has("image/png")) {
                images.add(Base64.getMimeDecoder().decode(multiline(output.get("data").get("image/png"))));
            }
        }
        return images;
    }

    /** The first of {@code routes} that a line of the table shows as a word of its own. */
    private static String firstRouteIn(String table, Set<String> routes) {
        for (String line : table.split("\n")) {
            for (String word : line.trim().split("\\s+")) {
                if (routes.contains(word)) {
                    return word;
                }
            }
        }
        return null;
    }
}
