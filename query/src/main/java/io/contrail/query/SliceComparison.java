package io.contrail.query;

import io.contrail.columnar.SpanSchema;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * "What is different about these spans?": for every dimension — each span and resource attribute
 * column (every key any span carried, promoted or not) and a few built-in columns
 * ({@link #BUILT_IN_DIMENSIONS}) — the values whose share of the selection differs most from their
 * share of the baseline.
 *
 * <p>A value's share of a slice is the weight of the slice's spans that have it over the slice's
 * total weight ({@code sample_weight}). Values are ranked by the absolute difference of the two
 * shares, so both over- and under-represented values come first. One DuckDB query: the matching
 * spans' dimension columns, as text, are unpivoted into (dimension, value) rows and counted per
 * slice; a span without a value for a key adds no row for it.
 */
public final class SliceComparison {

    /** Built-in columns compared beside the attributes. */
    public static final List<String> BUILT_IN_DIMENSIONS =
            List.of("service_name", "name", "kind", "status_code", "status_message", "scope_name");
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 1_000;

    private final QueryEngine engine;

    public SliceComparison(QueryEngine engine) {
        this.engine = engine;
    }

    /**
     * @param baseline null for "the rest": the spans in the window that the selection does not match
     * @param limit    values returned, the most different first
     */
    public record Request(SpanFilter selection, SpanFilter baseline, TimeWindow window, int limit) {
        public Request {
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new IllegalArgumentException("limit=" + limit + ": must be between 1 and " + MAX_LIMIT);
            }
        }
    }

    /**
     * One value of one dimension.
     *
     * @param dimension        the {@code spans} column: {@code attr.<key>}, {@code resource.<key>} or a built-in column
     * @param selectionCount   weight of selection spans with this value
     * @param baselineCount    weight of baseline spans with this value
     * @param selectionShare   {@code selectionCount} over the selection's total, 0–1
     * @param baselineShare    {@code baselineCount} over the baseline's total, 0–1
     * @param difference       {@code selectionShare - baselineShare}: positive when over-represented
     */
    public record Difference(String dimension, String value, double selectionCount, double baselineCount,
                             double selectionShare, double baselineShare, double difference) {
    }

    /** Totals of each slice and the most different values. */
    public record Result(double selectionSpans, double baselineSpans, List<Difference> differences) {
    }

    public Result compare(Request request) throws QueryException {
        Map<String, String> columnTypes = TraceQueries.columnTypes(engine);
        List<String> dimensions = new ArrayList<>(BUILT_IN_DIMENSIONS);
        columnTypes.keySet().stream()
                .filter(c -> c.startsWith(SpanSchema.SPAN_ATTRIBUTE_PREFIX) || c.startsWith(SpanSchema.RESOURCE_ATTRIBUTE_PREFIX))
                .sorted().forEach(dimensions::add);
        SpanFilter.Condition selection = request.selection().toSql(columnTypes);
        SpanFilter.Condition baseline = request.baseline() == null ? null : request.baseline().toSql(columnTypes);

        List<Object> parameters = new ArrayList<>(selection.parameters());
        String inBaseline;
        if (baseline == null) {
            inBaseline = "NOT in_selection";
        } else {
            inBaseline = "in_baseline";
            parameters.addAll(baseline.parameters());
        }
        String window = request.window().sql("", 0, parameters);
        parameters.add(request.limit());
        String casts = String.join(", ", dimensions.stream()
                .map(c -> SpanSchema.quote(c) + "::VARCHAR AS " + SpanSchema.quote(c)).toList());
        String on = String.join(", ", dimensions.stream().map(SpanSchema::quote).toList());
        String sql = "WITH s AS (SELECT coalesce(" + selection.sql() + ", false) AS in_selection"
                + (baseline == null ? "" : ", coalesce(" + baseline.sql() + ", false) AS in_baseline")
                + ", sample_weight AS w, " + casts + " FROM spans WHERE " + window + "), "
                + "m AS (SELECT in_selection, " + inBaseline + " AS in_base, * EXCLUDE (in_selection"
                + (baseline == null ? "" : ", in_baseline") + ") FROM s WHERE in_selection OR " + inBaseline + "), "
                + "totals AS (SELECT coalesce(sum(w) FILTER (WHERE in_selection), 0) AS sel_total, "
                + "coalesce(sum(w) FILTER (WHERE in_base), 0) AS base_total FROM m), "
                + "counts AS (SELECT dimension, \"value\", coalesce(sum(w) FILTER (WHERE in_selection), 0) AS sel, "
                + "coalesce(sum(w) FILTER (WHERE in_base), 0) AS base "
                + "FROM (UNPIVOT m ON " + on + " INTO NAME dimension VALUE \"value\") GROUP BY ALL), "
                + "scored AS (SELECT dimension, \"value\", sel, base, "
                + "CASE WHEN sel_total > 0 THEN sel / sel_total ELSE 0 END AS sel_share, "
                + "CASE WHEN base_total > 0 THEN base / base_total ELSE 0 END AS base_share FROM counts, totals) "
                + "SELECT t.sel_total, t.base_total, d.* FROM totals t LEFT JOIN (SELECT dimension, \"value\", sel, base, "
                + "sel_share, base_share, sel_share - base_share AS diff FROM scored "
                + "ORDER BY abs(diff) DESC, dimension, \"value\" LIMIT ?) d ON true ORDER BY abs(d.diff) DESC, d.dimension, d.\"value\"";
        return engine.run(sql, parameters, rs -> {
            double selectionTotal = 0;
            double baselineTotal = 0;
            List<Difference> differences = new ArrayList<>();
            while (rs.next()) {
                selectionTotal = rs.getDouble(1);
                baselineTotal = rs.getDouble(2);
                if (rs.getString(3) == null) {
                    continue;
                }
                differences.add(new Difference(rs.getString(3), rs.getString(4), rs.getDouble(5), rs.getDouble(6),
                        rs.getDouble(7), rs.getDouble(8), rs.getDouble(9)));
            }
            return new Result(selectionTotal, baselineTotal, differences);
        });
    }
}
