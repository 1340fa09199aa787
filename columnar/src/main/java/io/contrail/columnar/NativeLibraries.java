package io.contrail.columnar;

import org.apache.arrow.c.jni.JniLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Keeps the JNI libraries of DuckDB and Arrow from piling up in the temp folder.
 *
 * <p>Both unpack their library out of their jar into a new temp file in every process that uses them,
 * and delete it only at a clean exit ({@code File.deleteOnExit}): DuckDB's JDBC driver (2.0.x,
 * {@code org.duckdb.DuckDBNative}) 72 MB as {@code libduckdb_java<random>.so}, Arrow's C Data
 * interface ({@code org.apache.arrow.c.jni.JniLoader}) 40 kB as {@code jnilib-<random>.tmp}. Each
 * process killed with {@code kill -9} left both behind. DuckDB's driver offers no option to load its
 * library from a fixed place while its jar carries it ({@code java.library.path} is tried only when
 * the jar has none).
 *
 * <p>{@link #load()} therefore loads both at once and then, on Linux, deletes this process's copies (a
 * loaded library stays mapped: unlinking its file changes nothing for the process) and the copies of
 * processes that are gone: those no live process maps, older than {@link #IN_FLIGHT} (a process that
 * is still copying or about to load its own wrote it just now), owned by this user, and ELF files.
 * Elsewhere it only loads them.
 */
public final class NativeLibraries {

    private static final Logger LOG = LoggerFactory.getLogger(NativeLibraries.class);
    /**
     * The names the copies get: {@code Files.createTempFile("libduckdb_java", ".so")} (DuckDB) and
     * {@code File.createTempFile("jnilib-", ".tmp")} (Arrow C Data).
     */
    static final Pattern COPY_NAME = Pattern.compile("libduckdb_java-?\\d+\\.so|jnilib--?\\d+\\.tmp");
    /** A copy written this recently may be one another process is about to load: it is left alone. */
    static final Duration IN_FLIGHT = Duration.ofMinutes(1);
    private static final byte[] ELF_MAGIC = {0x7f, 'E', 'L', 'F'};
    private static final Path PROC = Path.of("/proc");

    private static boolean loaded;

    private NativeLibraries() {
    }

    /**
     * Loads DuckDB's and Arrow's libraries if this process has not yet, and deletes the copies described
     * above. Failing to delete is only logged: the libraries work all the same.
     */
    public static synchronized void load() {
        if (loaded) {
            return;
        }
        try {
            DriverManager.getConnection("jdbc:duckdb:").close();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot start DuckDB: " + e.getMessage(), e);
        }
        JniLoader.get().ensureLoaded();
        loaded = true;
        if (!Files.isReadable(PROC.resolve("self").resolve("maps"))) {
            return;
        }
        Path tempFolder = Path.of(System.getProperty("java.io.tmpdir"));
        try {
            tempFolder = tempFolder.toRealPath(); // as /proc names mapped files
            for (Path own : copiesMappedBy(PROC.resolve("self"), tempFolder)) {
                Files.deleteIfExists(own);
            }
            int removed = removeStaleCopies(tempFolder, Instant.now());
            if (removed > 0) {
                LOG.info("deleted {} copies of DuckDB's or Arrow's library that processes which are gone left in {}",
                        removed, tempFolder);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not delete copies of DuckDB's or Arrow's library in {}: {}", tempFolder, e.toString());
        }
    }

    /**
     * Deletes the copies in {@code tempFolder} (a real path) owned by this user that no live process
     * maps, that were written before {@code now} minus {@link #IN_FLIGHT} and that are ELF files;
     * returns how many.
     */
    static int removeStaleCopies(Path tempFolder, Instant now) throws IOException {
        List<Path> candidates = new ArrayList<>();
        String me = System.getProperty("user.name");
        try (DirectoryStream<Path> files = Files.newDirectoryStream(tempFolder,
                file -> COPY_NAME.matcher(file.getFileName().toString()).matches())) {
            for (Path file : files) {
                if (Files.getLastModifiedTime(file).toInstant().isBefore(now.minus(IN_FLIGHT))
                        && Files.getOwner(file).getName().equals(me) && isElf(file)) {
                    candidates.add(file);
                }
            }
        }
        if (candidates.isEmpty()) {
            return 0;
        }
        Set<Path> mapped = new HashSet<>();
        try (Stream<Path> processes = Files.list(PROC)) {
            for (Path process : (Iterable<Path>) processes::iterator) {
                if (process.getFileName().toString().chars().allMatch(Character::isDigit)) {
                    mapped.addAll(copiesMappedBy(process, tempFolder));
                }
            }
        }
        int removed = 0;
        for (Path candidate : candidates) {
            if (!mapped.contains(candidate) && Files.deleteIfExists(candidate)) {
                removed++;
            }
        }
        return removed;
    }

    private static boolean isElf(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(ELF_MAGIC.length), ELF_MAGIC);
        }
    }

    /**
     * The copies in {@code tempFolder} that a process ({@code /proc/<pid>}) has mapped; none when its
     * maps cannot be read (it ended, or belongs to another user).
     */
    static Set<Path> copiesMappedBy(Path process, Path tempFolder) {
        Set<Path> copies = new HashSet<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(process.resolve("maps"));
        } catch (IOException | RuntimeException e) {
            return copies;
        }
        for (String line : lines) {
            int slash = line.indexOf('/');
            if (slash < 0 || line.endsWith(" (deleted)")) {
                continue;
            }
            Path file = Path.of(line.substring(slash));
            if (tempFolder.equals(file.getParent()) && COPY_NAME.matcher(file.getFileName().toString()).matches()) {
                copies.add(file);
            }
        }
        return copies;
    }
}
