package io.contrail.columnar;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trace-ID index answers the same from a small sidecar (read onto the heap) and a large one (memory-mapped,
 * from {@link TraceIdIndex#MAPPED_FROM_BYTES}), keys of either sign included, and follows a sidecar that went.
 */
class TraceIdIndexSidecarsTest {

    @Test
    void smallAndLargeSidecarsAnswerAlikeAndAVanishedFileIsForgotten(@TempDir Path dir) throws Exception {
        Path small = dir.resolve("part-000000000001-0000000a.parquet");
        Path large = dir.resolve("part-000000000002-0000000b.parquet");
        long[] smallKeys = {-7, 3, 42};
        long[] largeKeys = LongStream.range(0, 20_000).map(i -> i * 1_000_003L - 10_000_000_000L).toArray();
        TraceIdIndex.writeSidecar(small, smallKeys);
        TraceIdIndex.writeSidecar(large, largeKeys);
        assertThat(Files.size(SpanFiles.traceIdSidecar(small))).isLessThan(TraceIdIndex.MAPPED_FROM_BYTES);
        assertThat(Files.size(SpanFiles.traceIdSidecar(large))).isGreaterThanOrEqualTo(TraceIdIndex.MAPPED_FROM_BYTES);

        try (TraceIdIndex index = TraceIdIndex.open()) {
            index.update(List.of(small, large));
            assertThat(index.filesMayHold(hex(42))).containsExactly(small);
            assertThat(index.filesMayHold(hex(-7))).containsExactly(small);
            for (long key : new long[] {largeKeys[0], largeKeys[12_345], largeKeys[largeKeys.length - 1]}) {
                assertThat(index.filesMayHold(hex(key))).as("key %d", key).containsExactly(large);
            }
            assertThat(index.filesMayHold(hex(largeKeys[5] + 1))).isEmpty();
            assertThat(index.filesMayHold(hex(43))).isEmpty();

            index.update(List.of(small));
            assertThat(index.size()).isEqualTo(1);
            assertThat(index.filesMayHold(hex(largeKeys[0]))).isEmpty();
        }
    }

    /** A 32-digit trace ID whose low 64 bits are {@code key}. */
    private static String hex(long key) {
        return "0000000000000000" + String.format("%016x", key);
    }
}
