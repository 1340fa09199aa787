package io.contrail.query.traceql;

import io.contrail.columnar.Store;
import io.contrail.query.QueryEngine;
import io.contrail.query.StoreFixture;
import io.contrail.query.TraceQueries;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.TracesData;

import java.nio.file.Path;
import java.util.List;

/**
 * Spans written to Parquet in a data folder through a {@link Store} and flushed, and {@link TraceQueries} over them
 * through a real DuckDB: what the TraceQL tests search and aggregate.
 */
final class TracesOnDisk implements AutoCloseable {

    private final Store store;
    private final QueryEngine engine;
    private final TraceQueries traces;

    private TracesOnDisk(Store store, QueryEngine engine) {
        this.store = store;
        this.engine = engine;
        this.traces = new TraceQueries(engine);
    }

    /** {@code spans} written into {@code data} and flushed, so that every query sees them. */
    static TracesOnDisk write(Path data, List<ResourceSpans> spans) throws Exception {
        Store store = StoreFixture.open(data);
        QueryEngine engine = QueryEngine.open(QueryEngine.Config.defaults(data));
        store.files().onChange(engine::filesChanged);
        StoreFixture.append(store, TracesData.newBuilder().addAllResourceSpans(spans).build());
        store.flush();
        return new TracesOnDisk(store, engine);
    }

    TraceQueries traces() {
        return traces;
    }

    QueryEngine engine() {
        return engine;
    }

    @Override
    public void close() throws Exception {
        engine.close();
        store.close();
    }
}
