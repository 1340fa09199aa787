package io.contrail.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contrail.columnar.LiveFiles;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The span start times a statement can read, so that a view over a bounded cache of a shared table fetches only
 * the files holding them ({@link LiveFiles.TimeRange}). Soundness is the point: a range narrower than what the
 * statement reads does not fail, it silently answers without the spans outside it. So every rule below gives up
 * (empty) or widens the range whenever it cannot be sure, and the bounds are computed by DuckDB itself, in the
 * type DuckDB compares in.
 *
 * <p>The shape is that of {@link SpansReads#traceIds}: one read of {@code spans}, {@code span_attributes} or
 * {@code span_events} in the whole statement, as the {@code FROM} table of a SELECT, nothing else read but the
 * statement's own CTEs, no table function; the range is the intersection of the top-level AND terms of that
 * SELECT's WHERE that compare the span's {@code start_time} or {@code date} (UTC) with a constant.
 *
 * <p>A bound that reads the clock ({@code now()}, {@code current_date}) is evaluated before the statement runs,
 * when the clock reads earlier: it counts only as a lower bound, and only when it can only rise with the clock.
 * The constant expressions' functions are checked against DuckDB's catalog, read once per JVM with a template
 * tree for evaluating them (one parse).
 */
final class SpanTimeBounds {

    private static final long DAY_NANOS = 86_400_000_000_000L;
    /** Types DuckDB compares with a TIMESTAMP_NS or DATE column by casting both to the finer one, exactly. */
    private static final Set<String> TIME_TYPES = Set.of("DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S");
    /** Functions, and keywords the parser leaves as column references, that read the transaction's clock. */
    private static final Set<String> CLOCK_FUNCTIONS = Set.of("now", "get_current_timestamp", "transaction_timestamp",
            "today", "current_date", "current_timestamp", "localtimestamp");
    private static final Set<String> CLOCK_KEYWORDS = Set.of("current_date", "current_timestamp", "localtimestamp");
    private static final Set<String> CONSTANT_CLASSES = Set.of("CONSTANT", "CAST", "FUNCTION", "OPERATOR", "CASE",
            "COMPARISON", "CONJUNCTION", "BETWEEN", "PARAMETER", "TYPE");
    /** Types a cast of the clock to which still rises with it. */
    private static final Set<String> CLOCK_CAST_TYPES = Set.of("DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS",
            "TIMESTAMP_S", "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE");

    private static final AtomicLong EVALUATIONS = new AtomicLong();
    private static volatile Catalog catalog;

    /** A {@code SELECT 1} tree to put expressions in, and the functions fit for a constant: scalar and not volatile. */
    private record Catalog(JsonNode template, Set<String> constantFunctions) {
    }

    private enum Column { START_TIME, DATE }

    /** One side of a time column that a term limits: {@code start_time > value} is a lower, exclusive limit. */
    private record Limit(Column column, JsonNode value, boolean lower, boolean inclusive) {
    }

    private SpanTimeBounds() {
    }

    /** The span start times the statement can read, or empty when it is not of a shape whose reads are bounded. */
    static Optional<LiveFiles.TimeRange> of(Connection connection, SqlParser parser, JsonNode parsed,
                                            List<Object> parameters) {
        SpansReads.Scan scan = SpansReads.scan(parsed);
        if (scan == null || scan.tableFunctions > 0 || scan.spanViewReads.size() != 1) {
            return Optional.empty();
        }
        JsonNode read = scan.spanViewReads.keySet().iterator().next();
        String view = scan.spanViewReads.get(read);
        JsonNode select = scan.selectReading.get(read);
        if (select == null || !read.path("sample").isNull() || !read.path("at_clause").isNull()
                || read.path("column_name_alias").size() > 0
                || scan.cteNames.stream().anyMatch(SpansReads.Scan.SPAN_VIEWS::contains)
                || !scan.otherTables.stream().allMatch(table -> table.equals(view) || scan.cteNames.contains(table))) {
            return Optional.empty();
        }
        String alias = read.path("alias").asText("").toLowerCase(Locale.ROOT);
        String qualifier = alias.isEmpty() ? view : alias;
        List<JsonNode> terms = new ArrayList<>();
        SpansReads.andTerms(select.path("where_clause"), terms);
        long from = Long.MIN_VALUE;
        long to = Long.MAX_VALUE;
        boolean counted = false;
        for (JsonNode term : terms) {
            List<Limit> candidates = limits(term, view, qualifier);
            Catalog known = candidates.isEmpty() ? null : catalog(connection, parser);
            List<Limit> limits = known == null ? List.of() : candidates.stream()
                    .filter(limit -> constant(limit.value(), known.constantFunctions(), parsed))
                    .filter(limit -> !readsClock(limit.value()) || limit.lower() && risesWithClock(limit.value()))
                    .toList();
            long[] bounds = limits.isEmpty() ? null : evaluate(connection, parser, known.template(), limits, parameters);
            if (bounds != null) {
                from = Math.max(from, bounds[0]);
                to = Math.min(to, bounds[1]);
                counted = true;
            }
        }
        return counted ? Optional.of(new LiveFiles.TimeRange(from, to)) : Optional.empty();
    }

    /** How many expressions this class has had DuckDB evaluate, one statement per counted term. */
    static long evaluations() {
        return EVALUATIONS.get();
    }

    /** The limits a comparison or BETWEEN puts on a time column of the read, the column on either side. */
    private static List<Limit> limits(JsonNode term, String view, String qualifier) {
        String type = term.path("type").asText("");
        if (type.equals("COMPARE_BETWEEN")) {
            Column column = column(term.path("input"), view, qualifier);
            return column == null || !term.path("lower").isObject() || !term.path("upper").isObject() ? List.of()
                    : List.of(new Limit(column, term.path("lower"), true, true), new Limit(column, term.path("upper"), false, true));
        }
        boolean flipped = column(term.path("left"), view, qualifier) == null;
        Column column = column(term.path(flipped ? "right" : "left"), view, qualifier);
        JsonNode value = term.path(flipped ? "left" : "right");
        if (column == null || !value.isObject()) {
            return List.of();
        }
        return switch (type) {
            case "COMPARE_EQUAL" -> List.of(new Limit(column, value, true, true), new Limit(column, value, false, true));
            case "COMPARE_GREATERTHAN" -> List.of(new Limit(column, value, !flipped, false));
            case "COMPARE_GREATERTHANOREQUALTO" -> List.of(new Limit(column, value, !flipped, true));
            case "COMPARE_LESSTHAN" -> List.of(new Limit(column, value, flipped, false));
            case "COMPARE_LESSTHANOREQUALTO" -> List.of(new Limit(column, value, flipped, true));
            default -> List.of();
        };
    }

    /** The time column of the read that {@code expression} names; {@code span_events}' own {@code time} is not one. */
    private static Column column(JsonNode expression, String view, String qualifier) {
        JsonNode names = expression.path("column_names");
        if (!expression.path("class").asText("").equals("COLUMN_REF") || names.size() < 1 || names.size() > 2
                || names.size() == 2 && !names.get(0).asText("").equalsIgnoreCase(qualifier)) {
            return null;
        }
        String name = names.get(names.size() - 1).asText("").toLowerCase(Locale.ROOT);
        if (name.equals("date")) {
            return Column.DATE;
        }
        return name.equals("start_time") && !view.equals("span_events") ? Column.START_TIME : null;
    }

    /**
     * Whether {@code expression} has one value for the whole statement: no column, subquery, star, window, aggregate
     * or volatile function. A clock keyword counts unless its name is part of any other text of the statement, where
     * it could name a column of an enclosing query.
     */
    private static boolean constant(JsonNode expression, Set<String> constantFunctions, JsonNode parsed) {
        return count(expression, node -> {
            String kind = node.path("class").asText("");
            if (isClockKeyword(node)) {
                String name = node.path("column_names").get(0).asText("").toLowerCase(Locale.ROOT);
                return count(parsed, text -> text.isTextual() && text.asText().toLowerCase(Locale.ROOT).contains(name))
                        != count(parsed, ref -> isClockKeyword(ref) && ref.path("column_names").get(0).asText("").equalsIgnoreCase(name));
            }
            return node.has("class") && (!CONSTANT_CLASSES.contains(kind) || kind.equals("FUNCTION")
                    && (!node.path("catalog").asText("").isEmpty() || !node.path("schema").asText("").isEmpty()
                    || !constantFunctions.contains(node.path("function_name").asText("").toLowerCase(Locale.ROOT))));
        }) == 0;
    }

    /** How many nodes of the tree, itself included, pass {@code test}. */
    private static int count(JsonNode node, Predicate<JsonNode> test) {
        int count = test.test(node) ? 1 : 0;
        for (JsonNode child : node) {
            count += count(child, test);
        }
        return count;
    }

    private static boolean isClockKeyword(JsonNode node) {
        JsonNode names = node.path("column_names");
        return node.path("class").asText("").equals("COLUMN_REF") && names.size() == 1
                && CLOCK_KEYWORDS.contains(names.get(0).asText("").toLowerCase(Locale.ROOT));
    }

    private static boolean isClock(JsonNode node) {
        return isClockKeyword(node) || node.path("class").asText("").equals("FUNCTION") && node.path("arguments").isEmpty()
                && CLOCK_FUNCTIONS.contains(node.path("function_name").asText("").toLowerCase(Locale.ROOT));
    }

    private static boolean readsClock(JsonNode node) {
        return count(node, SpanTimeBounds::isClock) > 0;
    }

    /** Whether the value can only rise with the clock: the clock, cast to a time, plus or minus what does not read it. */
    private static boolean risesWithClock(JsonNode node) {
        if (!readsClock(node) || isClock(node)) {
            return true;
        }
        String kind = node.path("class").asText("");
        if (kind.equals("CAST")) {
            return CLOCK_CAST_TYPES.contains(node.path("type_expr").path("type_name").asText("").toUpperCase(Locale.ROOT))
                    && risesWithClock(node.path("child"));
        }
        String function = node.path("function_name").asText("");
        JsonNode arguments = node.path("arguments");
        if (!kind.equals("FUNCTION") || arguments.size() != 2 || !function.equals("+") && !function.equals("-")) {
            return false;
        }
        JsonNode first = arguments.get(0).path("expression");
        JsonNode second = arguments.get(1).path("expression");
        return readsClock(second) ? function.equals("+") && !readsClock(first) && risesWithClock(second)
                : risesWithClock(first);
    }

    /**
     * Has DuckDB evaluate the limits' values in one statement and turns them into [from, to) of start times;
     * null when a value cannot be evaluated, is NULL, or is of a type not compared exactly.
     */
    private static long[] evaluate(Connection connection, SqlParser parser, JsonNode template, List<Limit> limits,
                                   List<Object> parameters) {
        ObjectNode tree = template.deepCopy();
        ArrayNode selectList = ((ObjectNode) tree.path("statements").get(0).path("node")).putArray("select_list");
        List<Object> values = new ArrayList<>();
        for (Limit limit : limits) {
            ObjectNode copy = limit.value().deepCopy();
            if (!bindParameters(copy, parameters, values)) {
                return null;
            }
            selectList.add(copy.put("alias", "e" + selectList.size()));
        }
        String rendered = parser.render(connection, tree);
        if (rendered == null) {
            return null;
        }
        String sql = IntStream.range(0, limits.size()).mapToObj(i -> String.format("typeof(e%1$d), "
                        + "epoch_ns(TRY_CAST(e%1$d AS TIMESTAMP_NS)), epoch_ns(TRY_CAST(TRY_CAST(e%1$d AS DATE) AS TIMESTAMP_NS))", i))
                .collect(Collectors.joining(", ", "SELECT ", " FROM (" + rendered + ")"));
        EVALUATIONS.incrementAndGet();
        long[] bounds = {Long.MIN_VALUE, Long.MAX_VALUE};
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < values.size(); i++) {
                statement.setObject(i + 1, values.get(i));
            }
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                for (int i = 0; i < limits.size(); i++) {
                    Limit limit = limits.get(i);
                    int at = 3 * i;
                    String type = rs.getString(at + 1);
                    String kind = limit.value().path("class").asText("");
                    boolean text = "VARCHAR".equals(type) && (kind.equals("PARAMETER")
                            || kind.equals("CONSTANT") && limit.value().path("literal").path("kind").asText("").equals("STRING"));
                    // DuckDB casts text to the column's type; other values it compares in the finer of the two types.
                    int valueColumn = text && limit.column() == Column.DATE ? at + 3 : at + 2;
                    long nanos = rs.getLong(valueColumn);
                    if (rs.wasNull() || !text && !TIME_TYPES.contains(type)) {
                        return null;
                    }
                    long bound = limit.column() == Column.START_TIME
                            ? (limit.lower() == limit.inclusive() ? nanos : add(nanos, 1))
                            : (limit.lower() == limit.inclusive() ? ceilDay(nanos) : add(floorDay(nanos), DAY_NANOS));
                    bounds[limit.lower() ? 0 : 1] = limit.lower() ? Math.max(bounds[0], bound) : Math.min(bounds[1], bound);
                }
                return bounds;
            }
        } catch (SQLException e) {
            return null;
        }
    }

    /** Numbers the copy's placeholders 1, 2, … and adds their values; false when one has no value. */
    private static boolean bindParameters(JsonNode node, List<Object> parameters, List<Object> values) {
        if (node.path("class").asText("").equals("PARAMETER")) {
            String identifier = node.path("identifier").asText("");
            int index = identifier.matches("[1-9][0-9]{0,8}") ? Integer.parseInt(identifier) : 0;
            if (index < 1 || index > parameters.size()) {
                return false;
            }
            values.add(parameters.get(index - 1));
            ((ObjectNode) node).put("identifier", String.valueOf(values.size()));
        }
        for (JsonNode child : node) {
            if (!bindParameters(child, parameters, values)) {
                return false;
            }
        }
        return true;
    }

    /** The catalog, read on first use; null when it cannot be read (then no term counts). */
    private static Catalog catalog(Connection connection, SqlParser parser) {
        Catalog known = catalog;
        if (known == null) {
            Set<String> functions = new HashSet<>(CLOCK_FUNCTIONS);
            try (PreparedStatement statement = connection.prepareStatement("SELECT lower(function_name) "
                    + "FROM duckdb_functions() GROUP BY 1 HAVING bool_and(function_type = 'scalar' AND stability = 'CONSISTENT')");
                 ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    functions.add(rs.getString(1));
                }
                known = new Catalog(parser.parse(connection, "SELECT 1"), Set.copyOf(functions));
            } catch (SQLException | IOException e) {
                return null;
            }
            catalog = known;
        }
        return known;
    }

    private static long floorDay(long nanos) {
        return add(nanos, -Math.floorMod(nanos, DAY_NANOS));
    }

    private static long ceilDay(long nanos) {
        return Math.floorMod(nanos, DAY_NANOS) == 0 ? nanos : add(floorDay(nanos), DAY_NANOS);
    }

    /** {@code a + b}, held at Long's limits instead of wrapping round. */
    private static long add(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? (b < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : sum;
    }
}
