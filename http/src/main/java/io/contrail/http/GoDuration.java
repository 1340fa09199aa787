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
}
