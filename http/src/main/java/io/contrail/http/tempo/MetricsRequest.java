package io.contrail.http.tempo;

import io.contrail.http.GoDuration;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TraceQL metrics request ({@code /api/metrics/query_range} and {@code /api/metrics/query}) as Tempo reads and
 * shapes it: {@code pkg/api/http.go} ({@code ParseQueryRangeRequest}, {@code ParseQueryInstantRequest}, {@code bounds},
 * {@code parseTimestamp}, {@code step}), {@code pkg/traceql/engine_metrics.go} ({@code DefaultQueryRangeStep},
 * {@code AlignRequest}) and {@code modules/frontend} ({@code validateQueryRangeReq}, {@code clampQueryEnd}), at
 * grafana/tempo ad33aa8. A range's intervals are {@code (start + i·step, start + (i+1)·step]} for i below
 * {@code intervals}; an instant request is one interval from start to end.
 *
 * @param query     the TraceQL metrics query ({@code q}, or {@code query} as Prometheus clients send it)
 * @param start     Unix nanoseconds, the intervals' left end
 * @param step      nanoseconds
 * @param intervals how many
 */
record MetricsRequest(String query, long start, long step, int intervals) {

    /** The frontend's bound on a range's intervals ({@code query_frontend.metrics.max_intervals}, default 10,000). */
    static final long MAX_INTERVALS = 10_000;
    /**
     * How far back from now a query may reach ({@code query_frontend.query_end_cutoff}, default 30 s): a later end
     * is taken as then, as spans of the last seconds may still be arriving.
     */
    static final long QUERY_END_CUTOFF_NANOS = 30 * 1_000_000_000L;
    /** What a request without start, end or since looks at ({@code defaultSince}). */
    static final long DEFAULT_SINCE_NANOS = 3_600_000_000_000L;
    private static final long SECOND = 1_000_000_000L;
    /** Prometheus' {@code model.ParseDuration}, which Tempo reads {@code since} with: units from years to ms. */
    private static final Pattern PROMETHEUS_DURATION = Pattern.compile(
            "(?:(\\d+)y)?(?:(\\d+)w)?(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?(?:(\\d+)ms)?");
    private static final long[] PROMETHEUS_UNITS = {365L * 24 * 3600 * SECOND, 7L * 24 * 3600 * SECOND,
            24L * 3600 * SECOND, 3600 * SECOND, 60 * SECOND, SECOND, 1_000_000L};

    /** A request's parameters: {@code parameter} gives a value, null when absent or empty. */
    static MetricsRequest parse(Function<String, String> parameter, boolean instant, long nowNanos) {
        String query = parameter.apply("q") != null ? parameter.apply("q") : parameter.apply("query");
        if (query == null) {
            throw new IllegalArgumentException("invalid request: q, a TraceQL metrics query, is required "
                    + "(such as { status = error } | rate() by (resource.service.name))");
        }
        long since = DEFAULT_SINCE_NANOS;
        if (parameter.apply("since") != null) {
            since = prometheusDuration("since", parameter.apply("since"));
        }
        long end = timestamp("end", parameter.apply("end"), nowNanos);
        long start = timestamp("start", parameter.apply("start"), Math.max(0, Math.min(end, nowNanos) - since));
        // clampQueryEndForValidation: not past now minus the cutoff, where spans may still be arriving.
        long latest = nowNanos - QUERY_END_CUTOFF_NANOS;
        end = Math.min(end, latest);
        if (start >= end) {
            throw new IllegalArgumentException("end must be greater than start (an end later than "
                    + QUERY_END_CUTOFF_NANOS / SECOND + " s ago is taken as then)");
        }
        if (instant) {
            // IntervalMapperInstant: the spans that start in [start, end], one interval (start - 1 ns, end].
            return new MetricsRequest(query, start - 1, end - start + 1, 1);
        }
        long step = parameter.apply("step") == null ? defaultStep(start, end) : step(parameter.apply("step"));
        if (step < 0) {
            throw new IllegalArgumentException("cannot parse \"" + parameter.apply("step") + "\": step must be positive");
        }
        if (step == 0 || (end - start) / step > MAX_INTERVALS) {
            throw new IllegalArgumentException("step of " + GoDuration.format(step) + " is too small, minimum step for "
                    + "given range is " + GoDuration.format((end - start) / MAX_INTERVALS));
        }
        // AlignRequest: both ends on multiples of the step, one more interval before; clampQueryEnd: then not past the
        // cutoff, on a multiple of the step. Start and end are between 1970 and the cutoff, so none of this overflows.
        start -= start % step;
        if (end % step != 0) {
            end += step - end % step;
        }
        if (start > step) {
            start -= step;
        }
        if (end > latest) {
            end = Math.max(latest - latest % step, start + step);
        }
        return new MetricsRequest(query, start, step, (int) ((end - start) / step));
    }

    /** The end of interval {@code i}, which Tempo stamps its sample with ({@code TimestampOf}), in Unix milliseconds. */
    long sampleMillis(int interval) {
        return (start + (interval + 1) * step) / 1_000_000L;
    }

    /**
     * {@code parseTimestamp}: Unix seconds (ten digits or fewer) or nanoseconds, seconds with a fraction (kept to the
     * millisecond), or RFC 3339; absent, {@code otherwise}.
     */
    static long timestamp(String name, String value, long otherwise) {
        if (value == null) {
            return otherwise;
        }
        try {
            if (value.contains(".")) {
                try {
                    double seconds = Double.parseDouble(value);
                    if (!(seconds >= 0) || seconds * SECOND >= Long.MAX_VALUE) {
                        throw new IllegalArgumentException("could not parse '" + name + "' parameter: \"" + value
                                + "\" is out of range");
                    }
                    long whole = (long) seconds;
                    return Math.addExact(Math.multiplyExact(whole, SECOND),
                            Math.round((seconds - whole) * 1000) * 1_000_000L);
                } catch (NumberFormatException notANumber) {
                    // RFC 3339 with fractional seconds, below.
                }
            }
            long nanos;
            try {
                long number = Long.parseLong(value);
                nanos = value.length() <= 10 ? Math.multiplyExact(number, SECOND) : number;
            } catch (NumberFormatException notAnInteger) {
                OffsetDateTime time = OffsetDateTime.parse(value);
                nanos = Math.addExact(Math.multiplyExact(time.toEpochSecond(), SECOND), time.getNano());
            }
            if (nanos < 0) {
                // Tempo reads times as unsigned: one before 1970 is past any end.
                throw new IllegalArgumentException("could not parse '" + name + "' parameter: \"" + value
                        + "\" is before 1970");
            }
            return nanos;
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new IllegalArgumentException("could not parse '" + name + "' parameter: \"" + value
                    + "\" is neither Unix seconds or nanoseconds nor an RFC 3339 time", e);
        }
    }

    /** {@code parseSecondsOrDuration}: seconds (a number) or a Go duration. */
    private static long step(String value) {
        try {
            double seconds = Double.parseDouble(value);
            if (Math.abs(seconds * SECOND) > Long.MAX_VALUE || Double.isNaN(seconds)) {
                throw new IllegalArgumentException("cannot parse \"" + value
                        + "\" to a valid duration. It overflows int64");
            }
            return (long) (seconds * SECOND);
        } catch (NumberFormatException notSeconds) {
            try {
                return GoDuration.parseNanos(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("cannot parse \"" + value + "\" to a valid duration", e);
            }
        }
    }

    /** {@code since} as Prometheus writes durations ({@code 15m}, {@code 1h30m}, {@code 7d}). */
    private static long prometheusDuration(String name, String value) {
        Matcher m = PROMETHEUS_DURATION.matcher(value);
        if (value.isEmpty() || !m.matches()) {
            throw new IllegalArgumentException("could not parse '" + name + "' parameter: not a valid duration string: \""
                    + value + "\"");
        }
        long nanos = 0;
        try {
            for (int i = 0; i < PROMETHEUS_UNITS.length; i++) {
                if (m.group(i + 1) != null) {
                    nanos = Math.addExact(nanos, Math.multiplyExact(Long.parseLong(m.group(i + 1)), PROMETHEUS_UNITS[i]));
                }
            }
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("could not parse '" + name + "' parameter: duration out of range: \""
                    + value + "\"", e);
        }
        return nanos;
    }

    /**
     * {@code DefaultQueryRangeStep}: about 240 points, the range over 240 rounded down to a whole hour, 5 minutes,
     * minute, 15, 5 or 1 second (50 ms steps under a minute).
     */
    static long defaultStep(long start, long end) {
        long delta = end - start;
        long baseline = delta / 240;
        if (delta < 60 * SECOND) {
            long g = 50_000_000L;
            return baseline > g ? baseline / g * g : g;
        }
        for (long g : List.of(3600 * SECOND, 300 * SECOND, 60 * SECOND, 15 * SECOND, 5 * SECOND, SECOND)) {
            if (baseline > g) {
                return baseline / g * g;
            }
        }
        return SECOND;
    }
}
