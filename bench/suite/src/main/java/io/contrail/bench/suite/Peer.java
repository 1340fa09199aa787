package io.contrail.bench.suite;

/**
 * A system the benchmark measures on the same spans, in the same invocation: Contrail itself,
 * the DuckDB "limit" (one ideal Parquet file), PostgreSQL with JSONB, the Zipkin server on MySQL.
 *
 * <p>Lifecycle: {@link #start}, {@link #load} once, then {@link #query} many times (the runner
 * interleaves peers round by round so machine noise hits all alike), then {@link #close}, which
 * must stop any process the peer started and delete its temporary files.
 */
public interface Peer extends AutoCloseable {

    /** Short name used in tables, e.g. "contrail", "duckdb-limit", "postgresql", "zipkin-mysql". */
    String name();

    /**
     * Starts whatever the peer needs (a server process, a database in a temp folder).
     *
     * @throws PeerUnavailableException when the peer cannot run on this machine; the message says
     *                                  exactly why and goes into RESULTS.md
     */
    void start(BenchContext context) throws Exception;

    /**
     * Ingests every span of the corpus (or the share of it this peer takes, which the result says)
     * and reports how that went.
     *
     * @throws PeerUnavailableException when the peer sees, before loading, that it cannot take this
     *                                  corpus here (e.g. too little disk); the message says exactly why
     */
    LoadResult load(SpanCorpus corpus) throws Exception;

    /**
     * Runs one query of the suite once, returning how long it took, or
     * {@link QueryOutcome#unsupported(String)} when this peer cannot express it.
     */
    QueryOutcome query(BenchQuery query, SpanCorpus.Probes probes) throws Exception;

    @Override
    void close() throws Exception;
}
