package io.contrail.http.tempo;

import io.contrail.http.GoDuration;
import io.contrail.query.QueryEngine;
import io.contrail.query.QueryException;
import io.contrail.query.SpanFilter;
import io.contrail.query.TimeWindow;
import io.contrail.query.TraceQueries;
import io.contrail.query.traceql.CompiledTraceQl;
import io.contrail.query.traceql.TraceQlMetrics;
import io.contrail.query.traceql.TraceQlResults;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.opentelemetry.proto.trace.v1.TracesData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Tempo's HTTP query API under {@value #PREFIX}, as Grafana's Tempo data source calls it: give Grafana
 * {@code http://HOST:4318/tempo} as the data source URL (Contrail's own {@code /api/search} and
 * {@code /api/traces/{id}} own the root). Paths and parameters are Tempo's ({@code pkg/api/http.go}: {@code Path*},
 * {@code ParseSearchRequest}, {@code ParseTraceID}, {@code ParseTraceByIDRequest}; {@code pkg/api/search_tags.go}:
 * {@code ParseSearchTagsRequest}, {@code parseSearchTagValuesRequest}), so are the answers ({@link TempoJson},
 * {@link TempoTraceMessages}) and the errors: a bad parameter is a 400 whose plain-text body names it, as Tempo's
 * {@code httpInvalidRequest} ({@code modules/frontend}) answers; an unknown trace a 404 with an empty body
 * ({@code modules/frontend/combiner/trace_by_id.go}), on v2 too, where Tempo answers 200 with an empty trace
 * ({@code modules/querier/http.go TraceByIDHandlerV2}): Grafana ({@code pkg/tsdb/tempo/trace.go}) takes a v2 404
 * for an older Tempo and asks v1, whose 404 it reports as not found, as it reports Tempo's empty trace.
 *
 * <p>Not Tempo's: what of TraceQL is compiled ({@link TraceQlSupport}, the one place that decides; what is not is a 400
 * naming it); TraceQL metrics ({@code /api/metrics/query_range}, {@code /api/metrics/query}) return no exemplars and
 * their quantiles are exact (weighted by sampling), where Tempo's interpolate power-of-two buckets; there is
 * no gRPC streaming (buildinfo says {@value #TEMPO_VERSION}, so Grafana does not try it). Searches and tag values without
 * {@code start}/{@code end} look at the last hour, as Tempo's look at its recent, not yet compacted, data. Tag
 * searches match values exactly (Tempo's legacy search matched well-known columns by substring), and
 * {@code minDuration}/{@code maxDuration} apply to the matching span, as in Contrail's and Jaeger's search, not to
 * the whole trace.
 */
public final class TempoApi {

    /** Where the API is mounted. */
    public static final String PREFIX = "/tempo";
    /**
     * The Tempo version buildinfo reports: the last one before gRPC streaming, which Grafana turns on from 2.2.0
     * ({@code datasource.ts featuresToTempoVersion}) and which Contrail does not serve; also what Grafana assumes
     * of a Tempo without buildinfo ({@code defaultTempoVersion}).
     */
    static final String TEMPO_VERSION = "2.1.0";
    /**
     * Series a metrics answer holds at most (Tempo's {@code max_response_series}, unbounded by default there; Grafana
     * draws no more than this usefully).
     */
    static final int MAX_SERIES = 1_000;
    /** Tempo's default number of traces a search returns ({@code pkg/api/http.go defaultLimit}). */
    static final int DEFAULT_LIMIT = 20;
    /** Tempo's default spans per span set ({@code defaultSpansPerSpanSet}) and the frontend's bound on it. */
    static final int DEFAULT_SPANS_PER_SPAN_SET = 3;
    static final int MAX_SPANS_PER_SPAN_SET = 100;
    /** What a search or tag-values request without start and end looks at, back from now. */
    static final long DEFAULT_LOOKBACK_NANOS = 3_600_000_000_000L;
    /** Values one tag-values answer holds at most, and by default. */
    static final int MAX_TAG_VALUES = 1_000;
    /** Tempo's text for a trace whose root span it has not seen ({@code pkg/search/util.go}). */
    static final String ROOT_SPAN_NOT_YET_RECEIVED = "<root span not yet received>";
    /**
     * The intrinsics Tempo lists in scope {@code intrinsic} of {@code /api/v2/search/tags}
     * ({@code pkg/search/util.go GetVirtualIntrinsicValues}), which Grafana offers in its editor.
     */
    static final List<String> INTRINSICS = List.of("duration", "name", "status", "statusMessage", "kind",
            "rootServiceName", "rootName", "traceDuration", "event:name", "event:timeSinceStart", "link:spanID",
            "link:traceID", "instrumentation:name", "instrumentation:version", "trace:id", "span:id", "span:parentID",
            "span:status", "span:statusMessage", "span:duration", "span:name", "span:kind", "trace:rootName",
            "trace:rootService", "trace:duration");
    /** Parameters of a search that are not a tag in Tempo's oldest form (every other parameter a tag). */
    private static final Set<String> SEARCH_PARAMETERS = Set.of("q", "tags", "minDuration", "maxDuration", "limit",
            "spss", "start", "end");
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final Logger LOG = LoggerFactory.getLogger(TempoApi.class);

    /** The trace queries and the query engine over the request's tenant's spans. */
    private final Function<Context, TraceQueries> traces;
    private final Function<Context, QueryEngine> engines;
    /** Contrail's version, which buildinfo gives as the revision. */
    private final String contrailVersion;

    public TempoApi(Function<Context, TraceQueries> traces, Function<Context, QueryEngine> engines,
                    String contrailVersion) {
        this.traces = traces;
        this.engines = engines;
        this.contrailVersion = contrailVersion;
    }

    /** A route's work; may throw what the query layer throws. */
    private interface TempoHandler {
        void handle(Context ctx) throws QueryException;
    }

    public void register(RoutesConfig routes) {
        routes.get(PREFIX + "/api/echo", ctx -> answer(ctx, TempoApi::echo));
        routes.get(PREFIX + "/api/status/buildinfo", ctx -> answer(ctx, this::buildInfo));
        routes.get(PREFIX + "/api/traces/{traceID}", ctx -> answer(ctx, c -> trace(c, false)));
        routes.get(PREFIX + "/api/v2/traces/{traceID}", ctx -> answer(ctx, c -> trace(c, true)));
        routes.get(PREFIX + "/api/search", ctx -> answer(ctx, this::search));
        routes.get(PREFIX + "/api/search/tags", ctx -> answer(ctx, c -> tags(c, false)));
        routes.get(PREFIX + "/api/v2/search/tags", ctx -> answer(ctx, c -> tags(c, true)));
        routes.get(PREFIX + "/api/search/tag/{tagName}/values", ctx -> answer(ctx, c -> tagValues(c, false)));
        routes.get(PREFIX + "/api/v2/search/tag/{tagName}/values", ctx -> answer(ctx, c -> tagValues(c, true)));
        routes.get(PREFIX + "/api/metrics/query_range", ctx -> answer(ctx, c -> metrics(c, false)));
        routes.get(PREFIX + "/api/metrics/query", ctx -> answer(ctx, c -> metrics(c, true)));
    }

    /** Runs a route; a bad parameter is a 400 in plain text, a failed query a plain-text error too. */
    private static void answer(Context ctx, TempoHandler handler) {
        try {
            handler.handle(ctx);
        } catch (IllegalArgumentException e) {
            ctx.status(HttpStatus.BAD_REQUEST).contentType(TEXT).result(e.getMessage());
        } catch (QueryException e) {
            HttpStatus status = switch (e.reason()) {
                case TIMEOUT -> HttpStatus.REQUEST_TIMEOUT;
                // a window over more of a shared table than this node's cache may hold; a query DuckDB refuses
                // (a TraceQL regex RE2 cannot read) is the client's to fix, as ContrailServer answers it
                case TOO_LARGE, INVALID, REJECTED -> HttpStatus.BAD_REQUEST;
                default -> HttpStatus.INTERNAL_SERVER_ERROR;
            };
            LOG.warn("{} {} failed: {}", ctx.method(), ctx.path(), e.getMessage());
            ctx.status(status).contentType(TEXT).result(e.getMessage());
        }
    }

    /** What Grafana's "Save & test" calls; Tempo answers {@code echo} through Go's {@code http.Error}, with a newline. */
    private static void echo(Context ctx) {
        ctx.contentType(TEXT).result("echo\n");
    }

    /** Tempo's {@code build.GetVersion()}: Prometheus' version fields, in their JSON names. */
    private void buildInfo(Context ctx) {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("version", TEMPO_VERSION);
        info.put("revision", "contrail-" + contrailVersion);
        info.put("branch", "");
        info.put("buildUser", "");
        info.put("buildDate", "");
        info.put("goVersion", "");
        ctx.json(info);
    }

    private void trace(Context ctx, boolean v2) throws QueryException {
        String traceId = traceId(ctx.pathParam("traceID"));
        traceByIdParameters(ctx);
        if (v2) {
            // v2 keeps only the spans a TraceQL q matches (pkg/api/http.go ParseTraceByIDFilterParams).
            TraceQlSupport.requireWholeTrace(value(ctx, "q"));
        }
        var trace = traces.apply(ctx).trace(traceId);
        if (trace.isEmpty()) {
            ctx.status(HttpStatus.NOT_FOUND);
            return;
        }
        TracesData otlp = OtlpTrace.of(trace.get());
        String accept = ctx.header("Accept");
        if (accept != null && accept.contains(TempoTraceMessages.PROTOBUF)) {
            ctx.contentType(TempoTraceMessages.PROTOBUF).result((v2 ? TempoTraceMessages.traceByIdResponse(otlp)
                    : TempoTraceMessages.trace(otlp)).toByteArray());
        } else {
            ctx.contentType(TempoTraceMessages.JSON)
                    .result(v2 ? TempoTraceMessages.traceJsonV2(otlp) : TempoTraceMessages.traceJsonV1(otlp));
        }
    }

    /**
     * A trace ID as Tempo reads one ({@code pkg/util/traceid.go hexStringToID}): hex digits only, at most 128 bits,
     * left-padded with zeros; as Contrail's 32 lower-case digits.
     */
    static String traceId(String id) {
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c > 'f' || Character.digit(c, 16) < 0) {
                throw new IllegalArgumentException("trace IDs can only contain hex characters: invalid character '"
                        + c + "' at position " + (i + 1));
            }
        }
        String digits = id.length() % 2 == 1 ? "0" + id : id;
        if (digits.length() > 32) {
            throw new IllegalArgumentException("trace IDs can't be larger than 128 bits");
        }
        return "0".repeat(32 - digits.length()) + digits.toLowerCase(Locale.ROOT);
    }

    /** Tempo's trace ID text: hex without leading zeros ({@code util.TraceIDToHexString}). */
    static String tempoTraceId(String hex32) {
        String trimmed = hex32.replaceFirst("^0+", "");
        return trimmed.isEmpty() ? "0" : trimmed;
    }

    /**
     * Checks the parameters of a trace-by-ID request as {@code ParseTraceByIDRequest} does; Contrail needs none of
     * them (the trace-ID index finds a trace's files without a time range).
     */
    private static void traceByIdParameters(Context ctx) {
        String mode = value(ctx, "mode");
        if (mode != null && !Set.of("all", "ingesters", "blocks", "external").contains(mode)) {
            throw new IllegalArgumentException("invalid value for mode " + mode);
        }
        Long start = signed(ctx, "start");
        Long end = signed(ctx, "end");
        if (start != null && end != null && end <= start) {
            throw new IllegalArgumentException("http parameter start must be before end. received start=" + start
                    + " end=" + end);
        }
    }

    private void search(Context ctx) throws QueryException {
        String q = value(ctx, "q");
        String tags = value(ctx, "tags");
        long start = unsigned32(ctx, "start");
        long end = unsigned32(ctx, "end");
        Map<String, String> tagValues = new LinkedHashMap<>();
        if (tags != null) {
            if (q != null) {
                throw new IllegalArgumentException("invalid request: can't specify tags and q in the same query");
            }
            tagValues.putAll(LogfmtTags.parse(tags));
        } else if (q == null && start == 0 && end == 0) {
            // Tempo's oldest form, still sent by the first Grafana versions with Tempo search: each tag a parameter.
            ctx.queryParamMap().forEach((name, values) -> {
                if (!SEARCH_PARAMETERS.contains(name) && !values.isEmpty() && !values.get(0).isEmpty()) {
                    tagValues.put(name, values.get(0));
                }
            });
        }
        if (!TraceQlSupport.selectsEverySpan(q) && (value(ctx, "minDuration") != null || value(ctx, "maxDuration") != null)) {
            throw new IllegalArgumentException("invalid request: minDuration and maxDuration go with tags, not q: "
                    + "write them in the query ({ duration > 100ms })");
        }
        Long minDuration = duration(ctx, "minDuration");
        Long maxDuration = duration(ctx, "maxDuration");
        if (maxDuration != null && minDuration != null && minDuration != 0 && minDuration > maxDuration) {
            throw new IllegalArgumentException("invalid maxDuration: must be greater than minDuration");
        }
        long limit = unsigned32(ctx, "limit");
        if (value(ctx, "limit") != null && limit == 0) {
            throw new IllegalArgumentException("invalid limit: must be a positive number");
        }
        if (limit > TraceQueries.MAX_SEARCH_LIMIT) {
            throw new IllegalArgumentException("invalid limit: must be at most " + TraceQueries.MAX_SEARCH_LIMIT);
        }
        long spansPerSpanSet = value(ctx, "spss") == null ? DEFAULT_SPANS_PER_SPAN_SET : unsigned32(ctx, "spss");
        if (spansPerSpanSet > MAX_SPANS_PER_SPAN_SET) {
            throw new IllegalArgumentException("invalid spss: must be at most " + MAX_SPANS_PER_SPAN_SET);
        }
        TimeWindow window = window(start, end);
        if (!TraceQlSupport.selectsEverySpan(q)) {
            ctx.json(traceQlSearch(ctx, q, window, limit == 0 ? DEFAULT_LIMIT : (int) limit, (int) spansPerSpanSet));
            return;
        }
        SpanFilter filter = filter(tagValues, minDuration, maxDuration);

        TraceQueries queries = traces.apply(ctx);
        List<TraceQueries.TraceSummary> hits = queries.search(new TraceQueries.SearchRequest(filter, window,
                limit == 0 ? DEFAULT_LIMIT : (int) limit));
        List<String> hitIds = hits.stream().map(TraceQueries.TraceSummary::traceId).toList();
        TempoQueries tempoQueries = new TempoQueries(engines.apply(ctx));
        Map<String, List<TempoQueries.MatchedSpan>> matched = tempoQueries.matchedSpans(filter, window, hitIds,
                (int) spansPerSpanSet);
        Map<String, List<TempoQueries.ServiceSpans>> services = tempoQueries.serviceSpans(window, hitIds);
        List<TempoJson.TraceSearchMetadata> found = new ArrayList<>();
        for (TraceQueries.TraceSummary hit : hits) {
            TempoJson.SpanSet spanSet = spanSet(matched.getOrDefault(hit.traceId(), List.of()), (int) spansPerSpanSet,
                    filter);
            long durationMs = hit.durationNanos() / 1_000_000L;
            found.add(new TempoJson.TraceSearchMetadata(tempoTraceId(hit.traceId()),
                    hit.rootServiceName() == null ? ROOT_SPAN_NOT_YET_RECEIVED : hit.rootServiceName(),
                    hit.rootName() == null ? ROOT_SPAN_NOT_YET_RECEIVED : hit.rootName(),
                    Long.toString(hit.startTimeUnixNano()), durationMs == 0 ? null : durationMs, spanSet,
                    List.of(spanSet), serviceStats(services.getOrDefault(hit.traceId(), List.of()))));
        }
        ctx.json(new TempoJson.SearchResponse(found, new TempoJson.SearchMetrics(1, 1)));
    }

    /**
     * A TraceQL search ({@code q}), compiled to SQL by the query module ({@code TraceQueries.searchTraceQl}), as Tempo
     * answers it ({@code pkg/traceql/engine.go asTraceSearchMetadata}): a hit per trace with its spansets, each span
     * carrying the attributes the query reads or selects under their names without scope, as Tempo keys them.
     */
    private TempoJson.SearchResponse traceQlSearch(Context ctx, String q, TimeWindow window, int limit, int spansPerSpanSet)
            throws QueryException {
        List<TraceQlResults.Trace> hits = traces.apply(ctx).searchTraceQl(q, window, limit, spansPerSpanSet);
        Map<String, List<TempoQueries.ServiceSpans>> services = new TempoQueries(engines.apply(ctx))
                .serviceSpans(window, hits.stream().map(TraceQlResults.Trace::traceId).toList());
        List<TempoJson.TraceSearchMetadata> found = new ArrayList<>();
        for (TraceQlResults.Trace hit : hits) {
            List<TempoJson.SpanSet> spanSets = new ArrayList<>();
            for (TraceQlResults.Spanset set : hit.spanSets()) {
                List<TempoJson.Span> spans = new ArrayList<>();
                for (TraceQlResults.Span span : set.spans()) {
                    List<TempoJson.KeyValue> attributes = new ArrayList<>();
                    span.attributes().forEach((name, value) -> attributes.add(new TempoJson.KeyValue(
                            TraceQlSupport.unscoped(name), new TempoJson.StringValue(String.valueOf(value)))));
                    spans.add(new TempoJson.Span(span.spanId(), span.name(), Long.toString(span.startTimeUnixNano()),
                            Long.toString(span.durationNanos()), attributes));
                }
                List<TempoJson.KeyValue> groupBy = new ArrayList<>();
                set.groupBy().forEach((name, value) -> groupBy.add(new TempoJson.KeyValue(TraceQlSupport.unscoped(name),
                        new TempoJson.StringValue(value == null ? "nil" : value))));
                spanSets.add(new TempoJson.SpanSet(spans, set.matched(), groupBy));
            }
            long durationMs = hit.durationNanos() / 1_000_000L;
            found.add(new TempoJson.TraceSearchMetadata(tempoTraceId(hit.traceId()),
                    hit.rootServiceName() == null ? ROOT_SPAN_NOT_YET_RECEIVED : hit.rootServiceName(),
                    hit.rootTraceName() == null ? ROOT_SPAN_NOT_YET_RECEIVED : hit.rootTraceName(),
                    Long.toString(hit.startTimeUnixNano()), durationMs == 0 ? null : durationMs,
                    spanSets.isEmpty() ? null : spanSets.get(0), spanSets,
                    serviceStats(services.getOrDefault(hit.traceId(), List.of()))));
        }
        return new TempoJson.SearchResponse(found, new TempoJson.SearchMetrics(1, 1));
    }

    /**
     * A TraceQL metrics query, over a range ({@code query_range}) or as one value ({@code query}): parameters as Tempo
     * reads them ({@link MetricsRequest}), compiled and aggregated by the query module
     * ({@code TraceQueries.metricsTraceQl}), answered as Tempo's {@code QueryRangeResponse} or
     * {@code QueryInstantResponse}: at most {@value #MAX_SERIES} series, the heaviest, with status {@code PARTIAL} when there were more; no sample where a series has no value.
     */
    private void metrics(Context ctx, boolean instant) throws QueryException {
        MetricsRequest request = MetricsRequest.parse(name -> value(ctx, name), instant,
                System.currentTimeMillis() * 1_000_000L);
        TraceQlMetrics.SeriesSet set = traces.apply(ctx).metricsTraceQl(request.query(), request.start(), request.step(),
                request.intervals(), MAX_SERIES);
        String status = set.truncated() ? "PARTIAL" : null;
        String message = set.truncated() ? "the query has more than " + MAX_SERIES + " series: these are the "
                + MAX_SERIES + " whose spans weigh most; narrow it or group by fewer values" : null;
        if (instant) {
            List<TempoJson.InstantSeries> series = new ArrayList<>();
            for (TraceQlMetrics.Series s : set.series()) {
                if (!Double.isNaN(s.values()[0])) {
                    series.add(new TempoJson.InstantSeries(labels(s), s.values()[0]));
                }
            }
            ctx.json(new TempoJson.QueryInstantResponse(series, new TempoJson.SearchMetrics(1, 1), status, message));
            return;
        }
        List<TempoJson.TimeSeries> series = new ArrayList<>();
        for (TraceQlMetrics.Series s : set.series()) {
            List<TempoJson.Sample> samples = new ArrayList<>();
            for (int i = 0; i < s.values().length; i++) {
                if (!Double.isNaN(s.values()[i])) {
                    samples.add(new TempoJson.Sample(Long.toString(request.sampleMillis(i)), s.values()[i]));
                }
            }
            // ToProto: "Do not include empty TimeSeries".
            if (!samples.isEmpty()) {
                series.add(new TempoJson.TimeSeries(labels(s), samples));
            }
        }
        ctx.json(new TempoJson.QueryRangeResponse(series, new TempoJson.SearchMetrics(1, 1), status, message));
    }

    private static List<TempoJson.Label> labels(TraceQlMetrics.Series series) {
        return series.labels().stream().map(l -> new TempoJson.Label(l.key(), TempoJson.AnyValue.of(l.value()))).toList();
    }

    /** Per service of a trace: its spans (in the searched window) and errors, an error count of 0 left out. */
    private static Map<String, TempoJson.ServiceStats> serviceStats(List<TempoQueries.ServiceSpans> services) {
        Map<String, TempoJson.ServiceStats> stats = new LinkedHashMap<>();
        for (TempoQueries.ServiceSpans service : services) {
            stats.put(service.service(), new TempoJson.ServiceStats(service.spanCount(),
                    service.errorCount() == 0 ? null : service.errorCount()));
        }
        return stats;
    }

    /**
     * Tempo's tags of the legacy search as Contrail's span filter: {@code service.name} the service, {@code name}
     * the span name, {@code status.code} the status, any other key an attribute (span, then resource).
     */
    private static SpanFilter filter(Map<String, String> tags, Long minDuration, Long maxDuration) {
        String service = null;
        String operation = null;
        String status = null;
        Map<String, String> attributes = new LinkedHashMap<>();
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            switch (tag.getKey()) {
                case "service.name" -> service = tag.getValue();
                case "name" -> operation = tag.getValue();
                case "status.code" -> status = tag.getValue();
                case "root.service.name", "root.name" -> throw new IllegalArgumentException("invalid tags: "
                        + tag.getKey() + " is not supported by Contrail yet; use service.name or name");
                default -> attributes.put(tag.getKey(), tag.getValue());
            }
        }
        try {
            return new SpanFilter(service, operation, attributes, minDuration, maxDuration, status);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid tags: " + e.getMessage(), e);
        }
    }

    /**
     * The span set of one hit: its first matching spans and how many matched; the spans carry the attribute the
     * search named that Contrail knows the value of without reading it back ({@code service.name}).
     */
    private static TempoJson.SpanSet spanSet(List<TempoQueries.MatchedSpan> spans, int perTrace, SpanFilter filter) {
        List<TempoJson.Span> shown = new ArrayList<>();
        List<TempoJson.KeyValue> attributes = filter.service() == null ? List.of()
                : List.of(new TempoJson.KeyValue("service.name", new TempoJson.StringValue(filter.service())));
        for (TempoQueries.MatchedSpan span : spans.subList(0, Math.min(perTrace, spans.size()))) {
            shown.add(new TempoJson.Span(span.spanId(), span.name(), Long.toString(span.startTimeUnixNano()),
                    Long.toString(span.durationNanos()), attributes));
        }
        return new TempoJson.SpanSet(shown, spans.isEmpty() ? null : spans.get(0).matched(), List.of());
    }

    /** Start and end (Unix seconds, the whole end second included); both 0: the last {@link #DEFAULT_LOOKBACK_NANOS}. */
    private static TimeWindow window(long startSeconds, long endSeconds) {
        if (startSeconds == 0 && endSeconds == 0) {
            long now = System.currentTimeMillis() * 1_000_000L;
            return TimeWindow.lookback(now, DEFAULT_LOOKBACK_NANOS);
        }
        if (endSeconds <= startSeconds) {
            throw new IllegalArgumentException("http parameter start must be before end. received start=" + startSeconds
                    + " end=" + endSeconds);
        }
        return new TimeWindow(startSeconds * 1_000_000_000L, endSeconds * 1_000_000_000L + 999_999_999L);
    }

    private void tags(Context ctx, boolean v2) throws QueryException {
        String scope = value(ctx, "scope");
        if (scope != null && !Set.of("span", "resource", "intrinsic", "event", "link", "instrumentation", "none")
                .contains(scope)) {
            throw new IllegalArgumentException("invalid scope: " + scope);
        }
        TimeWindow window = tagRequestWindow(ctx);
        TempoQueries queries = new TempoQueries(engines.apply(ctx));
        // q (v2 only, as Tempo's) narrows autocompletion to the tags of the spans it matches in the window; a query
        // still being typed, or {}, narrows nothing (TraceQlSupport.tagFilter).
        CompiledTraceQl filter = v2 ? TraceQlSupport.tagFilter(value(ctx, "q"), queries.columnTypes()) : null;
        Map<String, TreeSet<String>> keys = filter == null ? queries.attributeKeys() : queries.attributeKeys(window, filter);
        boolean all = scope == null || scope.equals("none");
        if (!v2) {
            TreeSet<String> names = new TreeSet<>();
            keys.forEach((family, familyKeys) -> {
                if (all || family.equals(scope)) {
                    names.addAll(familyKeys);
                }
            });
            if ("intrinsic".equals(scope)) {
                names.addAll(INTRINSICS);
            }
            ctx.json(new TempoJson.SearchTagsResponse(List.copyOf(names)));
            return;
        }
        List<TempoJson.Scope> scopes = new ArrayList<>();
        keys.forEach((family, familyKeys) -> {
            if ((all || family.equals(scope)) && !familyKeys.isEmpty()) {
                scopes.add(new TempoJson.Scope(family, List.copyOf(familyKeys)));
            }
        });
        // Tempo adds the intrinsics to an unscoped request and to scope=intrinsic (modules/frontend/tag_handlers.go).
        if (all || scope.equals("intrinsic")) {
            scopes.add(new TempoJson.Scope("intrinsic", INTRINSICS));
        }
        ctx.json(new TempoJson.SearchTagsV2Response(scopes));
    }

    private void tagValues(Context ctx, boolean v2) throws QueryException {
        String tag = ctx.pathParam("tagName");
        if (tag.isEmpty()) {
            throw new IllegalArgumentException("please provide a non-empty tagName");
        }
        TimeWindow window = tagRequestWindow(ctx);
        long limit = unsigned32(ctx, "limit");
        unsigned32(ctx, "maxStaleValues");
        int maxValues = limit == 0 ? MAX_TAG_VALUES : (int) Math.min(limit, MAX_TAG_VALUES);
        TempoQueries queries = new TempoQueries(engines.apply(ctx));
        List<TempoQueries.ValueSource> sources = v2 ? TagNames.sources(tag, queries)
                : TagNames.unscopedSources(tag, queries);
        List<TempoQueries.TypedValue> values = queries.values(sources, window, maxValues,
                v2 ? TraceQlSupport.tagFilter(value(ctx, "q"), queries.columnTypes()) : null);
        if (v2) {
            ctx.json(new TempoJson.SearchTagValuesV2Response(values.stream()
                    .map(v -> new TempoJson.TagValue(v.type(), v.value())).toList()));
        } else {
            ctx.json(new TempoJson.SearchTagValuesResponse(values.stream().map(TempoQueries.TypedValue::value)
                    .distinct().toList()));
        }
    }

    /** The window of a tags or tag-values request ({@code start}, {@code end} in Unix seconds, signed 32-bit). */
    private static TimeWindow tagRequestWindow(Context ctx) {
        Long start = signed32(ctx, "start");
        Long end = signed32(ctx, "end");
        if (start != null && start > 0 && end == null) {
            // From start until now: Tempo's tag routes do not ask for both, as its search does.
            end = System.currentTimeMillis() / 1_000L;
        }
        return window(start == null ? 0 : start, end == null ? 0 : end);
    }

    /** A parameter's value; absent and empty are the same, as Tempo's {@code extractQueryParam} reads them. */
    private static String value(Context ctx, String parameter) {
        String value = ctx.queryParam(parameter);
        return value == null || value.isEmpty() ? null : value;
    }

    private static Long duration(Context ctx, String parameter) {
        String value = value(ctx, parameter);
        if (value == null) {
            return null;
        }
        try {
            // Tempo keeps whole milliseconds (SearchRequest.MinDurationMs).
            return GoDuration.parseNanos(value) / 1_000_000L * 1_000_000L;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid " + parameter + ": " + e.getMessage(), e);
        }
    }

    /** An unsigned 32-bit parameter ({@code strconv.ParseUint(s, 10, 32)}); 0 when absent. */
    private static long unsigned32(Context ctx, String parameter) {
        String value = value(ctx, parameter);
        if (value == null) {
            return 0;
        }
        long parsed = parseInteger(parameter, value, "ParseUint");
        if (parsed < 0 || parsed > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("invalid " + parameter + ": strconv.ParseUint: parsing \"" + value
                    + "\": " + (parsed < 0 ? "invalid syntax" : "value out of range"));
        }
        return parsed;
    }

    /** A signed 32-bit parameter ({@code strconv.ParseInt(s, 10, 32)}); null when absent. */
    private static Long signed32(Context ctx, String parameter) {
        String value = value(ctx, parameter);
        if (value == null) {
            return null;
        }
        long parsed = parseInteger(parameter, value, "ParseInt");
        if (parsed < Integer.MIN_VALUE || parsed > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("invalid " + parameter + ": strconv.ParseInt: parsing \"" + value
                    + "\": value out of range");
        }
        return parsed;
    }

    /** A signed 64-bit parameter ({@code strconv.ParseInt(s, 10, 64)}); null when absent. */
    private static Long signed(Context ctx, String parameter) {
        String value = value(ctx, parameter);
        return value == null ? null : parseInteger(parameter, value, "ParseInt");
    }

    private static long parseInteger(String parameter, String value, String goFunction) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            boolean digits = value.matches("[+-]?\\d+");
            throw new IllegalArgumentException("invalid " + parameter + ": strconv." + goFunction + ": parsing \"" + value
                    + "\": " + (digits ? "value out of range" : "invalid syntax"), e);
        }
    }
}
