package io.contrail.columnar;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DataFolderLockTest {

    private static final int HELD_SPANS = 120;

    @TempDir
    Path data;

    @Test
    void aFolderHeldByAnotherProcessIsRefusedBeforeAnythingInItIsTouched() throws Exception {
        Process holder = startHolder();
        try {
            // What a start-up would delete: an abandoned temp file; and the holder's open log segment.
            Path abandoned = data.resolve("spans").resolve(".part-7-abandoned.parquet.tmp");
            Files.writeString(abandoned, "a write that a crash interrupted");
            Map<String, String> before = contents(data);
            assertThat(before.keySet()).anyMatch(name -> name.startsWith("wal/"));

            String refusal = data + " is in use by contrail serve (pid " + holder.pid()
                    + ", http://127.0.0.1:4318); stop it first, or use another data folder";
            assertThatThrownBy(() -> Warehouse.open(StoreConfig.Writes.defaults(data)))
                    .isInstanceOf(DataFolderLock.InUseException.class).hasMessage(refusal);
            DataLayout layout = new DataLayout(data);
            try (FileReaper reaper = new FileReaper(layout, Duration.ZERO)) {
                assertThatThrownBy(() -> Compactor.open(layout, StoreConfig.Compaction.defaults(), reaper))
                        .isInstanceOf(DataFolderLock.InUseException.class).hasMessage(refusal);
            }
            assertThat(contents(data)).as("every file, byte for byte").isEqualTo(before);

            holder.destroyForcibly(); // kill -9: the OS releases the lock
            assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
            try (Warehouse warehouse = Warehouse.open(StoreConfig.Writes.defaults(data))) {
                warehouse.flush();
                assertThat(warehouse.stats().spansReplayed()).as("the holder's logged spans").isEqualTo(HELD_SPANS);
            }
            assertThat(abandoned).as("cleaned by the start-up that holds the folder").doesNotExist();
        } finally {
            holder.destroyForcibly();
            holder.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aClaimIsExclusiveWithinAProcessTooAndReleasedOnClose() throws Exception {
        try (DataFolderLock first = DataFolderLock.acquire(data, "contrail compact")) {
            assertThatThrownBy(() -> DataFolderLock.acquire(data.resolve("."), "other"))
                    .isInstanceOf(DataFolderLock.InUseException.class)
                    .hasMessageContaining("is in use by contrail compact (pid " + ProcessHandle.current().pid() + ")");
            assertThatThrownBy(() -> Warehouse.open(StoreConfig.Writes.defaults(data.resolve("elsewhere")),
                    SpanSampler.KEEP_ALL, first)).isInstanceOf(IllegalArgumentException.class);
        }
        try (Warehouse warehouse = Warehouse.open(StoreConfig.Writes.defaults(data))) {
            assertThat(warehouse.stats().spansReplayed()).isZero();
        }
        DataFolderLock.acquire(data, "again").close();
    }

    private Process startHolder() throws Exception {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "-XX:-UsePerfData", "-cp",
                System.getProperty("java.class.path"), DataFolderHolder.class.getName(), data.toString(),
                "http://127.0.0.1:4318", String.valueOf(HELD_SPANS)).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = out.readLine()) != null) {
            if (line.equals("holding")) {
                return process;
            }
            seen.append(line).append('\n');
        }
        throw new AssertionError("the holder exited before holding the folder:\n" + seen);
    }

    /** Every file under {@code folder} (relative path, '/'-separated) and the SHA-256 of its bytes. */
    static Map<String, String> contents(Path folder) throws Exception {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path file : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                files.put(folder.relativize(file).toString().replace('\\', '/'), HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))));
            }
        }
        return files;
    }
}
