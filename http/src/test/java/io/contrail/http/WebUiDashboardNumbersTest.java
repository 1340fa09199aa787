package io.contrail.http;

import static io.contrail.http.OtlpSpans.attribute;
import static io.contrail.http.OtlpSpans.hex;
import static io.contrail.http.OtlpSpans.span;
import static io.contrail.http.OtlpSpans.spanId;
import static io.contrail.http.OtlpSpans.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * Under sampling, the web UI's RED and service map screens show the numbers {@code /api/metrics/red}
 * and {@code /api/dependencies} answer for the same window, read from what the page draws (the
 * charts' data) and writes (table cells, node labels) in a real headless Chromium.
 *
 * <p>The traffic was head-sampled upstream ({@code tracestate ot=th:…}), so its spans stand for 1,
 * 4 or 8 spans each: unweighted percentiles, counts or a different rule for which spans are
 * requests or calls would show other numbers. From 10:00:00 (UTC, 2026-11-25):
 * <ul>
 * <li>+0 s, weight 1: frontend SERVER {@code GET /checkout} 10 ms → CLIENT {@code POST /pay} →
 *     payment SERVER {@code POST /pay}</li>
 * <li>+0.1 s, weight 8: the same, 100 ms, failing at the frontend and the payment; and a CLIENT
 *     call to {@code postgres}, which reports no spans</li>
 * <li>+20 s, weight 1: frontend INTERNAL root {@code refresh prices} (not a request)</li>
 * <li>+70 s, weight 4: frontend SERVER {@code GET /cart} 40 ms → CLIENT {@code POST /pay} to
 *     payment, which never answers with a span: trace context lost</li>
 * <li>+70.2 s, weight 1: frontend SERVER {@code GET /cart} 20 ms</li>
 * </ul>
 */
class WebUiDashboardNumbersTest {

    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    /** Kept with probability 1/8 upstream: each span stands for 8. */
    private static final String ONE_IN_EIGHT = "ot=th:e";
    /** Kept with probability 1/4 upstream: each span stands for 4. */
    private static final String ONE_IN_FOUR = "ot=th:c";
    /** formatNanos shows three significant digits; formatNumber two decimals. */
    private static final double DURATION_PRECISION = 0.01;
    private static final double NUMBER_PRECISION = 0.005;
    private static final Pattern DURATION = Pattern.compile("([0-9.]+) (ns|µs|ms|s)");

    @RegisterExtension
    static final RunningServer server = RunningServer.withDefaults();

    private static HeadlessChromium browser;

    @BeforeAll
    static void sendSampledTrafficAndStartTheBrowser() throws Exception {
        OtlpSpans.Request request = OtlpSpans.request();
        checkout(request, 1, T0, Duration.ofMillis(10), "", false);
        checkout(request, 2, T0.plusMillis(100), Duration.ofMillis(100), ONE_IN_EIGHT, true);
        request.add("frontend", child(2, 7, 4, "SELECT orders", Span.SpanKind.SPAN_KIND_CLIENT, T0.plusMillis(102), Duration.ofMillis(5),
                        ONE_IN_EIGHT).addAttributes(attribute("peer.service", "postgres")));
        request.add("frontend", span(traceId(3), spanId(8), "refresh prices", Span.SpanKind.SPAN_KIND_INTERNAL,
                T0.plusSeconds(20), Duration.ofMillis(200)));
        request.add("frontend",
                span(traceId(4), spanId(9), "GET /cart", Span.SpanKind.SPAN_KIND_SERVER, T0.plusSeconds(70),
                        Duration.ofMillis(40)).setTraceState(ONE_IN_FOUR),
                child(4, 10, 9, "POST /pay", Span.SpanKind.SPAN_KIND_CLIENT, T0.plusSeconds(70).plusMillis(1),
                        Duration.ofMillis(30), ONE_IN_FOUR).addAttributes(attribute("peer.service", "payment")));
        request.add("frontend", span(traceId(5), spanId(11), "GET /cart", Span.SpanKind.SPAN_KIND_SERVER,
                T0.plusSeconds(70).plusMillis(200), Duration.ofMillis(20)));
        OtlpSpans.export(server, request);
        server.flush();
        browser = HeadlessChromium.start();
    }

    /** frontend SERVER GET /checkout → frontend CLIENT POST /pay → payment SERVER POST /pay, spans 3n-2…3n of trace n. */
    private static void checkout(OtlpSpans.Request request, int trace, Instant start, Duration duration,
                                 String traceState, boolean fails) {
        int root = 3 * trace - 2;
        Span.Builder server = span(traceId(trace), spanId(root), "GET /checkout", Span.SpanKind.SPAN_KIND_SERVER, start,
                duration).setTraceState(traceState);
        Span.Builder payClient = child(trace, root + 1, root, "POST /pay", Span.SpanKind.SPAN_KIND_CLIENT,
                start.plusMillis(1), duration.minusMillis(2), traceState).addAttributes(attribute("peer.service", "payment"));
        Span.Builder payServer = child(trace, root + 2, root + 1, "POST /pay", Span.SpanKind.SPAN_KIND_SERVER,
                start.plusMillis(2), duration.minusMillis(4), traceState);
        if (fails) {
            server.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
            payServer.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
        }
        request.add("frontend", server, payClient);
        request.add("payment", payServer);
    }

    private static Span.Builder child(int trace, int span, int parent, String name, Span.SpanKind kind, Instant start,
                                      Duration duration, String traceState) {
        return span(traceId(trace), spanId(span), name, kind, start, duration).setParentSpanId(hex(spanId(parent)))
                .setTraceState(traceState);
    }

    @AfterAll
    static void stopTheBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void redChartsAndOperationsShowWhatTheRedApiAnswers() throws Exception {
        browser.open(server.baseUrl() + "/#/red?service=frontend");
        browser.await("the operations", ExpectedConditions.presenceOfElementLocated(By.cssSelector("#red-operations tbody tr")));
        browser.await("three RED charts", ExpectedConditions.numberOfElementsToBe(By.cssSelector("#red-charts .uplot"), 3));
        List<?> charts = charts();
        List<Long> timestamps = new ArrayList<>();
        for (Object x : (List<?>) ((List<?>) charts.get(0)).get(0)) {
            timestamps.add(Math.round(((Number) x).doubleValue() * 1000));
        }
        assertThat(timestamps).as("points on the time axis").hasSizeGreaterThan(1);
        long stepMillis = timestamps.get(1) - timestamps.get(0);
        long startMillis = timestamps.get(0);
        long endMillis = startMillis + timestamps.size() * stepMillis;

        String window = "&start=" + startMillis + "&end=" + endMillis + "&step=" + stepMillis + "ms";
        assertChartsShow(charts, timestamps, server.getJson("/api/metrics/red?service=frontend" + window));
        // The operations table is over the whole window: the API with one step that spans it.
        JsonNode byName = server.getJson("/api/metrics/red?service=frontend&groupBy=name&limit=100&step="
                + (endMillis - startMillis) + "ms&start=" + startMillis + "&end=" + endMillis);
        Map<String, JsonNode> answered = new HashMap<>();
        byName.get("series").forEach(s -> answered.put(s.get("group").asText(), s));
        List<WebElement> rows = browser.findAll("#red-operations tbody tr");
        List<String> shownOperations = new ArrayList<>();
        for (WebElement row : rows) {
            List<WebElement> cells = row.findElements(By.tagName("td"));
            String operation = cells.get(0).getText();
            shownOperations.add(operation);
            JsonNode expected = answered.get(operation);
            assertThat(expected).as("%s is a request operation the API knows", operation).isNotNull();
            assertThat(number(cells.get(1).getText())).as("%s requests", operation)
                    .isCloseTo(expected.get("requests").asDouble(), within(NUMBER_PRECISION));
            assertThat(number(cells.get(2).getText())).as("%s error %%", operation)
                    .isCloseTo(100 * expected.get("errorRate").get(0).asDouble(), within(NUMBER_PRECISION));
            for (int p = 0; p < 2; p++) {
                String percentile = List.of("p50", "p99").get(p);
                double nanos = expected.get(percentile).get(0).asDouble() * 1e6;
                assertThat(nanos(cells.get(3 + p).getText())).as("%s %s", operation, percentile)
                        .isCloseTo(nanos, within(nanos * DURATION_PRECISION));
            }
        }
        assertThat(shownOperations).containsExactlyInAnyOrderElementsOf(answered.keySet());

        // The weights decide: GET /checkout is 10 ms once and 100 ms eight times, so its median is 100 ms.
        assertThat(answered.get("GET /checkout").get("p50").get(0).asDouble()).isEqualTo(100.0);
        assertThat(answered.get("GET /checkout").get("requests").asDouble()).isEqualTo(9.0);
        assertThat(answered.get("GET /cart").get("p50").get(0).asDouble()).isEqualTo(40.0);
        browser.screenshot("11-red-sampled");

        // One operation's charts keep the service's steps.
        rows.get(shownOperations.indexOf("GET /cart")).click();
        browser.await("the charts of GET /cart",
                ExpectedConditions.presenceOfElementLocated(By.cssSelector("#red-operations tr.selected")));
        browser.await("three RED charts", ExpectedConditions.numberOfElementsToBe(By.cssSelector("#red-charts .uplot"), 3));
        assertThat(browser.find("#red-operation").getAttribute("value")).isEqualTo("GET /cart");
        assertChartsShow(charts(), timestamps, server.getJson("/api/metrics/red?service=frontend&operation="
                + RunningServer.urlEncode("GET /cart") + window));
        assertThat(browser.consoleErrors()).isEmpty();
    }

    /** What each RED chart draws: [x (Unix seconds), series…] for rate, error %, then p50/p95/p99 in ns. */
    private static List<?> charts() {
        List<?> charts = (List<?>) browser.script("return [...document.querySelectorAll('#red-charts .chart-box')]"
                + ".map(box => [...box.children].find(c => c.plot)).map(c => c ? c.plot.data : null);");
        assertThat(charts).hasSize(3).doesNotContainNull();
        return charts;
    }

    /** The charts draw, at the given times, the rate, error rate and percentiles of the API's one series. */
    private static void assertChartsShow(List<?> charts, List<Long> timestamps, JsonNode red) {
        assertThat(red.get("timestamps")).extracting(JsonNode::asLong).containsExactlyElementsOf(timestamps);
        List<Long> drawn = new ArrayList<>();
        for (Object x : (List<?>) ((List<?>) charts.get(0)).get(0)) {
            drawn.add(Math.round(((Number) x).doubleValue() * 1000));
        }
        assertThat(drawn).as("times drawn").isEqualTo(timestamps);
        assertThat(red.get("series")).hasSize(1);
        JsonNode series = red.get("series").get(0);
        assertThat(series(charts, 0, 1)).as("rate (req/s)").isEqualTo(values(series.get("rate"), 1));
        assertThat(series(charts, 1, 1)).as("error %").isEqualTo(values(series.get("errorRate"), 100));
        for (int p = 0; p < 3; p++) {
            String percentile = List.of("p50", "p95", "p99").get(p);
            List<Double> shown = series(charts, 2, 1 + p);
            List<Double> answered = values(series.get(percentile), 1e6);
            assertThat(shown).as(percentile + " (ns)").hasSameSizeAs(answered);
            for (int i = 0; i < shown.size(); i++) {
                if (answered.get(i) == null) {
                    assertThat(shown.get(i)).as("%s at %d", percentile, timestamps.get(i)).isNull();
                } else {
                    assertThat(shown.get(i)).as("%s at %d", percentile, timestamps.get(i))
                            .isCloseTo(answered.get(i), within(answered.get(i) * 1e-12));
                }
            }
        }
    }

    @Test
    void theServiceMapShowsWhatTheDependenciesApiAnswers() throws Exception {
        browser.open(server.baseUrl() + "/#/map");
        browser.await("the calls table", ExpectedConditions.presenceOfElementLocated(By.cssSelector("table.map-edges tbody tr")));
        JsonNode graph = server.getJson("/api/dependencies");

        Map<String, JsonNode> edges = new HashMap<>();
        graph.get("edges").forEach(e -> edges.put(e.get("parent").asText() + " -> " + e.get("child").asText(), e));
        List<String> shownEdges = new ArrayList<>();
        for (WebElement row : browser.findAll("table.map-edges tbody tr")) {
            List<WebElement> cells = row.findElements(By.tagName("td"));
            String edge = cells.get(0).getText() + " -> " + cells.get(1).getText();
            shownEdges.add(edge);
            JsonNode expected = edges.get(edge);
            assertThat(expected).as("%s is an edge the API knows", edge).isNotNull();
            assertThat(number(cells.get(2).getText())).as("%s calls", edge)
                    .isCloseTo(expected.get("callCount").asDouble(), within(NUMBER_PRECISION));
            assertThat(number(cells.get(3).getText())).as("%s errors", edge)
                    .isCloseTo(expected.get("errorCount").asDouble(), within(NUMBER_PRECISION));
            assertThat(number(cells.get(5).getText())).as("%s calls that lost context", edge)
                    .isCloseTo(expected.get("callsWithLostContext").asDouble(), within(NUMBER_PRECISION));
        }
        assertThat(shownEdges).containsExactlyInAnyOrderElementsOf(edges.keySet());
        assertThat(browser.findAll("#service-map path.map-edge")).hasSameSizeAs(shownEdges);

        // Each node's label: "N spans · M errors", or "no spans …" for a peer that reports none.
        List<?> nodes = (List<?>) browser.script("return [...document.querySelectorAll('#service-map g.map-node')]"
                + ".map(g => [g.dataset.service, g.querySelector('text.sub').textContent]);");
        Map<String, String> labels = new HashMap<>();
        nodes.forEach(n -> labels.put((String) ((List<?>) n).get(0), (String) ((List<?>) n).get(1)));
        List<String> services = new ArrayList<>();
        for (JsonNode service : graph.get("services")) {
            String name = service.get("name").asText();
            services.add(name);
            Matcher label = Pattern.compile("([0-9.,]+) spans · ([0-9.,]+) errors").matcher(labels.getOrDefault(name, ""));
            assertThat(label.matches()).as("%s's label: %s", name, labels.get(name)).isTrue();
            assertThat(number(label.group(1))).as("%s spans", name)
                    .isCloseTo(service.get("spanCount").asDouble(), within(NUMBER_PRECISION));
            assertThat(number(label.group(2))).as("%s errors", name)
                    .isCloseTo(service.get("errorCount").asDouble(), within(NUMBER_PRECISION));
        }
        assertThat(labels).containsOnlyKeys("frontend", "payment", "postgres");
        assertThat(labels.get("postgres")).startsWith("no spans");

        // What the API says of this traffic: the lost call to payment stands for 4.
        JsonNode pay = edges.get("frontend -> payment");
        assertThat(pay.get("callCount").asDouble()).isEqualTo(13.0);
        assertThat(pay.get("errorCount").asDouble()).isEqualTo(8.0);
        assertThat(pay.get("callsWithLostContext").asDouble()).isEqualTo(4.0);
        assertThat(edges.get("frontend -> postgres").get("callCount").asDouble()).isEqualTo(8.0);
        assertThat(services).containsExactly("frontend", "payment");
        browser.screenshot("12-service-map-sampled");
        assertThat(browser.consoleErrors()).isEmpty();
    }

    /** Series {@code index} of chart {@code chart} as numbers (null where the chart has a gap). */
    private static List<Double> series(List<?> charts, int chart, int index) {
        List<Double> values = new ArrayList<>();
        for (Object v : (List<?>) ((List<?>) charts.get(chart)).get(index)) {
            values.add(v == null ? null : ((Number) v).doubleValue());
        }
        return values;
    }

    /** An API array scaled by {@code factor} (null stays null). */
    private static List<Double> values(JsonNode array, double factor) {
        List<Double> values = new ArrayList<>();
        array.forEach(v -> values.add(v.isNull() ? null : v.asDouble() * factor));
        return values;
    }

    /** A number as formatNumber writes it: 1,234 or 12.35. */
    private static double number(String text) {
        return Double.parseDouble(text.trim().replace(",", ""));
    }

    /** A duration as formatNanos writes it (850 µs, 12.3 ms, 1.52 s), in nanoseconds. */
    private static double nanos(String text) {
        Matcher m = DURATION.matcher(text.trim());
        assertThat(m.matches()).as("a duration: %s", text).isTrue();
        double unit = switch (m.group(2)) {
            case "ns" -> 1;
            case "µs" -> 1e3;
            case "ms" -> 1e6;
            default -> 1e9;
        };
        return Double.parseDouble(m.group(1)) * unit;
    }
}
