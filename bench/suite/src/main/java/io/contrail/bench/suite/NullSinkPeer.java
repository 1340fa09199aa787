package io.contrail.bench.suite;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * The {@link NullSinkServer} as a peer: started like Contrail's server (a child JVM with the same
 * -Xmx, otherwise the JVM's defaults), loaded by the same {@link OtlpSender} clients with the same corpus, its
 * CPU watched the same way ({@link ProcessResources}). It stores nothing, so it answers no query
 * and has no bytes on disk: its figures are the acknowledged rate and CPU per span of a receiver
 * that only reads the bodies — the ceiling HTTP sets on this machine, beside which Contrail's
 * acknowledged rate is put (issue 16: ≥ 0.6×).
 */
public final class NullSinkPeer implements Peer {

    public static final String NAME = "nullsink";

    private final ContrailPeer.Settings settings;
    private ContrailServerProcess server;
    private PrintStream progress = System.out;
    private ProcessResources.Usage usage;

    public NullSinkPeer() {
        this(ContrailPeer.Settings.defaults());
    }

    /** Takes Contrail's settings: the same classpath, heap, clients and gzip. */
    public NullSinkPeer(ContrailPeer.Settings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start(BenchContext context) throws Exception {
        progress = context.progress();
        server = ContrailServerProcess.startMain("the null sink", NullSinkServer.class.getName(), List.of(),
                context.workDir(), context.workDir().resolve("server.log"), settings.classpath(), settings.maxHeap(),
                List.of(), java.util.Map.of()); // not --server-jvm-arg: a JFR recording there names one file for one JVM
        progress.printf("  %s: pid %d listening on %s (Javalin, -Xmx%s)%n", NAME, server.pid(), server.baseUrl(),
                settings.maxHeap());
    }

    @Override
    public LoadResult load(SpanCorpus corpus) throws Exception {
        OtlpSender sender = new OtlpSender(server.baseUrl(), settings.clients(), settings.gzip());
        ProcessResources resources = new ProcessResources(server.pid(), true);
        OtlpSender.Result sent;
        try {
            sent = sender.send(corpus, NAME, progress, () -> String.format(Locale.ROOT, ", null sink CPU %.0f%%",
                    resources.usage().serverCpuPercent()));
        } finally {
            resources.close();
        }
        if (!server.isAlive()) {
            throw new IOException("the null sink died during the load; its log:\n" + server.logTail());
        }
        usage = resources.usage();
        String notes = String.format(Locale.ROOT, "reads each OTLP/HTTP body whole and answers 200 with an empty "
                        + "ExportTraceServiceResponse: nothing decoded, logged or stored (Javalin with its defaults, a "
                        + "JVM of its own with -Xmx%s); the same %d clients and corpus as Contrail; %s%s",
                settings.maxHeap(), settings.clients(), usageText(usage),
                sent.errors().isEmpty() ? "" : "; errors: " + sent.errors());
        double cpuSeconds = usage.serverCpuPercent() < 0 ? -1 : usage.serverCpuPercent() / 100 * usage.seconds();
        // Stores nothing: 0 spans queryable, 0 bytes; the report leaves it out of what needs stored spans.
        return LoadResult.whole(corpus.spanCount(), sent.spansAcknowledged(), 0, sent.ackSeconds(), sent.ackSeconds(), 0,
                notes).withServerCpuSeconds(cpuSeconds);
    }

    private static String usageText(ProcessResources.Usage usage) {
        return String.format(Locale.ROOT, "null sink CPU %.0f%%, benchmark JVM (clients) %.0f%%, whole machine %.0f%% "
                        + "of %d00%%; peak heap used %s", usage.serverCpuPercent(), usage.benchCpuPercent(),
                usage.machineCpuPercent(), usage.cores(), GoalMeasures.mib(usage.peakHeapUsedBytes()));
    }

    /** What the null sink and the machine used during its load; null before it. */
    ProcessResources.Usage usage() {
        return usage;
    }

    @Override
    public QueryOutcome query(BenchQuery query, SpanCorpus.Probes probes) {
        return QueryOutcome.unsupported("the null sink stores nothing");
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
