package io.contrail.http.tempo;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * Tempo's search and tag answers as its HTTP API writes them: the messages of grafana/tempo
 * {@code pkg/tempopb/tempo.proto} marshaled by {@code jsonpb} (lower camel case names, {@code uint64} as a string,
 * zero values and empty lists left out). Grafana reads them in {@code public/app/plugins/datasource/tempo}:
 * {@code types.ts} ({@code TraceSearchMetadata}, {@code Spanset}, {@code Span}, {@code Scope}),
 * {@code resultTransformer.ts} (the search table) and {@code language_provider.ts} (tags and values).
 */
final class TempoJson {

    private TempoJson() {
    }

    /** {@code SearchResponse}. */
    record SearchResponse(List<TraceSearchMetadata> traces, SearchMetrics metrics) {
    }

    /**
     * {@code TraceSearchMetadata}: {@code traceID} in Tempo's form (hex, leading zeros trimmed), the root span's
     * service and name, the trace's start ({@code uint64}, so a string) and duration in whole milliseconds.
     * {@code spanSet} is the deprecated single form, still filled with {@code spanSets[0]} by Tempo
     * ({@code pkg/traceql/engine.go asTraceSearchMetadata}) for older Grafana versions. {@code durationMs} is left out
     * when 0, as jsonpb leaves zero values out.
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    record TraceSearchMetadata(String traceID, String rootServiceName, String rootTraceName, String startTimeUnixNano,
                               Long durationMs, SpanSet spanSet, List<SpanSet> spanSets,
                               Map<String, ServiceStats> serviceStats) {
    }

    /**
     * {@code ServiceStats}: a service's spans in the trace and how many failed; {@code serviceStats} maps service
     * names to them (read by Grafana's Traces Drilldown app for span and error counts).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ServiceStats(long spanCount, Long errorCount) {
    }

    /**
     * {@code SpanSet}: up to {@code spss} of the matching spans, how many matched, and for a spanset of a TraceQL
     * {@code by(...)} the value of each grouping field.
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    record SpanSet(List<Span> spans, Long matched, List<KeyValue> attributes) {
    }

    /** {@code tempopb.Span}: the span's ID (16 hex digits), name, start and duration ({@code uint64}, strings). */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    record Span(String spanID, String name, String startTimeUnixNano, String durationNanos, List<KeyValue> attributes) {
    }

    /** OTLP's {@code KeyValue} in JSON, holding a string value: what Contrail puts in a search's spans. */
    record KeyValue(String key, StringValue value) {
    }

    record StringValue(String stringValue) {
    }

    /**
     * {@code QueryRangeResponse} ({@code /api/metrics/query_range}); {@code status} {@code PARTIAL} and a
     * {@code message} when series were left out, as Tempo's frontend answers past its series limit. Grafana reads it
     * in {@code pkg/tsdb/tempo/traceql/metrics.go} ({@code TransformMetricsResponse}).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record QueryRangeResponse(List<TimeSeries> series, SearchMetrics metrics, String status, String message) {
    }

    /** {@code TimeSeries}: its labels (typed) and samples, oldest first. */
    record TimeSeries(List<Label> labels, List<Sample> samples) {
    }

    /** {@code Sample}: the end of its interval in Unix milliseconds ({@code int64}, so a string) and the value. */
    record Sample(String timestampMs, double value) {
    }

    /** {@code QueryInstantResponse} ({@code /api/metrics/query}). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record QueryInstantResponse(List<InstantSeries> series, SearchMetrics metrics, String status, String message) {
    }

    /** {@code InstantSeries}: its labels and its one value. */
    record InstantSeries(List<Label> labels, double value) {
    }

    /** A series label: OTLP's {@code KeyValue} with a typed {@link AnyValue}. */
    record Label(String key, AnyValue value) {
    }

    /** OTLP's {@code AnyValue} in JSON: one of its fields ({@code intValue}, an {@code int64}, as a string). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AnyValue(String stringValue, String intValue, Double doubleValue, Boolean boolValue) {

        static AnyValue of(Object value) {
            if (value instanceof Long l) {
                return new AnyValue(null, Long.toString(l), null, null);
            }
            if (value instanceof Double d) {
                return new AnyValue(null, null, d, null);
            }
            if (value instanceof Boolean b) {
                return new AnyValue(null, null, null, b);
            }
            if (value instanceof java.time.Duration d) {
                // AsAnyValue: a duration as its Go text.
                return new AnyValue(io.contrail.http.GoDuration.format(d.toNanos()), null, null, null);
            }
            return new AnyValue(String.valueOf(value), null, null, null);
        }
    }

    /** {@code SearchMetrics}: one job, done (Grafana's progress for streamed searches). */
    record SearchMetrics(long completedJobs, long totalJobs) {
    }

    /** {@code SearchTagsResponse} ({@code /api/search/tags}). */
    record SearchTagsResponse(List<String> tagNames) {
    }

    /** {@code SearchTagsV2Response} ({@code /api/v2/search/tags}). */
    record SearchTagsV2Response(List<Scope> scopes) {
    }

    /** {@code SearchTagsV2Scope}: {@code span}, {@code resource} or {@code intrinsic}, and its tag names. */
    record Scope(String name, List<String> tags) {
    }

    /** {@code SearchTagValuesResponse} ({@code /api/search/tag/{tag}/values}). */
    record SearchTagValuesResponse(List<String> tagValues) {
    }

    /** {@code SearchTagValuesV2Response} ({@code /api/v2/search/tag/{tag}/values}). */
    record SearchTagValuesV2Response(List<TagValue> tagValues) {
    }

    /**
     * {@code TagValue}: the value as text and its TraceQL type, as {@code pkg/traceql/util.go
     * MakeCollectTagValueFunc} names them: {@code string}, {@code int}, {@code float}, {@code bool},
     * {@code keyword} (status and kind values, written unquoted in TraceQL).
     */
    record TagValue(String type, String value) {
    }
}
