package io.contrail.query.zipkin;

import io.contrail.columnar.SpanSchema;
import io.contrail.query.QueryEngine;
import io.contrail.query.QueryResult;
import java.util.ArrayList;
import java.util.List;
import zipkin2.Call;
import zipkin2.storage.AutocompleteTags;

/**
 * The tag keys the Zipkin UI offers for search, and their values. Only the configured keys are
 * offered (as in Zipkin); a key's values are read from its attribute column, so every value ever
 * stored is found without an index, at most {@link #MAX_VALUES} of them.
 */
public final class ZipkinAutocompleteTags implements AutocompleteTags {

    /** Values returned for one key at most, in order. */
    static final int MAX_VALUES = 1_000;

    private final QueryEngine engine;
    private final List<String> keys;

    /** Offers {@code keys}, reading their values through {@code engine}. */
    public ZipkinAutocompleteTags(QueryEngine engine, List<String> keys) {
        this.engine = engine;
        this.keys = List.copyOf(keys);
    }

    @Override
    public Call<List<String>> getKeys() {
        return Call.create(keys);
    }

    @Override
    public Call<List<String>> getValues(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("key was empty");
        }
        if (!keys.contains(key)) {
            return Call.emptyList();
        }
        String column = SpanSchema.spanAttributeColumn(key);
        return new StorageCall<>(() -> {
            boolean stored = false;
            for (QueryResult.Column existing : engine.spanColumns()) {
                stored |= existing.name().equals(column);
            }
            if (!stored) {
                return List.of();
            }
            String quoted = SpanSchema.quote(column);
            return engine.run("SELECT DISTINCT " + quoted + "::VARCHAR AS v FROM spans WHERE " + quoted
                    + " IS NOT NULL ORDER BY v LIMIT " + MAX_VALUES, List.of(), rs -> {
                        List<String> values = new ArrayList<>();
                        while (rs.next()) {
                            values.add(rs.getString(1));
                        }
                        return values;
                    });
        });
    }
}
