package io.contrail.query;

import io.contrail.columnar.Store;
import io.contrail.workload.Workload;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Every query in {@code sql-examples/} is a specification: on the seeded demo-shop workload it must
 * pass the read-only guard, run, and return rows, so an example that names an attribute key the
 * data does not have (and so answers nothing) fails here rather than in front of a user.
 *
 * <p>The queries run through {@link QueryEngine#query}, the same guarded path as
 * {@code POST /api/sql} and {@code contrail sql}.
 */
class SqlExamplesTest {

    /** The examples folder, relative to this module's folder (Surefire's working directory). */
    static final Path EXAMPLES = Path.of("..", "sql-examples");
    static final int MIN_EXAMPLES = 8;

    static final long SEED = 7;
    static final long START_TIME_UNIX_NANO = 1_764_000_000_000_000_000L; // 2025-11-24T16:00:00Z
    static final double TRACES_PER_SECOND = 5; // 3000 traces span ten minutes of one hour partition
    static final int TRACES = 3000;
    static final int TRACES_PER_REQUEST = 100;

    @TempDir
    static Path data;
    static QueryEngine engine;

    @BeforeAll
    static void writeShopTraffic() throws IOException {
        Workload workload = Workload.builder()
                .seed(SEED)
                .startTimeUnixNano(START_TIME_UNIX_NANO)
                .tracesPerSecond(TRACES_PER_SECOND)
                .build();
        try (Store store = StoreFixture.open(data)) {
            for (int written = 0; written < TRACES; written += TRACES_PER_REQUEST) {
                StoreFixture.append(store, workload.nextRequest(TRACES_PER_REQUEST));
            }
            store.flush();
        }
        engine = QueryEngine.open(QueryEngine.Config.defaults(data));
    }

    @AfterAll
    static void closeEngine() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void theFolderHoldsEnoughExamples() throws IOException {
        assertThat(exampleFiles())
                .as("*.sql files in %s", EXAMPLES.toAbsolutePath().normalize())
                .hasSizeGreaterThanOrEqualTo(MIN_EXAMPLES);
    }

    @Test
    void everyExampleOpensWithTheQuestionItAnswers() throws IOException {
        for (Path file : exampleFiles()) {
            assertThat(Files.readString(file)).as(file.getFileName().toString()).startsWith("-- Question:");
        }
    }

    @Test
    void theReadmeListsEveryExample() throws IOException {
        String readme = Files.readString(EXAMPLES.resolve("README.md"));
        for (Path file : exampleFiles()) {
            assertThat(readme).as("README.md").contains(file.getFileName().toString());
        }
    }

    /** One test per file, named after it; an answer must have columns and rows, twice the same. */
    @TestFactory
    Stream<DynamicTest> everyExampleAnswersOnShopTraffic() throws IOException {
        return exampleFiles().stream().map(file -> dynamicTest(file.getFileName().toString(), file.toUri(), () -> {
            String sql = Files.readString(file);
            QueryResult answer = engine.query(sql);
            assertThat(answer.columns()).as("columns").isNotEmpty();
            assertThat(answer.rows()).as("rows").isNotEmpty();
            assertThat(answer.truncated()).as("cut at the row cap").isFalse();
            assertThat(engine.query(sql).rows()).as("rows of a second run (ORDER BY needs tie-breakers)")
                    .isEqualTo(answer.rows());
        }));
    }

    static List<Path> exampleFiles() throws IOException {
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".sql")).sorted().toList();
        }
    }
}
