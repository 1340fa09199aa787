package io.contrail.columnar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A record that does not fit on a full disk must not leave half of itself in the log: replay stops
 * at the first bad record, so an acknowledged record appended after the tear would be lost. Runs on
 * a real 1 MB tmpfs (mounting needs root; skipped, saying so, where it is refused).
 */
class WriteAheadLogDiskFullTest {

    @TempDir
    Path parent;

    private Path disk;
    private boolean mounted;

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            run("umount", "-l", disk.toString());
        }
    }

    @Test
    void aWriteThatFailsForLackOfSpaceLeavesNoPartialRecordBehind() throws Exception {
        disk = Files.createDirectories(parent.resolve("disk"));
        assumeThat(run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", disk.toString()))
                .as("mounting a 1 MB tmpfs (needs root)").isEmpty();
        mounted = true;
        Path walDir = disk.resolve("wal");
        byte[] first = "acknowledged before the disk filled".getBytes(StandardCharsets.UTF_8);
        byte[] after = "acknowledged once there was room again".getBytes(StandardCharsets.UTF_8);
        try (WriteAheadLog wal = WriteAheadLog.open(walDir, 1)) {
            wal.awaitDurable(wal.append(first, () -> { }));
            // Fill the disk but for ~100 KB, then append a record of 400 KB: it cannot fit.
            Path filler = disk.resolve("filler");
            Files.write(filler, new byte[1024 * 1024 - 200 * 1024 - (int) Files.size(walDir.resolve(
                    String.format("segment-%012d.wal", 1)))]);
            assertThatThrownBy(() -> wal.append(new byte[400 * 1024], () -> { }))
                    .isInstanceOf(IOException.class).hasMessageContaining("No space left");
            Files.delete(filler);
            wal.awaitDurable(wal.append(after, () -> { }));
        }
        try (WriteAheadLog reopened = WriteAheadLog.open(walDir, 1)) {
            List<WriteAheadLog.Record> records = reopened.replay();
            assertThat(records).extracting(r -> new String(r.payload(), StandardCharsets.UTF_8))
                    .containsExactly(new String(first, StandardCharsets.UTF_8), new String(after, StandardCharsets.UTF_8));
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return process.waitFor() == 0 ? "" : "exit " + process.exitValue() + ": " + output;
    }
}
