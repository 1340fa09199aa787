package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * RED metrics, the service graph and slice comparison over four checkouts recorded by real OTel
 * SDKs ({@link ShopTraffic}): at 10:00:00, 10:00:30, 10:01:00 and 10:01:30 taking 100, 200, 300
 * and 400 ms at the frontend; the third is paid by amex and fails.
 */
class DashboardApiTest {

    @RegisterExtension
    static final RunningServer server = RunningServer.withDefaults();

    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private static final String WINDOW = "&start=2026-11-25T10:00:00Z&end=2026-11-25T10:02:00Z";

    @BeforeAll
    static void recordCheckouts() {
        try (ShopTraffic shop = new ShopTraffic(server)) {
            shop.checkout(T0, Duration.ofMillis(100), "visa", "u-1");
            shop.checkout(T0.plusSeconds(30), Duration.ofMillis(200), "visa", "u-2");
            shop.checkout(T0.plusSeconds(60), Duration.ofMillis(300), "amex", "u-3");
            shop.checkout(T0.plusSeconds(90), Duration.ofMillis(400), "visa", "u-4");
        }
    }

    @Test
    void redMetricsGiveRateErrorRateAndPercentilesPerStep() {
        JsonNode red = server.getJson("/api/metrics/red?service=frontend&step=1m" + WINDOW);

        assertThat(longs(red.get("timestamps"))).containsExactly(T0.toEpochMilli(), T0.plusSeconds(60).toEpochMilli());
        assertThat(red.get("stepMillis").asLong()).isEqualTo(60_000);
        assertThat(red.get("series")).hasSize(1);
        JsonNode series = red.get("series").get(0);
        assertThat(series.get("group").isNull()).isTrue();
        assertThat(series.get("requests").asDouble()).isEqualTo(4.0);
        assertThat(doubles(series.get("rate"))).containsExactly(2 / 60.0, 2 / 60.0);
        assertThat(doubles(series.get("errorRate"))).containsExactly(0.0, 0.5);
        assertThat(doubles(series.get("p50"))).containsExactly(100.0, 300.0);
        assertThat(doubles(series.get("p99"))).containsExactly(200.0, 400.0);
    }

    @Test
    void redMetricsOverRangeAllCoverTheFirstToTheLastRequestInWholeSteps() {
        // The frontend's requests start at 10:00:00 and 10:01:30: about 60 points is a step of 1 s.
        JsonNode all = server.getJson("/api/metrics/red?service=frontend&range=all");
        assertThat(all.get("stepMillis").asLong()).isEqualTo(1_000);
        assertThat(all.get("timestamps")).hasSize(91);
        assertThat(all.get("timestamps").get(0).asLong()).isEqualTo(T0.toEpochMilli());
        assertThat(all.get("series").get(0).get("requests").asDouble()).isEqualTo(4.0);
        assertThat(all).isEqualTo(server.getJson("/api/metrics/red?service=frontend&step=1s"
                + "&start=2026-11-25T10:00:00Z&end=2026-11-25T10:01:31Z"));
        assertThat(server.getJson("/api/metrics/red?service=frontend&range=all&step=1m"))
                .isEqualTo(server.getJson("/api/metrics/red?service=frontend&step=1m" + WINDOW));

        HttpResponse<byte[]> week = server.get("/api/metrics/red?range=week");
        assertThat(week.statusCode()).isEqualTo(400);
        assertThat(RunningServer.json(week).get("error").asText()).startsWith("range=week:");
        HttpResponse<byte[]> bounded = server.get("/api/metrics/red?range=all" + WINDOW);
        assertThat(bounded.statusCode()).isEqualTo(400);
        assertThat(RunningServer.json(bounded).get("error").asText()).isEqualTo("range=all takes no start or end");
    }

    @Test
    void redMetricsSplitIntoOneSeriesPerValueOfAnyColumnOrAttribute() {
        JsonNode byService = server.getJson("/api/metrics/red?groupBy=service_name&step=2m" + WINDOW);
        assertThat(byService.get("groupBy").asText()).isEqualTo("service_name");
        assertThat(byService.get("series")).extracting(s -> s.get("group").asText())
                .containsExactlyInAnyOrder("frontend", "payment", "email");

        JsonNode byCard = server.getJson("/api/metrics/red?service=payment&groupBy=payment.card&step=2m" + WINDOW);
        assertThat(byCard.get("groupBy").asText()).isEqualTo("attr.payment.card");
        assertThat(byCard.get("series").get(0).get("group").asText()).isEqualTo("visa");
        assertThat(byCard.get("series").get(0).get("requests").asDouble()).isEqualTo(3.0);
        JsonNode amex = byCard.get("series").get(1);
        assertThat(amex.get("group").asText()).isEqualTo("amex");
        assertThat(amex.get("errorRate").get(0).asDouble()).isEqualTo(1.0);

        JsonNode byHost = server.getJson("/api/metrics/red?groupBy=resource.host.name&kind=all&limit=1&step=2m" + WINDOW);
        assertThat(byHost.get("series")).hasSize(1);
        assertThat(byHost.get("series").get(0).get("group").asText()).isEqualTo("frontend-1");
        assertThat(byHost.get("otherGroups").asInt()).isEqualTo(2);
    }

    @Test
    void redMetricsRejectAnUnknownGroupByAnUnknownKindAndTooManyPoints() {
        HttpResponse<byte[]> unknown = server.get("/api/metrics/red?groupBy=" + RunningServer.urlEncode("no.such\"key") + WINDOW);
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(RunningServer.json(unknown).get("error").asText()).startsWith("groupBy=no.such\"key:");

        HttpResponse<byte[]> kind = server.get("/api/metrics/red?kind=server,sideways" + WINDOW);
        assertThat(kind.statusCode()).isEqualTo(400);
        assertThat(RunningServer.json(kind).get("error").asText()).startsWith("kind=SIDEWAYS:");

        HttpResponse<byte[]> tiny = server.get("/api/metrics/red?step=1ms" + WINDOW);
        assertThat(tiny.statusCode()).isEqualTo(400);
        assertThat(RunningServer.json(tiny).get("error").asText()).startsWith("step=");
    }

    @Test
    void dependenciesJoinParentAndChildAcrossServicesAndFallBackToThePeerAttribute() {
        JsonNode graph = server.getJson("/api/dependencies?" + WINDOW.substring(1));
        JsonNode edges = graph.get("edges");

        assertThat(edges).extracting(e -> e.get("parent").asText() + " -> " + e.get("child").asText())
                .containsExactlyInAnyOrder("frontend -> payment", "frontend -> redis");
        JsonNode payment = edge(edges, "payment");
        assertThat(payment.get("callCount").asDouble()).isEqualTo(4.0);
        assertThat(payment.get("errorCount").asDouble()).isEqualTo(1.0);
        assertThat(payment.get("callsFromPeerAttributes").asDouble()).isZero();
        assertThat(payment.get("p50Millis").asDouble()).isEqualTo(196.0);
        assertThat(payment.get("p99Millis").asDouble()).isEqualTo(396.0);
        JsonNode redis = edge(edges, "redis");
        assertThat(redis.get("callCount").asDouble()).isEqualTo(4.0);
        assertThat(redis.get("callsFromPeerAttributes").asDouble()).isEqualTo(4.0);
        assertThat(redis.get("p99Millis").asDouble()).isEqualTo(1.0);
        assertThat(edges).as("redis reports no spans: no context to lose")
                .allSatisfy(e -> assertThat(e.get("callsWithLostContext").asDouble()).isZero());

        // Each checkout: the frontend's root and two client spans, the payment's server span, the
        // receipt; the amex one fails at the root, the pay client and the payment.
        assertThat(graph.get("services")).extracting(s -> s.get("name").asText() + " " + s.get("spanCount").asDouble()
                + " " + s.get("errorCount").asDouble()).containsExactly("email 4.0 0.0", "frontend 12.0 2.0", "payment 4.0 1.0");

        assertThat(server.getJson("/api/dependencies?start=2020-01-01T00:00:00Z&end=2020-01-02T00:00:00Z")
                .get("edges")).isEmpty();
    }

    @Test
    void compareRanksTheValuesThatSetTheSelectionApart() {
        JsonNode result = server.getJson("/api/compare?selection=" + RunningServer.urlEncode("status=error")
                + WINDOW + "&limit=200");

        assertThat(result.get("selectionSpans").asDouble()).isEqualTo(3.0);
        assertThat(result.get("baselineSpans").asDouble()).isEqualTo(17.0);
        assertThat(result.get("sampled").asBoolean()).isFalse();
        // The selection fixes the status: restating it would tell nothing.
        assertThat(result.get("differences")).extracting(d -> d.get("dimension").asText()).doesNotContain("status_code");
        // One failed span in three carries each of these values, and no other span does.
        List<String> top = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            JsonNode d = result.get("differences").get(i);
            assertThat(d.get("difference").asDouble()).isCloseTo(1 / 3.0, within(1e-9));
            top.add(d.get("dimension").asText() + "=" + d.get("value").asText());
        }
        assertThat(top).containsExactlyInAnyOrder("attr.app.user.id=u-3", "attr.http.response.status_code=500",
                "attr.payment.card=amex", "status_message=card declined");
        JsonNode serverKind = difference(result, "kind", "SERVER");
        assertThat(serverKind.get("selectionShare").asDouble()).isCloseTo(2 / 3.0, within(1e-9));
        assertThat(serverKind.get("baselineShare").asDouble()).isCloseTo(6 / 17.0, within(1e-9));
        assertThat(serverKind.get("baselineCount").asDouble()).isEqualTo(6.0);
        JsonNode amex = difference(result, "attr.payment.card", "amex");
        assertThat(amex.get("selectionCount").asDouble()).isEqualTo(1.0);
        assertThat(amex.get("baselineCount").asDouble()).isZero();
        JsonNode user = difference(result, "attr.app.user.id", "u-3");
        assertThat(user.get("selectionShare").asDouble()).isCloseTo(1 / 3.0, within(1e-9));
        List<Double> magnitudes = new ArrayList<>();
        result.get("differences").forEach(d -> magnitudes.add(Math.abs(d.get("difference").asDouble())));
        assertThat(magnitudes).isSortedAccordingTo((a, b) -> Double.compare(b, a));
    }

    @Test
    void compareTakesTheSearchFilterSyntaxForBothSlices() {
        JsonNode result = server.getJson("/api/compare?selection="
                + RunningServer.urlEncode("service=frontend&operation=GET /checkout&minDuration=250ms")
                + "&baseline=" + RunningServer.urlEncode("service=frontend&operation=GET /checkout") + WINDOW);

        assertThat(result.get("selectionSpans").asDouble()).isEqualTo(2.0);
        assertThat(result.get("baselineSpans").asDouble()).isEqualTo(4.0);
        JsonNode u1 = difference(result, "attr.app.user.id", "u-1");
        assertThat(u1.get("difference").asDouble()).isEqualTo(-0.25);

        HttpResponse<byte[]> bad = server.get("/api/compare?selection=" + RunningServer.urlEncode("colour=red"));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(RunningServer.json(bad).get("error").asText()).startsWith("selection=colour=red:");
        HttpResponse<byte[]> missing = server.get("/api/compare?baseline=status=ok");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(RunningServer.json(missing).get("error").asText()).startsWith("selection is required");
    }

    private static JsonNode edge(JsonNode edges, String child) {
        for (JsonNode edge : edges) {
            if (edge.get("child").asText().equals(child)) {
                return edge;
            }
        }
        throw new AssertionError("no edge to " + child + " in " + edges);
    }

    private static JsonNode difference(JsonNode result, String dimension, String value) {
        for (JsonNode d : result.get("differences")) {
            if (d.get("dimension").asText().equals(dimension) && d.get("value").asText().equals(value)) {
                return d;
            }
        }
        throw new AssertionError("no " + dimension + "=" + value + " in " + result);
    }

    private static List<Long> longs(JsonNode array) {
        List<Long> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asLong()));
        return values;
    }

    private static List<Double> doubles(JsonNode array) {
        List<Double> values = new ArrayList<>();
        array.forEach(v -> values.add(v.isNull() ? null : v.asDouble()));
        return values;
    }
}
