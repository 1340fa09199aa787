package io.contrail.columnar;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class NativeLibrariesTest {

    private static final String ELF = "\u007fELF";

    @TempDir
    Path temp;

    @Test
    void onlyLibraryCopiesNoProcessMapsAndNotWrittenJustNowAreDeleted() throws Exception {
        Path folder = temp.toRealPath();
        Instant now = Instant.now();
        Instant longAgo = now.minus(Duration.ofHours(3));
        Path duckDb = copy(folder, "libduckdb_java111.so", ELF, longAgo);
        Path arrow = copy(folder, "jnilib-222.tmp", ELF, longAgo);
        Path beingWritten = copy(folder, "libduckdb_java333.so", ELF, now.minusSeconds(5));
        Path notALibrary = copy(folder, "jnilib-444.tmp", "some other program's data", longAgo);
        Path notTheDrivers = copy(folder, "libduckdb_java.so", ELF, longAgo);
        Path otherLibrary = copy(folder, "libzstd-jni555.so", ELF, longAgo);

        assertThat(NativeLibraries.removeStaleCopies(folder, now)).isEqualTo(2);

        assertThat(duckDb).doesNotExist();
        assertThat(arrow).doesNotExist();
        assertThat(beingWritten).as("another process may be about to load it").exists();
        assertThat(notALibrary).exists();
        assertThat(notTheDrivers).as("not a name the driver gives its copies").exists();
        assertThat(otherLibrary).exists();
    }

    @Test
    void theLoadedLibrariesStayMappedFromFilesThatAreGone() throws Exception {
        Path maps = Path.of("/proc/self/maps");
        Assumptions.assumeTrue(Files.isReadable(maps), "Linux only");
        NativeLibraries.load();
        Path tempFolder = Path.of(System.getProperty("java.io.tmpdir")).toRealPath();
        assertThat(NativeLibraries.copiesMappedBy(Path.of("/proc/self"), tempFolder)).isEmpty();
        assertThat(Files.readAllLines(maps).stream().filter(line -> line.contains("libduckdb_java")))
                .as("DuckDB's, loaded").isNotEmpty().allMatch(line -> line.endsWith("(deleted)"));
        assertThat(Files.readAllLines(maps).stream().filter(line -> line.contains(tempFolder + "/jnilib-")))
                .as("Arrow's, loaded").isNotEmpty().allMatch(line -> line.endsWith("(deleted)"));
    }

    private static Path copy(Path folder, String name, String content, Instant written) throws Exception {
        Path file = Files.writeString(folder.resolve(name), content, StandardCharsets.ISO_8859_1);
        Files.setLastModifiedTime(file, FileTime.from(written));
        return file;
    }
}
