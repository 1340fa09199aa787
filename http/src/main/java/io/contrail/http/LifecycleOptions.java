package io.contrail.http;

import io.contrail.columnar.Compactor;
import io.contrail.columnar.Retention;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code serve} options for the file lifecycle: compaction and retention. */
final class LifecycleOptions {

    @Option(names = "--retention", paramLabel = "AGE", converter = AgeConverter.class,
            description = "Delete hour partitions that ended longer ago than this, e.g. 7d, 36h, 90m (default: keep all).")
    Duration retention;

    @Option(names = "--max-size", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Delete the oldest hour partitions while span files take more than this, "
                    + "e.g. 50GB, 500MB (default: no limit). The newest partition is always kept.")
    long maxSizeBytes;

    @Option(names = "--compact-interval", paramLabel = "TIME", converter = AgeConverter.class,
            description = "Time between background compaction passes, e.g. 1m, 30s, 500ms; 0 compacts only on "
                    + "`contrail compact` (default: 1m).")
    Duration compactInterval = Compactor.Config.DEFAULT_INTERVAL;

    @Option(names = "--compact-target-spans", paramLabel = "N",
            description = "Spans per compacted file at most (default: ${DEFAULT-VALUE}).")
    int compactTargetSpans = Compactor.Config.DEFAULT_TARGET_SPANS;

    ServerConfig applyTo(ServerConfig config) {
        if (compactTargetSpans < 2) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--compact-target-spans=" + compactTargetSpans + ": must be at least 2");
        }
        if (retention != null && retention.isZero()) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--retention=0: must be a positive age, e.g. 7d");
        }
        Retention.Config retentionConfig = Retention.Config.none().withMaxAge(retention).withMaxBytes(maxSizeBytes);
        return config.withCompaction(config.compaction().withTargetSpans(compactTargetSpans)
                        .withInterval(compactInterval))
                .withRetention(retentionConfig);
    }

    /** {@code 7d}, {@code 36h}, {@code 90m}, {@code 30s}, {@code 500ms}; a bare {@code 0} is zero. */
    static final class AgeConverter implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern AGE = Pattern.compile("(\\d+)\\s*(ms|d|h|m|s)");

        @Override
        public Duration convert(String value) {
            if (value.trim().equals("0")) {
                return Duration.ZERO;
            }
            Matcher m = AGE.matcher(value.trim().toLowerCase(Locale.ROOT));
            if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
                throw new CommandLine.TypeConversionException("'" + value
                        + "' is not a time; use a positive whole number with d, h, m, s or ms, e.g. 7d");
            }
            long amount = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "d" -> Duration.ofDays(amount);
                case "h" -> Duration.ofHours(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "s" -> Duration.ofSeconds(amount);
                default -> Duration.ofMillis(amount);
            };
        }
    }

    /** {@code 50GB}, {@code 500MB}, {@code 1TB}, {@code 1048576} (bytes); units are powers of 1024. */
    static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
        private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)?");

        @Override
        public Long convert(String value) {
            Matcher m = SIZE.matcher(value.trim().toLowerCase(Locale.ROOT));
            if (!m.matches() || Double.parseDouble(m.group(1)) <= 0) {
                throw new CommandLine.TypeConversionException("'" + value
                        + "' is not a size; use a positive number with KB, MB, GB or TB, e.g. 50GB");
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
    }
}
