package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    void forgetEarlierConsoleMessages() {
        browser.consoleErrors();
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
        browser.screenshot("05-red");
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
        WebElement editor = browser.await("the editor", ExpectedConditions.elementToBeClickable(By.id("sql-editor")));
        editor.clear();
        editor.sendKeys("SELECT service_name, count(*) AS spans FROM spans GROUP BY 1 ORDER BY 2 DESC");
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
        WebElement editor = browser.await("the editor", ExpectedConditions.elementToBeClickable(By.id("sql-editor")));
        editor.clear();
        editor.sendKeys(bad, Keys.chord(Keys.CONTROL, Keys.ENTER));
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
}
