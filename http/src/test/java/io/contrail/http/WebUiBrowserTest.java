package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The web UI in a real headless Chromium against a real server holding the demo traces that
 * {@code contrail demo} loads: every screen is opened, what it shows is compared with what the
 * HTTP API answers, and a screenshot of each is saved under {@code target/ui-screenshots/}.
 */
class WebUiBrowserTest {

    private static final int DEMO_TRACES = 300;

    @RegisterExtension
    static final RunningServer server = RunningServer.withDefaults();

    @RegisterExtension
    static final RunningServer emptyServer = RunningServer.withDefaults();

    /** Holds one request of one service, for charts of a single point. */
    @RegisterExtension
    static final RunningServer oneRequestServer = RunningServer.withDefaults();

    private static HeadlessChromium browser;

    @BeforeAll
    static void loadDemoTracesAndStartTheBrowser() throws Exception {
        new DemoLoader(URI.create(server.baseUrl()), new PrintStream(OutputStream.nullOutputStream()))
                .load(DEMO_TRACES);
        server.flush();
        browser = HeadlessChromium.start();
    }

    @AfterAll
    static void stopTheBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @BeforeEach
    void forgetEarlierConsoleMessagesAtTheUsualSize() {
        browser.consoleErrors();
        browser.windowSize(1440, 1000);
    }

    @Test
    void searchListsTracesAndTheWaterfallHasOneRowPerSpan() throws IOException {
        browser.open(server.baseUrl() + "/");
        browser.await("search results", ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr.trace-result")));
        assertThat(browser.findAll("#search-results canvas")).as("the latency scatter").isNotEmpty();
        browser.screenshot("01-search");

        // The result with the most spans makes the deepest waterfall.
        WebElement widest = null;
        long widestSpans = -1;
        for (WebElement row : browser.findAll("tr.trace-result")) {
            long spans = Long.parseLong(row.findElements(By.tagName("td")).get(3).getText().trim());
            if (spans > widestSpans) {
                widest = row;
                widestSpans = spans;
            }
        }
        String traceId = widest.getAttribute("data-trace-id");
        widest.click();

        browser.await("the trace view", ExpectedConditions.presenceOfElementLocated(By.id("trace-span-count")));
        assertThat(browser.currentUrl()).endsWith("#/trace/" + traceId);
        JsonNode trace = server.getJson("/api/traces/" + traceId);
        assertThat(browser.findAll("#waterfall .span-row")).hasSize(trace.get("spanCount").asInt()).hasSize((int) widestSpans);
        assertThat(browser.find("#span-details").getText()).contains("ATTRIBUTES", "RESOURCE", "EVENTS", "critical path");
        long onCriticalPath = 0;
        for (JsonNode span : trace.get("spans")) {
            onCriticalPath += span.get("criticalPathNanos").asLong() > 0 ? 1 : 0;
        }
        assertThat(browser.findAll("#waterfall .span-row.critical")).as("rows marked on the critical path")
                .hasSize((int) onCriticalPath).isNotEmpty();
        browser.screenshot("02-trace");
        // Everything the pages loaded, the libraries included, came from the server itself.
        List<?> fetched = (List<?>) browser.script("return performance.getEntriesByType('resource').map(e => e.name)");
        assertThat(fetched).as("what the page fetched").isNotEmpty()
                .anyMatch(url -> String.valueOf(url).contains("/ui/vendor/"))
                .allMatch(url -> String.valueOf(url).startsWith(server.baseUrl() + "/") || String.valueOf(url).startsWith("data:"));
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void clickingAPointOfTheLatencyScatterOpensThatTrace() {
        browser.open(server.baseUrl() + "/#/search");
        browser.await("the scatter", ExpectedConditions.presenceOfElementLocated(By.cssSelector("#search-results .scatter canvas")));
        List<WebElement> rows = browser.findAll("tr.trace-result");

        // Where the chart drew its newest point, in viewport pixels. Points go oldest to newest,
        // the rows newest first.
        List<?> point = (List<?>) browser.script("const u = document.querySelector('#search-results .scatter').plot;"
                + "const i = u.data[0].length - 1; const y = u.data[1][i] ?? u.data[2][i];"
                + "const box = u.over.getBoundingClientRect();"
                + "return [i, Math.round(box.left + u.valToPos(u.data[0][i], 'x')), Math.round(box.top + u.valToPos(y, 'y'))];");
        WebElement row = rows.get(rows.size() - 1 - ((Number) point.get(0)).intValue());
        String traceId = row.getAttribute("data-trace-id");
        String root = row.findElements(By.tagName("td")).get(1).getText();
        browser.moveTo(((Number) point.get(1)).intValue(), ((Number) point.get(2)).intValue());
        WebElement tip = browser.await("the point's label", ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".chart-tip")));
        assertThat(tip.getText()).startsWith(root);
        browser.click();

        browser.await("the trace of that point", ExpectedConditions.urlContains("#/trace/" + traceId));
        browser.await("its waterfall", ExpectedConditions.presenceOfElementLocated(By.cssSelector("#waterfall .span-row")));
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void anAttributeFilterAutocompletesKeysAndNarrowsTheSearch() throws IOException {
        browser.open(server.baseUrl() + "/#/search");
        browser.await("the search form", ExpectedConditions.elementToBeClickable(By.cssSelector("#search-form button.primary")));
        browser.find("#search-form .actions button[type='button']").click();
        browser.await("attribute keys to pick from",
                ExpectedConditions.presenceOfElementLocated(By.cssSelector("#attribute-keys option[value='http.route']")));
        browser.find(".attr-row .attr-key").sendKeys("http.route");
        browser.find(".attr-row .attr-value").sendKeys("/api/checkout");
        browser.find("#search-button").click();

        browser.await("a search by http.route", ExpectedConditions.urlContains("attr=http.route"));
        browser.await("its results", ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr.trace-result")));
        JsonNode expected = server.getJson("/api/search?limit=100&attr=" + RunningServer.urlEncode("http.route=/api/checkout"))
                .get("traces");
        assertThat(expected).isNotEmpty();
        List<String> shown = browser.findAll("tr.trace-result").stream().map(row -> row.getAttribute("data-trace-id")).toList();
        List<String> traceIds = new ArrayList<>();
        expected.forEach(trace -> traceIds.add(trace.get("traceId").asText()));
        assertThat(shown).isEqualTo(traceIds);
        browser.screenshot("01b-search-by-attribute");
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void aTraceQlQuerySearchesInsteadOfTheFiltersAndOneThatCannotRunShowsWhy() throws IOException {
        browser.open(server.baseUrl() + "/#/search");
        browser.await("the search form", ExpectedConditions.elementToBeClickable(By.cssSelector("#search-traceql")));
        browser.find("#search-traceql").sendKeys("{ .http.route = \"/api/checkout\" }");
        browser.find("#search-button").click();

        browser.await("a TraceQL search", ExpectedConditions.urlContains("q="));
        browser.await("its results", ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr.trace-result")));
        List<String> shown = browser.findAll("tr.trace-result").stream().map(row -> row.getAttribute("data-trace-id")).toList();
        // The TraceQL answer, and the same traces as the attribute filter finds.
        for (String search : List.of("q=" + RunningServer.urlEncode("{ .http.route = \"/api/checkout\" }"),
                "attr=" + RunningServer.urlEncode("http.route=/api/checkout"))) {
            List<String> traceIds = new ArrayList<>();
            server.getJson("/api/search?limit=100&" + search).get("traces")
                    .forEach(trace -> traceIds.add(trace.get("traceId").asText()));
            assertThat(shown).as(search).isNotEmpty().isEqualTo(traceIds);
        }
        browser.screenshot("01d-search-traceql");
        assertThat(browser.consoleErrors()).isEmpty();

        String bad = "{ span.http.route = }";
        String message = RunningServer.json(server.get("/api/search?q=" + RunningServer.urlEncode(bad))).get("error").asText();
        assertThat(message).startsWith("parse error at line 1, col");
        browser.open(server.baseUrl() + "/#/search?q=" + RunningServer.urlEncode(bad));
        WebElement error = browser.await("the error", ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#search-results .error-box")));
        assertThat(error.getText()).isEqualTo(message);
        assertThat(browser.find("#search-traceql").getAttribute("value")).isEqualTo(bad);
        assertThat(browser.consoleErrors()).allSatisfy(e -> assertThat(e).contains("400"));
    }

    @Test
    void aBadSearchParameterShowsTheServersMessage() throws IOException {
        String message = RunningServer.json(server.get("/api/search?minDuration=fast")).get("error").asText();
        assertThat(message).contains("minDuration");

        browser.open(server.baseUrl() + "/#/search?minDuration=fast");
        WebElement error = browser.await("the error", ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#search-results .error-box")));
        assertThat(error.getText()).isEqualTo(message);
        assertThat(browser.find("#search-form input[name='minDuration']").getAttribute("value")).isEqualTo("fast");
        browser.screenshot("01c-search-bad-duration");
        assertThat(browser.consoleErrors()).allSatisfy(e -> assertThat(e).contains("400"));
    }

    @Test
    void aDeepLinkedTraceMarksTheCallWhereContextWasLost() throws IOException {
        JsonNode hop = server.rows("SELECT trace_id, span_id FROM propagation_hops "
                + "WHERE server_instrumented AND NOT propagated ORDER BY trace_id LIMIT 1");
        assertThat(hop).as("the demo workload loses context on some calls").hasSize(1);
        String traceId = hop.get(0).get(0).asText();

        browser.open(server.baseUrl() + "/#/trace/" + traceId);
        browser.await("the waterfall", ExpectedConditions.presenceOfElementLocated(By.id("trace-span-count")));
        List<String> broken = browser.findAll("#waterfall .span-row.broken").stream()
                .map(row -> row.getAttribute("data-span-id")).toList();
        assertThat(broken).contains(hop.get(0).get(1).asText());
        browser.find("#waterfall .span-row.broken").click();
        assertThat(browser.find("#span-details").getText()).contains("trace context was lost");
        browser.screenshot("03-trace-lost-context");
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void theServiceMapDrawsEveryServiceAndOpensItsSearch() throws IOException {
        browser.open(server.baseUrl() + "/#/map");
        browser.await("the service map", ExpectedConditions.presenceOfElementLocated(By.cssSelector("#service-map g.map-node")));
        List<String> drawn = browser.findAll("#service-map g.map-node").stream()
                .map(node -> node.getAttribute("data-service")).toList();
        List<String> services = new ArrayList<>();
        server.getJson("/api/services").get("services").forEach(s -> services.add(s.asText()));
        assertThat(drawn).containsAll(services);
        assertThat(browser.findAll("#service-map path.map-edge"))
                .hasSameSizeAs(browser.findAll("table.map-edges tbody tr")).isNotEmpty();
        // No arrow label overlaps another label or a box.
        List<?> overlaps = (List<?>) browser.script("const boxes = sel => [...document.querySelectorAll(sel)]"
                + ".map(e => ({ e, b: e.getBoundingClientRect() }));"
                + "const labels = boxes('#service-map text.map-edge-label'), nodes = boxes('#service-map g.map-node > rect:first-child');"
                + "const meet = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;"
                + "const found = [];"
                + "labels.forEach((l, i) => { labels.slice(i + 1).forEach(m => { if (meet(l.b, m.b)) found.push(l.e.textContent + ' / ' + m.e.textContent); });"
                + "  nodes.forEach(n => { if (meet(l.b, n.b)) found.push(l.e.textContent + ' on ' + n.e.parentNode.dataset.service); }); });"
                + "return found;");
        assertThat(overlaps).as("labels that overlap").isEmpty();
        assertThat(browser.findAll("#service-map text.map-edge-label")).hasSameSizeAs(browser.findAll("#service-map path.map-edge"));

        // The arrows marked critical are those whose error rate reaches the threshold the user set.
        JsonNode edges = server.getJson("/api/dependencies").get("edges");
        double threshold = 0.2;
        int critical = 0;
        for (JsonNode edge : edges) {
            critical += edge.get("errorCount").asDouble() > 0
                    && 100 * edge.get("errorCount").asDouble() / edge.get("callCount").asDouble() >= threshold ? 1 : 0;
        }
        int criticalArrows = critical;
        assertThat(critical).as("the demo has arrows with errors").isPositive();
        assertThat(browser.findAll("#service-map path.map-edge.critical")).as("at the default 5 %%")
                .hasSizeLessThan(criticalArrows);
        browser.find("#map-critical").clear();
        browser.find("#map-critical").sendKeys(String.valueOf(threshold), Keys.ENTER);
        browser.await("the threshold in the address", ExpectedConditions.urlContains("critical=" + threshold));
        browser.await("the arrows at " + threshold + " %", driver ->
                browser.findAll("#service-map path.map-edge.critical").size() == criticalArrows);
        browser.screenshot("04b-service-map-threshold");
        browser.open(server.baseUrl() + "/#/map");
        browser.await("the service map", ExpectedConditions.presenceOfElementLocated(By.cssSelector("#service-map g.map-node")));
        browser.screenshot("04-service-map");

        browser.find("#service-map g.map-node[data-service='checkout']").click();
        browser.await("a search for checkout", ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr.trace-result")));
        assertThat(browser.currentUrl()).contains("#/search?service=checkout");
        for (WebElement row : browser.findAll("tr.trace-result")) {
            assertThat(row.getText()).contains("checkout");
        }
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void redChartsShowRateErrorsAndDurationOfAService() throws IOException {
        browser.open(server.baseUrl() + "/#/red?service=frontend");
        browser.await("three RED charts",
                ExpectedConditions.numberOfElementsToBe(By.cssSelector("#red-charts .uplot"), 3));
        long operations = server.value("SELECT count(DISTINCT name) FROM spans WHERE service_name = 'frontend' "
                + "AND kind IN ('SERVER', 'CONSUMER')").asLong();
        assertThat(browser.findAll("#red-operations tbody tr")).hasSize((int) operations);
        // Durations on a log scale, so that p99's tail does not flatten p50 and p95.
        assertThat(browser.script("return document.querySelectorAll('#red-charts .uplot')[2].parentNode.plot.scales.y.distr"))
                .isEqualTo(3L);
        browser.screenshot("05-red");
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void redChartsOfASinglePointHaveAnAxisAroundIt() throws IOException {
        long micros = Instant.parse("2026-06-01T10:15:30Z").toEpochMilli() * 1000;
        assertThat(oneRequestServer.post("/api/v2/spans", ("[{\"traceId\":\"5af7183fb1d4cf5f\",\"id\":\"6b221d5bc9e6496c\","
                + "\"name\":\"get /one\",\"kind\":\"SERVER\",\"timestamp\":" + micros + ",\"duration\":1500,"
                + "\"localEndpoint\":{\"serviceName\":\"lonely\"}}]").getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "Content-Type", "application/json").statusCode()).isEqualTo(202);
        oneRequestServer.flush();

        browser.open(oneRequestServer.baseUrl() + "/#/red?service=lonely");
        browser.await("three RED charts", ExpectedConditions.numberOfElementsToBe(By.cssSelector("#red-charts .uplot"), 3));
        List<?> scale = (List<?>) browser.script("const u = document.querySelector('#red-charts .uplot').parentNode.plot;"
                + "return [u.data[0].length, u.scales.x.min, u.scales.x.max];");
        assertThat(((Number) scale.get(0)).intValue()).as("points").isEqualTo(1);
        double seconds = ((Number) scale.get(2)).doubleValue() - ((Number) scale.get(1)).doubleValue();
        assertThat(seconds).as("the time axis spans about a step, not months").isPositive().isLessThanOrEqualTo(3600);
        // uPlot draws the labels on its canvas; they are the ones it computed last.
        List<?> labels = (List<?>) browser.script("return document.querySelector('#red-charts .uplot').parentNode.plot.axes[0]._values");
        assertThat(String.join(" | ", labels.stream().map(String::valueOf).toList())).as("the axis labels")
                .contains("10:15", "06-01").doesNotContain("12-01", "07-01");
        assertThat(labels).as("labels that tell their ticks apart").doesNotHaveDuplicates();
        browser.screenshot("05b-red-one-point");
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void compareRanksWhatSetsErrorsApartAndOpensTheirSearch() throws IOException {
        browser.open(server.baseUrl() + "/#/compare?selection=status%3Derror");
        browser.await("the differences", ExpectedConditions.presenceOfElementLocated(By.cssSelector("#compare-table tbody tr")));
        JsonNode first = server.getJson("/api/compare?selection=" + RunningServer.urlEncode("status=error") + "&limit=40")
                .get("differences").get(0);
        List<WebElement> rows = browser.findAll("#compare-table tbody tr");
        assertThat(rows).hasSize(server.getJson("/api/compare?selection=" + RunningServer.urlEncode("status=error")
                + "&limit=40").get("differences").size());
        List<WebElement> cells = rows.get(0).findElements(By.tagName("td"));
        assertThat(cells.get(0).getText()).as("the most different dimension, as the API ranks it")
                .isEqualTo(first.get("dimension").asText());
        assertThat(cells.get(1).getText()).isEqualTo(first.get("value").asText());
        browser.screenshot("10-compare");
        rows.get(0).click();
        browser.await("the search for that value", ExpectedConditions.urlContains("#/search"));
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void theSqlConsoleShowsTheResultTableAndTheExamples() throws IOException {
        browser.open(server.baseUrl() + "/#/sql");
        setSql("SELECT service_name, count(*) AS spans FROM spans GROUP BY 1 ORDER BY 2 DESC");
        browser.find("#sql-run").click();
        browser.await("the result table", ExpectedConditions.presenceOfElementLocated(By.cssSelector("#sql-result tbody tr")));
        int services = server.getJson("/api/services").get("services").size();
        assertThat(browser.findAll("#sql-result tbody tr")).hasSize(services);
        assertThat(browser.findAll("#sql-chart .uplot")).as("a bar chart of spans per service").hasSize(1);
        browser.screenshot("06-sql");

        try (Stream<Path> files = Files.list(Path.of("..", "sql-examples"))) {
            long examples = files.filter(f -> f.toString().endsWith(".sql")).count();
            assertThat(browser.findAll("#sql-examples button.example")).hasSize((int) examples);
        }
        browser.find("#sql-examples button.example[data-file='latency-percentiles-per-operation-per-minute.sql']").click();
        browser.await("the example's answer", ExpectedConditions.textToBePresentInElementLocated(By.id("sql-status"), "rows in"));
        assertThat(browser.findAll("#sql-result tbody tr")).isNotEmpty();
        assertThat(browser.findAll("#sql-chart .uplot")).as("a line chart over the minute column").hasSize(1);
        browser.screenshot("07-sql-example");
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void badSqlShowsDuckDbsMessageUnderTheQuery() throws IOException {
        String bad = "SELECT no_such_column FROM spans";
        String message = RunningServer.json(server.postSql(bad)).get("error").asText();
        assertThat(message).contains("no_such_column");

        browser.open(server.baseUrl() + "/#/sql");
        setSql("");
        typeSql(bad, Keys.chord(Keys.CONTROL, Keys.ENTER));
        WebElement error = browser.await("the error", ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#sql-status .sql-error")));
        assertThat(error.getText()).isEqualTo(message);
        assertThat(browser.findAll("#sql-result")).as("no stale result table").isEmpty();
        browser.screenshot("08-sql-error");
        assertThat(browser.consoleErrors()).allSatisfy(e -> assertThat(e).contains("400"));
    }

    @Test
    void anEmptyStoreSaysHowToSendSpans() throws IOException {
        browser.open(emptyServer.baseUrl() + "/");
        browser.await("the empty state", ExpectedConditions.textToBePresentInElementLocated(By.id("screen"), "No spans stored yet"));
        assertThat(browser.find("#screen .empty").getText()).contains("/v1/traces", "./contrail demo");
        browser.screenshot("09-empty-store");
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void aPastedTraceIdOpensItsTraceAndTheKeysReachTheBoxes() throws IOException {
        String traceId = server.value("SELECT trace_id FROM spans ORDER BY start_time LIMIT 1").asText();
        browser.open(server.baseUrl() + "/#/map");
        browser.await("the service map", ExpectedConditions.presenceOfElementLocated(By.cssSelector("#service-map g.map-node")));

        browser.type("t");
        assertThat(browser.focusedId()).as("t focuses the trace-ID box").isEqualTo("trace-id-box");
        browser.type("not-a-trace-id", Keys.ENTER);
        assertThat(browser.find("#trace-id-box").getAttribute("class")).contains("invalid");
        assertThat(browser.currentUrl()).as("a bad ID opens nothing").endsWith("#/map");

        // Pasted as a UUID in capitals, as some tools print it.
        String pasted = (traceId.substring(0, 8) + "-" + traceId.substring(8, 12) + "-" + traceId.substring(12, 16) + "-"
                + traceId.substring(16, 20) + "-" + traceId.substring(20)).toUpperCase();
        browser.find("#trace-id-box").clear();
        browser.find("#trace-id-box").sendKeys(pasted, Keys.ENTER);
        browser.await("that trace", ExpectedConditions.urlContains("#/trace/" + traceId));
        browser.await("its waterfall", ExpectedConditions.presenceOfElementLocated(By.id("trace-span-count")));
        assertThat(browser.find("#span-details").isDisplayed()).isTrue();

        browser.type(Keys.ESCAPE);
        assertThat(browser.find("#span-details").isDisplayed()).as("Esc closes the span details").isFalse();
        browser.find("#waterfall .span-row").click();
        assertThat(browser.find("#span-details").isDisplayed()).as("a click on a span opens them again").isTrue();

        browser.type("/");
        browser.await("the search", ExpectedConditions.urlContains("#/search"));
        browser.await("the TraceQL box focused", driver -> browser.focusedId().equals("search-traceql"));
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void theWaterfallCollapsesZoomsAndFindsSpans() throws IOException {
        String traceId = server.value("SELECT trace_id FROM spans GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").asText();
        JsonNode trace = server.getJson("/api/traces/" + traceId);
        Map<String, Integer> depths = new HashMap<>();
        trace.get("roots").forEach(root -> depthsOf(root, 0, depths));
        int maxDepth = depths.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
        assertThat(maxDepth).as("the demo's biggest trace is deep enough").isGreaterThanOrEqualTo(2);

        browser.open(server.baseUrl() + "/#/trace/" + traceId);
        browser.await("the waterfall", ExpectedConditions.presenceOfElementLocated(By.id("trace-span-count")));
        assertThat(shownRows()).hasSize(depths.size());

        // Collapsing the first root hides every span under it.
        String root = trace.get("roots").get(0).get("spanId").asText();
        browser.find("#waterfall .span-row[data-span-id='" + root + "'] .toggle").click();
        int under = descendants(trace.get("roots").get(0));
        assertThat(shownRows()).hasSize(depths.size() - under);
        assertThat(browser.find("#waterfall .span-row[data-span-id='" + root + "'] .hidden-count").getText()).isEqualTo("+" + under);
        browser.find("#waterfall .span-row[data-span-id='" + root + "'] .toggle").click();
        assertThat(shownRows()).hasSize(depths.size());

        // Collapsed to depth 2: the roots and their children.
        new Select(browser.find("#collapse-depth")).selectByValue("2");
        assertThat(shownRows()).containsExactlyInAnyOrderElementsOf(
                depths.entrySet().stream().filter(e -> e.getValue() < 2).map(Map.Entry::getKey).toList());

        // Finding the deepest span by its ID opens its ancestors and marks it alone.
        String deepest = depths.entrySet().stream().filter(e -> e.getValue() == maxDepth).findFirst().orElseThrow().getKey();
        browser.find("#span-search").sendKeys(deepest);
        assertThat(browser.find("#span-search-count").getText()).isEqualTo("1 match");
        assertThat(browser.findAll("#waterfall .span-row.match")).extracting(row -> row.getAttribute("data-span-id"))
                .containsExactly(deepest);
        assertThat(shownRows()).contains(deepest);
        browser.find("#span-search").clear();
        browser.find("#span-search").sendKeys(Keys.SPACE, Keys.BACK_SPACE);
        new Select(browser.find("#collapse-depth")).selectByValue("");
        assertThat(browser.findAll("#waterfall .span-row.match")).isEmpty();
        browser.screenshot("02b-trace-find");

        // Dragging over the second half of the minimap zooms on it: the axis starts at half the trace, the root's bar
        // starts left of the view and is as wide as two views.
        WebElement minimap = browser.find("#minimap");
        List<?> box = (List<?>) browser.script("const b = arguments[0].getBoundingClientRect(); return [b.left, b.top, b.width, b.height];", minimap);
        int left = ((Number) box.get(0)).intValue();
        int width = ((Number) box.get(2)).intValue();
        int middle = ((Number) box.get(1)).intValue() + ((Number) box.get(3)).intValue() / 2;
        browser.drag(left + width / 2, middle, left + width - 1, middle);
        assertThat(browser.find("#zoom-reset").isDisplayed()).isTrue();
        assertThat(browser.findAll("#waterfall .wf-axis .tick").get(0).getText()).isNotEqualTo("0");
        double rootLeft = Double.parseDouble(String.valueOf(browser.script(
                "return parseFloat(document.querySelector(\"#waterfall .span-row[data-span-id='" + root + "'] .bar\").style.left)")));
        assertThat(rootLeft).as("the root's bar, in percent of the zoomed view").isLessThan(-90);
        browser.screenshot("02c-trace-zoomed");
        browser.find("#zoom-reset").click();
        assertThat(browser.findAll("#waterfall .wf-axis .tick").get(0).getText()).isEqualTo("0");
        assertThat(browser.find("#zoom-reset").isDisplayed()).isFalse();
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void aTraceAsFlameGraphStatisticsAndADiffAgainstAnother() throws IOException {
        // Two calls of one endpoint whose traces differ most in size, so that the diff has spans to add.
        JsonNode pair = server.rows("WITH sizes AS (SELECT trace_id, count(*) AS n FROM spans GROUP BY 1) "
                + "SELECT arg_min(trace_id, n), arg_max(trace_id, n) FROM spans JOIN sizes USING (trace_id) "
                + "WHERE parent_span_id IS NULL GROUP BY service_name, name ORDER BY max(n) - min(n) DESC, 1 LIMIT 1");
        String first = pair.get(0).get(0).asText();
        String second = pair.get(0).get(1).asText();
        JsonNode trace = server.getJson("/api/traces/" + first);
        int spans = trace.get("spanCount").asInt();

        browser.open(server.baseUrl() + "/#/trace/" + first + "?view=flame");
        browser.await("the flame graph", ExpectedConditions.presenceOfElementLocated(By.cssSelector("#flame-graph .flame-node")));
        assertThat(browser.findAll("#flame-graph .flame-node")).hasSize(spans);
        assertThat(browser.find("#trace-tabs button.active").getText()).isEqualTo("Flame graph");
        browser.findAll("#flame-graph .flame-node").get(0).click();
        assertThat(browser.find("#span-details h3").getText()).as("the root's details")
                .isEqualTo(server.value("SELECT name FROM spans WHERE trace_id = '" + first + "' AND parent_span_id IS NULL").asText());
        browser.screenshot("02d-trace-flame-graph");

        browser.find("#trace-tabs button[data-view='stats']").click();
        assertThat(browser.currentUrl()).as("the view is in the address").endsWith("?view=stats");
        List<WebElement> groups = browser.findAll("#span-stats tbody tr");
        Set<String> operations = new HashSet<>();
        trace.get("spans").forEach(span -> operations.add(span.get("serviceName").asText() + " " + span.get("name").asText()));
        assertThat(groups).hasSize(operations.size());
        assertThat(groups.stream().mapToInt(row -> Integer.parseInt(row.findElements(By.tagName("td")).get(2).getText())).sum())
                .isEqualTo(spans);
        browser.screenshot("02e-trace-statistics");

        browser.find("#trace-tabs button[data-view='diff']").click();
        browser.find("#compare-trace-id").sendKeys(second, Keys.ENTER);
        browser.await("the diff", ExpectedConditions.presenceOfElementLocated(By.cssSelector("#trace-diff tbody tr")));
        assertThat(browser.currentUrl()).contains("compare=" + second).contains("view=diff");
        Set<String> mine = paths(trace);
        Set<String> theirs = paths(server.getJson("/api/traces/" + second));
        assertThat(browser.findAll("#trace-diff tr[data-change='added']")).as("spans only the other trace has")
                .hasSize((int) theirs.stream().filter(p -> !mine.contains(p)).count()).isNotEmpty();
        assertThat(browser.findAll("#trace-diff tr[data-change='missing']")).as("spans only this trace has")
                .hasSize((int) mine.stream().filter(p -> !theirs.contains(p)).count());
        assertThat(browser.findAll("#trace-diff tbody tr")).hasSize(mine.size()
                + (int) theirs.stream().filter(p -> !mine.contains(p)).count());
        browser.screenshot("02f-trace-diff");
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void theTraceViewFitsA600PixelWindowAndSitsBesideItsDetailsAt1400() throws IOException {
        String traceId = server.value("SELECT trace_id FROM spans GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").asText();
        for (int width : new int[] {600, 1400}) {
            browser.windowSize(width, 900);
            browser.open(server.baseUrl() + "/#/trace/" + traceId);
            browser.await("the waterfall", ExpectedConditions.presenceOfElementLocated(By.id("trace-span-count")));
            List<?> sizes = (List<?>) browser.script("const bars = [...document.querySelectorAll('#waterfall .span-row .bar')];"
                    + "return [document.documentElement.scrollWidth, window.innerWidth,"
                    + " Math.min(...bars.map(b => b.getBoundingClientRect().width)),"
                    + " document.querySelector('#waterfall .span-row .track').getBoundingClientRect().width,"
                    + " document.getElementById('waterfall').getBoundingClientRect().right,"
                    + " document.getElementById('span-details').getBoundingClientRect().left];");
            long pageWidth = ((Number) sizes.get(0)).longValue();
            long viewport = ((Number) sizes.get(1)).longValue();
            assertThat(viewport).as("the window's width").isBetween(width - 20L, (long) width);
            assertThat(pageWidth).as("at %d px nothing runs off the side", width).isLessThanOrEqualTo(viewport);
            assertThat(((Number) sizes.get(2)).doubleValue()).as("every bar shows at %d px", width).isGreaterThanOrEqualTo(1.5);
            assertThat(((Number) sizes.get(3)).doubleValue()).as("the timeline column at %d px", width).isGreaterThan(width / 3.0);
            double waterfallRight = ((Number) sizes.get(4)).doubleValue();
            double detailsLeft = ((Number) sizes.get(5)).doubleValue();
            if (width == 600) {
                assertThat(detailsLeft).as("the details go under the waterfall").isLessThan(waterfallRight);
            } else {
                assertThat(detailsLeft).as("the details sit beside the waterfall").isGreaterThan(waterfallRight);
            }
            browser.screenshot("02g-trace-" + width + "px");
        }
        assertThat(browser.consoleErrors()).isEmpty();
    }

    /** The span IDs of the waterfall rows shown now. */
    private static List<String> shownRows() {
        return browser.findAll("#waterfall .span-row").stream().filter(WebElement::isDisplayed)
                .map(row -> row.getAttribute("data-span-id")).toList();
    }

    private static void depthsOf(JsonNode node, int depth, Map<String, Integer> depths) {
        depths.put(node.get("spanId").asText(), depth);
        node.get("children").forEach(child -> depthsOf(child, depth + 1, depths));
    }

    private static int descendants(JsonNode node) {
        int count = 0;
        for (JsonNode child : node.get("children")) {
            count += 1 + descendants(child);
        }
        return count;
    }

    /**
     * A trace's spans as paths of service:operation steps from its roots, the n-th same step under one parent
     * numbered n (children in the order the API gives them: by start time), as the diff matches them.
     */
    private static Set<String> paths(JsonNode trace) {
        Map<String, JsonNode> spans = new HashMap<>();
        trace.get("spans").forEach(span -> spans.put(span.get("spanId").asText(), span));
        Set<String> paths = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        trace.get("roots").forEach(root -> pathsOf(root, "", spans, seen, paths));
        return paths;
    }

    private static void pathsOf(JsonNode node, String prefix, Map<String, JsonNode> spans, Map<String, Integer> seen,
                                Set<String> paths) {
        JsonNode span = spans.get(node.get("spanId").asText());
        String key = prefix + "/" + span.get("serviceName").asText() + ":" + span.get("name").asText();
        int n = seen.merge(key, 1, Integer::sum);
        String path = key + "#" + n;
        paths.add(path);
        node.get("children").forEach(child -> pathsOf(child, path, spans, seen, paths));
    }

    @Test
    void theTimeRangeIsInTheAddressSoALinkReopensItAndBackReturnsToTheLast() throws IOException {
        // A window from the 11th to the 61st trace's start, on whole seconds.
        JsonNode starts = server.rows("SELECT epoch_ms(start_time) FROM spans WHERE parent_span_id IS NULL ORDER BY start_time");
        long fromMs = starts.get(10).get(0).asLong() / 1000 * 1000;
        long toMs = (starts.get(60).get(0).asLong() / 1000 + 1) * 1000;
        int expected = server.getJson("/api/search?limit=100&start=" + fromMs + "&end=" + toMs).get("traces").size();
        int all = server.getJson("/api/search?limit=100").get("traces").size();
        assertThat(expected).as("the window holds fewer traces than all time").isPositive().isLessThan(all);

        browser.open(server.baseUrl() + "/#/search");
        browser.await("all traces", driver -> browser.findAll("tr.trace-result").size() == all);
        new Select(browser.find("#time-range")).selectByValue("1h");
        browser.await("the last hour in the address", ExpectedConditions.urlContains("from=now-1h&to=now"));

        new Select(browser.find("#time-range")).selectByValue("custom");
        assertThat(browser.find("#range-custom").isDisplayed()).isTrue();
        browser.script("arguments[0].value = arguments[1]; arguments[2].value = arguments[3];",
                browser.find("#range-from"), utcInput(fromMs), browser.find("#range-to"), utcInput(toMs));
        browser.find("#range-apply").click();
        browser.await("the traces of the window", driver -> browser.findAll("tr.trace-result").size() == expected);
        String shared = browser.currentUrl();
        assertThat(shared).contains("from=" + RunningServer.urlEncode(Instant.ofEpochMilli(fromMs).toString().replace("Z", ".000Z")));

        // The link, opened afresh, shows the same range and the same traces.
        browser.reload();
        browser.await("the traces of the window again", driver -> browser.findAll("tr.trace-result").size() == expected);
        assertThat(new Select(browser.find("#time-range")).getFirstSelectedOption().getAttribute("value")).isEqualTo("custom");
        // As instants: a datetime-local input drops ":00" seconds from its value.
        assertThat(Instant.parse(browser.find("#range-from").getAttribute("value") + "Z").toEpochMilli()).isEqualTo(fromMs);
        assertThat(Instant.parse(browser.find("#range-to").getAttribute("value") + "Z").toEpochMilli()).isEqualTo(toMs);
        browser.screenshot("01e-search-absolute-range");

        browser.find(".topbar nav a[data-screen='map']").click();
        browser.await("the map over the same range", ExpectedConditions.urlContains("#/map?from="));
        browser.back();
        browser.await("back to the window", driver -> browser.currentUrl().equals(shared));
        browser.await("its traces", driver -> browser.findAll("tr.trace-result").size() == expected);
        browser.back();
        browser.await("back to the last hour", ExpectedConditions.urlContains("from=now-1h"));
        browser.await("the header follows", driver ->
                new Select(browser.find("#time-range")).getFirstSelectedOption().getAttribute("value").equals("1h"));
        assertThat(browser.find("#range-custom").isDisplayed()).isFalse();

        // A result's link keeps the range too, and is one step: back returns to the search.
        browser.await("the last hour's traces", ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr.trace-result a")));
        browser.find("tr.trace-result a").click();
        browser.await("the trace, in the last hour", ExpectedConditions.urlContains("?from=now-1h&to=now"));
        assertThat(browser.currentUrl()).contains("#/trace/");
        browser.back();
        browser.await("one step back, the search", ExpectedConditions.urlContains("#/search"));
        assertThat(browser.consoleErrors()).isEmpty();
    }

    /** A UTC time as a datetime-local input holds it. */
    private static String utcInput(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).toString().replace("Z", "");
    }

    @Test
    void theSqlEditorHighlightsCompletesAndKeepsTheQueryInTheAddress() throws IOException {
        browser.open(server.baseUrl() + "/#/sql");
        setSql("");
        typeSql("SELECT \"attr.http.rou");
        typeSql(Keys.chord(Keys.CONTROL, Keys.SPACE));
        WebElement hints = browser.await("the completions", ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".CodeMirror-hints")));
        assertThat(hints.getText()).contains("attr.http.route");
        browser.screenshot("06b-sql-completion");
        typeSql(Keys.ENTER);
        assertThat(sql()).isEqualTo("SELECT \"attr.http.route\"");
        typeSql(", count(*) AS n FROM span");
        typeSql(Keys.chord(Keys.CONTROL, Keys.SPACE));
        hints = browser.await("the views", ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".CodeMirror-hints")));
        assertThat(hints.findElements(By.tagName("li"))).extracting(WebElement::getText)
                .allMatch(text -> text.endsWith("· view")).anyMatch(text -> text.startsWith("span_events"));
        typeSql(Keys.ESCAPE);
        typeSql("s GROUP BY 1 ORDER BY 2 DESC, 1");
        assertThat(browser.findAll("#sql-codemirror .cm-keyword")).extracting(WebElement::getText).contains("SELECT", "FROM");

        // Run: the query goes into the address, so that a link (or a reload) runs it again.
        String first = sql();
        browser.find("#sql-run").click();
        browser.await("the answer", ExpectedConditions.presenceOfElementLocated(By.cssSelector("#sql-result tbody tr")));
        int routes = server.rows(first).size();
        assertThat(browser.findAll("#sql-result tbody tr")).hasSize(routes);
        assertThat(browser.currentUrl()).contains("#/sql?");
        assertThat(parameter(browser.currentUrl(), "q")).as("the query in the address").isEqualTo(first);
        browser.reload();
        browser.await("the answer after a reload", driver -> browser.findAll("#sql-result tbody tr").size() == routes);
        assertThat(sql()).isEqualTo(first);

        setSql("SELECT count(*) AS spans FROM spans");
        browser.find("#sql-run").click();
        browser.await("the second answer", driver -> browser.findAll("#sql-result tbody tr").size() == 1);
        browser.back();
        browser.await("back to the first query", driver -> sql().equals(first));
        browser.await("and its answer", driver -> browser.findAll("#sql-result tbody tr").size() == routes);
        assertThat(browser.findAll("#sql-history option")).extracting(option -> option.getDomProperty("text"))
                .anyMatch(text -> text.startsWith("SELECT count(*) AS spans")).anyMatch(text -> text.startsWith("SELECT \"attr.http.route\""));
        assertThat(browser.consoleErrors()).isEmpty();
    }

    /** Replaces the SQL console's text, through CodeMirror's own API. */
    private static void setSql(String text) {
        browser.await("the editor", ExpectedConditions.presenceOfElementLocated(By.cssSelector("#sql-codemirror")));
        browser.script("document.querySelector('#sql-codemirror').CodeMirror.setValue(arguments[0])", text);
    }

    /** Types into the SQL console's editor (its input element, which takes keys and chords as a user's keyboard). */
    private static void typeSql(CharSequence... keys) {
        browser.find("#sql-codemirror textarea").sendKeys(keys);
    }

    /** The SQL console's text. */
    private static String sql() {
        return String.valueOf(browser.script("return document.querySelector('#sql-codemirror').CodeMirror.getValue()"));
    }

    @Test
    void draggingOverTheLatencyHeatmapComparesThoseSpans() throws IOException {
        browser.open(server.baseUrl() + "/#/compare");
        WebElement canvas = browser.await("the heatmap", ExpectedConditions.presenceOfElementLocated(By.cssSelector("#heatmap canvas")));
        assertThat(Double.parseDouble(canvas.getAttribute("data-total"))).as("every span, weighted")
                .isCloseTo(server.value("SELECT sum(sample_weight) FROM spans").asDouble(), org.assertj.core.data.Offset.offset(0.01));
        browser.screenshot("10b-heatmap");

        // From the top left of the plot (left of the axis labels, under the top margin) to its middle right: every
        // start time, the slower half of the duration rows.
        List<?> box = (List<?>) browser.script("const b = document.getElementById('heatmap').getBoundingClientRect();"
                + "return [b.left, b.top, b.width, b.height];");
        int left = ((Number) box.get(0)).intValue(), top = ((Number) box.get(1)).intValue();
        int width = ((Number) box.get(2)).intValue(), height = ((Number) box.get(3)).intValue();
        browser.drag(left + 66, top + 8, left + width - 10, top + (height - 34) / 2);
        browser.await("a comparison of that region", ExpectedConditions.urlContains("selection=minDuration"));
        browser.await("its differences", ExpectedConditions.presenceOfElementLocated(By.cssSelector("#compare-table tbody tr")));

        String url = browser.currentUrl();
        String selection = parameter(url, "selection");
        long minNanos = Long.parseLong(selection.replaceFirst(".*minDuration=(\\d+)ns.*", "$1"));
        long maxNanos = Long.parseLong(selection.replaceFirst(".*maxDuration=(\\d+)ns.*", "$1"));
        JsonNode extent = server.rows("SELECT epoch_ms(min(start_time)), epoch_ms(max(start_time)), min(duration_nanos), "
                + "max(duration_nanos) FROM spans").get(0);
        assertThat(Instant.parse(parameter(url, "from")).toEpochMilli()).as("from the first span")
                .isBetween(extent.get(0).asLong() - 1, extent.get(0).asLong());
        assertThat(Instant.parse(parameter(url, "to")).toEpochMilli()).as("past the last").isGreaterThan(extent.get(1).asLong());
        assertThat(maxNanos).as("up to the slowest span").isGreaterThanOrEqualTo(extent.get(3).asLong());
        assertThat(minNanos).as("from the middle row, above the fastest").isGreaterThan(extent.get(2).asLong());
        JsonNode answer = server.getJson("/api/compare?limit=40&selection=" + RunningServer.urlEncode(selection)
                + "&start=" + Instant.parse(parameter(url, "from")).toEpochMilli() + "&end=" + Instant.parse(parameter(url, "to")).toEpochMilli());
        assertThat(browser.find("#compare-results").getText())
                .contains(String.format(java.util.Locale.ROOT, "%,d spans selected", answer.get("selectionSpans").asLong()));
        assertThat(answer.get("selectionSpans").asLong()).isPositive();
        // The selection holds the spans of the dragged cells, no more: rows of durations [10^(r/5), 10^((r+1)/5)).
        long firstRow = Math.round(Math.log10(minNanos) * 5);
        long lastRow = Math.round(Math.log10(maxNanos + 1) * 5) - 1;
        double inCells = server.value("SELECT sum(sample_weight) FROM spans WHERE floor(log10(greatest(duration_nanos, 1)) * 5) "
                + "BETWEEN " + firstRow + " AND " + lastRow + " AND start_time >= TIMESTAMP '" + sqlTime(parameter(url, "from"))
                + "' AND start_time < TIMESTAMP '" + sqlTime(parameter(url, "to")) + "'").asDouble();
        assertThat(answer.get("selectionSpans").asDouble()).as("the weight of the dragged cells' spans")
                .isCloseTo(inCells, org.assertj.core.data.Offset.offset(0.01));
        browser.screenshot("10c-heatmap-compare");
        assertThat(browser.consoleErrors()).isEmpty();
    }

    /** An ISO instant as DuckDB's TIMESTAMP literal text (UTC, no zone). */
    private static String sqlTime(String instant) {
        return Instant.parse(instant).toString().replace("T", " ").replace("Z", "");
    }

    /** A parameter of an address's fragment query (#/screen?a=b), decoded. */
    private static String parameter(String url, String name) {
        String query = url.substring(url.indexOf('?') + 1);
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        throw new AssertionError("no " + name + " in " + url);
    }

    @Test
    void everyScreenFitsA600PixelWindow() throws IOException {
        browser.windowSize(600, 900);
        Map<String, String> screens = new java.util.LinkedHashMap<>();
        screens.put("search", "tr.trace-result");
        screens.put("map", "#service-map g.map-node");
        screens.put("red?service=frontend", "#red-charts .uplot");
        screens.put("compare?selection=status%3Derror", "#compare-table tbody tr");
        screens.put("sql", "#sql-codemirror");
        org.assertj.core.api.SoftAssertions fits = new org.assertj.core.api.SoftAssertions();
        for (Map.Entry<String, String> screen : screens.entrySet()) {
            browser.open(server.baseUrl() + "/#/" + screen.getKey());
            browser.await(screen.getKey(), ExpectedConditions.presenceOfElementLocated(By.cssSelector(screen.getValue())));
            browser.screenshot("13-600px-" + screen.getKey().replaceAll("[?].*", ""));
            List<?> widths = (List<?>) browser.script("return [document.documentElement.scrollWidth, window.innerWidth];");
            fits.assertThat(((Number) widths.get(1)).longValue()).as("the window's width").isBetween(580L, 600L);
            fits.assertThat(((Number) widths.get(0)).longValue()).as("the page of %s at 600 px", screen.getKey())
                    .isLessThanOrEqualTo(((Number) widths.get(1)).longValue());
        }
        fits.assertAll();
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void aLargeAnswerShowsItsRowsAsTheyArriveAndIsCutAtTheRowLimit() {
        String query = "SELECT range AS n, repeat('x', 200) AS pad FROM range(20000)";
        browser.open(server.baseUrl() + "/#/sql?q=" + RunningServer.urlEncode(query));
        browser.await("the answer", ExpectedConditions.textToBePresentInElementLocated(By.id("sql-status"), "rows in"));

        // Run again with the status watched: rows are shown before the answer ends.
        browser.script("window.sqlStates = []; new MutationObserver(() => window.sqlStates.push("
                + "document.getElementById('sql-status').textContent)).observe(document.getElementById('sql-status'),"
                + " { childList: true, subtree: true, characterData: true });");
        browser.find("#sql-run").click();
        browser.await("the answer again", driver -> String.valueOf(browser.script("return window.sqlStates.join('|')")).contains("rows in"));
        List<?> states = (List<?>) browser.script("return window.sqlStates");
        assertThat(states).as("the status while the rows arrived").anyMatch(state -> String.valueOf(state).endsWith("rows so far…"));
        assertThat(browser.find("#sql-status").getText()).startsWith("10,000 rows in").contains("truncated at the row limit");
        assertThat(browser.findAll("#sql-result tbody tr")).hasSize(10_000);
        assertThat(browser.findAll("#sql-result thead th")).extracting(th -> th.getAttribute("title"))
                .as("the types, from the answer's header").containsExactly("BIGINT", "VARCHAR");
        assertThat(browser.consoleErrors()).isEmpty();
    }
}
