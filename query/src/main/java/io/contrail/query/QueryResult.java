package io.contrail.query;

import java.util.List;

/**
 * A query's answer, at most the engine's row cap.
 *
 * @param columns   name and DuckDB type of each column
 * @param rows      values as plain Java objects (String, Long, Double, Boolean, List, Map, …)
 * @param truncated true when more rows existed than were returned
 */
public record QueryResult(List<Column> columns, List<List<Object>> rows, boolean truncated) {

    public record Column(String name, String type) {
    }
}
