package io.contrail.bench.suite;

/**
 * The query suite: the questions every peer is asked, on the same spans, parameterized by
 * {@link SpanCorpus.Probes}. Each peer translates a question into its own language (DuckDB SQL
 * over {@code spans}, PostgreSQL SQL over JSONB, the Zipkin API) or answers
 * {@link QueryOutcome#unsupported(String)}.
 */
public enum BenchQuery {
    TRACE_BY_ID("trace by ID, no time range"),
    SEARCH_SERVICE_OPERATION_WINDOW("search: service + operation + one-hour window, 20 newest traces"),
    HIGH_CARDINALITY_EQUALITY("spans with user.id = <a user>"),
    FILTER_ONE_GROUP_BY_ANOTHER("http.request.method = 'POST', count by http.route (keys nobody promoted)"),
    PERCENTILES_PER_OPERATION_PER_MINUTE("p50/p95/p99 duration per operation per minute in the window"),
    ERROR_RATE_PER_SERVICE("error rate per service"),
    SLOWEST_TRACES_IN_HOUR("top 10 slowest traces (root duration) in the window"),
    DISTINCT_TRACES_PER_ROUTE("count distinct traces per http.route"),
    CROSS_SERVICE_EDGES("parent/child join: calls per (parent service, child service)"),
    EVENT_FIELD_SEARCH("the first 1,000 spans (by trace and span ID) with an exception event of type <an exception type>"),
    FULL_COUNT("count(*) of all spans"),
    RESOURCE_ATTRIBUTE("spans per k8s.pod.name (a resource attribute)");

    /**
     * The most rows {@link #EVENT_FIELD_SEARCH} answers: the matches grow with the store (~25k at
     * 100M spans), past what an API answers in one result; ordering them all is still the work.
     */
    public static final int EVENT_SEARCH_LIMIT = 1_000;

    private final String question;

    BenchQuery(String question) {
        this.question = question;
    }

    public String question() {
        return question;
    }
}
