package io.contrail.http;

import io.contrail.columnar.Store;
import io.contrail.http.zipkin.ContrailStorage;
import io.contrail.ingest.Admission;
import io.contrail.ingest.sampling.TailSampler;
import io.contrail.lake.Lake;
import io.contrail.query.PropagationQueries;
import io.contrail.query.QueryEngine;
import io.contrail.query.RedMetrics;
import io.contrail.query.ServiceGraph;
import io.contrail.query.SliceComparison;
import io.contrail.query.TraceQueries;

/**
 * One tenant's spans and everything over them: its data folder ({@link Store}; the default tenant's is the
 * server's, a named tenant's {@code tenants/NAME} inside it), the query engine that can read only that folder's
 * span files, the admission that writes into it, and the read APIs over the engine. Every route works on the
 * tenant of its request ({@link Tenants#of}), so no answer mixes two tenants' spans.
 *
 * @param name      the tenant's name; null for the default tenant (no tenant named)
 * @param store     its data folder; null for a tenant that has none yet, read from an engine over no spans
 *                  ({@link Tenants#reading}), which has no admission either
 * @param lake      the shared table the default tenant writes and reads; null when the data folder is all there is
 * @param sampler   null when every span is kept
 */
record Tenant(String name, Store store, Lake lake, TailSampler sampler, QueryEngine engine, Admission admission,
              TraceQueries traces, ServiceGraph graph, RedMetrics red, SliceComparison comparison,
              PropagationQueries propagation, ContrailStorage zipkin) implements AutoCloseable {

    /** The read side over {@code engine} and the write side {@code admission}, for a store already open. */
    static Tenant over(String name, Store store, Lake lake, QueryEngine engine, Admission admission) {
        return new Tenant(name, store, lake, store == null ? null : store.sampler(TailSampler.class).orElse(null),
                engine, admission,
                new TraceQueries(engine), new ServiceGraph(engine), new RedMetrics(engine), new SliceComparison(engine),
                new PropagationQueries(engine), ContrailStorage.newBuilder(admission, engine).build());
    }

    /** How messages name it: {@code tenant 'shop'}, or {@code the default tenant}. */
    String described() {
        return name == null ? "the default tenant" : "tenant '" + name + "'";
    }

    /** Whether it has a data folder (else it has sent no spans and reads none). */
    boolean hasSpans() {
        return store != null;
    }

    /**
     * Closes the engine, then the lake (if any), then the store, which flushes what it buffers; each even when one
     * before failed to close.
     */
    @Override
    public void close() {
        try {
            engine.close();
        } finally {
            try {
                if (lake != null) {
                    lake.close();
                }
            } finally {
                if (store != null) {
                    store.close();
                }
            }
        }
    }
}
