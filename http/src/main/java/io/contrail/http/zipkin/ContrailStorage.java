package io.contrail.http.zipkin;

import io.contrail.ingest.AcceptedSpans;
import io.contrail.ingest.Admission;
import io.contrail.ingest.IngestOutcome;
import io.contrail.query.QueryEngine;
import io.contrail.query.zipkin.StorageCall;
import io.contrail.query.zipkin.ZipkinAutocompleteTags;
import io.contrail.query.zipkin.ZipkinSpanStore;
import java.io.IOException;
import java.util.List;
import zipkin2.Call;
import zipkin2.CheckResult;
import zipkin2.Span;
import zipkin2.storage.AutocompleteTags;
import zipkin2.storage.ServiceAndSpanNames;
import zipkin2.storage.SpanConsumer;
import zipkin2.storage.SpanStore;
import zipkin2.storage.StorageComponent;
import zipkin2.storage.Traces;

/**
 * Contrail as a Zipkin storage: the {@link StorageComponent} that Zipkin's conformance suite tests
 * and that the {@code /zipkin/api/v2} routes call.
 *
 * <p>Writes go through {@link Admission#zipkin(List)}, the admission, decoding and validation of
 * {@code POST /api/v2/spans}, into the store: a write returns once the spans are durable
 * in the write-ahead log. They are visible to reads after the next flush (about a second), as in
 * Zipkin's Elasticsearch storage. Reads are DuckDB queries over the {@code spans} view (see {@link
 * ZipkinSpanStore}), so spans that came in as OTLP are found and shown as Zipkin spans too.
 *
 * <p>The component does not own the admission or the engine: {@link #close()} leaves them open for
 * their owner (the server) to close.
 */
public final class ContrailStorage extends StorageComponent {

    /** Builds a storage over a server's admission (write side) and query engine (read side). */
    public static Builder newBuilder(Admission admission, QueryEngine engine) {
        return new Builder(admission, engine);
    }

    /** Options as Zipkin names them; defaults as Zipkin's: strict trace IDs, search enabled, no autocomplete keys. */
    public static final class Builder extends StorageComponent.Builder {
        private final Admission admission;
        private final QueryEngine engine;
        private boolean strictTraceId = true;
        private boolean searchEnabled = true;
        private List<String> autocompleteKeys = List.of();

        private Builder(Admission admission, QueryEngine engine) {
            this.admission = admission;
            this.engine = engine;
        }

        /** False: a trace is every span whose trace ID has the same lower 64 bits. */
        @Override
        public Builder strictTraceId(boolean strictTraceId) {
            this.strictTraceId = strictTraceId;
            return this;
        }

        /** False: trace search and name listings answer empty; traces by ID still work. */
        @Override
        public Builder searchEnabled(boolean searchEnabled) {
            this.searchEnabled = searchEnabled;
            return this;
        }

        /** Tag keys whose values {@code /autocompleteValues} lists. */
        @Override
        public Builder autocompleteKeys(List<String> keys) {
            this.autocompleteKeys = List.copyOf(keys);
            return this;
        }

        /** Accepted for compatibility; values are read from the stored spans, so nothing is cached. */
        @Override
        public Builder autocompleteTtl(int autocompleteTtl) {
            return this;
        }

        /** Accepted for compatibility; values are read from the stored spans, so nothing is cached. */
        @Override
        public Builder autocompleteCardinality(int autocompleteCardinality) {
            return this;
        }

        @Override
        public ContrailStorage build() {
            return new ContrailStorage(this);
        }
    }

    private final Admission admission;
    private final QueryEngine engine;
    private final ZipkinSpanStore spanStore;
    private final ZipkinAutocompleteTags autocompleteTags;
    private final List<String> autocompleteKeys;

    private ContrailStorage(Builder builder) {
        this.admission = builder.admission;
        this.engine = builder.engine;
        this.spanStore = new ZipkinSpanStore(builder.engine, builder.strictTraceId, builder.searchEnabled);
        this.autocompleteTags = new ZipkinAutocompleteTags(builder.engine, builder.autocompleteKeys);
        this.autocompleteKeys = builder.autocompleteKeys;
    }

    public List<String> autocompleteKeys() {
        return autocompleteKeys;
    }

    @Override
    public SpanStore spanStore() {
        return spanStore;
    }

    @Override
    public Traces traces() {
        return spanStore;
    }

    @Override
    public ServiceAndSpanNames serviceAndSpanNames() {
        return spanStore;
    }

    @Override
    public AutocompleteTags autocompleteTags() {
        return autocompleteTags;
    }

    /**
     * Stores spans when the call is executed. Spans the receiver rejects (a timestamp out of range)
     * fail the call with the reason, after the valid ones were stored.
     */
    @Override
    public SpanConsumer spanConsumer() {
        return spans -> {
            if (spans.isEmpty()) {
                return Call.create(null);
            }
            List<Span> batch = List.copyOf(spans);
            return new StorageCall<Void>(() -> {
                IngestOutcome outcome = admission.zipkin(batch);
                if (outcome instanceof IngestOutcome.Refused refused) {
                    throw refused.cause().retryable() ? new OverCapacityException(refused.message())
                            : new IOException(refused.message());
                }
                AcceptedSpans decoded = ((IngestOutcome.Accepted) outcome).spans();
                if (!decoded.fullyAccepted()) {
                    throw new IOException(decoded.errorMessage());
                }
                return null;
            });
        };
    }

    /** A full write buffer: the caller should retry later (Zipkin collectors answer 503). */
    @Override
    public boolean isOverCapacity(Throwable e) {
        return e instanceof OverCapacityException;
    }

    /** A write refused for now (a full buffer, no permit, a failing log): retry later. */
    static final class OverCapacityException extends IOException {
        private static final long serialVersionUID = 1L;

        OverCapacityException(String message) {
            super(message);
        }
    }

    /** Healthy when DuckDB answers a query over the spans. */
    @Override
    public CheckResult check() {
        try {
            engine.run("SELECT count(*) FROM (SELECT 1 FROM spans LIMIT 1)", List.of(), rs -> rs.next());
            return CheckResult.OK;
        } catch (Exception e) {
            return CheckResult.failed(e);
        }
    }

    /** Nothing to release: the admission and the engine belong to whoever built this. */
    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "ContrailStorage{spans view of " + engine.config().dataDir() + "}";
    }
}
