package io.contrail.http;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as Go's {@code time.ParseDuration} writes them ({@code 300ms}, {@code 1.5h}, {@code 1h30m}): the form
 * Jaeger's and Tempo's query APIs take, and so the form Grafana sends them. Shared by both, which word their
 * errors differently around the same reason.
 */
public final class GoDuration {

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");

    private GoDuration() {
    }

    /**
     * {@code value} in nanoseconds; {@link IllegalArgumentException} with Go's own reason,
     * {@code time: invalid duration "…"}, when it is not a duration.
     */
    public static long parseNanos(String value) {
        Matcher part = PART.matcher(value);
        double nanos = 0;
        int at = 0;
        while (at < value.length() && part.find(at) && part.start() == at) {
            double amount = Double.parseDouble(part.group(1));
            nanos += amount * switch (part.group(2)) {
                case "ns" -> 1;
                case "us", "µs", "μs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
            at = part.end();
        }
        if (at == 0 || at != value.length()) {
            throw new IllegalArgumentException("time: invalid duration \"" + value + "\"");
        }
        return Math.round(nanos);
    }

    /**
     * {@code nanos} as Go's {@code time.Duration.String} writes it: {@code 0s}, {@code 1.5µs}, {@code 360.1001ms},
     * {@code 1m0s}, {@code 2h46m40.5s}; a negative one with a leading {@code -}.
     */
    public static String format(long nanos) {
        if (nanos == 0) {
            return "0s";
        }
        boolean negative = nanos < 0;
        // Go works on the magnitude as an unsigned number; Long.MIN_VALUE's is 2^63, which BigInteger holds.
        java.math.BigInteger u = java.math.BigInteger.valueOf(nanos).abs();
        StringBuilder text = new StringBuilder();
        if (u.compareTo(java.math.BigInteger.valueOf(1_000_000_000L)) < 0) {
            long v = u.longValue();
            if (v < 1_000L) {
                text.append(v).append("ns");
            } else if (v < 1_000_000L) {
                text.append(fraction(v, 3)).append("µs");
            } else {
                text.append(fraction(v, 6)).append("ms");
            }
        } else {
            java.math.BigInteger[] secondsAndNanos = u.divideAndRemainder(java.math.BigInteger.valueOf(1_000_000_000L));
            long seconds = secondsAndNanos[0].longValue();
            long hours = seconds / 3600;
            long minutes = seconds / 60 % 60;
            if (hours > 0) {
                text.append(hours).append('h');
            }
            if (hours > 0 || minutes > 0) {
                text.append(minutes).append('m');
            }
            text.append(fraction(seconds % 60 * 1_000_000_000L + secondsAndNanos[1].longValue(), 9)).append('s');
        }
        return negative ? "-" + text : text.toString();
    }

    /** {@code v} / 10^digits with the fraction's trailing zeros (and a bare point) left out, as Go's fmtFrac does. */
    private static String fraction(long v, int digits) {
        long scale = (long) Math.pow(10, digits);
        String fractional = String.format(java.util.Locale.ROOT, "%0" + digits + "d", v % scale).replaceAll("0+$", "");
        return (v / scale) + (fractional.isEmpty() ? "" : "." + fractional);
    }
}
