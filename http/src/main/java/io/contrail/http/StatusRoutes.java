package io.contrail.http;

import io.contrail.columnar.Store;
import io.contrail.ingest.Admission;
import io.contrail.ingest.sampling.TailSampler;
import io.contrail.lake.Lake;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an operator asks of a running server: {@code GET /health} (JSON: healthy or degraded and why, with
 * the counters; with {@code --auth}, only the status to a caller without a valid token), {@code GET /metrics} (the same and request durations, in Prometheus' text format) and
 * {@code GET /api/sampling} (the tail-sampling policies in force and what they kept).
 */
final class StatusRoutes {

    private final ServerConfig config;
    /** {@code /health} and {@code /api/sampling} describe the request's tenant. */
    private final Tenants tenants;
    private final ServerMetrics metrics;

    StatusRoutes(ServerConfig config, Tenants tenants, ServerMetrics metrics) {
        this.config = config;
        this.tenants = tenants;
        this.metrics = metrics;
    }

    void register(RoutesConfig routes) {
        routes.get("/health", this::health);
        routes.get("/metrics", this::metrics);
        routes.get("/api/sampling", this::sampling);
    }

    private void metrics(Context ctx) throws IOException {
        ctx.contentType(metrics.contentType());
        metrics.write(ctx.outputStream(), tenants.of(ctx));
    }

    private void health(Context ctx) throws IOException {
        Tenant tenant = tenants.of(ctx);
        if (!tenant.hasSpans()) {
            ctx.json(Map.of("status", "ok", "reasons", List.of(), "spansAccepted", 0, "files", 0));
            return;
        }
        Lake lake = tenant.lake();
        Store.Stats stats = tenant.store().stats();
        Store.Health health = stats.health();
        var w = stats.writes();
        var compaction = stats.compaction();
        Admission.Stats r = tenant.admission().stats();
        Map<String, Object> body = new LinkedHashMap<>();
        // Degraded: acknowledged spans are not reaching Parquet now, or some were set aside (until removed).
        Lake.Stats table = lake == null ? null : lake.stats();
        java.util.List<String> reasons = new java.util.ArrayList<>(health.reasons());
        if (table != null && table.lastPublishError() != null) {
            reasons.add("span files are not reaching the shared table: " + table.lastPublishError());
        }
        if (table != null && table.maintenance().lastError() != null) {
            reasons.add("maintaining the shared table failed: " + table.maintenance().lastError());
        }
        if (table != null && table.lastSyncError() != null) {
            reasons.add("the shared table's files are not reaching this node: " + table.lastSyncError());
        }
        body.put("status", reasons.isEmpty() ? "ok" : "degraded");
        if (!RouteAccess.authenticated(ctx)) {
            // With --auth and no valid token: the status only, nothing about the data, its files or the table.
            ctx.json(body);
            return;
        }
        body.put("reasons", reasons);
        body.put("quarantinedFiles", w.quarantinedFiles());
        body.put("spansQuarantined", w.spansQuarantined());
        body.put("spansAccepted", r.spansAccepted());
        body.put("spansRejected", r.spansRejectedTotal());
        Map<String, Long> rejectedByCause = new LinkedHashMap<>();
        r.spansRejected().forEach((cause, count) -> rejectedByCause.put(cause.label(), count));
        body.put("spansRejectedByCause", rejectedByCause);
        body.put("requestsRefused", r.requestsRefusedTotal());
        Map<String, Long> refusedByCause = new LinkedHashMap<>();
        r.requestsRefused().forEach((cause, count) -> refusedByCause.put(cause.label(), count));
        body.put("requestsRefusedByCause", refusedByCause);
        body.put("spansBuffered", w.bufferedSpans());
        body.put("spansBufferLimit", config.store().writes().maxBufferedSpans());
        body.put("spansHeldForSampling", w.heldForSampling());
        body.put("attributeColumns", w.attributeColumns());
        body.put("attributeColumnsLimit", config.store().writes().maxAttributeColumns());
        body.put("attributeKeysOverflowed", w.attributeKeysOverflowed());
        body.put("spansRecoveredOnStart", w.spansReplayed());
        body.put("walBytes", w.walBytes());
        body.put("walFsyncs", w.walFsyncs());
        body.put("files", stats.liveFiles());
        body.put("compactions", compaction.merges());
        body.put("spansCompacted", compaction.spansMerged());
        body.put("flushedSpansCompacted", compaction.flushedSpansMerged());
        body.put("compactionRewritesPerSpan", compaction.rewritesPerFlushedSpan());
        body.put("compactionThrottledMillis", compaction.throttledMillis());
        body.put("compactionPending", stats.pendingMerges());
        body.put("lastCompactionError", compaction.lastError());
        body.put("retentionCutoff", stats.retentionCutoff());
        body.put("filesWritten", w.filesWritten());
        body.put("parquetBytesWritten", w.parquetBytesWritten());
        body.put("lastFlush", w.lastFlush() == null ? null : w.lastFlush().toString());
        body.put("flushFailures", w.flushFailures());
        body.put("lastFlushError", w.lastFlushError());
        if (table != null) {
            body.put("lake", table);
        }
        body.put("time", Instant.now().toString());
        ctx.json(body);
    }

    /** The sampling policies in force and what they kept and dropped, per hour, service and policy. */
    private void sampling(Context ctx) {
        TailSampler sampler = tenants.of(ctx).sampler();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("enabled", sampler != null);
        if (sampler == null) {
            body.put("description", "no sampling file: every span is kept with its upstream weight");
            ctx.json(body);
            return;
        }
        body.put("config", sampler.config());
        body.put("spansHeld", sampler.heldSpans());
        body.put("tracesDecidedEarly", sampler.stats().decidedEarly());
        body.put("lateSpansKept", sampler.stats().lateSpansKept());
        body.put("lateSpansDropped", sampler.stats().lateSpansDropped());
        body.put("counts", sampler.stats().rows());
        ctx.json(body);
    }

}
