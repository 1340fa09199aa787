package io.contrail.columnar;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Where things live under the data folder.
 *
 * <pre>
 * &lt;data&gt;/spans/date=YYYY-MM-DD/hour=HH/part-&lt;flush&gt;-&lt;random&gt;.parquet   span files ({@link SpanSchema#VERSION})
 * &lt;data&gt;/spans/date=YYYY-MM-DD/hour=HH/part-&lt;last&gt;-c&lt;first&gt;-&lt;random&gt;.parquet   compacted ({@link SpanFiles})
 * &lt;data&gt;/wal/segment-&lt;n&gt;.wal                                        write-ahead log
 * &lt;data&gt;/quarantine/spans-&lt;time&gt;-&lt;flush&gt;-&lt;random&gt;.otlp.json        spans that failed to write ({@link Quarantine})
 * </pre>
 *
 * {@code <flush>} is the number of the last WAL segment whose spans the file holds; recovery uses
 * it to skip spans already written (see {@link Warehouse}). Files are written under a name
 * starting with a dot and ending in {@code .tmp} and renamed into place, so readers globbing
 * {@code *.parquet} never see a partial file.
 */
public record DataLayout(Path root) {

    public static final String PARQUET_SUFFIX = ".parquet";
    static final String FILE_PREFIX = "part-";

    public DataLayout {
        root = root.toAbsolutePath().normalize();
    }

    public Path spansDir() {
        return root.resolve("spans");
    }

    public Path walDir() {
        return root.resolve("wal");
    }

    /** The glob that matches every span file, for DuckDB's {@code read_parquet}. */
    public String spansGlob() {
        return spansDir() + "/*/*/*" + PARQUET_SUFFIX;
    }

    static String newFileName(long flushSegment) {
        return String.format("%s%012d-%08x%s", FILE_PREFIX, flushSegment,
                ThreadLocalRandom.current().nextInt(), PARQUET_SUFFIX);
    }

    static Path tempFor(Path target) {
        return target.resolveSibling("." + target.getFileName() + ".tmp");
    }

    /** The flush segment encoded in a span file's name, or -1. */
    static long flushSegmentOf(Path file) {
        String name = file.getFileName().toString();
        if (!name.startsWith(FILE_PREFIX) || !name.endsWith(PARQUET_SUFFIX)) {
            return -1;
        }
        int end = name.indexOf('-', FILE_PREFIX.length());
        try {
            return Long.parseLong(name.substring(FILE_PREFIX.length(), end < 0 ? name.length() : end));
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            return -1;
        }
    }

    /**
     * Every span file, in partition order. A folder deleted during the listing (retention removes
     * empty partition folders) is skipped, not an error.
     */
    public List<Path> spanFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(spansDir())) {
            return files;
        }
        walkSkippingDeleted(spansDir(), 3, (file, attrs) -> {
            String name = file.getFileName().toString();
            if (name.endsWith(PARQUET_SUFFIX) && !name.startsWith(".")) {
                files.add(file);
            }
        });
        files.sort(null);
        return files;
    }

    /**
     * Visits every file under {@code folder} down to {@code maxDepth} levels with its attributes, skipping
     * files and folders deleted while the walk runs (a compaction's inputs, a retired partition): they are
     * not there any more, while {@link Files#walk} would fail on them.
     */
    public static void walkSkippingDeleted(Path folder, int maxDepth,
                                           java.util.function.BiConsumer<Path, java.nio.file.attribute.BasicFileAttributes> visit)
            throws IOException {
        Files.walkFileTree(folder, java.util.Set.of(), maxDepth, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attrs) {
                visit.accept(file, attrs);
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof java.nio.file.NoSuchFileException) {
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public java.nio.file.FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null && !(e instanceof java.nio.file.NoSuchFileException)) {
                    throw e;
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
    }

    /** For each partition, the newest flush segment of its files. */
    Map<PartitionPath, Long> newestFlushByPartition() throws IOException {
        Map<PartitionPath, Long> newest = new HashMap<>();
        for (Path file : spanFiles()) {
            PartitionPath partition = partitionOf(file);
            long flush = flushSegmentOf(file);
            if (partition != null && flush >= 0) {
                newest.merge(partition, flush, Math::max);
            }
        }
        return newest;
    }

    static PartitionPath partitionOf(Path file) {
        Path hour = file.getParent();
        Path date = hour == null ? null : hour.getParent();
        if (date == null) {
            return null;
        }
        return PartitionPath.parse(date.getFileName().toString(), hour.getFileName().toString());
    }

    /** Removes temp files left by a crash during a write; they were never published. */
    void deleteAbandonedTempFiles() throws IOException {
        if (!Files.isDirectory(spansDir())) {
            return;
        }
        try (Stream<Path> walk = Files.walk(spansDir(), 3)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String name = p.getFileName().toString();
                if (name.startsWith(".") && name.endsWith(".tmp")) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
