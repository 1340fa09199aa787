package io.contrail.http;

import picocli.CommandLine;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one parser of durations and the one of sizes that every command-line option uses, so that each
 * accepts the same units: times as {@code 500ms}, {@code 30s}, {@code 5m}, {@code 36h}, {@code 7d};
 * sizes as {@code 512KB}, {@code 64MB}, {@code 1GB}, {@code 1TB} (powers of 1024). A bare number keeps
 * the meaning the option documents: bytes for every size, and for a time the unit its converter names
 * (milliseconds for {@code --flush-interval}, seconds for {@code --query-timeout}); options without a
 * bare unit take a bare {@code 0} only.
 */
public final class OptionUnits {

    private static final Pattern TIME = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)?");

    private OptionUnits() {
    }

    /**
     * A time with a unit, or a bare number in {@code bareUnit}; null {@code bareUnit} admits a bare 0 only.
     *
     * @throws CommandLine.TypeConversionException naming the value and the accepted forms
     */
    public static Duration parseDuration(String value, ChronoUnit bareUnit) {
        Matcher m = TIME.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches() || (m.group(2) == null && bareUnit == null && Long.parseLong(m.group(1)) != 0)) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a time; use a whole number with "
                    + "ms, s, m, h or d, e.g. 500ms, 30s, 5m"
                    + (bareUnit == null ? "" : " (a bare number is " + bareUnit.name().toLowerCase(Locale.ROOT) + ")"));
        }
        long amount = Long.parseLong(m.group(1));
        if (m.group(2) == null) {
            return bareUnit == null ? Duration.ZERO : Duration.of(amount, bareUnit);
        }
        return switch (m.group(2)) {
            case "d" -> Duration.ofDays(amount);
            case "h" -> Duration.ofHours(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "s" -> Duration.ofSeconds(amount);
            default -> Duration.ofMillis(amount);
        };
    }

    /**
     * A size in bytes: a number with KB, MB, GB or TB (powers of 1024), or a bare number of bytes.
     *
     * @throws CommandLine.TypeConversionException naming the value and the accepted forms
     */
    public static long parseSize(String value) {
        Matcher m = SIZE.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches() || Double.parseDouble(m.group(1)) <= 0) {
            throw new CommandLine.TypeConversionException("'" + value
                    + "' is not a size; use a positive number with KB, MB, GB or TB, e.g. 64MB, 1GB (a bare number is bytes)");
        }
        String unit = m.group(2) == null ? "b" : m.group(2).replace("i", "");
        double factor = switch (unit) {
            case "kb" -> 1024d;
            case "mb" -> 1024d * 1024;
            case "gb" -> 1024d * 1024 * 1024;
            case "tb" -> 1024d * 1024 * 1024 * 1024;
            default -> 1;
        };
        return Math.round(Double.parseDouble(m.group(1)) * factor);
    }

    /** A duration as the options write it: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d}. */
    static String formatDuration(Duration duration) {
        long millis = duration.toMillis();
        if (millis == 0 || millis % 1000 != 0) {
            return millis + "ms";
        }
        long seconds = millis / 1000;
        if (seconds % 86_400 == 0) {
            return seconds / 86_400 + "d";
        }
        if (seconds % 3600 == 0) {
            return seconds / 3600 + "h";
        }
        return seconds % 60 == 0 ? seconds / 60 + "m" : seconds + "s";
    }

    /** A size as the options write it: {@code 64MB}, {@code 1GB}, or bytes when it is no whole KB. */
    static String formatSize(long bytes) {
        String[] units = {"KB", "MB", "GB", "TB"};
        long value = bytes;
        String unit = "";
        for (int i = 0; i < units.length && value != 0 && value % 1024 == 0; i++) {
            value /= 1024;
            unit = units[i];
        }
        return value + unit;
    }

    /** A time whose bare number is milliseconds. */
    static final class Millis implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return parseDuration(value, ChronoUnit.MILLIS);
        }
    }

    /** A time whose bare number is seconds. */
    static final class Seconds implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return parseDuration(value, ChronoUnit.SECONDS);
        }
    }

    /** A time that must name its unit (a bare 0 is zero). */
    static final class WithUnit implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return parseDuration(value, null);
        }
    }

    /** A size; a bare number is bytes. */
    static final class Size implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return parseSize(value);
        }
    }
}
