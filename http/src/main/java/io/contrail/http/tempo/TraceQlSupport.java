package io.contrail.http.tempo;

/**
 * What of TraceQL ({@code q}) the Tempo API supports, decided in this one place: Contrail's TraceQL compiler lives
 * in the query module ({@code io.contrail.query.traceql}, {@code TraceQueries.searchTraceQl}) and is to be wired
 * here; until it is, a search, or a v2 trace by ID (where {@code q} keeps only the matching spans), whose
 * {@code q} selects anything narrower than every span ({@code {}}) is refused; the tag routes, where {@code q} only
 * narrows autocompletion to spans matching it, answer as if it were {@code {}}. TraceQL metrics
 * ({@code /api/metrics/query_range}, {@code /api/metrics/query}) are refused whatever they ask.
 */
final class TraceQlSupport {

    /** Why a search with a real TraceQL query is refused; a 400, as Tempo answers a query it cannot run. */
    static final String NOT_SUPPORTED = "TraceQL is not supported yet by Contrail: search with q={} (every span) "
            + "or with tags=, minDuration=, maxDuration= instead";

    /** Why a trace by ID with a TraceQL filter is refused, rather than answered whole as if it had none. */
    static final String TRACE_FILTER_NOT_SUPPORTED = "TraceQL is not supported yet by Contrail: ask for the whole "
            + "trace, without q (or with q={})";

    /** Why a TraceQL metrics request is refused; a 400 rather than a 404, so that Grafana shows the reason. */
    static final String METRICS_NOT_SUPPORTED = "TraceQL metrics are not supported yet by Contrail";

    private TraceQlSupport() {
    }

    /** Whether {@code q} is absent or selects every span: {@code {}}, {@code { }}, blank. */
    static boolean selectsEverySpan(String q) {
        String compact = q == null ? "" : q.replaceAll("\\s", "");
        return compact.isEmpty() || compact.equals("{}");
    }

    /** For {@code /api/search}: {@link IllegalArgumentException} ({@link #NOT_SUPPORTED}) for a query Contrail cannot run. */
    static void requireSearchable(String q) {
        if (!selectsEverySpan(q)) {
            throw new IllegalArgumentException(NOT_SUPPORTED);
        }
    }

    /** For {@code /api/v2/traces/{id}}: {@link IllegalArgumentException} for a filter Contrail cannot apply. */
    static void requireWholeTrace(String q) {
        if (!selectsEverySpan(q)) {
            throw new IllegalArgumentException(TRACE_FILTER_NOT_SUPPORTED);
        }
    }

    /** For {@code /api/metrics/*}: always {@link IllegalArgumentException} ({@link #METRICS_NOT_SUPPORTED}). */
    static void refuseMetrics() {
        throw new IllegalArgumentException(METRICS_NOT_SUPPORTED);
    }
}
