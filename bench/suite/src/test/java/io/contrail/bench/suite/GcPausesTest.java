package io.contrail.bench.suite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The GC pauses a server JVM logs, as the bench reads them. */
class GcPausesTest {

    @Test
    void pausesInTheWindowAreCountedAndConcurrentPhasesAreNot() {
        List<String> log = List.of(
                "[1000ms] Using G1",
                "[1500ms] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 12M->4M(256M) 27.716ms",
                "[2000ms] GC(1) Pause Young (Concurrent Start) (G1 Humongous Allocation) 300M->200M(1024M) 3.5ms",
                "[2100ms] GC(2) Concurrent Mark Cycle 120.000ms",
                "[2200ms] GC(2) Pause Remark 210M->200M(1024M) 4.250ms",
                "[2300ms] GC(3) Pause Full (G1 Compaction Pause) 900M->300M(1024M) 684.123ms",
                "[9000ms] GC(4) Pause Young (Normal) (G1 Evacuation Pause) 12M->4M(256M) 999.0ms");

        GcPauses window = GcPauses.of(log, 1_500, 3_000);

        assertThat(window.pauses()).isEqualTo(4);
        assertThat(window.maxMillis()).isEqualTo(684.123);
        assertThat(window.totalMillis()).isCloseTo(27.716 + 3.5 + 4.25 + 684.123, within(1e-9));
        assertThat(window.longest()).startsWith("Pause Full (G1 Compaction Pause)");
        assertThat(window.windowSeconds()).isEqualTo(1.5);
        assertThat(GcPauses.of(log, 3_000, 4_000).pauses()).isZero();
    }

    @Test
    void aJvmStartedWithTheOptionLogsPausesThatAreRead(@TempDir Path temp) throws Exception {
        Path log = temp.resolve("a folder with spaces").resolve("gc.log");
        java.nio.file.Files.createDirectories(log.getParent());
        long from = System.currentTimeMillis();
        Process jvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                GcPauses.jvmOption(log), "-cp", System.getProperty("java.class.path"), CollectOnce.class.getName())
                .inheritIO().start();
        assertThat(jvm.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(jvm.exitValue()).isZero();

        GcPauses pauses = GcPauses.read(log, from, System.currentTimeMillis());

        assertThat(pauses.pauses()).isPositive();
        assertThat(pauses.maxMillis()).isPositive();
        assertThat(pauses.longest()).contains("System.gc()");
    }

    /** Collects once, as System.gc() asks: one full pause in the log. */
    public static final class CollectOnce {
        public static void main(String[] args) {
            System.gc();
        }
    }
}
