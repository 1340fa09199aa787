package io.contrail.query;

import io.contrail.columnar.SpanSchema;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code traces} view: one row per trace, kept up to date incrementally.
 *
 * <p>For every span file, the spans of each trace in it are summarized once into a row of the
 * in-memory table {@value #PARTS} (first start, last end, span and error counts, services, root,
 * span and parent-ID hashes for orphan detection). The view merges a trace's parts, so a trace whose
 * spans landed in several flushes and files is whole, and a file that goes (compaction, retention)
 * takes its parts with it; adding and removing parts happens in one transaction, so a query sees
 * either the old files' parts or the new ones'. Not thread-safe: {@link LiveViews} calls
 * {@link #sync} under its view lock.
 */
final class TraceSummaries {

    private static final Logger LOG = LoggerFactory.getLogger(TraceSummaries.class);
    static final String PARTS = "contrail_trace_parts";

    private final Set<String> summarized = new HashSet<>();

    static void createTable(Statement statement) throws SQLException {
        statement.execute("CREATE TABLE IF NOT EXISTS " + PARTS + " (file VARCHAR, trace_id VARCHAR, "
                + "start_time TIMESTAMP_NS, end_time TIMESTAMP_NS, span_count BIGINT, error_count BIGINT, "
                + "services VARCHAR[], root_service_name VARCHAR, root_name VARCHAR, span_hashes UBIGINT[], "
                + "parent_hashes UBIGINT[], sample_weight DOUBLE)");
        statement.execute("CREATE OR REPLACE VIEW traces AS SELECT trace_id, min(start_time) AS start_time, "
                + "max(end_time) AS end_time, epoch_ns(max(end_time)) - epoch_ns(min(start_time)) AS duration_nanos, "
                + "any_value(root_service_name) AS root_service_name, any_value(root_name) AS root_name, "
                + "sum(span_count)::BIGINT AS span_count, sum(error_count)::BIGINT AS error_count, "
                + "list_sort(list_distinct(flatten(list(services)))) AS services, "
                + "NOT list_has_all(flatten(list(span_hashes)), flatten(list(parent_hashes))) AS has_orphans, "
                + "max(sample_weight) AS sample_weight FROM " + PARTS + " GROUP BY trace_id");
    }

    /** Brings the parts in line with {@code files}: summarizes new files, forgets vanished ones. */
    void sync(Connection connection, List<Path> files) throws SQLException {
        Set<String> current = new HashSet<>();
        List<String> added = new ArrayList<>();
        for (Path file : files) {
            String name = file.toString();
            current.add(name);
            if (!summarized.contains(name)) {
                added.add(name);
            }
        }
        List<String> removed = new ArrayList<>();
        for (String name : summarized) {
            if (!current.contains(name)) {
                removed.add(name);
            }
        }
        if (added.isEmpty() && removed.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            if (!removed.isEmpty()) {
                statement.execute("DELETE FROM " + PARTS + " WHERE file IN (" + literals(removed) + ")");
            }
            if (!added.isEmpty()) {
                statement.execute("INSERT INTO " + PARTS + " SELECT filename, trace_id, min(start_time), "
                        + "max(" + SpanSchema.column("end_time").derivation() + "), "
                        + "count(*), count(*) FILTER (WHERE status_code = 'ERROR'), list(DISTINCT service_name), "
                        + "arg_min(service_name, start_time) FILTER (WHERE parent_span_id IS NULL), "
                        + "arg_min(name, start_time) FILTER (WHERE parent_span_id IS NULL), list(hash(span_id)), "
                        + "coalesce(list(DISTINCT hash(parent_span_id)) FILTER (WHERE parent_span_id IS NOT NULL), []), "
                        + "max(sample_weight) FROM read_parquet([" + literals(added) + "], filename = true, "
                        + "union_by_name = true) GROUP BY filename, trace_id");
            }
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
        summarized.addAll(added);
        removed.forEach(summarized::remove);
        LOG.debug("trace summaries: {} files added, {} removed in {} ms", added.size(), removed.size(),
                (System.nanoTime() - started) / 1_000_000);
    }

    /** How many files are summarized now. */
    int files() {
        return summarized.size();
    }

    private static String literals(List<String> values) {
        StringBuilder sql = new StringBuilder();
        for (String value : values) {
            sql.append(sql.isEmpty() ? "" : ", ").append('\'').append(value.replace("'", "''")).append('\'');
        }
        return sql.toString();
    }
}
