package io.contrail.columnar;

import io.opentelemetry.proto.trace.v1.TracesData;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

import static io.contrail.columnar.TestSpans.attr;
import static io.contrail.columnar.TestSpans.span;
import static io.contrail.columnar.TestSpans.traces;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Span chunks written column by column ({@link ParquetSpanWriter#writeRows}) give the same Parquet
 * file as the same spans written span by span from {@link SpanRef}s ({@link ParquetSpanWriter#write}):
 * the same columns with the same types, and in every row the same value in every column.
 */
class ArrowSpanBatchChunkTest {

    @TempDir
    Path scratch;

    @Test
    void chunksWriteTheSameRowsAsSpanRefs() throws Exception {
        for (long seed = 1; seed <= 4; seed++) {
            VariedSpans corpus = new VariedSpans(seed);
            Random selection = new Random(seed);
            Path folder = scratch.resolve("seed-" + seed);
            try (BufferAllocator allocator = new RootAllocator();
                 Connection duckdb = DriverManager.getConnection("jdbc:duckdb:");
                 ParquetSpanWriter bySpan = new ParquetSpanWriter(allocator, 1, new DataLayout(folder.resolve("refs")));
                 ParquetSpanWriter byChunk = new ParquetSpanWriter(allocator, 1, new DataLayout(folder.resolve("chunks")))) {
                // Files written one after the other, so that later files meet the list/scalar shapes earlier ones fixed.
                for (int file = 0; file < 6; file++) {
                    List<SpanRef> refs = new ArrayList<>();
                    List<ChunkRows> chunks = new ArrayList<>();
                    boolean allRows = true;
                    for (int request = 0; request < 1 + selection.nextInt(12); request++) {
                        TracesData traces = corpus.nextRequest();
                        ChunkRows rows = select(SpanChunk.fromTraces(traces), selection);
                        allRows &= rows.rows() == null;
                        chunks.add(rows);
                        refs.addAll(selected(VariedSpans.refs(traces), rows));
                    }
                    if (refs.isEmpty()) {
                        continue;
                    }
                    Path expected = folder.resolve("refs-" + file + ".parquet");
                    Path actual = folder.resolve("chunks-" + file + ".parquet");
                    bySpan.write(refs, expected);
                    byChunk.writeRows(chunks, actual);
                    assertSameFile(duckdb, expected, actual, allRows, "seed " + seed + ", file " + file);
                }
            }
        }
    }

    @Test
    void keysOnlyInRowsNotSelectedGetNoColumn() throws Exception {
        SpanChunk chunk = SpanChunk.fromTraces(traces("svc",
                span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "kept", 0, 10)
                        .addAttributes(attr("kept.key", "x")).build(),
                span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203332", "left out", 0, 10)
                        .addAttributes(attr("left.out", "y")).addAttributes(attr("http.method", "PUT")).build()));
        Path file = writeRows(List.of(new ChunkRows(chunk, new int[] {0}, null)));

        assertThat(columnsOf(file)).contains("attr.kept.key").doesNotContain("attr.left.out");
        assertThat(TestSpans.duckDbRows("SELECT name, http_method FROM '" + file + "'"))
                .containsExactly(Arrays.asList("kept", null));
    }

    @Test
    void theLaterOfTwoSpellingsOfAPromotedKeyWins() throws Exception {
        SpanChunk chunk = SpanChunk.fromTraces(traces("svc",
                span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "new last", 0, 10)
                        .addAttributes(attr("http.method", "OLD")).addAttributes(attr("http.request.method", "NEW"))
                        .addAttributes(attr("http.status_code", 500L)).addAttributes(attr("http.response.status_code", "201"))
                        .build(),
                span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203332", "old last", 0, 10)
                        .addAttributes(attr("http.request.method", "NEW")).addAttributes(attr("http.method", "OLD"))
                        .addAttributes(attr("http.response.status_code", 201L)).addAttributes(attr("http.status_code", "n/a"))
                        .build()));
        Path file = writeRows(List.of(new ChunkRows(chunk, null, null)));

        assertThat(TestSpans.duckDbRows("SELECT name, http_method, http_status_code FROM '" + file + "' ORDER BY name"))
                .containsExactly(List.of("new last", "NEW", 201L), List.of("old last", "OLD", 201L));
    }

    @Test
    void keysDifferingOnlyInCaseShareTheColumnNamedAfterTheFirstSeenAndTheLaterValueWins() throws Exception {
        SpanChunk chunk = SpanChunk.fromTraces(traces("svc",
                span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "not selected", 0, 10)
                        .addAttributes(attr("Color", "red")).build(),
                span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203332", "selected", 0, 10)
                        .addAttributes(attr("color", "green")).addAttributes(attr("COLOR", "blue"))
                        .addAttributes(attr("Color", "cyan")).addAttributes(attr("color", 3L)).build()));
        Path file = writeRows(List.of(new ChunkRows(chunk, new int[] {1}, null)));

        assertThat(columnsOf(file)).contains("attr.color").doesNotContain("attr.Color", "attr.COLOR");
        assertThat(TestSpans.duckDbRows("SELECT \"attr.color\" FROM '" + file + "'")).containsExactly(List.of("3"));
    }

    @Test
    void rowsAreWrittenByServiceNameAndStartThenInTheOrderSelectedWithTheWeightsGiven() throws Exception {
        SpanChunk chunk = SpanChunk.fromTraces(traces("svc",
                span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "first", 0, 10).build(),
                span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203332", "second", 0, 10)
                        .setTraceState("ot=th:8").build()));
        SpanChunk other = SpanChunk.fromTraces(TracesData.newBuilder()
                .addAllResourceSpans(traces("api", span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203333", "second", 5, 10)
                        .build()).getResourceSpansList())
                .addAllResourceSpans(traces("svc", span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203334", "first", -5, 10)
                        .build()).getResourceSpansList()).build());
        Path file = writeRows(List.of(new ChunkRows(chunk, new int[] {1, 0}, new double[] {3.0, 4.0}),
                new ChunkRows(chunk, null, null), new ChunkRows(other, null, null)));

        assertThat(TestSpans.duckDbRows("SELECT service_name, name, span_id, sample_weight FROM '" + file + "'"))
                .containsExactly(List.of("api", "second", "b7ad6b7169203333", 1.0),
                        List.of("svc", "first", "b7ad6b7169203334", 1.0),
                        List.of("svc", "first", "b7ad6b7169203331", 4.0),
                        List.of("svc", "first", "b7ad6b7169203331", 1.0),
                        List.of("svc", "second", "b7ad6b7169203332", 3.0),
                        List.of("svc", "second", "b7ad6b7169203332", 2.0));
    }

    /**
     * The flusher builds a flush's batches while the flush before it is written: a batch built before that
     * write fixed a key's shape (here: a list) must not be written in the other shape, or the two files
     * could not be read together.
     */
    @Test
    void aBatchBuiltBeforeAWriteFixedAnotherShapeForItsKeyIsWrittenInThatShape() throws Exception {
        ChunkRows asList = ChunkRows.all(SpanChunk.fromTraces(traces("svc",
                span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "list", 0, 10)
                        .addAttributes(TestSpans.attrLongs("retries", 1, 2)).build())));
        ChunkRows asScalar = ChunkRows.all(SpanChunk.fromTraces(traces("svc",
                span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203332", "scalar", 0, 10)
                        .addAttributes(attr("retries", 3L)).build())));
        Path first = scratch.resolve("first.parquet");
        Path second = scratch.resolve("second.parquet");
        try (BufferAllocator allocator = new RootAllocator();
             ParquetSpanWriter writer = new ParquetSpanWriter(allocator, 1, new DataLayout(scratch.resolve("data")))) {
            ParquetSpanWriter.Prepared builtAhead = writer.prepare(List.of(asScalar));
            writer.writeRows(List.of(asList), first);
            writer.write(builtAhead, second);
        }

        assertThat(TestSpans.duckDbRows("SELECT name, \"attr.retries\"::VARCHAR FROM read_parquet(['" + first + "', '"
                + second + "'], union_by_name = true) ORDER BY name"))
                .containsExactly(List.of("list", "[1, 2]"), List.of("scalar", "[3]"));
    }

    private Path writeRows(List<ChunkRows> chunks) throws Exception {
        Path file = scratch.resolve("spans-" + System.nanoTime() + ".parquet");
        try (BufferAllocator allocator = new RootAllocator();
             ParquetSpanWriter writer = new ParquetSpanWriter(allocator, 1, new DataLayout(scratch.resolve("data")))) {
            writer.writeRows(chunks, file);
        }
        return file;
    }

    /** All rows, or some in a random order (now and then one twice), with or without weights of their own. */
    private static ChunkRows select(SpanChunk chunk, Random random) {
        int n = chunk.spanCount();
        return switch (random.nextInt(5)) {
            case 0, 1 -> new ChunkRows(chunk, null, null);
            case 2 -> {
                int[] rows = java.util.stream.IntStream.range(0, n).filter(r -> random.nextBoolean()).toArray();
                yield new ChunkRows(chunk, rows, random.nextBoolean() ? null : weights(rows.length, random));
            }
            default -> {
                List<Integer> rows = new ArrayList<>();
                for (int r = 0; r < n; r++) {
                    if (random.nextInt(3) > 0) {
                        rows.add(r);
                    }
                }
                if (!rows.isEmpty() && random.nextInt(3) == 0) {
                    rows.add(rows.get(0));
                }
                Collections.shuffle(rows, random);
                int[] array = rows.stream().mapToInt(Integer::intValue).toArray();
                yield new ChunkRows(chunk, array, random.nextBoolean() ? null : weights(array.length, random));
            }
        };
    }

    private static double[] weights(int n, Random random) {
        double[] weights = new double[n];
        for (int i = 0; i < n; i++) {
            weights[i] = 1 + random.nextInt(100) / 4.0;
        }
        return weights;
    }

    private static List<SpanRef> selected(List<SpanRef> all, ChunkRows rows) {
        List<SpanRef> refs = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            SpanRef ref = all.get(rows.row(i));
            refs.add(rows.weights() == null ? ref
                    : new SpanRef(ref.resource(), ref.scope(), ref.span(), rows.weights()[i]));
        }
        return refs;
    }

    private static List<String> columnsOf(Path file) throws Exception {
        return TestSpans.duckDbRows("SELECT column_name FROM (DESCRIBE SELECT * FROM '" + file + "')").stream()
                .map(row -> (String) row.get(0)).collect(Collectors.toList());
    }

    /** Same columns (names and types; in the same order when {@code sameOrder}) and, row by row, the same values. */
    private static void assertSameFile(Connection duckdb, Path expected, Path actual, boolean sameOrder, String what)
            throws Exception {
        String describe = "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '%s')";
        List<List<Object>> expectedColumns = rows(duckdb, describe.formatted(expected));
        List<List<Object>> actualColumns = rows(duckdb, describe.formatted(actual));
        if (sameOrder) {
            assertThat(actualColumns).as(what + ": columns").isEqualTo(expectedColumns);
        } else {
            assertThat(actualColumns).as(what + ": columns").containsExactlyInAnyOrderElementsOf(expectedColumns);
        }
        String values = expectedColumns.stream()
                .map(column -> "CAST(" + SpanSchema.quote((String) column.get(0)) + " AS VARCHAR)")
                .collect(Collectors.joining(", "));
        List<List<Object>> expectedRows = rows(duckdb, "SELECT " + values + " FROM '" + expected + "'");
        List<List<Object>> actualRows = rows(duckdb, "SELECT " + values + " FROM '" + actual + "'");
        assertThat(actualRows).as(what + ": row count").hasSameSizeAs(expectedRows);
        for (int row = 0; row < expectedRows.size(); row++) {
            for (int column = 0; column < expectedColumns.size(); column++) {
                assertThat(actualRows.get(row).get(column))
                        .as("%s: row %d, column %s", what, row, expectedColumns.get(column).get(0))
                        .isEqualTo(expectedRows.get(row).get(column));
            }
        }
    }

    private static List<List<Object>> rows(Connection duckdb, String sql) throws Exception {
        try (Statement statement = duckdb.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            List<List<Object>> rows = new ArrayList<>();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.add(rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        }
    }
}
