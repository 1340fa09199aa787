package io.contrail.http.tempo;

import io.contrail.query.QueryException;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the values of a tag that Grafana asks about are in {@code spans}. {@code /api/v2/search/tag/{tag}/values}
 * names tags as TraceQL does ({@code span.http.method}, {@code resource.service.name}, {@code .http.method} for
 * either, intrinsics such as {@code name}, {@code status}, {@code kind}); {@code /api/search/tag/{tag}/values}
 * names attributes without a scope ({@code http.method}, {@code service.name}) and the status as
 * {@code status.code} (Grafana's {@code language_provider.ts} says which form each version expects).
 */
final class TagNames {

    private static final String KEYWORD = "keyword";
    private static final String STRING = "string";
    /** Root spans: those without a parent, as {@link io.contrail.query.TraceQueries} finds a trace's root. */
    private static final String ROOT = "parent_span_id IS NULL";

    private TagNames() {
    }

    /** The sources of a TraceQL-named tag; none for an intrinsic Contrail has no values of (durations, IDs). */
    static List<TempoQueries.ValueSource> sources(String tag, TempoQueries queries) throws QueryException {
        if (tag.startsWith("span.")) {
            return queries.attributeSources("span", tag.substring("span.".length()));
        }
        if (tag.startsWith("resource.")) {
            return queries.attributeSources("resource", tag.substring("resource.".length()));
        }
        if (tag.startsWith(".") && tag.length() > 1) {
            return unscopedSources(tag.substring(1), queries);
        }
        return switch (tag) {
            case "name", "span:name" -> List.of(TempoQueries.ValueSource.column("name", STRING));
            case "status", "span:status" -> List.of(lowerCase("status_code"));
            case "statusMessage", "span:statusMessage" -> List.of(TempoQueries.ValueSource.column("status_message", STRING));
            case "kind", "span:kind" -> List.of(lowerCase("kind"));
            case "rootServiceName", "trace:rootService" ->
                    List.of(new TempoQueries.ValueSource("service_name", ROOT, STRING));
            case "rootName", "trace:rootName" -> List.of(new TempoQueries.ValueSource("name", ROOT, STRING));
            case "instrumentation:name" -> List.of(TempoQueries.ValueSource.column("scope_name", STRING));
            case "instrumentation:version" -> List.of(TempoQueries.ValueSource.column("scope_version", STRING));
            default -> {
                if (TempoApi.INTRINSICS.contains(tag)) {
                    yield List.of();
                }
                throw new IllegalArgumentException("please provide a valid tagName: " + tag
                        + " is neither scoped (span., resource., .) nor an intrinsic");
            }
        };
    }

    /** The sources of an attribute named without scope: its span attribute and its resource attribute. */
    static List<TempoQueries.ValueSource> unscopedSources(String key, TempoQueries queries) throws QueryException {
        if (key.equals("status.code")) {
            return List.of(lowerCase("status_code"));
        }
        List<TempoQueries.ValueSource> sources = new ArrayList<>(queries.attributeSources("span", key));
        sources.addAll(queries.attributeSources("resource", key));
        return sources;
    }

    /** A fixed column of upper-case words ({@code ERROR}, {@code SERVER}) as TraceQL writes them: lower-case keywords. */
    private static TempoQueries.ValueSource lowerCase(String column) {
        return new TempoQueries.ValueSource("lower(" + column + ")", "true", KEYWORD);
    }
}
