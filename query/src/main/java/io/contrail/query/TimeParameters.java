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
        try {
            if (v.matches("\\d+")) {
                long unitNanos = switch (v.length()) {
                    case 9, 10 -> 1_000_000_000L;
                    case 12, 13 -> 1_000_000L;
                    case 15, 16 -> 1_000L;
                    case 18, 19 -> 1L;
                    default -> throw new IllegalArgumentException(parameter + "=" + value
                            + ": an epoch integer must have 10 (s), 13 (ms), 16 (µs) or 19 (ns) digits");
                };
                return Math.multiplyExact(Long.parseLong(v), unitNanos);
            }
            Instant instant = OffsetDateTime.parse(v).toInstant();
            return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(parameter + "=" + value
                    + ": not a time; use RFC 3339 (2026-11-25T10:00:00Z) or Unix epoch digits");
        } catch (ArithmeticException | NumberFormatException e) {
            // Nanoseconds since 1970 in a long end in 2262 (and begin in 1677).
            throw new IllegalArgumentException(parameter + "=" + value
                    + ": out of range; times must be between 1677 and 2262");
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
