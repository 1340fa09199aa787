package io.contrail.bench.suite;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The arithmetic of the soak run's verdicts, apart from the run so it can be checked on its own:
 * a measure sampled over the soak is compared between its first and its last window (medians, so
 * that a lone collection or compaction does not decide), and a Theil–Sen line through the
 * samples after a settling time gives its drift per hour. A measure is flat when neither the
 * difference of the medians nor the fitted drift per hour exceeds an allowance the caller states.
 * Also the capacity figure (a quantile of the rates of whole 10-s windows) and whether the soak
 * kept its target rate in every 60-s window: when it did not, it was overloaded, and the flatness
 * verdicts describe an overload, not the rate asked for.
 */
final class SoakVerdicts {

    /** The windows compared: five minutes, or a third of a shorter soak. */
    static final double WINDOW_SECONDS = 300;
    /** Samples before this are left out of the fitted line: two minutes, or a quarter of a shorter soak. */
    static final double SETTLE_SECONDS = 120;
    /** The capacity phase's acknowledged rate is taken in whole windows of this length. */
    static final double CAPACITY_WINDOW_SECONDS = 10;
    /**
     * The capacity is this quantile (the median) of the windows' rates after the warm-up: a machine
     * getting quieter, or busier, during the phase moves it less than a mean of its last minute.
     */
    static final double CAPACITY_QUANTILE = 0.5;
    /** The soak's rate is judged over every window of this length that ends on a sample. */
    static final double SUSTAINED_WINDOW_SECONDS = 60;
    /** A window acknowledging less than this share of the target means the target was not sustained. */
    static final double SUSTAINED_SHARE = 0.95;

    private SoakVerdicts() {
    }

    /** One value at a time into the soak. */
    record Point(double seconds, double value) {
    }

    /**
     * @param firstMedian    median of the first window
     * @param lastMedian     median of the last window
     * @param max            largest value over the whole soak
     * @param slopePerHour   Theil–Sen drift per hour after the settling time (0 with fewer than two points)
     * @param allowance      what the difference and the drift per hour may each reach
     * @param flat           whether both stayed within it
     */
    record Flatness(double firstMedian, double lastMedian, double max, double slopePerHour, double allowance,
                    boolean flat) {

        String verdict() {
            return flat ? "flat" : "not flat";
        }
    }

    /**
     * Whether the soak kept its target rate.
     *
     * @param windows      the 60-s windows judged
     * @param shortWindows how many of them acknowledged less than {@link #SUSTAINED_SHARE} of the target
     * @param lowest       the end (seconds into the soak) and rate of the slowest window; null without windows
     */
    record Sustained(double targetSpansPerSecond, int windows, int shortWindows, Point lowest) {

        boolean sustained() {
            return windows > 0 && shortWindows == 0;
        }

        /** The slowest window's rate as a share of the target; NaN without windows. */
        double lowestShare() {
            return lowest == null ? Double.NaN : lowest.value() / targetSpansPerSecond;
        }
    }

    /**
     * The rate of each whole {@link #CAPACITY_WINDOW_SECONDS} window from {@code warmupSeconds} on.
     *
     * @param acknowledged the spans acknowledged so far at each window's end: element i at (i + 1) windows in
     */
    static double[] capacityWindowRates(long[] acknowledged, double warmupSeconds) {
        List<Double> rates = new ArrayList<>();
        for (int i = 0; i < acknowledged.length; i++) {
            double windowStart = i * CAPACITY_WINDOW_SECONDS;
            if (windowStart >= warmupSeconds) {
                rates.add((acknowledged[i] - (i == 0 ? 0 : acknowledged[i - 1])) / CAPACITY_WINDOW_SECONDS);
            }
        }
        return rates.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The capacity: the {@link #CAPACITY_QUANTILE} of the windows' rates; NaN of none. */
    static double capacity(double[] windowRates) {
        return percentile(windowRates, CAPACITY_QUANTILE);
    }

    /**
     * The acknowledged rate over the window ending at each point that has one: from the latest
     * earlier point at least {@code windowSeconds} before it (so a window may be a little longer).
     *
     * @param acknowledged the spans acknowledged so far, at times into the soak; start with (0, 0)
     * @return (the window's end, its rate) for each point at least {@code windowSeconds} into the soak
     */
    static List<Point> windowRates(List<Point> acknowledged, double windowSeconds) {
        List<Point> rates = new ArrayList<>();
        for (int end = 0; end < acknowledged.size(); end++) {
            Point last = acknowledged.get(end);
            for (int start = end - 1; start >= 0; start--) {
                Point first = acknowledged.get(start);
                if (last.seconds() - first.seconds() >= windowSeconds) {
                    rates.add(new Point(last.seconds(), (last.value() - first.value()) / (last.seconds() - first.seconds())));
                    break;
                }
            }
        }
        return rates;
    }

    /** Whether every 60-s window of {@code acknowledged} (see {@link #windowRates}) kept 95% of the target. */
    static Sustained sustained(List<Point> acknowledged, double targetSpansPerSecond) {
        List<Point> rates = windowRates(acknowledged, SUSTAINED_WINDOW_SECONDS);
        int shortWindows = (int) rates.stream()
                .filter(r -> r.value() < SUSTAINED_SHARE * targetSpansPerSecond).count();
        Point lowest = rates.stream().min(Comparator.comparingDouble(Point::value)).orElse(null);
        return new Sustained(targetSpansPerSecond, rates.size(), shortWindows, lowest);
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

    /** The most points {@link #slopePerHour} pairs: 2,000 make 2 million slopes. */
    static final int MAX_SLOPE_POINTS = 2_000;

    /**
     * The Theil–Sen slope through the points, per hour: the median of the slopes between every two points of distinct
     * times; 0 with fewer than two. Unlike a least-squares line, brief spikes (a merge holding its inputs open) do not
     * move it, and a steady climb (a leak) still shows as it is.
     */
    static double slopePerHour(List<Point> points) {
        if (points.size() > MAX_SLOPE_POINTS) {
            // Evenly spaced points, so that the pairs stay a few million (a soak's heap has a point per collection).
            List<Point> spaced = new ArrayList<>();
            for (int i = 0; i < MAX_SLOPE_POINTS; i++) {
                spaced.add(points.get((int) ((long) i * points.size() / MAX_SLOPE_POINTS)));
            }
            points = spaced;
        }
        int n = points.size();
        double[] slopes = new double[n * (n - 1) / 2];
        int count = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double dt = points.get(j).seconds() - points.get(i).seconds();
                if (dt != 0) {
                    slopes[count++] = (points.get(j).value() - points.get(i).value()) / dt;
                }
            }
        }
        return count == 0 ? 0 : median(Arrays.copyOf(slopes, count)) * 3600;
    }
}
