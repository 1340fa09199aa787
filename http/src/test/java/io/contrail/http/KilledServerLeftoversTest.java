package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server killed with {@code kill -9} leaves nothing in the temp folder: DuckDB's driver copies its
 * 72 MB JNI library there on every start (and Arrow its 40 kB one) and deletes it only at a clean exit,
 * so a crash loop used to fill the disk. Each child JVM here has a temp folder of its own, so that other
 * JVMs on the machine do not disturb the count.
 */
class KilledServerLeftoversTest {

    @TempDir
    Path scratch;

    @Test
    void serversKilledWithKill9LeaveNothingInTheTempFolder() throws Exception {
        Path temp = Files.createDirectories(scratch.resolve("tmp"));
        // A copy a process killed long ago left behind, and one another process may be about to load.
        Path leftBehind = fakeCopy(temp, "libduckdb_java4242.so", Instant.now().minus(Duration.ofHours(2)));
        Path beingLoaded = fakeCopy(temp, "libduckdb_java4343.so", Instant.now());

        for (int start = 1; start <= 2; start++) {
            ChildServer server = ChildServer.start(List.of(), List.of("-Xmx256m", "-Djava.io.tmpdir=" + temp),
                    scratch.resolve("data"), scratch.resolve("server-" + start + ".log"));
            server.process().destroyForcibly(); // kill -9: no shutdown hook, no deleteOnExit
            assertThat(server.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(filesIn(temp)).as("files in the temp folder after kill -9 number %d", start)
                    .containsExactly(beingLoaded);
        }
        assertThat(leftBehind).doesNotExist();
    }

    private static Path fakeCopy(Path folder, String name, Instant written) throws Exception {
        Path file = Files.writeString(folder.resolve(name), "\u007fELF, a copy of the library",
                java.nio.charset.StandardCharsets.ISO_8859_1);
        Files.setLastModifiedTime(file, FileTime.from(written));
        return file;
    }

    private static List<Path> filesIn(Path folder) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.sorted().toList();
        }
    }
}
