package io.contrail.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contrail.columnar.LiveFiles;
import io.contrail.columnar.SpanSchema;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The rewrite stage of the {@link StatementPipeline}: a parse tree's reads of the {@code spans} view
 * pointed at the live files directly ({@link SpansReads} says why); a read restricted to named trace
 * IDs, at only the files the trace-ID index names for them, through a subquery that keeps every column
 * of {@code spans} ({@link SpanViews#COLUMNS_TABLE}) so the statement binds as it would over every file.
 * Thread-safe.
 */
final class DirectSpanReads {

    /** The columns of {@code spans} that files need not store, lower case. */
    private static final Set<String> DERIVED = SpanSchema.COLUMNS.stream().filter(c -> !c.stored())
            .map(SpanSchema.Column::name).collect(Collectors.toUnmodifiableSet());

    private final LiveViews views;
    private final SqlParser parser;
    private final QueryErrors errors;
    private volatile LiveSource liveSource;
    private volatile LiveSource livePlainSource;

    DirectSpanReads(LiveViews views, SqlParser parser, QueryErrors errors) {
        this.views = views;
        this.parser = parser;
        this.errors = errors;
    }

    /**
     * Points the reads of {@code spans} in {@code parsed} (changed in place) at the files; false when it has none.
     * Files named for trace IDs are fetched for {@code lease} first when only part of the files is on disk.
     */
    boolean rewrite(Connection connection, JsonNode parsed, LiveFiles.ReadLease lease) throws QueryException {
        // With no file on disk, only a bounded cache's trace-ID read has files to point at (it fetches them).
        Optional<Set<String>> traceIds = views.hasFiles() || views.partial() ? SpansReads.traceIds(parsed) : Optional.empty();
        List<ObjectNode> reads = views.hasFiles() || traceIds.isPresent() ? SpansReads.of(parsed) : List.of();
        if (reads.isEmpty()) {
            return false;
        }
        JsonNode replacement = traceIds.isPresent()
                ? fromTable(connection, filesHoldingSource(traceIds.get(), SpansReads.mayUseDerived(parsed, DERIVED), lease))
                : liveFilesFromTable(connection, SpansReads.mayUseDerived(parsed, DERIVED));
        for (ObjectNode read : reads) {
            String alias = read.path("alias").asText("");
            ObjectNode direct = replacement.deepCopy();
            direct.put("alias", alias.isEmpty() ? "spans" : alias);
            direct.set("column_name_alias", read.path("column_name_alias"));
            direct.set("sample", read.path("sample"));
            read.removeAll();
            read.setAll(direct);
        }
        return true;
    }

    /**
     * A source with the columns of {@code spans} over only the files that may hold {@code traceIds}; without
     * those computed from others unless {@code derived} (then a v1 file's stored ones may show instead).
     */
    private String filesHoldingSource(Set<String> traceIds, boolean derived, LiveFiles.ReadLease lease)
            throws QueryException {
        List<Path> files = filesHolding(traceIds, lease);
        return "(SELECT * FROM " + SpanViews.COLUMNS_TABLE + (files.isEmpty() ? ""
                : " UNION ALL BY NAME SELECT * FROM " + (derived ? source(files) : SpanViews.readParquet(files))) + ")";
    }

    /** See {@link QueryEngine#filesHoldingTrace(String)}. */
    List<Path> filesHoldingTrace(String traceId) throws QueryException {
        try {
            return views.filesHoldingTrace(traceId);
        } catch (SQLException | IOException e) {
            throw errors.invalid("cannot consult the trace-ID index", e);
        }
    }

    /**
     * The files that may hold any of {@code traceIds} (lower-case hex; 16 digits stand for every trace ID with those
     * lower 64 bits, on which the index keys), sorted, made readable until {@code lease} ends: a bounded cache of a
     * shared table downloads those it does not keep ({@link LiveFiles#residency()}).
     */
    List<Path> filesHolding(Collection<String> traceIds, LiveFiles.ReadLease lease) throws QueryException {
        SortedSet<Path> holding = new TreeSet<>();
        for (String traceId : traceIds) {
            holding.addAll(filesHoldingTrace(traceId.length() == 16 ? "0".repeat(16) + traceId : traceId));
        }
        List<Path> files = List.copyOf(holding);
        try {
            views.fetch(files, lease);
        } catch (LiveFiles.NotResidentException e) {
            throw new QueryException(QueryException.Reason.TOO_LARGE, e.getMessage(), e);
        } catch (IOException e) {
            throw errors.invalid("cannot fetch the files of the traces", e);
        }
        return files;
    }

    /** A subquery with the columns of {@code spans} over {@code files} (not empty): {@link SpanViews#source}. */
    String source(List<Path> files) throws QueryException {
        try {
            return SpanViews.source(files, views.anyStoresDerived(files));
        } catch (SQLException e) {
            throw errors.invalid("cannot read the span files' footers", e);
        }
    }

    /**
     * The parse tree of {@code FROM <source>} over the current live files, with the columns computed from others
     * ({@code derived}) or without; kept for those files (its text is long).
     */
    private JsonNode liveFilesFromTable(Connection connection, boolean derived) throws QueryException {
        LiveSource cached = derived ? liveSource : livePlainSource;
        List<Path> files = views.files();
        if (cached == null || cached.files() != files) {
            cached = new LiveSource(files, fromTable(connection, derived ? source(files) : SpanViews.readParquet(files)));
            if (derived) {
                liveSource = cached;
            } else {
                livePlainSource = cached;
            }
        }
        return cached.fromTable();
    }

    private record LiveSource(List<Path> files, JsonNode fromTable) {
    }

    private JsonNode fromTable(Connection connection, String source) throws QueryException {
        try {
            return parser.parse(connection, "SELECT * FROM " + source)
                    .path("statements").get(0).path("node").path("from_table");
        } catch (SQLException | IOException e) {
            throw errors.invalid("cannot parse the span files' source", e);
        }
    }
}
