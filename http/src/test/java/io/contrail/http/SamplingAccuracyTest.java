package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.contrail.ingest.sampling.SamplingConfig;
import io.contrail.workload.GroundTruth;
import io.contrail.workload.Workload;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tail sampling at a 10% base rate on the seeded shop workload, sent over OTLP/HTTP one resource at
 * a time (so a trace's spans arrive in several requests, the root not first): every error trace
 * and every trace above the latency threshold is kept whole, and {@code sample_weight} restores the
 * true span count, per-service rates and error rates.
 */
class SamplingAccuracyTest {

    private static final int TRACES = 6_000;
    private static final double BASE_PERCENTAGE = 10;
    private static final Corpus CORPUS = Corpus.generate(TRACES);

    @RegisterExtension
    final RunningServer server = RunningServer.configured(config -> config.withSampling(samplingFile()));

    /** The workload's requests, what is true of them, and the latency the "slow" policy keeps. */
    record Corpus(List<ExportTraceServiceRequest> requests, GroundTruth truth, long slowThresholdMillis) {

        static Corpus generate(int traces) {
            Workload workload = Workload.builder().seed(23).build();
            List<ExportTraceServiceRequest> requests = new ArrayList<>();
            GroundTruth truth = new GroundTruth();
            for (int sent = 0; sent < traces; sent += 50) {
                ExportTraceServiceRequest request = workload.nextRequest(50);
                requests.add(request);
                truth.add(request);
            }
            // The slowest ~3% of traces are "slow": their threshold comes from the corpus itself.
            return new Corpus(requests, truth, truth.rootMillisAtShare(0.03));
        }
    }

    private static SamplingConfig samplingFile() {
        return RunningServer.samplingFile("""
                # keep failures and slow requests, a share of the rest
                quietPeriodMillis: 300
                maxWaitMillis: 10000
                policies:
                  - name: errors
                    type: error
                  - name: slow
                    type: latency
                    thresholdMillis: %d
                  - name: baseline
                    type: probabilistic
                    percentage: %s
                """.formatted(CORPUS.slowThresholdMillis(), BASE_PERCENTAGE));
    }

    @Test
    void keepsFailuresAndSlowTracesWholeAndWeightsRestoreTheTrueCounts() throws Exception {
        sendOneResourceAtATime();
        server.awaitSamplingDecisions();
        server.flush();

        Map<String, Integer> storedByTrace = new HashMap<>();
        for (JsonNode row : server.rows("SELECT trace_id, count(*) FROM spans GROUP BY 1")) {
            storedByTrace.put(row.get(0).asText(), row.get(1).asInt());
        }
        long storedSpans = storedByTrace.values().stream().mapToLong(Integer::longValue).sum();
        assertThat(storedSpans).as("sampling stored far fewer spans than it was sent")
                .isLessThan(CORPUS.truth().spans() / 4);

        for (String trace : CORPUS.truth().errorTraces()) {
            assertThat(storedByTrace.get(trace)).as("error trace %s kept whole", trace)
                    .isEqualTo(CORPUS.truth().spansByTrace().get(trace));
        }
        for (String trace : CORPUS.truth().tracesSlowerThan(CORPUS.slowThresholdMillis())) {
            assertThat(storedByTrace.get(trace)).as("slow trace %s kept whole", trace)
                    .isEqualTo(CORPUS.truth().spansByTrace().get(trace));
        }
        storedByTrace.forEach((trace, count) -> assertThat(count).as("kept trace %s is whole", trace)
                .isEqualTo(CORPUS.truth().spansByTrace().get(trace)));

        // The estimates are Horvitz-Thompson sums: each kept trace counts 1/p times. Their standard
        // error, estimated from the kept traces (variance = sum of (w^2 - w) n^2 over traces), decides
        // how close a run of this size can be; the tolerances (2% overall, 5% per service) are
        // for 1M spans and hold whenever this run's own error allows them.
        JsonNode total = server.rows("WITH t AS (SELECT trace_id, count(*) AS n, max(sample_weight) AS w "
                + "FROM spans GROUP BY 1) SELECT sum(n * w), sqrt(sum((w * w - w) * n * n)) FROM t").get(0);
        assertThat(total.get(0).asDouble() / CORPUS.truth().spans()).as("sum(sample_weight) / true span count")
                .isCloseTo(1.0, within(Math.max(0.02, 3 * total.get(1).asDouble() / CORPUS.truth().spans())));

        for (JsonNode row : server.rows("WITH t AS (SELECT trace_id, service_name, count(*) AS n, "
                + "count(*) FILTER (WHERE status_code = 'ERROR') AS errors, max(sample_weight) AS w "
                + "FROM spans GROUP BY ALL) "
                + "SELECT service_name, sum(n * w), sum(errors * w), sqrt(sum((w * w - w) * n * n)) FROM t GROUP BY 1")) {
            String service = row.get(0).asText();
            long trueSpans = CORPUS.truth().spansByService().get(service);
            long trueErrorSpans = CORPUS.truth().errorSpansByService().getOrDefault(service, 0L);
            double estimatedSpans = row.get(1).asDouble();
            assertThat(estimatedSpans / trueSpans).as("%s: weighted spans / true spans", service)
                    .isCloseTo(1.0, within(Math.max(0.05, 3 * row.get(3).asDouble() / trueSpans)));
            double trueErrorRate = 100.0 * trueErrorSpans / trueSpans;
            double estimatedErrorRate = 100.0 * row.get(2).asDouble() / estimatedSpans;
            assertThat(estimatedErrorRate).as("%s: error rate in percent", service)
                    .isCloseTo(trueErrorRate, within(Math.max(0.5, 3 * trueErrorRate * row.get(3).asDouble() / trueSpans)));
        }
        long trueErrors = CORPUS.truth().errorSpansByService().values().stream().mapToLong(Long::longValue).sum();
        assertThat(trueErrors).isPositive();

        JsonNode sampling = server.getJson("/api/sampling");
        assertThat(sampling.get("enabled").asBoolean()).isTrue();
        long keptTraces = 0;
        long droppedTraces = 0;
        Set<String> policies = new HashSet<>();
        for (JsonNode row : sampling.get("counts")) {
            policies.add(row.get("policy").asText());
            if (row.get("kept").asBoolean()) {
                keptTraces += row.get("spans").asLong();
            } else {
                droppedTraces += row.get("spans").asLong();
            }
        }
        assertThat(policies).contains("errors", "slow", "baseline", "(none)");
        assertThat(keptTraces).as("spans counted as kept").isEqualTo(storedSpans);
        assertThat(keptTraces + droppedTraces).as("spans counted").isEqualTo(CORPUS.truth().spans());
    }

    private void sendOneResourceAtATime() {
        for (ExportTraceServiceRequest request : CORPUS.requests()) {
            List<ResourceSpans> resources = new ArrayList<>(request.getResourceSpansList());
            // Last pod first: the frontend's roots come after their children, as they end last.
            for (int i = resources.size() - 1; i >= 0; i--) {
                HttpResponse<byte[]> response = server.post("/v1/traces",
                        ExportTraceServiceRequest.newBuilder().addResourceSpans(resources.get(i)).build().toByteArray(),
                        "Content-Type", "application/x-protobuf");
                assertThat(response.statusCode()).isEqualTo(200);
            }
        }
    }
}
