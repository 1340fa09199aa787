package io.contrail.columnar;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which span files a reader should see, decided from file names alone so that every process
 * (server, {@code contrail sql}, a compaction) agrees without talking to the others.
 *
 * <p>A flush file is {@code part-<flush>-<random>.parquet}. A compacted file is
 * {@code part-<lastFlush>-c<firstFlush>-<random>.parquet}: it holds every span of the partition's
 * files whose flush numbers lie in {@code [firstFlush, lastFlush]}, so it <em>supersedes</em> them.
 * It keeps the highest flush number of its inputs first, so the write-ahead log's recovery rule
 * ("skip a replayed span when its partition has a file with flush ≥ the segment") reads it as it
 * read the inputs. A superseded file is invisible from the moment the compacted file is renamed
 * into place; it is deleted later (see {@link FileReaper}), once no query can still be reading it.
 *
 * <p>Retention hides whole partitions older than the cutoff in {@code spans/.retention-cutoff}
 * (written atomically) in the same way, before deleting them.
 */
public final class SpanFiles {

    static final String COMPACTED_MARK = "c";
    private static final java.util.regex.Pattern COMPACTED_NAME =
            java.util.regex.Pattern.compile("part-\\d+-" + COMPACTED_MARK + "\\d+-[0-9a-f]+\\.parquet");
    static final String RETENTION_CUTOFF = ".retention-cutoff";
    /** The trace-ID sidecar of {@code part-….parquet} is {@code part-….traceids}. */
    public static final String TRACE_ID_SUFFIX = ".traceids";

    /** A span file and what its name says. firstFlush == lastFlush for a flush file. */
    public record SpanFile(Path path, PartitionPath partition, long firstFlush, long lastFlush) {
        public boolean compacted() {
            return COMPACTED_NAME.matcher(path.getFileName().toString()).matches();
        }

        /** A Parquet file in the spans folder whose name is not one Contrail writes: read, never merged. */
        public boolean foreign() {
            return lastFlush < 0;
        }

        boolean supersedes(SpanFile other) {
            if (other == this || !compacted() || firstFlush > other.firstFlush || other.lastFlush > lastFlush) {
                return false;
            }
            boolean wider = lastFlush - firstFlush > other.lastFlush - other.firstFlush;
            // A merge of the files one flush wrote into a partition has their range, and holds them all.
            // Two merged files of the same range hold the same spans (a compaction repeated after a crash): keep one.
            return wider || !other.compacted()
                    || path.getFileName().toString().compareTo(other.path.getFileName().toString()) < 0;
        }
    }

    /** Every span file, sorted into live (to read), superseded and retired (to delete). */
    public record Selection(List<SpanFile> live, List<SpanFile> superseded, List<SpanFile> retired) {
        public List<Path> livePaths() {
            return live.stream().map(SpanFile::path).toList();
        }
    }

    private SpanFiles() {
    }

    static String compactedFileName(long firstFlush, long lastFlush) {
        String flushName = DataLayout.newFileName(lastFlush);
        int randomStart = flushName.lastIndexOf('-');
        return flushName.substring(0, randomStart) + "-" + COMPACTED_MARK
                + String.format("%012d", firstFlush) + flushName.substring(randomStart);
    }

    /**
     * The name of a file holding what the compacted {@code file} holds, written again (in a newer schema
     * version), that supersedes it: its flush range, and a random part below the input's (of two compacted
     * files of one range, the one whose name sorts first is read). Null when the input's random part is 0 (or
     * not one Contrail writes).
     */
    static String rewriteName(SpanFile file) {
        String name = file.path().getFileName().toString();
        int randomStart = name.lastIndexOf('-') + 1;
        long random;
        try {
            random = Long.parseLong(name.substring(randomStart, name.length() - DataLayout.PARQUET_SUFFIX.length()), 16);
        } catch (NumberFormatException e) {
            return null;
        }
        if (random <= 0) {
            return null;
        }
        return name.substring(0, randomStart) + String.format("%08x",
                java.util.concurrent.ThreadLocalRandom.current().nextLong(random)) + DataLayout.PARQUET_SUFFIX;
    }

    /** What a span file's name says; null when it is not a span file. */
    public static SpanFile parse(Path file) {
        long lastFlush = DataLayout.flushSegmentOf(file);
        PartitionPath partition = DataLayout.partitionOf(file);
        if (lastFlush < 0 || partition == null) {
            return null;
        }
        String name = file.getFileName().toString();
        String[] parts = name.substring(0, name.length() - DataLayout.PARQUET_SUFFIX.length()).split("-");
        long firstFlush = lastFlush;
        if (parts.length == 4 && parts[2].startsWith(COMPACTED_MARK)) {
            try {
                firstFlush = Long.parseLong(parts[2].substring(COMPACTED_MARK.length()));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return new SpanFile(file, partition, firstFlush, lastFlush);
    }

    /** The span files a query should read now. */
    public static List<Path> live(DataLayout layout) throws IOException {
        return select(layout).livePaths();
    }

    public static Selection select(DataLayout layout) throws IOException {
        PartitionPath cutoff = retentionCutoff(layout);
        Map<PartitionPath, List<SpanFile>> byPartition = new TreeMap<>();
        List<SpanFile> live = new ArrayList<>();
        for (Path path : layout.spanFiles()) {
            SpanFile file = parse(path);
            if (file != null) {
                byPartition.computeIfAbsent(file.partition(), p -> new ArrayList<>()).add(file);
            } else {
                // Not a name Contrail writes (a file put there by hand): read as it always was.
                live.add(new SpanFile(path, DataLayout.partitionOf(path), -1, -1));
            }
        }
        List<SpanFile> superseded = new ArrayList<>();
        List<SpanFile> retired = new ArrayList<>();
        for (Map.Entry<PartitionPath, List<SpanFile>> partition : byPartition.entrySet()) {
            if (cutoff != null && partition.getKey().compareTo(cutoff) < 0) {
                retired.addAll(partition.getValue());
                continue;
            }
            List<SpanFile> compacted = partition.getValue().stream().filter(SpanFile::compacted).toList();
            for (SpanFile file : partition.getValue()) {
                boolean hidden = compacted.stream().anyMatch(c -> c.supersedes(file));
                (hidden ? superseded : live).add(file);
            }
        }
        live.sort(Comparator.comparing(SpanFile::path));
        return new Selection(live, superseded, retired);
    }

    /** Partitions before this one are retired; null when retention never ran. */
    public static PartitionPath retentionCutoff(DataLayout layout) throws IOException {
        Path marker = layout.spansDir().resolve(RETENTION_CUTOFF);
        if (!Files.exists(marker)) {
            return null;
        }
        String text = Files.readString(marker, StandardCharsets.UTF_8).strip();
        String[] folders = text.split("/");
        return folders.length == 2 ? PartitionPath.parse(folders[0], folders[1]) : null;
    }

    /** Raises the retention cutoff (never lowers it), atomically and durably. */
    static void raiseRetentionCutoff(DataLayout layout, PartitionPath cutoff) throws IOException {
        PartitionPath current = retentionCutoff(layout);
        if (current != null && current.compareTo(cutoff) >= 0) {
            return;
        }
        Path marker = layout.spansDir().resolve(RETENTION_CUTOFF);
        Path temp = DataLayout.tempFor(marker);
        Files.writeString(temp, cutoff.toString() + "\n", StandardCharsets.UTF_8);
        Durability.publish(temp, marker);
    }

    public static Path traceIdSidecar(Path spanFile) {
        String name = spanFile.getFileName().toString();
        return spanFile.resolveSibling(name.substring(0, name.length() - DataLayout.PARQUET_SUFFIX.length())
                + TRACE_ID_SUFFIX);
    }

    /**
     * Deletes what no reader can be using any more, at start before anything reads: superseded and
     * retired files left by a crash, sidecars whose span file is gone, empty partition folders.
     * Returns the number of files deleted.
     */
    public static int deleteLeftovers(DataLayout layout) throws IOException {
        Selection selection = select(layout);
        int deleted = 0;
        for (SpanFile file : selection.superseded()) {
            deleted += FileReaper.deleteNow(file.path()) ? 1 : 0;
        }
        for (SpanFile file : selection.retired()) {
            deleted += FileReaper.deleteNow(file.path()) ? 1 : 0;
        }
        if (Files.isDirectory(layout.spansDir())) {
            try (var walk = Files.walk(layout.spansDir(), 3)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    String name = p.getFileName().toString();
                    if (name.endsWith(TRACE_ID_SUFFIX) && !Files.exists(p.resolveSibling(
                            name.substring(0, name.length() - TRACE_ID_SUFFIX.length()) + DataLayout.PARQUET_SUFFIX))) {
                        Files.deleteIfExists(p);
                        deleted++;
                    }
                }
            }
            FileReaper.deleteEmptyPartitionFolders(layout);
        }
        return deleted;
    }

    /** {@code paths} as a DuckDB list of string literals, e.g. for {@code read_parquet}. */
    static String pathList(List<Path> paths) {
        StringBuilder list = new StringBuilder("[");
        for (Path p : paths) {
            list.append(list.length() > 1 ? ", " : "").append('\'').append(p.toString().replace("'", "''")).append('\'');
        }
        return list.append(']').toString();
    }
}
