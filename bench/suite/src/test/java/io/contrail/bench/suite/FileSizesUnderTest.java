package io.contrail.bench.suite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bench measures bytes on disk while the server deletes a merge's inputs: walking a folder in which
 * files vanish must leave them out, not fail (a 10-minute run once failed there with
 * NoSuchFileException from {@code Files.walk}).
 */
class FileSizesUnderTest {

    @TempDir
    Path scratch;

    @Test
    void filesDeletedWhileTheFolderIsWalkedAreLeftOut() throws Exception {
        Path partition = Files.createDirectories(scratch.resolve("spans/date=2025-11-24/hour=16"));
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            files.add(Files.write(partition.resolve("part-" + i + ".parquet"), new byte[i % 7 + 1]));
        }
        AtomicReference<Throwable> deleting = new AtomicReference<>();
        java.util.concurrent.CountDownLatch walking = new java.util.concurrent.CountDownLatch(1);
        Thread deleter = new Thread(() -> {
            try {
                walking.await();
                for (Path file : files) {
                    Files.delete(file);
                }
            } catch (Throwable t) {
                deleting.set(t);
            }
        });
        deleter.start();
        walking.countDown();
        int walks = 0;
        while (deleter.isAlive() || walks == 0) {
            Map<Path, Long> seen = ContrailPeer.fileSizesUnder(scratch.resolve("spans"));
            for (Map.Entry<Path, Long> entry : seen.entrySet()) {
                int i = Integer.parseInt(entry.getKey().getFileName().toString().replaceAll("\\D", ""));
                assertThat(entry.getValue()).as("size of %s", entry.getKey()).isEqualTo(i % 7 + 1);
            }
            walks++;
        }
        deleter.join();

        assertThat(deleting.get()).isNull();
        assertThat(ContrailPeer.fileSizesUnder(scratch.resolve("spans"))).isEmpty();
        assertThat(ContrailPeer.folderBytes(scratch.resolve("spans"))).isZero();
    }
}
