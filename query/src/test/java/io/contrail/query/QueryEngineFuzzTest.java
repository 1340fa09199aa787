package io.contrail.query;

import static io.contrail.query.QueryEngineTest.TRACE;
import static io.contrail.query.QueryEngineTest.kv;
import static io.contrail.query.QueryEngineTest.resourceSpans;
import static io.contrail.query.QueryEngineTest.span;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.contrail.columnar.Store;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing (Jazzer) of user SQL through {@link QueryEngine#query}: the read-only guard,
 * the statement pipeline's rewrites and DuckDB's lock-down. For any text the engine answers or throws
 * {@link QueryException}; no statement outside the read-only set changes anything (no file appears,
 * the {@code spans} view still counts its spans); and no answer or error reveals a canary file planted
 * next to the data folder or inside it, in another tenant's span folder ({@code tenants/other/spans}) and in the
 * write-ahead log's, neither its content nor its name.
 *
 * <p>The folders are at a fixed place under {@code target/query-fuzz} (the test's working folder is the
 * module's), so the seed statements in {@code QueryEngineFuzzTestInputs/anyStatement/} can name the
 * canary by relative and absolute paths and globs. The canary's name and content are random per run:
 * an answer that seems to hold them is run again after the canary was renamed and rewritten, and only
 * an answer that follows the canary is a leak (the fuzzer may spell a token out in a literal).
 */
class QueryEngineFuzzTest {

    static final Path SANDBOX = Path.of("target", "query-fuzz").toAbsolutePath();
    static final Path DATA = SANDBOX.resolve("data");
    static final Path OUTSIDE = SANDBOX.resolve("outside");
    /** Inside the data folder but outside what its SQL may read: another tenant's spans, the log's folder. */
    static final List<Path> INSIDE = List.of(DATA.resolve("tenants").resolve("other").resolve("spans"), DATA.resolve("wal"));
    private static final int SPANS = 3;
    /**
     * Longer inputs are passed over. Each execution costs what DuckDB spends on its statement, and libFuzzer lets
     * inputs grow to 4 KiB: with the corpus's inputs near that size the long run slowed from 276 to ~50
     * executions a second, too slow for 10⁶ (836,161 in 7,944 s). A kibibyte holds any construct the guard reads.
     */
    private static final int MAX_STATEMENT_BYTES = 1_024;

    private static QueryEngine engine;
    private static Canary canary;
    private static List<Path> filesBefore;
    /** A plain in-memory DuckDB, only to parse. */
    private static Connection parser;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Files outside what SQL may read ({@link #OUTSIDE}, {@link #INSIDE}) whose name and content are tokens no
     * statement can know in advance.
     */
    private record Canary(List<Path> files, String nameToken, String contentToken) {
        static Canary plant() throws IOException {
            String name = "canary-" + UUID.randomUUID().toString().replace("-", "");
            String content = "CANARY" + UUID.randomUUID().toString().replace("-", "");
            List<Path> files = new java.util.ArrayList<>();
            for (Path folder : Stream.concat(Stream.of(OUTSIDE), INSIDE.stream()).toList()) {
                Files.createDirectories(folder);
                Path file = folder.resolve(name + ".csv");
                Files.writeString(file, "secret\n" + content + "\n");
                files.add(file);
            }
            return new Canary(List.copyOf(files), name, content);
        }

        void remove() throws IOException {
            for (Path file : files) {
                Files.delete(file);
            }
        }

        boolean seenIn(String text) {
            return text != null && (text.contains(nameToken) || text.contains(contentToken));
        }
    }

    @BeforeAll
    static void openEngineOverAFewSpans() throws Exception {
        deleteRecursively(SANDBOX);
        Files.createDirectories(OUTSIDE);
        try (Store store = StoreFixture.open(DATA)) {
            StoreFixture.append(store, TracesData.newBuilder()
                    .addResourceSpans(resourceSpans("frontend",
                            span(TRACE, "b7ad6b7169203331", null, "GET /cart", Span.SpanKind.SPAN_KIND_SERVER, 0, 50_000_000)
                                    .addAttributes(kv("user.id", "u-42")).build(),
                            span(TRACE, "1111111111111111", "b7ad6b7169203331", "GET cart", Span.SpanKind.SPAN_KIND_CLIENT,
                                    1_000_000, 40_000_000).build()))
                    .addResourceSpans(resourceSpans("cart",
                            span(TRACE, "2222222222222222", "1111111111111111", "GetCart", Span.SpanKind.SPAN_KIND_SERVER,
                                    2_000_000, 30_000_000).addAttributes(kv("app.items", 3L)).build()))
                    .build());
            store.flush();
        }
        canary = Canary.plant();
        // One DuckDB thread: three spans need no more, and two fuzz targets can then share two cores. A quarter of a
        // second for a statement: nothing over three spans needs more, and a statement stopped by the limit (a huge
        // range(), a cross join of table functions) then costs an eighth of what it cost at two seconds.
        engine = QueryEngine.open(new QueryEngine.Config(DATA, 50, 256 * 1024, Duration.ofMillis(250), 1,
                QueryEngine.Config.DEFAULT_MEMORY_LIMIT));
        filesBefore = files();
        parser = DriverManager.getConnection("jdbc:duckdb:");
        assertThat(engine.query("SELECT count(*) FROM spans").rows()).containsExactly(List.of((Object) (long) SPANS));
    }

    @AfterAll
    static void close() throws SQLException {
        if (parser != null) {
            parser.close();
        }
        if (engine != null) {
            engine.close();
        }
    }

    @FuzzTest
    void anyStatement(byte[] input) throws Exception {
        if (input.length > MAX_STATEMENT_BYTES) {
            return;
        }
        String sql = new String(input, StandardCharsets.UTF_8);
        String answer = answerOf(sql);
        if (canary.seenIn(answer)) {
            canary.remove();
            canary = Canary.plant();
            String again = answerOf(sql);
            assertThat(canary.seenIn(again)).as("the answer to %s follows the canary files %s: %s", sql,
                    canary.files(), again).isFalse();
        }
        assertThat(files().stream().filter(path -> !isCanary(path)).toList()).as("files after %s", sql)
                .isEqualTo(filesBefore.stream().filter(path -> !isCanary(path)).toList());
        assertThat(canary.files()).allMatch(Files::isRegularFile);
        if (!syntaxError(sql)) {
            assertThat(engine.query("SELECT count(*) FROM spans").rows()).as("spans after %s", sql)
                    .containsExactly(List.of((Object) (long) SPANS));
        }
    }

    /**
     * Whether DuckDB's parser, on a connection of its own, finds a syntax error in the statement (after a leading
     * EXPLAIN): the engine's first stage then refuses it before anything runs, so the costly check that the spans
     * are still there (most of a run's time) is left for the statements that get further, DDL included.
     */
    private static boolean syntaxError(String sql) throws SQLException {
        try (PreparedStatement parse = parser.prepareStatement("SELECT json_serialize_sql(?::VARCHAR)")) {
            parse.setString(1, ReadOnlySqlGuard.withoutLeadingExplain(sql));
            try (ResultSet rs = parse.executeQuery()) {
                rs.next();
                JsonNode tree = JSON.readTree(rs.getString(1));
                return tree.path("error").asBoolean(false) && tree.path("error_type").asText("").equals("parser");
            } catch (JsonProcessingException e) {
                return false;
            }
        }
    }

    /** The rows, or the error message, as one text; only {@link QueryException} may be thrown. */
    private static String answerOf(String sql) {
        try {
            return engine.query(sql).rows().toString();
        } catch (QueryException refused) {
            assertThat(refused.getMessage()).as("the message refusing %s", sql).isNotBlank();
            return refused.getMessage();
        }
    }

    private static boolean isCanary(Path path) {
        return path.getFileName().toString().startsWith("canary-");
    }

    private static List<Path> files() throws IOException {
        try (Stream<Path> paths = Files.walk(SANDBOX)) {
            return paths.filter(Files::isRegularFile)
                    .filter(path -> !path.startsWith(DATA.resolve(ReadOnlySqlGuard.TEMP_FOLDER)))
                    .sorted().toList();
        }
    }

    private static void deleteRecursively(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
