package io.contrail.query;

import io.contrail.columnar.SpanSchema;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 * slice; a span without a value for a key adds no row for it. Slices larger than
 * {@link #SAMPLE_SPANS} spans are sampled (a fixed hash of the span ID picks the same spans every
 * time); totals are always exact.
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

    /**
     * Totals of each slice and the most different values.
     *
     * @param selectionSpans weight of the selection's spans (exact)
     * @param baselineSpans  weight of the baseline's spans (exact)
     * @param sampled        true when a slice was larger than {@link #SAMPLE_SPANS} spans and its
     *                       shares come from a sample (counts are then share × total, rounded)
     */
    public record Result(double selectionSpans, double baselineSpans, boolean sampled, List<Difference> differences) {
    }

    /**
     * Spans of each slice whose values are counted at most. Shares estimated from 25,000 spans
     * are within about ±0.6 percentage points (two standard errors), plenty to rank values, and
     * the time no longer grows with the store.
     */
    public static final long SAMPLE_SPANS = 25_000;
    /** Resolution of the hash that picks sampled spans: the same spans every time. */
    private static final long SAMPLE_BUCKETS = 1_000_000;

    public Result compare(Request request) throws QueryException {
        Map<String, String> columnTypes = engine.spanColumnTypes();
        Set<String> pinned = pinnedColumns(request.selection(), columnTypes);
        List<String> dimensions = new ArrayList<>();
        BUILT_IN_DIMENSIONS.stream().filter(c -> !pinned.contains(c)).forEach(dimensions::add);
        columnTypes.keySet().stream()
                .filter(c -> c.startsWith(SpanSchema.SPAN_ATTRIBUTE_PREFIX) || c.startsWith(SpanSchema.RESOURCE_ATTRIBUTE_PREFIX))
                .filter(c -> !pinned.contains(c))
                .sorted().forEach(dimensions::add);
        SpanFilter.Condition selection = request.selection().toSql(columnTypes);
        SpanFilter.Condition baseline = request.baseline() == null ? null : request.baseline().toSql(columnTypes);

        // Both slices as flags over the window; the baseline defaults to the spans the selection misses.
        List<Object> sliceParameters = new ArrayList<>(selection.parameters());
        String slices = "SELECT coalesce(" + selection.sql() + ", false) AS in_selection, "
                + (baseline == null ? "NOT coalesce(" + selection.sql() + ", false)" : "coalesce(" + baseline.sql() + ", false)")
                + " AS in_base";
        sliceParameters.addAll(baseline == null ? selection.parameters() : baseline.parameters());
        String window = request.window().sql("", 0, sliceParameters);

        double[] totals = engine.run(request.window().reads(0), "SELECT coalesce(sum(sample_weight) FILTER (WHERE in_selection), 0), "
                + "count(*) FILTER (WHERE in_selection), coalesce(sum(sample_weight) FILTER (WHERE in_base), 0), "
                + "count(*) FILTER (WHERE in_base) FROM (" + slices + ", sample_weight FROM spans WHERE " + window + ")",
                sliceParameters, rs -> {
                    rs.next();
                    return new double[] {rs.getDouble(1), rs.getLong(2), rs.getDouble(3), rs.getLong(4)};
                });
        long selectionKeep = keptBuckets(totals[1]);
        long baselineKeep = keptBuckets(totals[3]);
        boolean sampled = selectionKeep < SAMPLE_BUCKETS || baselineKeep < SAMPLE_BUCKETS;
        if (totals[1] == 0 && totals[3] == 0) {
            return new Result(0, 0, false, List.of());
        }

        List<Object> parameters = new ArrayList<>(sliceParameters);
        parameters.add(selectionKeep);
        parameters.add(baselineKeep);
        parameters.add(totals[0]);
        parameters.add(totals[2]);
        parameters.add(request.limit());
        String casts = String.join(", ", dimensions.stream()
                .map(c -> SpanSchema.quote(c) + "::VARCHAR AS " + SpanSchema.quote(c)).toList());
        String on = String.join(", ", dimensions.stream().map(SpanSchema::quote).toList());
        String sql = "WITH m AS (SELECT * EXCLUDE (bucket) FROM (" + slices + ", sample_weight AS w, "
                + "hash(span_id) % " + SAMPLE_BUCKETS + " AS bucket, " + casts + " FROM spans WHERE " + window + ") "
                + "WHERE (in_selection AND bucket < ?) OR (in_base AND bucket < ?)), "
                + "sampled AS (SELECT coalesce(sum(w) FILTER (WHERE in_selection), 0) AS sel_total, "
                + "coalesce(sum(w) FILTER (WHERE in_base), 0) AS base_total FROM m), "
                + "counts AS (SELECT dimension, \"value\", coalesce(sum(w) FILTER (WHERE in_selection), 0) AS sel, "
                + "coalesce(sum(w) FILTER (WHERE in_base), 0) AS base "
                + "FROM (UNPIVOT m ON " + on + " INTO NAME dimension VALUE \"value\") GROUP BY ALL), "
                + "scored AS (SELECT dimension, \"value\", "
                + "CASE WHEN sel_total > 0 THEN sel / sel_total ELSE 0 END AS sel_share, "
                + "CASE WHEN base_total > 0 THEN base / base_total ELSE 0 END AS base_share FROM counts, sampled) "
                + "SELECT dimension, \"value\", sel_share * ?, base_share * ?, sel_share, base_share, "
                + "sel_share - base_share AS diff FROM scored "
                + "ORDER BY abs(diff) DESC, dimension, \"value\" LIMIT ?";
        return engine.run(request.window().reads(0), sql, parameters, rs -> {
            List<Difference> differences = new ArrayList<>();
            while (rs.next()) {
                double selectionCount = rs.getDouble(3);
                double baselineCount = rs.getDouble(4);
                if (sampled) {
                    selectionCount = Math.round(selectionCount);
                    baselineCount = Math.round(baselineCount);
                }
                differences.add(new Difference(rs.getString(1), rs.getString(2), selectionCount, baselineCount,
                        rs.getDouble(5), rs.getDouble(6), rs.getDouble(7)));
            }
            return new Result(totals[0], totals[2], sampled, differences);
        });
    }

    /** Hash buckets (of {@link #SAMPLE_BUCKETS}) to keep so that about {@link #SAMPLE_SPANS} of {@code spans} remain. */
    private static long keptBuckets(double spans) {
        if (spans <= SAMPLE_SPANS) {
            return SAMPLE_BUCKETS;
        }
        return Math.max(1, (long) Math.ceil(SAMPLE_BUCKETS * SAMPLE_SPANS / spans));
    }

    /** Columns the selection fixes to one value: comparing them would only restate the filter. */
    private static Set<String> pinnedColumns(SpanFilter selection, Map<String, String> columnTypes) {
        Set<String> pinned = new HashSet<>();
        if (selection.service() != null) {
            pinned.add("service_name");
            pinned.add(SpanSchema.resourceAttributeColumn(SpanSchema.SERVICE_NAME_ATTRIBUTE));
        }
        if (selection.operation() != null) {
            pinned.add("name");
        }
        if (selection.status() != null) {
            pinned.add("status_code");
        }
        for (String key : selection.attributes().keySet()) {
            String column = SpanSchema.spanAttributeColumn(key);
            pinned.add(columnTypes.containsKey(column) ? column : SpanSchema.resourceAttributeColumn(key));
        }
        return pinned;
    }
}
