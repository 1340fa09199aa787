package io.contrail.bench.suite;

import java.util.Arrays;
import java.util.List;

/**
 * The arithmetic of the soak run's verdicts, apart from the run so it can be checked on its own:
 * a measure sampled over the soak is compared between its first and its last window (medians, so
 * that a lone collection or compaction does not decide), and a least-squares line through the
 * samples after a settling time gives its drift per hour. A measure is flat when neither the
 * difference of the medians nor the fitted drift per hour exceeds an allowance the caller states.
 */
final class SoakVerdicts {

    /** The windows compared: five minutes, or a third of a shorter soak. */
    static final double WINDOW_SECONDS = 300;
    /** Samples before this are left out of the fitted line: two minutes, or a quarter of a shorter soak. */
    static final double SETTLE_SECONDS = 120;

    private SoakVerdicts() {
    }

    /** One value at a time into the soak. */
    record Point(double seconds, double value) {
    }

    /**
     * @param firstMedian    median of the first window
     * @param lastMedian     median of the last window
     * @param max            largest value over the whole soak
     * @param slopePerHour   least-squares drift per hour after the settling time (0 with fewer than two points)
     * @param allowance      what the difference and the drift per hour may each reach
     * @param flat           whether both stayed within it
     */
    record Flatness(double firstMedian, double lastMedian, double max, double slopePerHour, double allowance,
                    boolean flat) {

        String verdict() {
            return flat ? "flat" : "not flat";
        }
    }

    static double windowSeconds(double soakSeconds) {
        return Math.min(WINDOW_SECONDS, soakSeconds / 3);
    }

    static double settleSeconds(double soakSeconds) {
        return Math.min(SETTLE_SECONDS, soakSeconds / 4);
    }

    static Flatness flatness(List<Point> points, double soakSeconds, double allowance) {
        double window = windowSeconds(soakSeconds);
        double first = median(values(points, 0, window));
        double last = median(values(points, soakSeconds - window, Double.MAX_VALUE));
        double max = points.stream().mapToDouble(Point::value).max().orElse(Double.NaN);
        double settle = settleSeconds(soakSeconds);
        double slope = slopePerHour(points.stream().filter(p -> p.seconds() >= settle).toList());
        boolean flat = !Double.isNaN(first) && !Double.isNaN(last) && last - first <= allowance
                && slope <= allowance;
        return new Flatness(first, last, max, slope, allowance, flat);
    }

    /** The values of the points in [fromSeconds, toSeconds). */
    static double[] values(List<Point> points, double fromSeconds, double toSeconds) {
        return points.stream().filter(p -> p.seconds() >= fromSeconds && p.seconds() < toSeconds)
                .mapToDouble(Point::value).toArray();
    }

    /** The median; NaN of nothing. */
    static double median(double[] values) {
        return percentile(values, 0.5);
    }

    /** The nearest-rank percentile ({@code p} in 0..1); NaN of nothing. */
    static double percentile(double[] values, double p) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(rank, sorted.length) - 1)];
    }

    /** The slope of the least-squares line through the points, per hour; 0 with fewer than two distinct times. */
    static double slopePerHour(List<Point> points) {
        int n = points.size();
        if (n < 2) {
            return 0;
        }
        double meanT = points.stream().mapToDouble(Point::seconds).average().orElse(0);
        double meanV = points.stream().mapToDouble(Point::value).average().orElse(0);
        double covariance = 0;
        double variance = 0;
        for (Point p : points) {
            covariance += (p.seconds() - meanT) * (p.value() - meanV);
            variance += (p.seconds() - meanT) * (p.seconds() - meanT);
        }
        return variance == 0 ? 0 : covariance / variance * 3600;
    }
}
