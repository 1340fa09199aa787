package io.contrail.query.traceql;

import java.util.List;
import java.util.Map;

/**
 * What a TraceQL search answers, shaped as Tempo's search response: the matching traces, newest first, each with its
 * spansets (one per group of a {@code by()}, else one) of matching spans. Times are Unix nanoseconds.
 */
public final class TraceQlResults {

    private TraceQlResults() {
    }

    /**
     * A matching trace. Its root, start and duration are those of its spans in the searched window: a root span
     * outside it leaves the root's name and service null.
     */
    public record Trace(String traceId, String rootServiceName, String rootTraceName, long startTimeUnixNano,
                        long durationNanos, List<Spanset> spanSets) {

        public Trace {
            spanSets = List.copyOf(spanSets);
        }
    }

    /**
     * The spans of one spanset: at most the {@code spss} asked for, earliest first, out of {@code matched}.
     *
     * @param groupBy for a spanset made by {@code by(...)}, each grouping field as written in the query and its value
     *                as text (null when the span has none); empty otherwise
     */
    public record Spanset(Map<String, String> groupBy, long matched, List<Span> spans) {

        public Spanset {
            spans = List.copyOf(spans);
        }
    }

    /**
     * A matching span.
     *
     * @param attributes the attributes and intrinsics the query reads and {@code select(...)}s, keyed as written in the
     *                   query ({@code span.http.route}, {@code .region}, {@code status}), those the span has
     */
    public record Span(String spanId, String serviceName, String name, long startTimeUnixNano, long durationNanos,
                       Map<String, Object> attributes) {
    }
}
