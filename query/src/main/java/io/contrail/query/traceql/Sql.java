package io.contrail.query.traceql;

import java.util.ArrayList;
import java.util.List;

/**
 * A piece of SQL and the values of its {@code ?} placeholders, in order. Pieces are joined with their values, so a
 * condition that appears twice in a statement (an unscoped attribute tried as a span and as a resource attribute)
 * carries its values twice, each beside its own placeholders.
 */
record Sql(String text, List<Object> parameters) {

    static final Sql TRUE = of("true");
    static final Sql FALSE = of("false");

    Sql {
        parameters = List.copyOf(parameters);
    }

    static Sql of(String text) {
        return new Sql(text, List.of());
    }

    static Sql parameter(Object value) {
        return new Sql("?", List.of(value));
    }

    /** The pieces in order: each a {@link Sql} or text. */
    static Sql concat(Object... pieces) {
        StringBuilder text = new StringBuilder();
        List<Object> parameters = new ArrayList<>();
        for (Object piece : pieces) {
            if (piece instanceof Sql sql) {
                text.append(sql.text);
                parameters.addAll(sql.parameters);
            } else {
                text.append((String) piece);
            }
        }
        return new Sql(text.toString(), parameters);
    }
}
