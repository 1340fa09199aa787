package io.contrail.columnar;

import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.contrail.columnar.TestSpans.attr;
import static io.contrail.columnar.TestSpans.span;
import static io.contrail.columnar.TestSpans.traces;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The files get at most {@link StoreConfig.Writes#maxAttributeColumns} attribute columns: past it, a key without a
 * column goes to its family's overflow map, the keys on the most spans getting the room left, and a key that has
 * a column keeps it.
 */
class AttributeColumnBoundTest {

    @TempDir
    Path data;

    @Test
    void keysPastTheBoundGoToTheOverflowMapTheKeysOnTheMostSpansGettingTheRoomLeft() throws Exception {
        // service.name and host.name (every span's resource) take two of the four columns.
        try (Warehouse warehouse = Warehouse.open(StoreConfig.Writes.defaults(data).withMaxAttributeColumns(4))) {
            List<Span> spans = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                Span.Builder span = span("0000000000000000000000000000000" + i, "000000000000000" + i, "op", i, 10)
                        .addAttributes(attr("common", (long) i));
                if (i == 2) {
                    span.addAttributes(attr("rare.a", "a")).addAttributes(attr("rare.b", 7L));
                }
                if (i == 3) {
                    span.addAttributes(attr("rare.c", true)).addAttributes(attr("common.twice", "x"));
                }
                if (i == 4) {
                    span.addAttributes(attr("common.twice", "y"));
                }
                spans.add(span.build());
            }
            warehouse.append(traces("svc", spans.toArray(Span[]::new)));
            warehouse.flush();
            assertThat(warehouse.stats().attributeColumns()).isEqualTo(4);
            assertThat(warehouse.stats().attributeKeysOverflowed()).isEqualTo(3);

            // A later flush: a key with a column keeps it, a new one goes to the map.
            warehouse.append(traces("svc", span("00000000000000000000000000000006", "0000000000000006", "op", 6, 10)
                    .addAttributes(attr("common", 6L)).addAttributes(attr("late", "z")).build()));
            warehouse.flush();
            assertThat(warehouse.stats().attributeColumns()).isEqualTo(4);
            assertThat(warehouse.stats().attributeKeysOverflowed()).isEqualTo(4);
        }
        String files = "read_parquet('" + new DataLayout(data).spansGlob() + "', union_by_name = true)";
        assertThat(TestSpans.duckDbRows("SELECT column_name FROM (DESCRIBE SELECT * FROM " + files + ") "
                + "WHERE column_name LIKE 'attr%' OR column_name LIKE 'resource%' ORDER BY 1").stream()
                .map(row -> row.get(0)).toList())
                .containsExactly("attr.common", "attr.common.twice", "attr_overflow", "resource.host.name",
                        "resource.service.name");
        assertThat(TestSpans.duckDbRows("SELECT span_id, \"attr.common\", \"attr.common.twice\", "
                + "map_entries(attr_overflow)::VARCHAR FROM " + files + " ORDER BY span_id").stream()
                .map(row -> Arrays.asList(row.toArray())).toList()).containsExactly(
                Arrays.asList("0000000000000001", 1L, null, null),
                Arrays.asList("0000000000000002", 2L, null, "[{'key': rare.a, 'value': a}, {'key': rare.b, 'value': 7}]"),
                Arrays.asList("0000000000000003", 3L, "x", "[{'key': rare.c, 'value': true}]"),
                Arrays.asList("0000000000000004", 4L, "y", null),
                Arrays.asList("0000000000000005", 5L, null, null),
                Arrays.asList("0000000000000006", 6L, null, "[{'key': late, 'value': z}]"));
    }
}
