package io.contrail.http.tempo;

import io.contrail.query.traceql.CompiledTraceQl;
import io.contrail.query.traceql.TraceQl;
import io.contrail.query.traceql.TraceQlException;

import java.util.Map;

/**
 * What of TraceQL ({@code q}) the Tempo API supports, decided in this one place: a search runs any query Contrail's
 * TraceQL compiler takes ({@code io.contrail.query.traceql}, {@code TraceQueries.searchTraceQl}; what it refuses is a
 * 400 with its message), and so do TraceQL metrics ({@code /api/metrics/query_range}, {@code /api/metrics/query});
 * a v2 trace by ID, where {@code q} keeps only the matching spans, is refused for any {@code q} narrower than every
 * span ({@code {}}); {@code /api/v2/search/tag/{tag}/values} gives the values of the spans {@code q} matches, and
 * takes a {@code q} the compiler refuses as none, as Tempo's {@code ExtractMatchers} keeps of an unfinished query only
 * what it can read (Grafana sends what the user is typing); the tag-name routes answer as if {@code q} were {@code {}}.
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

    /**
     * The query that narrows a tag's values: {@code q} compiled, or null when it selects every span, is a metrics
     * query or does not compile.
     */
    static CompiledTraceQl tagFilter(String q, Map<String, String> columnTypes) {
        if (selectsEverySpan(q)) {
            return null;
        }
        try {
            CompiledTraceQl compiled = TraceQl.compile(q, columnTypes);
            return compiled.isMetrics() ? null : compiled;
        } catch (TraceQlException unfinished) {
            return null;
        }
    }

    /** For {@code /api/v2/traces/{id}}: {@link IllegalArgumentException} for a filter Contrail cannot apply. */
    static void requireWholeTrace(String q) {
        if (!selectsEverySpan(q)) {
            throw new IllegalArgumentException(TRACE_FILTER_NOT_SUPPORTED);
        }
    }
}
