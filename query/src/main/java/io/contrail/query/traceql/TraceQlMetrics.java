package io.contrail.query.traceql;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The metrics stage of a TraceQL metrics query ({@code { status = error } | rate() by (resource.service.name)}): what
 * turns the spans its pipeline yields into series over time, as Tempo's first-stage metrics functions do
 * ({@code pkg/traceql/ast_metrics.go}, {@code engine_metrics.go} at ad33aa8), compiled to SQL aggregations.
 *
 * <p>Intervals are Tempo's ({@code IntervalMapperQueryRange}): right-closed, {@code (start + i·step, start + (i+1)·step]},
 * a span in the one its start time falls in, each sample stamped with its interval's end. Every span counts with its
 * {@code sample_weight}, as in RED: {@code rate()}, {@code count_over_time()} and {@code histogram_over_time()} sum
 * weights (Tempo's sampling extrapolation), {@code sum_over_time()} sums value × weight, {@code avg_over_time()} is the
 * weighted mean, {@code quantile_over_time()} the weighted quantile of the values themselves (the least value whose
 * cumulative weight reaches q of the total; Tempo interpolates between power-of-two buckets). Durations are read in
 * seconds. Series and their labels are Tempo's: one per distinct by() values (a nil value is left out of the labels;
 * all nil, the first label says {@code "nil"} unless a {@code p} or {@code __bucket} label follows), {@code __name__}
 * naming the function when there is no by(), {@code p} for each quantile, {@code __bucket} for each histogram bucket;
 * counting functions and quantiles have 0 in intervals without spans, the others no sample there.
 */
public final class TraceQlMetrics {

    /** Quantiles one quantile_over_time() may ask for: each is a series per key, and a request has a bound on series. */
    static final int MAX_QUANTILES = 100;

    /** What is compiled of TraceQL metrics, for the message refusing the rest. */
    static final String SUPPORTED_FORM = "Contrail compiles one metrics function after a spanset pipeline, with "
            + "by(...), then topk(n), bottomk(n) and comparisons with a number; not arithmetic on series";

    /** Tempo's first-stage metrics functions (metricsAggregate*), by their TraceQL names. */
    public enum Function {
        RATE, COUNT_OVER_TIME, MIN_OVER_TIME, MAX_OVER_TIME, AVG_OVER_TIME, SUM_OVER_TIME, QUANTILE_OVER_TIME,
        HISTOGRAM_OVER_TIME;

        static Function named(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }

        /** The name as written in TraceQL. */
        public String traceQlName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * Whether its series are 0, not empty, in an interval without spans: those that count spans, and quantiles
         * (Tempo's HistogramAggregator.Results fills such intervals with 0).
         */
        boolean zeroWhereNoSpans() {
            return this != MIN_OVER_TIME && this != MAX_OVER_TIME && this != AVG_OVER_TIME && this != SUM_OVER_TIME;
        }
    }

    /**
     * The kind of a label's value, as Tempo's {@code Static.AsAnyValue} gives it to OTLP's AnyValue (a duration as
     * text in Go's form, which the API writes).
     */
    public enum LabelKind {
        STRING, INT, DOUBLE, BOOLEAN, DURATION;

        static LabelKind of(TraceQlCompiler.Type type) {
            return switch (type) {
                case INT -> INT;
                case FLOAT -> DOUBLE;
                case BOOLEAN -> BOOLEAN;
                case DURATION -> DURATION;
                default -> STRING;
            };
        }
    }

    /**
     * A label of a series.
     *
     * @param value a {@link String}, {@link Long}, {@link Double}, {@link Boolean} or {@link java.time.Duration}
     */
    public record Label(String key, Object value) {
    }

    /**
     * One series: a value per interval of the request, {@link Double#NaN} where it has none (Tempo leaves such a
     * sample out).
     */
    public record Series(List<Label> labels, double[] values) {
    }

    /**
     * The series of a request, by decreasing weight of their spans.
     *
     * @param truncated more series existed than were asked for; these are the heaviest
     */
    public record SeriesSet(List<Series> series, boolean truncated) {

        public SeriesSet {
            series = List.copyOf(series);
        }
    }

    /** A second stage (expr.y metricsSecondStagePipeline): what it makes of the series, in order. */
    sealed interface SecondStage permits TopK, Filter {
        List<Series> apply(List<Series> series, int intervals);
    }

    /**
     * {@code topk(n)} / {@code bottomk(n)} (engine_metrics.go processTopK, processBottomK): with more than n series,
     * at each interval only the n largest (smallest) values are kept, the rest of a series' samples dropped, and a
     * series never among them left out; ties go to the series listed first (the heavier).
     */
    record TopK(boolean top, long limit) implements SecondStage {
        @Override
        public List<Series> apply(List<Series> series, int intervals) {
            if (series.size() <= limit) {
                return series;
            }
            double[][] kept = new double[series.size()][intervals];
            for (double[] k : kept) {
                Arrays.fill(k, Double.NaN);
            }
            boolean[] any = new boolean[series.size()];
            for (int i = 0; i < intervals; i++) {
                final int at = i;
                List<Integer> order = new ArrayList<>();
                for (int s = 0; s < series.size(); s++) {
                    if (!Double.isNaN(series.get(s).values()[i])) {
                        order.add(s);
                    }
                }
                order.sort((a, b) -> {
                    int byValue = Double.compare(series.get(b).values()[at], series.get(a).values()[at]);
                    return (top ? byValue : -byValue) != 0 ? (top ? byValue : -byValue) : Integer.compare(a, b);
                });
                for (int n = 0; n < Math.min(limit, order.size()); n++) {
                    int s = order.get(n);
                    kept[s][i] = series.get(s).values()[i];
                    any[s] = true;
                }
            }
            List<Series> out = new ArrayList<>();
            for (int s = 0; s < series.size(); s++) {
                if (any[s]) {
                    out.add(new Series(series.get(s).labels(), kept[s]));
                }
            }
            return out;
        }
    }

    /**
     * A comparison with a number (ast_metrics.go MetricsFilter): samples where it does not hold are dropped, and a
     * series left with none.
     */
    record Filter(String operator, double value) implements SecondStage {
        @Override
        public List<Series> apply(List<Series> series, int intervals) {
            List<Series> out = new ArrayList<>();
            for (Series s : series) {
                double[] values = s.values().clone();
                boolean any = false;
                for (int i = 0; i < values.length; i++) {
                    if (!Double.isNaN(values[i]) && holds(values[i])) {
                        any = true;
                    } else {
                        values[i] = Double.NaN;
                    }
                }
                if (any) {
                    out.add(new Series(s.labels(), values));
                }
            }
            return out;
        }

        private boolean holds(double v) {
            return switch (operator) {
                case "=" -> v == value;
                case "!=" -> v != value;
                case "<" -> v < value;
                case "<=" -> v <= value;
                case ">" -> v > value;
                default -> v >= value;
            };
        }
    }

    /** A by() field: its label as written, and SQL for its value as text and for that value's {@link LabelKind}. */
    record By(String label, Sql text, Sql kind) {
    }

    private final Function function;
    /** The function's field as a number (a histogram: its bucket), null for rate() and count_over_time(). */
    private final Sql value;
    private final List<Double> quantiles;
    private final List<By> by;
    private final List<SecondStage> secondStages;

    TraceQlMetrics(Function function, Sql value, List<Double> quantiles, List<By> by, List<SecondStage> secondStages) {
        this.function = function;
        this.value = value;
        this.quantiles = List.copyOf(quantiles);
        this.by = List.copyOf(by);
        this.secondStages = List.copyOf(secondStages);
    }

    public Function function() {
        return function;
    }

    /** Whether any piece of its SQL passes {@code test}. */
    boolean reads(java.util.function.Predicate<Sql> test) {
        return (value != null && test.test(value)) || by.stream().anyMatch(b -> test.test(b.text()) || test.test(b.kind()));
    }

    /**
     * The cells (per series and interval, the function's value and the spans' weight) a statement of every series reads
     * at most, one more to tell there were more: past them, only the heaviest series are asked for, chosen in SQL
     * ({@code maxCells} 0), so that a by() of many values never sends its every cell here. A thousand series (what a
     * request shows at most) of a thousand intervals fit; a request of up to 10,000 intervals fits fewer.
     */
    public static final int MAX_CELLS = 1_000_000;

    /**
     * Completes the statement of a metrics query, per series and interval the function's value, over the rows of
     * {@code source} (a table, view or stage of the query, whose rows are its spans) where {@code condition} holds:
     * the cells of every series, at most {@code maxCells} (one more is read, to tell there were more), in one
     * {@code GROUP BY} as an analyst would write it; or, {@code maxCells} 0, those of the heaviest {@code maxSeries}
     * series only, chosen in SQL by aggregating the cells again. Quantiles rank every value of a series: their series
     * are always chosen in SQL. {@code sql} is empty or holds {@code WITH} and the common table expressions up to that
     * stage, each followed by a comma; {@code parameters} their values. Both are completed.
     */
    void appendAggregation(StringBuilder sql, List<Object> parameters, String source, Sql condition, long start,
                           long step, int intervals, int maxSeries, int maxCells) {
        long end = Math.addExact(start, Math.multiplyExact(step, intervals));
        if (function == Function.QUANTILE_OVER_TIME) {
            sql.append(sql.isEmpty() ? "WITH " : "");
            Sql points = points(source, condition, start, step, end);
            sql.append("traceql_points AS (").append(points.text()).append("),\n");
            parameters.addAll(points.parameters());
            appendQuantiles(sql, parameters, "traceql_points", keys(), maxSeries);
            return;
        }
        Sql cells = cells(source, condition, start, step, end);
        if (maxCells > 0) {
            if (!sql.isEmpty()) {
                sql.setLength(sql.length() - 2);
                sql.append("\n");
            }
            sql.append(cells.text()).append(" LIMIT ?");
            parameters.addAll(cells.parameters());
            parameters.add(maxCells + 1);
            return;
        }
        List<String> keys = keys();
        sql.append(sql.isEmpty() ? "WITH " : "").append("traceql_cells AS (").append(cells.text()).append("),\n");
        parameters.addAll(cells.parameters());
        appendSeries(sql, parameters, "traceql_cells", "traceql_cell_w", keys, maxSeries);
        sql.append("\nSELECT ").append(prefixed("c.", keys))
                .append("c.traceql_interval, c.traceql_value, c.traceql_cell_w FROM traceql_cells c ")
                .append(joinedToSeries("c", keys)).append(" ORDER BY s.traceql_total DESC");
        for (String key : keys) {
            sql.append(", c.").append(key);
        }
        sql.append(", c.traceql_interval");
    }

    /** The names of a series' key columns: each by()'s text and kind, and a histogram's bucket. */
    private List<String> keys() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < by.size(); i++) {
            keys.add("traceql_by" + i);
            keys.add("traceql_kind" + i);
        }
        if (function == Function.HISTOGRAM_OVER_TIME) {
            keys.add("traceql_v");
        }
        return keys;
    }

    /**
     * Per series and interval of {@link #keys()}, the function's value and the spans' weight: one {@code GROUP BY} of
     * the spans, no subquery between it and them (DuckDB aggregates a subquery's rows slower: 170 against 149 ms for
     * the 71,676 failed spans of the 10M-span bench, interleaved through /api/sql beside a fuzzing run).
     */
    private Sql cells(String source, Sql condition, long start, long step, long end) {
        List<Object> pieces = new ArrayList<>(List.of("SELECT "));
        for (int i = 0; i < by.size(); i++) {
            pieces.addAll(List.of(by.get(i).text(), " AS traceql_by" + i + ", ", by.get(i).kind(),
                    " AS traceql_kind" + i + ", "));
        }
        if (function == Function.HISTOGRAM_OVER_TIME) {
            pieces.addAll(List.of(value, " AS traceql_v, "));
        }
        pieces.addAll(List.of(interval(start, step), " AS traceql_interval, ", cellValue(),
                " AS traceql_value, sum(sample_weight) AS traceql_cell_w FROM " + source + " WHERE ",
                spansIn(condition, start, end), " GROUP BY ALL"));
        return Sql.concat(pieces.toArray());
    }

    /** Each span of the intervals with what a quantile ranks: its interval, weight, series' key and value. */
    private Sql points(String source, Sql condition, long start, long step, long end) {
        List<Object> pieces = new ArrayList<>(List.of("SELECT ", interval(start, step),
                " AS traceql_interval, sample_weight AS traceql_w"));
        for (int i = 0; i < by.size(); i++) {
            pieces.addAll(List.of(", ", by.get(i).text(), " AS traceql_by" + i + ", ", by.get(i).kind(),
                    " AS traceql_kind" + i));
        }
        pieces.addAll(List.of(", ", value, " AS traceql_v FROM " + source + " WHERE ", spansIn(condition, start, end)));
        return Sql.concat(pieces.toArray());
    }

    /** A span's interval: Tempo's are right-closed, (start + i·step, start + (i+1)·step]. */
    private static Sql interval(long start, long step) {
        return Sql.concat("(epoch_ns(start_time) - ", Sql.parameter(start), "::BIGINT - 1) // ", Sql.parameter(step),
                "::BIGINT");
    }

    /** {@code condition}, the spans' start in the intervals and, for a function of a field, a value of it. */
    private Sql spansIn(Sql condition, long start, long end) {
        return Sql.concat("(", condition, ") AND epoch_ns(start_time) > ", Sql.parameter(start),
                "::BIGINT AND epoch_ns(start_time) <= ", Sql.parameter(end), "::BIGINT",
                value == null ? "" : Sql.concat(" AND (", value, ") IS NOT NULL"));
    }

    /** The value of one series' spans in one interval, every span with its weight (quantiles: {@link #quantiles()}). */
    private Sql cellValue() {
        return switch (function) {
            case RATE, COUNT_OVER_TIME, HISTOGRAM_OVER_TIME -> Sql.of("sum(sample_weight)");
            case MIN_OVER_TIME -> Sql.concat("min(", value, ")");
            case MAX_OVER_TIME -> Sql.concat("max(", value, ")");
            case SUM_OVER_TIME -> Sql.concat("sum((", value, ") * sample_weight)");
            case AVG_OVER_TIME -> Sql.concat("sum((", value, ") * sample_weight) / sum(sample_weight)");
            case QUANTILE_OVER_TIME -> throw new IllegalStateException("quantiles are ranked, not aggregated in one pass");
        };
    }

    /** {@code traceql_series}: the keys of the heaviest series of {@code input} by its {@code weight} column. */
    private void appendSeries(StringBuilder sql, List<Object> parameters, String input, String weight, List<String> keys,
                              int maxSeries) {
        String seriesKey = String.join(", ", keys);
        sql.append("traceql_series AS (SELECT ").append(prefixed("", keys)).append("sum(").append(weight)
                .append(") AS traceql_total FROM ").append(input)
                .append(keys.isEmpty() ? "" : " GROUP BY " + seriesKey)
                .append(" ORDER BY traceql_total DESC").append(keys.isEmpty() ? "" : ", " + seriesKey)
                .append(" LIMIT ?)");
        // A series per quantile of each key: read no more keys than make maxSeries series, and one to tell there were more.
        parameters.add(maxSeries / outputsPerKey() + 1);
    }

    /** {@code JOIN traceql_series s} on every key of {@code alias}, nil matching nil. */
    private static String joinedToSeries(String alias, List<String> keys) {
        StringBuilder join = new StringBuilder("JOIN traceql_series s ON true");
        for (String key : keys) {
            join.append(" AND ").append(alias).append('.').append(key).append(" IS NOT DISTINCT FROM s.").append(key);
        }
        return join.toString();
    }

    /** Each of {@code keys} with {@code prefix}, each followed by ", ". */
    private static String prefixed(String prefix, List<String> keys) {
        StringBuilder text = new StringBuilder();
        for (String key : keys) {
            text.append(prefix).append(key).append(", ");
        }
        return text.toString();
    }

    /** Quantiles need every value of a series' interval, ranked: the series are chosen first, then ranked. */
    private void appendQuantiles(StringBuilder sql, List<Object> parameters, String input, List<String> keys,
                                 int maxSeries) {
        appendSeries(sql, parameters, input, "traceql_w", keys, maxSeries);
        String partition = prefixed("", keys) + "traceql_interval";
        // The weighted quantile as RED computes it (WeightedQuantiles): cumulative weight in value order.
        sql.append(",\ntraceql_ranked AS (SELECT *, sum(traceql_w) OVER (PARTITION BY ").append(partition)
                .append(" ORDER BY traceql_v ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS traceql_cum_w, "
                        + "sum(traceql_w) OVER (PARTITION BY ").append(partition).append(") AS traceql_total_w FROM ")
                .append(input).append(")");
        sql.append("\nSELECT ").append(prefixed("p.", keys)).append("p.traceql_interval, ").append(quantiles())
                .append(", sum(p.traceql_w) FROM traceql_ranked p ").append(joinedToSeries("p", keys))
                .append(" GROUP BY ").append(prefixed("p.", keys)).append("p.traceql_interval ORDER BY max(s.traceql_total) DESC");
        for (String key : keys) {
            sql.append(", p.").append(key);
        }
        sql.append(", p.traceql_interval");
    }

    /** Series per key of by() values (and bucket): one per quantile, else one. */
    private int outputsPerKey() {
        return function == Function.QUANTILE_OVER_TIME ? quantiles.size() : 1;
    }

    /** Each quantile of one series' values in one interval, as a list. */
    private String quantiles() {
        List<String> each = new ArrayList<>();
        for (double q : quantiles) {
            // Summed in another order, the total may round below the last cumulative weight: then the maximum.
            each.add("coalesce(min(p.traceql_v) FILTER (WHERE p.traceql_cum_w >= " + q
                    + " * p.traceql_total_w), max(p.traceql_v))");
        }
        return "[" + String.join(", ", each) + "]::DOUBLE[]";
    }

    /** The series of a key: the sum of its cells' weights, and its cells (an interval and a value per output each). */
    private static final class Cells {
        final List<Object> key;
        double weight;
        /** {@link #weight} rounded to 12 significant digits, to rank by. */
        double ranked;
        int size;
        int[] intervals = new int[4];
        double[] values;

        Cells(List<Object> key, int outputs) {
            this.key = key;
            this.values = new double[4 * outputs];
        }

        void add(int interval, double[] row) {
            if (size == intervals.length) {
                intervals = Arrays.copyOf(intervals, size * 2);
                values = Arrays.copyOf(values, values.length * 2);
            }
            intervals[size] = interval;
            System.arraycopy(row, 0, values, size * row.length, row.length);
            size++;
        }

        /**
         * Rounds the weight to rank by to 12 significant digits: series of equal weight whose cells were summed in
         * another order then tie, and go by their keys as in SQL.
         */
        void rank() {
            ranked = weight == 0 || !Double.isFinite(weight) ? weight
                    : new java.math.BigDecimal(weight).round(new java.math.MathContext(12)).doubleValue();
        }
    }

    /**
     * The series in the rows of {@link #appendAggregation}'s statement, asked with the same {@code maxCells}: the
     * heaviest {@code maxSeries} (their spans' weights summed; ties by their keys, as SQL orders them). Null when every
     * series was asked for and there were more than {@code maxCells} cells: then ask for the heaviest only.
     */
    SeriesSet readSeries(ResultSet rs, long step, int intervals, int maxSeries, int maxCells) throws SQLException {
        int keyColumns = keys().size();
        int outputs = outputsPerKey();
        double stepSeconds = step / 1e9;
        boolean bounded = maxCells > 0 && function != Function.QUANTILE_OVER_TIME;
        Map<List<Object>, Cells> series = new HashMap<>();
        double[] row = new double[outputs];
        int read = 0;
        while (rs.next()) {
            if (bounded && ++read > maxCells) {
                return null;
            }
            List<Object> key = new ArrayList<>(keyColumns);
            for (int i = 1; i <= keyColumns; i++) {
                key.add(rs.getObject(i));
            }
            Cells cells = series.computeIfAbsent(key, k -> new Cells(k, outputs));
            cells.weight += rs.getDouble(keyColumns + 3);
            long interval = rs.getLong(keyColumns + 1);
            if (interval < 0 || interval >= intervals) {
                continue;
            }
            if (function == Function.QUANTILE_OVER_TIME) {
                Object[] each = (Object[]) rs.getArray(keyColumns + 2).getArray();
                for (int q = 0; q < outputs; q++) {
                    row[q] = each[q] == null ? Double.NaN : ((Number) each[q]).doubleValue();
                }
            } else {
                double v = rs.getDouble(keyColumns + 2);
                row[0] = rs.wasNull() ? Double.NaN : function == Function.RATE ? v / stepSeconds : v;
            }
            cells.add((int) interval, row);
        }
        List<Cells> heaviestFirst = new ArrayList<>(series.values());
        heaviestFirst.forEach(Cells::rank);
        heaviestFirst.sort(Comparator.comparingDouble((Cells c) -> -c.ranked)
                .thenComparing(c -> c.key, TraceQlMetrics::compareKeys));
        int keys = maxSeries / outputs;
        List<Series> out = new ArrayList<>();
        for (Cells cells : heaviestFirst.subList(0, Math.min(keys, heaviestFirst.size()))) {
            double[][] values = new double[outputs][intervals];
            for (double[] v : values) {
                Arrays.fill(v, function.zeroWhereNoSpans() ? 0 : Double.NaN);
            }
            for (int c = 0; c < cells.size; c++) {
                for (int q = 0; q < outputs; q++) {
                    values[q][cells.intervals[c]] = cells.values[c * outputs + q];
                }
            }
            List<Label> labels = labels(cells.key);
            for (int q = 0; q < outputs; q++) {
                List<Label> seriesLabels = new ArrayList<>(labels);
                if (function == Function.QUANTILE_OVER_TIME) {
                    seriesLabels.add(new Label("p", quantiles.get(q)));
                }
                out.add(new Series(List.copyOf(seriesLabels), values[q]));
            }
        }
        for (SecondStage stage : secondStages) {
            out = stage.apply(out, intervals);
        }
        return new SeriesSet(out, heaviestFirst.size() > keys);
    }

    /** Two series' keys in DuckDB's order: text by code point (its binary order of UTF-8), numbers by value, nil last. */
    private static int compareKeys(List<Object> a, List<Object> b) {
        for (int i = 0; i < a.size(); i++) {
            Object x = a.get(i);
            Object y = b.get(i);
            int c;
            if (x == null || y == null) {
                c = x == y ? 0 : x == null ? 1 : -1;
            } else if (x instanceof String s && y instanceof String t) {
                c = Arrays.compare(s.codePoints().toArray(), t.codePoints().toArray());
            } else {
                c = Double.compare(((Number) x).doubleValue(), ((Number) y).doubleValue());
            }
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    /** A series' labels from its by() values and kinds (and histogram bucket), as Tempo's labelsFor makes them. */
    private List<Label> labels(List<Object> key) {
        List<Label> labels = new ArrayList<>();
        for (int i = 0; i < by.size(); i++) {
            Object text = key.get(2 * i);
            if (text != null) {
                labels.add(new Label(by.get(i).label(), typed((String) text, (String) key.get(2 * i + 1))));
            }
        }
        // All nil: Tempo forces the first label to "nil", but not where a bucket label follows (quantiles, histograms).
        if (labels.isEmpty() && !by.isEmpty() && function != Function.QUANTILE_OVER_TIME
                && function != Function.HISTOGRAM_OVER_TIME) {
            labels.add(new Label(by.get(0).label(), "nil"));
        }
        if (function == Function.HISTOGRAM_OVER_TIME) {
            labels.add(new Label("__bucket", ((Number) key.get(key.size() - 1)).doubleValue()));
        } else if (by.isEmpty() && function != Function.QUANTILE_OVER_TIME) {
            // UngroupedAggregator: "rate() => {__name__=rate}".
            labels.add(new Label("__name__", function.traceQlName()));
        }
        return labels;
    }

    private static Object typed(String text, String kind) {
        try {
            return switch (LabelKind.valueOf(kind)) {
                case INT -> Long.parseLong(text);
                case DOUBLE -> Double.parseDouble(text);
                case BOOLEAN -> Boolean.parseBoolean(text);
                case DURATION -> java.time.Duration.ofNanos(Long.parseLong(text));
                case STRING -> text;
            };
        } catch (NumberFormatException e) {
            return text;
        }
    }
}
