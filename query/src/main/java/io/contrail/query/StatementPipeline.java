package io.contrail.query;

import com.fasterxml.jackson.databind.JsonNode;
import io.contrail.columnar.LiveFiles;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The one way a statement goes through the engine, in explicit stages:
 * <ol>
 *   <li><b>parse</b> — DuckDB's parse tree of the text ({@link SqlParser}), once per statement; every later
 *       stage reads or changes this one tree;</li>
 *   <li><b>guard</b> — user SQL only: one read-only statement that reads only allowed files
 *       ({@link ReadOnlySqlGuard});</li>
 *   <li><b>fetch</b> — only when a bounded cache keeps part of a shared table's files on disk: the files of the
 *       span start times the statement reads ({@link SpanTimeBounds}; all of them when it does not say), or it
 *       is refused when they are more than the cache holds;</li>
 *   <li><b>rewrite</b> — the reads of {@code spans} pointed at the live files, or at the few that hold the
 *       trace IDs it names ({@link DirectSpanReads});</li>
 *   <li><b>render</b> — the SQL that actually runs: DuckDB's text of the tree, for a user's SELECT cut to the
 *       row and byte caps ({@link ResultCaps#capped});</li>
 *   <li><b>execute</b> — on a connection of its own, under a read lease of the files and the time limit
 *       ({@link QueryTimeouts}), after the views were brought up to date ({@link LiveViews#prepare}; with the
 *       {@code traces} summaries when the tree reads that view).</li>
 * </ol>
 * User SQL ({@link #executeUser}) passes every stage; Contrail's own parameterized queries ({@link #executeOwn})
 * skip the guard and the caps, and are parsed only when they mention a view a stage acts on. Thread-safe.
 */
final class StatementPipeline {

    /**
     * A statement after the parse stage: its text, the leading {@code EXPLAIN [ANALYZE]} it began with (empty
     * when none), and DuckDB's parse tree of the rest (null when it was not parsed).
     */
    record Parsed(String text, String explainPrefix, JsonNode tree) {

        /**
         * Whether the statement reads the {@code traces} view, by the tree: a column or alias of that name does
         * not (syncing the summaries of 100M spans reads every file). True when the tree is unknown.
         */
        boolean readsTraces() {
            return text.toLowerCase(Locale.ROOT).contains("traces")
                    && (tree == null || SpansReads.readsTable(tree, "traces"));
        }
    }

    /**
     * A statement after the render stage: the SQL to run, and whether it carries the two trailing columns of
     * {@link ResultCaps#capped} (EXPLAIN and statements DuckDB cannot render back do not).
     */
    record Rendered(String sql, boolean capped) {
    }

    /**
     * Reads the result of a user statement that ran; {@code rowsFlow} is called once its first rows are there (the
     * time limit then stops: an answer whose rows flow is read to its end at the reader's pace).
     */
    interface ResultWork<T> {
        T read(ResultSet rs, Rendered statement, Runnable rowsFlow) throws SQLException, QueryException, IOException;
    }

    private final LiveViews views;
    private final SqlParser parser;
    private final ReadOnlySqlGuard guard = new ReadOnlySqlGuard();
    private final DirectSpanReads rewrites;
    private final QueryTimeouts timeouts;
    private final QueryErrors errors;

    StatementPipeline(LiveViews views, SqlParser parser, DirectSpanReads rewrites, QueryTimeouts timeouts,
                      QueryErrors errors) {
        this.views = views;
        this.parser = parser;
        this.rewrites = rewrites;
        this.timeouts = timeouts;
        this.errors = errors;
    }

    /**
     * Runs a user's statement through every stage, its parameters bound, its answer from {@code request}'s offset
     * cut to {@code caps}, and hands its result to {@code work}; a statement that fails any stage, or fails to
     * run, throws before {@code work} is called, with a message about the SQL the user wrote.
     */
    @SuppressWarnings("try") // the lease is held for the statement's scope, never read
    <T> T executeUser(SqlRequest request, ResultCaps caps, ResultWork<T> work) throws QueryException, IOException {
        String sql = request.sql();
        try (LiveFiles.ReadLease lease = views.lease(); Connection connection = connect()) {
            Parsed parsed = parseUser(connection, sql);
            guard.check(parsed);
            fetch(connection, parsed, request.parameters(), lease);
            prepareViews(parsed);
            rewrites.rewrite(connection, parsed.tree(), lease);
            Rendered statement = renderUser(connection, parsed, request.offset(), caps);
            try (PreparedStatement running = connection.prepareStatement(statement.sql())) {
                bind(running, request.parameters());
                return timeouts.run(running, clock -> {
                    try (ResultSet rs = running.executeQuery()) {
                        return work.read(rs, statement, clock::stop);
                    }
                });
            } catch (SQLException e) {
                throw errors.userError(connection, sql, e);
            }
        } catch (SQLException e) {
            throw errors.userError(null, sql, e);
        }
    }

    /**
     * Binds a user's parameters, once their number is that of the statement's placeholders (DuckDB's own message
     * for a missing one names no count).
     */
    private static void bind(PreparedStatement statement, List<Object> parameters) throws SQLException, QueryException {
        int placeholders = statement.getParameterMetaData().getParameterCount();
        if (placeholders != parameters.size()) {
            throw new QueryException(QueryException.Reason.INVALID, "the statement has " + placeholders
                    + (placeholders == 1 ? " placeholder" : " placeholders") + " (? or $n) and " + parameters.size()
                    + (parameters.size() == 1 ? " parameter was" : " parameters were") + " given (\"params\")");
        }
        for (int i = 0; i < parameters.size(); i++) {
            statement.setObject(i + 1, parameters.get(i));
        }
    }

    /**
     * Runs one of Contrail's own parameterized queries: no guard, no caps (never pass user SQL here). {@code reads}:
     * the span start times it reads, which a bounded cache fetches first; null to take them from its SQL.
     */
    @SuppressWarnings("try") // the lease is held for the statement's scope, never read
    <T> T executeOwn(String sql, List<Object> parameters, LiveFiles.TimeRange reads, QueryEngine.RowReader<T> reader)
            throws QueryException {
        try (LiveFiles.ReadLease lease = views.lease(); Connection connection = connect()) {
            Parsed parsed = parseOwn(connection, sql);
            if (reads != null) {
                fetch(reads, lease);
            } else {
                fetchOwn(connection, parsed, parameters, lease);
            }
            prepareViews(parsed);
            String rendered = renderOwn(connection, parsed, lease);
            try (PreparedStatement statement = connection.prepareStatement(rendered)) {
                for (int i = 0; i < parameters.size(); i++) {
                    statement.setObject(i + 1, parameters.get(i));
                }
                return timeouts.run(statement, clock -> {
                    try (ResultSet rs = statement.executeQuery()) {
                        return reader.read(rs);
                    }
                });
            }
        } catch (SQLException e) {
            throw errors.invalid(e);
        } catch (IOException e) {
            throw new QueryException(QueryException.Reason.INVALID, e.getMessage(), e);
        }
    }

    /** How many parse trees the parse stage (and the rewrite's cached sources) have made; for tests. */
    long parses() {
        return parser.parses();
    }

    private Connection connect() throws QueryException {
        try {
            return views.connect();
        } catch (SQLException e) {
            throw errors.invalid("cannot open a query connection", e);
        }
    }

    /** Parse stage, user SQL: the text after a leading {@code EXPLAIN [ANALYZE]} is parsed; empty text is refused. */
    private Parsed parseUser(Connection connection, String sql) throws QueryException {
        if (sql == null || sql.isBlank()) {
            throw new QueryException(QueryException.Reason.REJECTED, "the query is empty");
        }
        String body = ReadOnlySqlGuard.withoutLeadingExplain(sql);
        try {
            return new Parsed(sql, sql.substring(0, sql.length() - body.length()), parser.parse(connection, body));
        } catch (SQLException | IOException e) {
            throw new QueryException(QueryException.Reason.INVALID, "cannot parse the query: " + e.getMessage(), e);
        }
    }

    /** Parse stage, Contrail's own SQL: only when it names a view a later stage acts on; unparsed when DuckDB fails. */
    private Parsed parseOwn(Connection connection, String sql) {
        String lower = sql.toLowerCase(Locale.ROOT);
        JsonNode tree = null;
        if (lower.contains("spans") || lower.contains("traces")) {
            try {
                tree = parser.parse(connection, sql);
            } catch (SQLException | IOException e) {
                // No tree: it runs as written, and may read traces.
            }
        }
        return new Parsed(sql, "", tree);
    }

    /**
     * Fetch stage, user SQL: with only part of the files on disk ({@link LiveViews#partial()}), brings those of the
     * start times the statement reads before the views are brought up to date; all of them when it does not say.
     */
    private void fetch(Connection connection, Parsed parsed, List<Object> parameters, LiveFiles.ReadLease lease)
            throws QueryException {
        // A read restricted to trace IDs gets the files that hold them in the rewrite stage.
        if (!views.partial() || !SpansReads.readsSpanData(parsed.tree()) || SpansReads.traceIds(parsed.tree()).isPresent()) {
            return;
        }
        fetch(SpanTimeBounds.of(connection, parser, parsed.tree(), parameters).orElse(LiveFiles.TimeRange.ALL), lease);
    }

    /**
     * Fetch stage, Contrail's own SQL that did not say which start times it reads: the files of those times when its shape says
     * ({@link SpanTimeBounds}, its parameters bound); otherwise it reads the files on disk (the newest), but for
     * those of the trace IDs it names, which the rewrite fetches.
     */
    private void fetchOwn(Connection connection, Parsed parsed, List<Object> parameters, LiveFiles.ReadLease lease)
            throws QueryException {
        if (!views.partial() || parsed.tree() == null || parsed.tree().path("error").asBoolean(false)) {
            return;
        }
        Optional<LiveFiles.TimeRange> range = SpanTimeBounds.of(connection, parser, parsed.tree(), parameters);
        if (range.isPresent()) {
            fetch(range.get(), lease);
        }
    }

    private void fetch(LiveFiles.TimeRange range, LiveFiles.ReadLease lease) throws QueryException {
        try {
            views.fetch(range, lease);
        } catch (LiveFiles.NotResidentException e) {
            throw new QueryException(QueryException.Reason.TOO_LARGE, e.getMessage(), e);
        } catch (IOException e) {
            throw errors.invalid("cannot fetch the shared table's files", e);
        }
    }

    /** Before the rewrite: the views over the files there are now, and the {@code traces} summaries if it is read. */
    private void prepareViews(Parsed parsed) throws QueryException {
        try {
            views.prepare(parsed.readsTraces());
        } catch (SQLException | IOException e) {
            throw errors.invalid("cannot open a query connection", e);
        }
    }

    /**
     * Render stage, user SQL; a statement DuckDB cannot render back runs as written, through the views (and cannot
     * be paged). From {@code offset} on, cut to {@code caps} unless they are {@link ResultCaps#NONE}.
     */
    private Rendered renderUser(Connection connection, Parsed parsed, long offset, ResultCaps caps) throws QueryException {
        String select = parser.render(connection, parsed.tree());
        if (select == null || !parsed.explainPrefix().isEmpty()) {
            if (offset > 0) {
                throw new QueryException(QueryException.Reason.INVALID, "offset=" + offset
                        + ": only the answer of a query (SELECT, FROM, WITH, …) can be paged");
            }
            return new Rendered(select == null ? parsed.text() : parsed.explainPrefix() + select, false);
        }
        if (offset > 0) {
            // A subquery keeps the order of its rows (DuckDB preserves insertion order), so an ORDER BY holds.
            select = "SELECT * FROM (\n" + select + "\n) AS contrail_page OFFSET " + offset;
        }
        if (caps.none()) {
            return new Rendered(ResultCaps.rowGuarded(select), false);
        }
        // Only a row count (a streamed answer's maxRows): its rows are guarded as those of any streamed answer.
        boolean bytesUncapped = caps.maxResultBytes() == Long.MAX_VALUE;
        return new Rendered(caps.capped(bytesUncapped ? ResultCaps.rowGuarded(select) : select), true);
    }

    /** Rewrite and render stages, Contrail's own SQL: as written when it reads no spans or DuckDB cannot render it. */
    private String renderOwn(Connection connection, Parsed parsed, LiveFiles.ReadLease lease) throws QueryException {
        JsonNode tree = parsed.tree();
        if (tree == null || tree.path("error").asBoolean(false) || !rewrites.rewrite(connection, tree, lease)) {
            return parsed.text();
        }
        String rendered = parser.render(connection, tree);
        return rendered == null ? parsed.text() : rendered;
    }
}
