package io.contrail.bench.suite;

import java.sql.SQLException;

/**
 * A peer that answers DuckDB SQL over Contrail's {@code spans} view — Contrail itself and the
 * DuckDB limit — so the runner can also time the extra queries of
 * {@link DuckDbSuiteSql#attributeVersusBuiltIn} on it and ask it for query plans.
 */
public interface DuckDbDialectPeer extends Peer {

    /** Runs one statement once and reports its time and row count. */
    QueryOutcome sql(String sql) throws Exception;

    /** The text of {@code EXPLAIN ANALYZE <sql>} as this peer runs it. */
    String explainAnalyze(String sql) throws Exception;

    /** Narrower than {@link Peer#close()}: stopping never waits interruptibly. */
    @Override
    void close() throws SQLException;

    @Override
    default QueryOutcome query(BenchQuery query, SpanCorpus.Probes probes) throws Exception {
        return sql(DuckDbSuiteSql.sql(query, probes));
    }
}
