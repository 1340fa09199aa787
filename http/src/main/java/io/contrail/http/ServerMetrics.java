package io.contrail.http;

import io.contrail.columnar.Store;
import io.contrail.http.auth.Decision;
import io.contrail.http.auth.TokenFile;
import io.contrail.ingest.Admission;
import io.contrail.ingest.Refusal;
import io.contrail.ingest.RejectionCause;
import io.contrail.lake.Lake;
import io.javalin.http.Context;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * What {@code GET /metrics} shows, in Prometheus' text format (written by the Prometheus client
 * library): ingest requests accepted and refused by cause, spans accepted, spans rejected by cause, the store's
 * buffer, log, flushes, files and compactions, tail sampling's held spans, and the time every HTTP
 * route took, by route and status; with {@code --auth}, the auth file's reloads and the requests refused for
 * their token. The counters are read once per scrape from the components that
 * keep them ({@link Admission#stats()}, {@link Store#stats()}); only request durations are kept here.
 */
final class ServerMetrics {

    /** Request durations' bucket bounds in seconds: 1 ms to 30 s, the query timeout's default. */
    private static final double[] DURATION_BOUNDS_SECONDS =
            {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = new PrometheusTextFormatWriter(false);
    private final Histogram requestDurations;
    private final Counter sqlAnswersCut;

    /**
     * Over {@code tenants}, read at every scrape: the default tenant's series have no {@code tenant} label, a named
     * tenant's have {@code tenant="NAME"} (sum them for the server's). {@code tokens} is null without --auth; then the
     * auth metrics are left out.
     */
    ServerMetrics(Supplier<List<Tenant>> tenants, TokenFile tokens) {
        registry.register((MultiCollector) () -> collect(tenants.get(), tokens));
        this.requestDurations = Histogram.builder()
                .name("contrail_http_request_duration_seconds")
                .help("Time to answer an HTTP request, by route (the path template) and status code")
                .unit(Unit.SECONDS)
                .labelNames("method", "route", "code")
                .classicOnly()
                .classicUpperBounds(DURATION_BOUNDS_SECONDS)
                .register(registry);
        this.sqlAnswersCut = Counter.builder()
                .name("contrail_sql_answers_cut")
                .help("POST /api/sql answers cut short: the statement failed after the answer's first bytes were sent")
                .register(registry);
    }

    /** Counts an answer cut short ({@link AnswerBody}). */
    void sqlAnswerCut() {
        sqlAnswersCut.inc();
    }

    /** Records one answered request; {@code route} is the matched path template, so labels stay few. */
    void requestAnswered(Context ctx, float millis) {
        io.javalin.router.Endpoint endpoint = ctx.endpoints().lastHttpEndpoint();
        String route = endpoint == null ? null : endpoint.path;
        if (route == null || route.startsWith("/ui")) {
            return;
        }
        requestDurations.labelValues(ctx.method().name(), route, String.valueOf(ctx.statusCode()))
                .observe(millis / 1000.0);
    }

    String contentType() {
        return writer.getContentType();
    }

    /**
     * Writes the metrics {@code viewer} may see: the default tenant's callers (the operator) every series; a named
     * tenant's only its own tenant's store and ingest series, which name no other tenant.
     */
    void write(java.io.OutputStream out, Tenant viewer) throws IOException {
        writer.write(out, viewer.name() == null ? registry.scrape()
                : viewer.hasSpans() ? collect(List.of(viewer), null) : new MetricSnapshots(List.of()));
    }

    /** One tenant's counters as one scrape read them, and the labels its data points carry. */
    private record Sample(Labels labels, Admission.Stats ingest, Store.Stats stats) {
        static Sample of(Tenant tenant) {
            try {
                return new Sample(tenant.name() == null ? Labels.EMPTY : Labels.of("tenant", tenant.name()),
                        tenant.admission().stats(), tenant.store().stats());
            } catch (IOException e) {
                throw new UncheckedIOException("reading the store's statistics", e);
            }
        }
    }

    private static MetricSnapshots collect(List<Tenant> tenants, TokenFile tokens) {
        List<Sample> samples = tenants.stream().map(Sample::of).toList();
        Lake lake = tenants.get(0).name() == null ? tenants.get(0).lake() : null;
        List<MetricSnapshot> metrics = new ArrayList<>();
        metrics.add(counter("contrail_ingest_requests_accepted", "Ingest requests whose valid spans were stored",
                samples, x -> x.ingest().requestsAccepted()));
        metrics.add(byCause("contrail_ingest_requests_refused", "Ingest requests refused whole (nothing stored), by cause",
                samples, x -> x.ingest().requestsRefused(), Refusal::label));
        metrics.add(counter("contrail_ingest_spans_accepted", "Spans stored (durable when acknowledged)",
                samples, x -> x.ingest().spansAccepted()));
        metrics.add(byCause("contrail_ingest_spans_rejected",
                "Spans of accepted requests that failed validation (a partial success), by cause",
                samples, x -> x.ingest().spansRejected(), RejectionCause::label));
        metrics.add(gauge("contrail_store_spans_buffered", "Acknowledged spans not yet in Parquet",
                samples, x -> x.stats().writes().bufferedSpans()));
        metrics.add(gauge("contrail_store_spans_held_for_sampling", "Spans waiting for their trace's sampling decision",
                samples, x -> x.stats().writes().heldForSampling()));
        metrics.add(counter("contrail_store_spans_recovered", "Spans replayed from the write-ahead log at start",
                samples, x -> x.stats().writes().spansReplayed()));
        metrics.add(gauge("contrail_store_wal_bytes", "Bytes in the write-ahead log", samples, x -> x.stats().writes().walBytes()));
        metrics.add(counter("contrail_store_wal_fsyncs", "fsyncs of the write-ahead log", samples, x -> x.stats().writes().walFsyncs()));
        metrics.add(counter("contrail_store_files_written", "Span files written by flushes", samples, x -> x.stats().writes().filesWritten()));
        metrics.add(counter("contrail_store_parquet_written_bytes", "Bytes of Parquet written by flushes",
                samples, x -> x.stats().writes().parquetBytesWritten()));
        metrics.add(counter("contrail_store_flush_failures", "Flushes to Parquet that failed (retried)",
                samples, x -> x.stats().writes().flushFailures()));
        metrics.add(counter("contrail_store_spans_quarantined", "Spans set aside because they could not be written",
                samples, x -> x.stats().writes().spansQuarantined()));
        metrics.add(gauge("contrail_store_attribute_columns", "Attribute columns the span files have",
                samples, x -> x.stats().writes().attributeColumns()));
        metrics.add(gauge("contrail_store_live_files", "Span files queries read", samples, x -> x.stats().liveFiles()));
        metrics.add(counter("contrail_compaction_merges", "Compaction merges done", samples, x -> x.stats().compaction().merges()));
        metrics.add(counter("contrail_compaction_spans_written", "Spans written by compaction merges",
                samples, x -> x.stats().compaction().spansMerged()));
        metrics.add(gauge("contrail_compaction_pending_merges", "Merges a compaction pass would make now",
                samples, x -> x.stats().pendingMerges() == null ? Double.NaN : x.stats().pendingMerges()));
        metrics.add(gauge("contrail_store_healthy", "1 when acknowledged spans reach Parquet and none were set aside",
                samples, x -> x.stats().health().ok() ? 1 : 0));
        if (lake != null) {
            addLake(metrics, lake.stats());
        }
        if (tokens != null) {
            TokenFile.Stats auth = tokens.stats();
            metrics.add(CounterSnapshot.builder().name("contrail_auth_reloads")
                    .help("Reloads of the auth file after it changed, by result (failed: the tokens before stay in force)")
                    .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(Labels.of("result", "ok"))
                            .value(auth.reloadsOk()).build())
                    .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(Labels.of("result", "failed"))
                            .value(auth.reloadsFailed()).build())
                    .build());
            metrics.add(byCause("contrail_auth_refused", "Requests and gRPC calls refused for their token, by cause "
                    + "(missing, unknown, scope)", auth.refused(), Decision.Cause::label));
        }
        return new MetricSnapshots(metrics);
    }

    /** The shared table's part: what this node committed, what waits, what it cached of the others'. */
    private static void addLake(List<MetricSnapshot> metrics, Lake.Stats lake) {
        metrics.add(counter("contrail_lake_commits", "Append commits of this node's span files to the shared table",
                lake.commits()));
        metrics.add(counter("contrail_lake_spans_committed", "Spans this node committed to the shared table",
                lake.spansCommitted()));
        metrics.add(counter("contrail_lake_uploaded_bytes", "Bytes of span files this node uploaded", lake.bytesUploaded()));
        metrics.add(counter("contrail_lake_commit_failures", "Publishing rounds that failed (retried)",
                lake.commitFailures()));
        metrics.add(gauge("contrail_lake_pending_files", "Span files on this node not yet in the shared table",
                lake.pendingFiles()));
        metrics.add(gauge("contrail_lake_pending_bytes", "Bytes of span files on this node not yet in the shared table",
                lake.pendingBytes()));
        metrics.add(gauge("contrail_lake_last_commit_seconds", "How long the last commit took, upload included",
                lake.lastCommitMillis() < 0 ? Double.NaN : lake.lastCommitMillis() / 1000.0));
        metrics.add(gauge("contrail_lake_table_files", "Span files in the shared table's current snapshot",
                lake.tableFiles()));
        metrics.add(gauge("contrail_lake_cached_files", "Span files of the shared table on this node's disk for queries",
                lake.cachedFiles()));
        metrics.add(gauge("contrail_lake_cache_bytes", "Bytes of the shared table's files cached on this node",
                lake.cacheBytes()));
        metrics.add(gauge("contrail_lake_cache_max_bytes", "The bound on the cache's bytes (--cache-size; 0: none)",
                lake.cacheMaxBytes()));
        metrics.add(counter("contrail_lake_cache_evictions", "Span files the cache's bound took off this node's disk",
                lake.cacheEvictions()));
        metrics.add(counter("contrail_lake_queries_refused", "Queries refused for needing more of the table than "
                + "the cache's bound", lake.queriesRefused()));
        metrics.add(counter("contrail_lake_table_plans_in_full", "New snapshots of the shared table this node planned in "
                + "full rather than from what the snapshots since changed (its first, or after the one it knew expired)",
                lake.tablePlansInFull()));
        metrics.add(counter("contrail_lake_downloaded_bytes", "Bytes of other nodes' span files downloaded",
                lake.bytesDownloaded()));
        metrics.add(counter("contrail_lake_maintenance_passes", "Maintenance passes this node ran (holding the lock)",
                lake.maintenance().passes()));
        metrics.add(counter("contrail_lake_merges", "Merges of the table's small files this node committed",
                lake.maintenance().merges()));
        metrics.add(counter("contrail_lake_files_retired", "Span files this node retired from the table",
                lake.maintenance().filesRetired()));
        metrics.add(counter("contrail_lake_traces_split_across_nodes", "Traces whose spans reached this node and another "
                + "(tail sampling then decides on part of a trace: route by trace ID)", lake.tracesSplitAcrossNodes()));
        metrics.add(gauge("contrail_lake_healthy", "1 when span files reach the table and the table's files reach this node",
                lake.ok() ? 1 : 0));
    }

    /** A counter with one data point per cause, labelled {@code cause}. */
    private static <C> CounterSnapshot byCause(String name, String help, Map<C, Long> counts,
                                               Function<C, String> label) {
        CounterSnapshot.Builder counter = CounterSnapshot.builder().name(name).help(help);
        counts.forEach((cause, count) -> counter.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                .labels(Labels.of("cause", label.apply(cause))).value(count).build()));
        return counter.build();
    }

    /** A counter with one data point per tenant and cause, labelled {@code cause} (and {@code tenant}). */
    private static <C> CounterSnapshot byCause(String name, String help, List<Sample> samples,
                                               Function<Sample, Map<C, Long>> counts,
                                               Function<C, String> label) {
        CounterSnapshot.Builder counter = CounterSnapshot.builder().name(name).help(help);
        for (Sample sample : samples) {
            counts.apply(sample).forEach((cause, count) -> counter.dataPoint(CounterSnapshot.CounterDataPointSnapshot
                    .builder().labels(sample.labels().add("cause", label.apply(cause))).value(count).build()));
        }
        return counter.build();
    }

    /** A counter with one data point per tenant. */
    private static CounterSnapshot counter(String name, String help, List<Sample> samples,
                                           ToDoubleFunction<Sample> value) {
        CounterSnapshot.Builder counter = CounterSnapshot.builder().name(name).help(help);
        for (Sample sample : samples) {
            counter.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(sample.labels())
                    .value(value.applyAsDouble(sample)).build());
        }
        return counter.build();
    }

    /** A gauge with one data point per tenant. */
    private static GaugeSnapshot gauge(String name, String help, List<Sample> samples,
                                       ToDoubleFunction<Sample> value) {
        GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(name).help(help);
        for (Sample sample : samples) {
            gauge.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(sample.labels())
                    .value(value.applyAsDouble(sample)).build());
        }
        return gauge.build();
    }

    private static CounterSnapshot counter(String name, String help, double value) {
        return CounterSnapshot.builder().name(name).help(help)
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(value).build()).build();
    }

    private static GaugeSnapshot gauge(String name, String help, double value) {
        return GaugeSnapshot.builder().name(name).help(help)
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).build()).build();
    }
}
