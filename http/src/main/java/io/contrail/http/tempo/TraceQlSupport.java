package io.contrail.http.tempo;

/**
 * What of TraceQL ({@code q}) the Tempo API supports, decided in this one place: a search runs any query Contrail's
 * TraceQL compiler takes ({@code io.contrail.query.traceql}, {@code TraceQueries.searchTraceQl}; what it refuses is a
 * 400 with its message); a v2 trace by ID, where {@code q} keeps only the matching spans, is refused for any
 * {@code q} narrower than every span ({@code {}}); the tag routes, where {@code q} only narrows autocompletion to
 * spans matching it, answer as if it were {@code {}}. TraceQL metrics ({@code /api/metrics/query_range},
 * {@code /api/metrics/query}) run any metrics query the compiler takes.
 */
final class TraceQlSupport {

    /** Why a trace by ID with a TraceQL filter is refused, rather than answered whole as if it had none. */
    static final String TRACE_FILTER_NOT_SUPPORTED = "a trace by ID filtered by TraceQL is not supported yet by "
            + "Contrail: ask for the whole trace, without q (or with q={})";

    private TraceQlSupport() {
    }

    /** Whether {@code q} is absent or selects every span: {@code {}}, {@code { }}, blank. */
    static boolean selectsEverySpan(String q) {
        String compact = q == null ? "" : q.replaceAll("\\s", "");
        return compact.isEmpty() || compact.equals("{}");
    }

    /** A name as TraceQL writes it, without its scope: {@code span.http.route}, {@code .region} → {@code http.route}, {@code region}. */
    static String unscoped(String name) {
        for (String scope : new String[] {"span.", "resource.", "."}) {
            if (name.startsWith(scope)) {
                return name.substring(scope.length());
            }
        }
        return name;
    }

    /** For {@code /api/v2/traces/{id}}: {@link IllegalArgumentException} for a filter Contrail cannot apply. */
    static void requireWholeTrace(String q) {
        if (!selectsEverySpan(q)) {
            throw new IllegalArgumentException(TRACE_FILTER_NOT_SUPPORTED);
        }
    }
}
