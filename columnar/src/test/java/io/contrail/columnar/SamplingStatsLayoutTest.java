package io.contrail.columnar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code sampling_stats} query reads what the sampler writes, and the files written before the layout had an owner. */
class SamplingStatsLayoutTest {

    @TempDir
    Path data;

    @Test
    void readerQueryReadsRowsAsTheSamplerWritesThemAndFilesAlreadyOnDisk() throws Exception {
        Path folder = SamplingStatsLayout.folderUnder(data);
        Files.createDirectories(folder);
        // As the sampler writes an hour: its rows through Jackson.
        Files.write(SamplingStatsLayout.file(folder, "2026-11-25T21"), new ObjectMapper().writeValueAsBytes(
                List.of(new SamplingStatsLayout.Row("2026-11-25T21", "unknown_service", "(none)", false, 1, 3))));
        // A file as the sampler wrote it before this layout existed (committed format).
        Files.writeString(folder.resolve("stats-2026-11-25T20.json"), """
                [{"hour":"2026-11-25T20","serviceName":"checkout","policy":"errors","kept":true,"traces":2,"spans":5}]""");
        // Not a stats file: a save that did not finish.
        Files.writeString(SamplingStatsLayout.temporaryFile(folder, "2026-11-25T22"), "[{\"hour\":");

        assertThat(TestSpans.duckDbRows("SELECT strftime(\"hour\", '%Y-%m-%d %H:%M') AS \"hour\", * EXCLUDE (\"hour\") FROM ("
                + SamplingStatsLayout.readerQuery(folder) + ") ORDER BY 1"))
                .containsExactly(
                        List.of("2026-11-25 20:00", "checkout", "errors", true, 2L, 5L),
                        List.of("2026-11-25 21:00", "unknown_service", "(none)", false, 1L, 3L));
    }

    @Test
    void withoutFilesTheQueryHasTheSameColumnsAndNoRows() throws Exception {
        Path folder = SamplingStatsLayout.folderUnder(data);
        String columns = "SELECT column_name, column_type FROM (DESCRIBE %s)";
        assertThat(TestSpans.duckDbRows("SELECT count(*) FROM (" + SamplingStatsLayout.readerQuery(folder) + ")"))
                .containsExactly(List.of(0L));
        List<List<Object>> empty = TestSpans.duckDbRows(columns.formatted(SamplingStatsLayout.readerQuery(folder)));

        Files.createDirectories(folder);
        Files.writeString(SamplingStatsLayout.file(folder, "2026-11-25T20"), "[]");
        assertThat(TestSpans.duckDbRows(columns.formatted(SamplingStatsLayout.readerQuery(folder))))
                .isEqualTo(empty)
                .extracting(row -> row.get(0))
                .containsExactly("hour", "service_name", "policy", "kept", "traces", "spans");
    }
}
