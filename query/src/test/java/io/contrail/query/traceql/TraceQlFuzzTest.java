package io.contrail.query.traceql;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Coverage-guided fuzzing (Jazzer) of the TraceQL compiler, which every TraceQL API's {@code q} goes through: any
 * text compiles to SQL (a search's or a metrics query's) whose every placeholder has a value, or is refused with a {@link TraceQlException} that says
 * where (the HTTP layer answers a 400). Never another exception (a 500), not even for a query nested very deep.
 * Seeds are in {@code TraceQlFuzzTestInputs/}.
 */
class TraceQlFuzzTest {

    private static final Map<String, String> COLUMN_TYPES = Map.of("attr.http.route", "VARCHAR",
            "attr.app.items", "BIGINT", "attr.ratio", "DOUBLE", "attr.ok", "BOOLEAN", "attr.tags", "VARCHAR[]",
            "resource.region", "VARCHAR", "attr_overflow", "MAP(VARCHAR, VARCHAR)");

    @FuzzTest
    void compile(byte[] input) {
        String query = new String(input, StandardCharsets.UTF_8);
        try {
            CompiledTraceQl compiled = TraceQl.compile(query, COLUMN_TYPES);
            List<CompiledTraceQl.Statement> statements = compiled.isMetrics()
                    ? List.of(TraceQlMetrics.MAX_CELLS, 0).stream()
                            .map(cells -> compiled.metrics("spans", "true", List.of(), 0, 1_000_000_000L, 60, 1000, cells))
                            .toList()
                    : List.of(compiled.search("spans", "true", List.of(), 20, 3));
            for (CompiledTraceQl.Statement statement : statements) {
                assertThat(statement.sql().chars().filter(c -> c == '?').count()).as(query)
                        .isEqualTo(statement.parameters().size());
            }
        } catch (TraceQlException refused) {
            assertThat(refused.line()).as(query).isPositive();
            assertThat(refused.column()).as(query).isPositive();
        }
    }

    @org.junit.jupiter.api.Test
    void aQueryNestedDeeperThanTheStackIsRefusedNotACrash() {
        String deep = "{ " + "(".repeat(100_000) + "name = \"a\"" + ")".repeat(100_000) + " }";
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TraceQl.check(deep))
                .hasMessage("parse error at line 1, col 102: syntax error: nesting deeper than 100");
        String longChain = "{ " + "!".repeat(20_000) + "true }";
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TraceQl.check(longChain))
                .hasMessage("parse error at line 1, col 1: query too complex: its expressions nest deeper than this "
                        + "server can parse");
    }
}
