package io.contrail.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The reads of the {@code spans} view in a statement parsed by DuckDB ({@code json_serialize_sql}),
 * so that {@link QueryEngine} can point them at the Parquet files directly, and the trace IDs that
 * restrict them.
 *
 * <p>Reading the files directly, rather than through the view, lets DuckDB bind only the columns a
 * query names: through a view every one of the ~150 columns reaches the optimizer, whose join
 * ordering gathers statistics for each from every row group before unused columns are pruned,
 * which cost 40 ms per query at 10M spans (bench/results/suite-findings.md).
 *
 * <p>A read that only trace IDs named in the text can satisfy — {@code … FROM spans WHERE
 * trace_id = '…' AND …} or {@code trace_id IN ('…', …)} — can be answered from the few files the
 * trace-ID index names. That is exact only when nothing else in the statement reads spans: the
 * statement must read {@code spans} exactly once, read no other table but its own common table
 * expressions (views such as {@code span_events} read spans too), call no table function, and the
 * SELECT reading spans must have the trace-ID condition as a top-level AND term of its WHERE. Then
 * every row that reaches the rest of the statement comes from a file holding one of those traces.
 */
final class SpansReads {

    /** How Contrail stores trace IDs: 32 lower-case hex digits. Other text matches no span. */
    private static final Pattern STORED_TRACE_ID = Pattern.compile("[0-9a-f]{32}");

    private SpansReads() {
    }

    /**
     * The table references to the {@code spans} view (nodes of {@code parsed}, to be replaced in
     * place); none when the statement defines a CTE of that name, which shadows the view.
     */
    static List<ObjectNode> of(JsonNode parsed) {
        Scan scan = scan(parsed);
        if (scan == null || scan.cteNames.contains("spans")) {
            return List.of();
        }
        List<ObjectNode> reads = new ArrayList<>();
        scan.spansReads.forEach(read -> reads.add((ObjectNode) read));
        return reads;
    }

    static Scan scan(JsonNode parsed) {
        JsonNode statements = parsed.path("statements");
        if (statements.size() != 1) {
            return null;
        }
        Scan scan = new Scan();
        scan.visit(statements.get(0).path("node"), null);
        return scan;
    }

    /**
     * Whether the statement may use a column of {@code spans} that files need not store ({@code derived}, lower
     * case): it names a column of that name, of whatever table, or selects columns by a star or {@code COLUMNS}.
     * When it does not, its reads of {@code spans} can go to the files without the subquery that computes them,
     * which costs every query: DuckDB binds and projects every column through it (at 10M spans a
     * {@code count(*)} took 30 ms through it, 6 ms without).
     */
    static boolean mayUseDerived(JsonNode parsed, Set<String> derived) {
        if (parsed.path("error").asBoolean(false)) {
            return true;
        }
        List<JsonNode> pending = new ArrayList<>(List.of(parsed));
        while (!pending.isEmpty()) {
            JsonNode node = pending.remove(pending.size() - 1);
            String kind = node.path("class").asText("");
            if (kind.equals("STAR")) {
                return true;
            }
            if (kind.equals("COLUMN_REF")) {
                JsonNode names = node.path("column_names");
                if (names.size() > 0 && derived.contains(names.get(names.size() - 1).asText().toLowerCase(Locale.ROOT))) {
                    return true;
                }
            }
            node.forEach(pending::add);
        }
        return false;
    }

    /**
     * Whether the statement reads the table or view {@code table} of Contrail's catalog (lower-case
     * name) anywhere, CTEs and subqueries included. True for a tree DuckDB could not parse or that
     * holds several statements: the caller then does what reading it needs.
     */
    static boolean readsTable(JsonNode parsed, String table) {
        Scan scan = scan(parsed);
        return parsed.path("error").asBoolean(false) || scan == null || scan.otherTables.contains(table);
    }

    /** Views of Contrail's catalog that read no span file ({@code sampling_stats} its own folder, {@code attribute_keys} the catalog). */
    private static final Set<String> NOT_SPAN_DATA = Set.of("sampling_stats", "attribute_keys");

    /**
     * Whether the statement may read span files: through any table or view but its own CTEs and those of
     * {@link #NOT_SPAN_DATA}, or through a table function. True for a tree DuckDB could not parse or that holds
     * several statements. A bounded cache fetches files only for statements that may.
     */
    static boolean readsSpanData(JsonNode parsed) {
        Scan scan = parsed == null ? null : scan(parsed);
        if (scan == null || parsed.path("error").asBoolean(false)) {
            return true;
        }
        if (!scan.spansReads.isEmpty() || scan.tableFunctions > 0) {
            return true;
        }
        for (String table : scan.otherTables) {
            if (!scan.cteNames.contains(table) && !NOT_SPAN_DATA.contains(table)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The trace IDs that the statement's one read of {@code spans} is restricted to; empty when the
     * statement is not of that shape (or names an ID in a form no stored span has).
     */
    static Optional<Set<String>> traceIds(JsonNode parsed) {
        Scan scan = scan(parsed);
        if (scan == null || scan.tableFunctions > 0 || scan.spansReads.size() != 1 || scan.cteNames.contains("spans")) {
            return Optional.empty();
        }
        for (String table : scan.otherTables) {
            if (!scan.cteNames.contains(table)) {
                return Optional.empty();
            }
        }
        JsonNode spansRead = scan.spansReads.get(0);
        JsonNode select = scan.selectReading.get(spansRead);
        if (select == null || !spansRead.path("sample").isNull() || !spansRead.path("at_clause").isNull()) {
            return Optional.empty();
        }
        String alias = spansRead.path("alias").asText("");
        String qualifier = alias.isEmpty() ? "spans" : alias.toLowerCase(Locale.ROOT);
        List<JsonNode> terms = new ArrayList<>();
        andTerms(select.path("where_clause"), terms);
        for (JsonNode term : terms) {
            Optional<Set<String>> ids = traceIds(term, qualifier);
            if (ids.isPresent()) {
                return ids;
            }
        }
        return Optional.empty();
    }

    /**
     * Walks the tree: table reads, CTE names, table functions, and which SELECT reads a span-backed view
     * ({@link #SPAN_VIEWS}) as its {@code FROM} table.
     */
    static final class Scan {
        /** The views of Contrail's catalog whose rows are spans' rows, one for one or many for one. */
        static final Set<String> SPAN_VIEWS = Set.of("spans", "span_attributes", "span_events");

        final List<JsonNode> spansReads = new ArrayList<>();
        /** Reads of any of {@link #SPAN_VIEWS} ({@code spans} included), with the view each names (lower case). */
        final Map<JsonNode, String> spanViewReads = new IdentityHashMap<>();
        final List<String> otherTables = new ArrayList<>();
        final Set<String> cteNames = new TreeSet<>();
        final Map<JsonNode, JsonNode> selectReading = new IdentityHashMap<>();
        int tableFunctions;

        void visit(JsonNode node, JsonNode enclosingSelect) {
            if (node.isArray()) {
                node.forEach(child -> visit(child, enclosingSelect));
                return;
            }
            if (!node.isObject()) {
                return;
            }
            String type = node.path("type").asText("");
            JsonNode select = type.equals("SELECT_NODE") ? node : enclosingSelect;
            if (type.equals("BASE_TABLE")) {
                String table = node.path("table_name").asText("").toLowerCase(Locale.ROOT);
                String schema = node.path("schema_name").asText("");
                boolean ours = node.path("catalog_name").asText("").isEmpty()
                        && (schema.isEmpty() || schema.equalsIgnoreCase("main"));
                if (ours && SPAN_VIEWS.contains(table)) {
                    spanViewReads.put(node, table);
                    if (enclosingSelect != null && enclosingSelect.path("from_table") == node) {
                        selectReading.put(node, enclosingSelect);
                    }
                }
                if (table.equals("spans") && ours) {
                    spansReads.add(node);
                } else {
                    otherTables.add(ours ? table : "");
                }
            } else if (type.equals("TABLE_FUNCTION")) {
                tableFunctions++;
            }
            JsonNode cteMap = node.path("cte_map").path("map");
            cteMap.forEach(entry -> cteNames.add(entry.path("key").asText("").toLowerCase(Locale.ROOT)));
            node.fields().forEachRemaining(field -> visit(field.getValue(), select));
        }
    }

    static void andTerms(JsonNode condition, List<JsonNode> terms) {
        if (condition.path("type").asText("").equals("CONJUNCTION_AND")) {
            condition.path("children").forEach(child -> andTerms(child, terms));
        } else if (condition.isObject()) {
            terms.add(condition);
        }
    }

    /** The IDs of {@code trace_id = '…'} or {@code trace_id IN ('…', …)}, either side round. */
    private static Optional<Set<String>> traceIds(JsonNode term, String qualifier) {
        String type = term.path("type").asText("");
        List<JsonNode> values = new ArrayList<>();
        if (type.equals("COMPARE_EQUAL")) {
            JsonNode left = term.path("left");
            JsonNode right = term.path("right");
            if (isTraceIdColumn(left, qualifier)) {
                values.add(right);
            } else if (isTraceIdColumn(right, qualifier)) {
                values.add(left);
            } else {
                return Optional.empty();
            }
        } else if (type.equals("COMPARE_IN") && term.path("children").size() > 1
                && isTraceIdColumn(term.path("children").get(0), qualifier)) {
            for (int i = 1; i < term.path("children").size(); i++) {
                values.add(term.path("children").get(i));
            }
        } else {
            return Optional.empty();
        }
        Set<String> ids = new TreeSet<>();
        for (JsonNode value : values) {
            JsonNode literal = value.path("literal");
            if (!value.path("type").asText("").equals("VALUE_CONSTANT")
                    || !literal.path("kind").asText("").equals("STRING")
                    || !STORED_TRACE_ID.matcher(literal.path("text").asText("")).matches()) {
                return Optional.empty();
            }
            ids.add(literal.path("text").asText());
        }
        return Optional.of(ids);
    }

    private static boolean isTraceIdColumn(JsonNode expression, String qualifier) {
        if (!expression.path("type").asText("").equals("COLUMN_REF")) {
            return false;
        }
        JsonNode names = expression.path("column_names");
        if (names.size() == 1) {
            return names.get(0).asText("").equalsIgnoreCase("trace_id");
        }
        return names.size() == 2 && names.get(0).asText("").equalsIgnoreCase(qualifier)
                && names.get(1).asText("").equalsIgnoreCase("trace_id");
    }
}
