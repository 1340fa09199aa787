package io.contrail.query.traceql;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The metrics stage of a TraceQL metrics query ({@code { status = error } | rate() by (resource.service.name)}): what
 * turns the spans its pipeline yields into series over time, as Tempo's first-stage metrics functions do
 * ({@code pkg/traceql/ast_metrics.go}, {@code engine_metrics.go} at ad33aa8), compiled to one SQL aggregation.
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
     * The aggregation over the spans of {@code spans} (a stage of the query, whose rows are its spans): per series and
     * interval, the function's value. {@code sql} holds the statement's common table expressions up to that stage and
     * {@code parameters} their values; both are completed.
     */
    void appendAggregation(StringBuilder sql, List<Object> parameters, String spans, long start, long step,
                           int intervals, int maxSeries) {
        StringBuilder points = new StringBuilder("SELECT (epoch_ns(start_time) - ?::BIGINT - 1) // ?::BIGINT AS "
                + "traceql_interval, sample_weight AS traceql_w");
        parameters.add(start);
        parameters.add(step);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < by.size(); i++) {
            points.append(", ").append(by.get(i).text().text()).append(" AS traceql_by").append(i)
                    .append(", ").append(by.get(i).kind().text()).append(" AS traceql_kind").append(i);
            parameters.addAll(by.get(i).text().parameters());
            parameters.addAll(by.get(i).kind().parameters());
            keys.add("traceql_by" + i);
            keys.add("traceql_kind" + i);
        }
        if (value != null) {
            points.append(", ").append(value.text()).append(" AS traceql_v");
            parameters.addAll(value.parameters());
        }
        points.append(" FROM ").append(spans)
                .append(" WHERE epoch_ns(start_time) > ?::BIGINT AND epoch_ns(start_time) <= ?::BIGINT");
        parameters.add(start);
        parameters.add(start + step * intervals);
        if (function == Function.HISTOGRAM_OVER_TIME) {
            keys.add("traceql_v");
        }
        String valued = value == null ? "" : " WHERE traceql_v IS NOT NULL";
        if (function == Function.QUANTILE_OVER_TIME) {
            sql.append("traceql_points AS (SELECT * FROM (").append(points).append(")").append(valued).append("),\n");
            appendQuantiles(sql, parameters, "traceql_points", keys, maxSeries);
            return;
        }
        // Each series' value per interval in one pass over the spans; the series' weights, to keep the heaviest, from
        // those few rows. The points are a subquery of the aggregation, not a common table expression of their own:
        // DuckDB aggregates them faster so (108 against 125 ms for the 71,676 failed spans of the 10M-span bench).
        String input = "(SELECT * FROM (" + points + ")" + valued + ")";
        sql.append("traceql_cells AS (SELECT ").append(prefixed("p.", keys)).append("p.traceql_interval, ")
                .append(aggregate()).append(" AS traceql_value, sum(p.traceql_w) AS traceql_cell_w FROM ").append(input)
                .append(" p GROUP BY ").append(prefixed("p.", keys)).append("p.traceql_interval),\n");
        appendSeries(sql, parameters, "traceql_cells", "traceql_cell_w", keys, maxSeries);
        sql.append("\nSELECT ").append(prefixed("c.", keys)).append("c.traceql_interval, c.traceql_value FROM traceql_cells c ")
                .append(joinedToSeries("c", keys)).append(" ORDER BY s.traceql_total DESC");
        for (String key : keys) {
            sql.append(", c.").append(key);
        }
        sql.append(", c.traceql_interval");
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
        sql.append("\nSELECT ").append(prefixed("p.", keys)).append("p.traceql_interval, ").append(aggregate())
                .append(" FROM traceql_ranked p ").append(joinedToSeries("p", keys)).append(" GROUP BY ")
                .append(prefixed("p.", keys)).append("p.traceql_interval ORDER BY max(s.traceql_total) DESC");
        for (String key : keys) {
            sql.append(", p.").append(key);
        }
        sql.append(", p.traceql_interval");
    }

    /** Series per key of by() values (and bucket): one per quantile, else one. */
    private int outputsPerKey() {
        return function == Function.QUANTILE_OVER_TIME ? quantiles.size() : 1;
    }

    /** The aggregate of one series' spans in one interval. */
    private String aggregate() {
        return switch (function) {
            case RATE, COUNT_OVER_TIME, HISTOGRAM_OVER_TIME -> "sum(p.traceql_w)";
            case MIN_OVER_TIME -> "min(p.traceql_v)";
            case MAX_OVER_TIME -> "max(p.traceql_v)";
            case SUM_OVER_TIME -> "sum(p.traceql_v * p.traceql_w)";
            case AVG_OVER_TIME -> "sum(p.traceql_v * p.traceql_w) / sum(p.traceql_w)";
            case QUANTILE_OVER_TIME -> {
                List<String> each = new ArrayList<>();
                for (double q : quantiles) {
                    // Summed in another order, the total may round below the last cumulative weight: then the maximum.
                    each.add("coalesce(min(p.traceql_v) FILTER (WHERE p.traceql_cum_w >= " + q
                            + " * p.traceql_total_w), max(p.traceql_v))");
                }
                yield "[" + String.join(", ", each) + "]::DOUBLE[]";
            }
        };
    }

    /** The series in the rows of {@link #appendAggregation}'s statement. */
    SeriesSet readSeries(ResultSet rs, long step, int intervals, int maxSeries) throws SQLException {
        Map<List<Object>, double[][]> series = new LinkedHashMap<>();
        int keyColumns = by.size() * 2 + (function == Function.HISTOGRAM_OVER_TIME ? 1 : 0);
        int outputs = outputsPerKey();
        double stepSeconds = step / 1e9;
        while (rs.next()) {
            List<Object> key = new ArrayList<>(keyColumns);
            for (int i = 1; i <= keyColumns; i++) {
                key.add(rs.getObject(i));
            }
            long interval = rs.getLong(keyColumns + 1);
            double[][] values = series.computeIfAbsent(key, k -> {
                double[][] fresh = new double[outputs][intervals];
                for (double[] v : fresh) {
                    Arrays.fill(v, function.zeroWhereNoSpans() ? 0 : Double.NaN);
                }
                return fresh;
            });
            if (interval < 0 || interval >= intervals) {
                continue;
            }
            if (function == Function.QUANTILE_OVER_TIME) {
                Object[] each = (Object[]) rs.getArray(keyColumns + 2).getArray();
                for (int q = 0; q < outputs; q++) {
                    values[q][(int) interval] = each[q] == null ? Double.NaN : ((Number) each[q]).doubleValue();
                }
            } else {
                double v = rs.getDouble(keyColumns + 2);
                values[0][(int) interval] = rs.wasNull() ? Double.NaN : function == Function.RATE ? v / stepSeconds : v;
            }
        }
        List<Series> out = new ArrayList<>();
        int keys = maxSeries / outputs;
        boolean truncated = series.size() > keys;
        int kept = 0;
        for (Map.Entry<List<Object>, double[][]> entry : series.entrySet()) {
            if (kept++ == keys) {
                break;
            }
            List<Label> labels = labels(entry.getKey());
            for (int q = 0; q < outputs; q++) {
                List<Label> seriesLabels = new ArrayList<>(labels);
                if (function == Function.QUANTILE_OVER_TIME) {
                    seriesLabels.add(new Label("p", quantiles.get(q)));
                }
                out.add(new Series(List.copyOf(seriesLabels), entry.getValue()[q]));
            }
        }
        for (SecondStage stage : secondStages) {
            out = stage.apply(out, intervals);
        }
        return new SeriesSet(out, truncated);
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
