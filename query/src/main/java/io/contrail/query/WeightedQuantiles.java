package io.contrail.query;

/**
 * SQL for duration quantiles weighted by {@code sample_weight}: a kept span that stands for
 * {@code w} spans counts {@code w} times, so percentiles stay right once sampling thins traffic.
 * The q-quantile of a group is the smallest duration at which the cumulative weight of the
 * group's spans, ordered by duration, reaches q of the group's total weight (with every weight 1
 * this is the lower nearest-rank percentile). DuckDB has no weighted quantile aggregate, so this
 * takes a window sum over the rows: a sort of the rows in each group.
 */
final class WeightedQuantiles {

    private WeightedQuantiles() {
    }

    /**
     * {@code source} (a query with a duration column {@code d}, a weight column {@code w} and the
     * {@code partition} columns) with two more columns: {@code cum_w}, the cumulative weight up to
     * the row in duration order, and {@code total_w}, the group's total weight.
     */
    static String ranked(String source, String partition) {
        return "SELECT *, sum(w) OVER (PARTITION BY " + partition
                + " ORDER BY d ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum_w, "
                + "sum(w) OVER (PARTITION BY " + partition + ") AS total_w FROM (" + source + ")";
    }

    /** An aggregate over {@link #ranked} rows: the weighted q-quantile of {@code d}. */
    static String quantile(double q) {
        return "min(d) FILTER (WHERE cum_w >= " + q + " * total_w)";
    }
}
