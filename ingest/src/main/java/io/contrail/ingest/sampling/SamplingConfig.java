package io.contrail.ingest.sampling;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The sampling file of {@code contrail serve --sampling FILE} (YAML or JSON), modelled on the
 * OpenTelemetry Collector's {@code tail_sampling} processor. Policies are tried in order and the
 * first that keeps a trace decides it (so the order is the priority); a trace no policy keeps is
 * dropped. Without a file, Contrail keeps every span.
 *
 * @param quietPeriodMillis  decide a trace this long after its last span arrived, once its root has arrived
 * @param maxWaitMillis      decide a trace at the latest this long after its first span arrived
 * @param maxTracesInFlight  traces held at once; beyond it the oldest are decided early (counted)
 * @param maxSpansInFlight   spans held at once; beyond it the oldest traces are decided early (counted)
 * @param decisionCacheSize  decided traces remembered, so late spans follow their trace's decision
 * @param policies           the policies, highest priority first
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record SamplingConfig(Long quietPeriodMillis, Long maxWaitMillis, Integer maxTracesInFlight,
                             Long maxSpansInFlight, Integer decisionCacheSize, List<PolicyConfig> policies) {

    public static final long DEFAULT_QUIET_PERIOD_MILLIS = 2_000;
    public static final long DEFAULT_MAX_WAIT_MILLIS = 30_000;
    public static final int DEFAULT_MAX_TRACES_IN_FLIGHT = 20_000;
    public static final long DEFAULT_MAX_SPANS_IN_FLIGHT = 200_000;
    public static final int DEFAULT_DECISION_CACHE_SIZE = 200_000;

    /**
     * One policy. Which fields apply depends on {@code type}:
     * <ul>
     *   <li>{@code error} — a span with status ERROR;</li>
     *   <li>{@code latency} — trace duration at or above {@code thresholdMillis};</li>
     *   <li>{@code latency_percentile} — trace duration above the {@code percentile} of recent traces
     *       with the same root service and operation ({@code windowTraces} remembered per pair, acting
     *       once {@code minTraces} were seen);</li>
     *   <li>{@code attribute} — a span or resource attribute {@code key} equal to one of {@code values}
     *       (strings, numbers, booleans), or within {@code minValue}..{@code maxValue};</li>
     *   <li>{@code probabilistic} — {@code percentage} of traces, chosen consistently by trace ID;</li>
     *   <li>{@code rate_limiting} — traces while fewer than {@code spansPerSecond} spans were kept this second;</li>
     *   <li>{@code composite} — its own {@code policies} in order, all together held to {@code spansPerSecond}
     *       when that is set.</li>
     * </ul>
     */
    @JsonIgnoreProperties(ignoreUnknown = false)
    public record PolicyConfig(String name, String type, Long thresholdMillis, Double percentile,
                               Integer windowTraces, Integer minTraces, String key, List<Object> values,
                               Double minValue, Double maxValue, Double percentage, Long spansPerSecond,
                               List<PolicyConfig> policies) {
    }

    /** Keep everything: what Contrail does without a sampling file. */
    public static SamplingConfig keepEverything() {
        return new SamplingConfig(null, null, null, null, null, List.of());
    }

    public long quietPeriodMillisOrDefault() {
        return quietPeriodMillis != null ? quietPeriodMillis : DEFAULT_QUIET_PERIOD_MILLIS;
    }

    public long maxWaitMillisOrDefault() {
        return maxWaitMillis != null ? maxWaitMillis : DEFAULT_MAX_WAIT_MILLIS;
    }

    public int maxTracesInFlightOrDefault() {
        return maxTracesInFlight != null ? maxTracesInFlight : DEFAULT_MAX_TRACES_IN_FLIGHT;
    }

    public long maxSpansInFlightOrDefault() {
        return maxSpansInFlight != null ? maxSpansInFlight : DEFAULT_MAX_SPANS_IN_FLIGHT;
    }

    public int decisionCacheSizeOrDefault() {
        return decisionCacheSize != null ? decisionCacheSize : DEFAULT_DECISION_CACHE_SIZE;
    }

    /** Reads a sampling file (YAML, or JSON, which YAML includes); errors name the file and the problem. */
    public static SamplingConfig read(Path file) throws IOException {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        SamplingConfig config;
        try {
            config = mapper.readValue(Files.readAllBytes(file), SamplingConfig.class);
        } catch (JsonMappingException e) {
            throw new IllegalArgumentException("sampling file " + file + ": " + e.getOriginalMessage()
                    + " at " + e.getPathReference(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("sampling file " + file + ": " + e.getMessage(), e);
        }
        if (config == null) {
            throw new IllegalArgumentException("sampling file " + file + " is empty");
        }
        SamplingPolicies.build(config.policies() == null ? List.of() : config.policies());
        return config;
    }
}
