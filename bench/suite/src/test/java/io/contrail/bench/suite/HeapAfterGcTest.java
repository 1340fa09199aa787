package io.contrail.bench.suite;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The heap after each collection, as the soak run reads it from a server's GC log. */
class HeapAfterGcTest {

    @Test
    void everyPauseGivesTheHeapAfterItAndConcurrentPhasesGiveNothing() {
        List<HeapAfterGc> pauses = HeapAfterGc.of(List.of(
                "[1000ms] Using G1",
                "[1500ms] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 12M->4M(256M) 27.716ms",
                "[2100ms] GC(1) Concurrent Mark Cycle 120.000ms",
                "[2200ms] GC(1) Pause Remark 210M->200M(1024M) 4.250ms",
                "[2300ms] GC(2) Pause Full (G1 Compaction Pause) 1G->300M(1G) 684.123ms",
                "[2400ms] GC(3) Pause Young (Normal) (G1 Evacuation Pause) 2048K->512K(8192K) 0.5ms"));

        assertThat(pauses).containsExactly(
                new HeapAfterGc(1_500, 4L << 20, 256L << 20, "Pause Young (Normal) (G1 Evacuation Pause)"),
                new HeapAfterGc(2_200, 200L << 20, 1_024L << 20, "Pause Remark"),
                new HeapAfterGc(2_300, 300L << 20, 1L << 30, "Pause Full (G1 Compaction Pause)"),
                new HeapAfterGc(2_400, 512L << 10, 8_192L << 10, "Pause Young (Normal) (G1 Evacuation Pause)"));
    }
}
