package io.contrail.query;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the times and durations users type into API parameters.
 * Times: RFC 3339 ({@code 2026-11-25T10:00:00Z}) or a Unix epoch integer whose digit count says
 * its unit (10 seconds, 13 milliseconds, 16 microseconds, 19 nanoseconds).
 * Durations: a number with a unit — {@code ns}, {@code us}/{@code µs}, {@code ms}, {@code s},
 * {@code m}, {@code h} — e.g. {@code 250ms}, {@code 1.5s}.
 * Bad input throws {@link IllegalArgumentException} naming the parameter.
 */
public final class TimeParameters {

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ns|us|µs|ms|s|m|h)");

    private TimeParameters() {
    }

    public static long parseTimeNanos(String parameter, String value) {
        String v = value.trim();
        if (v.matches("\\d+")) {
            long n = Long.parseLong(v);
            return switch (v.length()) {
                case 9, 10 -> n * 1_000_000_000L;
                case 12, 13 -> n * 1_000_000L;
                case 15, 16 -> n * 1_000L;
                case 18, 19 -> n;
                default -> throw new IllegalArgumentException(parameter + "=" + value
                        + ": an epoch integer must have 10 (s), 13 (ms), 16 (µs) or 19 (ns) digits");
            };
        }
        try {
            Instant instant = OffsetDateTime.parse(v).toInstant();
            return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(parameter + "=" + value
                    + ": not a time; use RFC 3339 (2026-11-25T10:00:00Z) or Unix epoch digits");
        }
    }

    public static long parseDurationNanos(String parameter, String value) {
        Matcher m = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(parameter + "=" + value
                    + ": not a duration; use a number with a unit (ns, us, ms, s, m, h), e.g. 250ms");
        }
        double amount = Double.parseDouble(m.group(1));
        double unitNanos = switch (m.group(2)) {
            case "ns" -> 1;
            case "us", "µs" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            default -> 3600e9;
        };
        return Math.round(amount * unitNanos);
    }
}
