package io.contrail.columnar;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which files a compaction pass merges ({@link #plan}): the levels of {@link Compactor}'s class comment,
 * applied partition by partition to the files of completed flushes, from each file's footer facts (rows,
 * level, schema version), which are read once per file and cached, since a published file never changes.
 * Thread-safe: a pass and {@code /health}'s {@link Compactor#pendingMerges()} may plan at once.
 */
final class CompactionPlanner {

    private static final Logger LOG = LoggerFactory.getLogger(Compactor.class);
    /** The key of a merged file's level in its Parquet key/value metadata: "1" or "2". */
    static final String LEVEL_METADATA_KEY = "contrail.compaction_level";
    /** A flush file. */
    static final int LEVEL_FLUSHED = 0;
    /** A union of flush files in arrival order, merged once more into a level-2 file later. */
    static final int LEVEL_GATHERED = 1;
    /** Sorted trace by trace, never merged again. */
    static final int LEVEL_FINAL = 2;
    /**
     * A partition still filling is merged into a level-2 file, below the target, once it holds this
     * many level-1 files: bounds the files of an hour that fills slowly (one level-1 file per pass, so
     * about an hour of passes at the default interval) or never stops filling.
     */
    static final int MAX_GATHERED_FILES = 16;

    /**
     * A merge a plan asks for: every input of one partition's flush range, the level of the output, and whether
     * an input is of an older schema version.
     */
    record PlannedMerge(PartitionPath partition, List<SpanFiles.SpanFile> inputs, int level, boolean outdated) {
    }

    /** What a span file's footer says: its rows, its level, and whether it is of an older schema version. */
    private record FileFacts(long rows, int level, boolean outdated) {
    }

    /**
     * The files of one flush range (one file, or the files of one flush), with their rows and level, and
     * whether any is of an older schema version.
     */
    private record Run(List<SpanFiles.SpanFile> files, long rows, int level, boolean outdated) {
    }

    private final DataLayout layout;
    private final StoreConfig.Compaction config;
    /** Footer facts of span files seen, by path: files never change once published. */
    private final Map<Path, FileFacts> facts = new ConcurrentHashMap<>();

    CompactionPlanner(DataLayout layout, StoreConfig.Compaction config) {
        this.layout = layout;
        this.config = config;
    }

    /**
     * How many merges a background pass would make now. Footers not read before are read through an
     * in-memory DuckDB of its own, opened only then (see {@link Compactor#pendingMerges()}).
     */
    int pendingMerges() throws IOException {
        try (DuckDbOnDemand footers = new DuckDbOnDemand()) {
            return plan(footers, false).size();
        }
    }

    /** Where planning gets a DuckDB to read footers with, when it needs one. */
    @FunctionalInterface
    interface FooterReader {
        Connection connection() throws SQLException;
    }

    /** An in-memory DuckDB opened on first use and closed with this. */
    private static final class DuckDbOnDemand implements FooterReader, AutoCloseable {
        private Connection connection;

        @Override
        public Connection connection() throws SQLException {
            if (connection == null) {
                connection = DriverManager.getConnection("jdbc:duckdb:");
            }
            return connection;
        }

        @Override
        public void close() {
            if (connection != null) {
                try {
                    connection.close();
                } catch (SQLException e) {
                    LOG.warn("closing the DuckDB that planned pending merges: {}", e.getMessage());
                }
            }
        }
    }

    /**
     * The merges to make now, partition by partition. A partition's files of completed flushes, in
     * flush order, are cut at each level-2 file and at each file already at the target (never merged
     * again); each stretch between is packed, whole flush ranges at a time (so a merged file's range
     * supersedes exactly its inputs), into groups of up to the target. A group becomes one level-2
     * file when it is full (the target reached, or the next range would pass it), when the partition
     * is closed, or when it holds {@link #MAX_GATHERED_FILES} level-1 files; a lone file is left as it
     * is (a merge of one file would have the same flush range as its input). Otherwise the group's flush files after its last level-1 file, two or more, become one
     * level-1 file.
     *
     * @param closeAll treat every partition as closed
     */
    List<PlannedMerge> plan(FooterReader footers, boolean closeAll) throws IOException {
        List<Long> segments = WriteAheadLog.segments(layout.walDir());
        long completedBelow = segments.isEmpty() ? Long.MAX_VALUE : segments.get(0);
        long idleBeforeMillis = System.currentTimeMillis() - config.closeAfterIdle().toMillis();
        Map<PartitionPath, List<SpanFiles.SpanFile>> byPartition = new TreeMap<>();
        Map<PartitionPath, Long> newestFlushMillis = new HashMap<>();
        List<SpanFiles.SpanFile> live = SpanFiles.select(layout).live();
        for (SpanFiles.SpanFile file : live) {
            if (file.foreign()) {
                continue;
            }
            long modified;
            try {
                modified = Files.getLastModifiedTime(file.path()).toMillis();
            } catch (java.nio.file.NoSuchFileException e) {
                continue; // retired meanwhile
            }
            newestFlushMillis.merge(file.partition(), modified, Math::max);
            if (file.lastFlush() < completedBelow) {
                byPartition.computeIfAbsent(file.partition(), p -> new ArrayList<>()).add(file);
            }
        }
        facts.keySet().retainAll(live.stream().map(SpanFiles.SpanFile::path).collect(java.util.stream.Collectors.toSet()));
        Map<Path, FileFacts> known = factsOf(footers, byPartition.values().stream().flatMap(List::stream).toList());
        List<PlannedMerge> plan = new ArrayList<>();
        for (Map.Entry<PartitionPath, List<SpanFiles.SpanFile>> partition : byPartition.entrySet()) {
            boolean closedPartition = closeAll || newestFlushMillis.get(partition.getKey()) < idleBeforeMillis;
            Map<String, List<SpanFiles.SpanFile>> ranges = new LinkedHashMap<>();
            partition.getValue().stream()
                    .sorted(Comparator.comparingLong(SpanFiles.SpanFile::firstFlush)
                            .thenComparing(SpanFiles.SpanFile::path))
                    .forEach(f -> ranges.computeIfAbsent(f.firstFlush() + "-" + f.lastFlush(), k -> new ArrayList<>()).add(f));
            List<Run> stretch = new ArrayList<>();
            for (List<SpanFiles.SpanFile> files : ranges.values()) {
                Run run = new Run(files, files.stream().mapToLong(f -> known.get(f.path()).rows()).sum(),
                        files.stream().mapToInt(f -> known.get(f.path()).level()).max().orElseThrow(),
                        files.stream().anyMatch(f -> known.get(f.path()).outdated()));
                if (run.level() == LEVEL_FINAL || (files.size() == 1 && run.rows() >= config.targetSpans())) {
                    planStretch(partition.getKey(), stretch, closedPartition, plan);
                    stretch = new ArrayList<>();
                    if (run.outdated()) {
                        planRewrite(partition.getKey(), run.files(), plan);
                    }
                } else {
                    stretch.add(run);
                }
            }
            planStretch(partition.getKey(), stretch, closedPartition, plan);
        }
        return plan;
    }

    private void planStretch(PartitionPath partition, List<Run> stretch, boolean closedPartition,
                             List<PlannedMerge> plan) {
        List<Run> group = new ArrayList<>();
        long groupRows = 0;
        for (Run run : stretch) {
            if (!group.isEmpty() && groupRows + run.rows() > config.targetSpans()) {
                planGroup(partition, group, true, plan);
                group = new ArrayList<>();
                groupRows = 0;
            }
            group.add(run);
            groupRows += run.rows();
        }
        if (!group.isEmpty()) {
            planGroup(partition, group, closedPartition || groupRows >= config.targetSpans(), plan);
        }
    }

    private static void planGroup(PartitionPath partition, List<Run> group, boolean complete, List<PlannedMerge> plan) {
        List<SpanFiles.SpanFile> files = group.stream().flatMap(r -> r.files().stream()).toList();
        long gathered = group.stream().filter(r -> r.level() == LEVEL_GATHERED).count();
        if (complete || gathered >= MAX_GATHERED_FILES) {
            // A lone level-1 file stays as it is: merging it alone would give the same file again, unless
            // it is of an older schema version.
            if (files.size() >= 2) {
                plan.add(new PlannedMerge(partition, files, LEVEL_FINAL, group.stream().anyMatch(Run::outdated)));
            } else if (group.get(0).outdated()) {
                planRewrite(partition, files, plan);
            }
            return;
        }
        int firstFlushed = group.size();
        while (firstFlushed > 0 && group.get(firstFlushed - 1).level() == LEVEL_FLUSHED) {
            firstFlushed--;
        }
        List<SpanFiles.SpanFile> flushed = group.subList(firstFlushed, group.size()).stream()
                .flatMap(r -> r.files().stream()).toList();
        if (flushed.size() >= 2) {
            plan.add(new PlannedMerge(partition, flushed, LEVEL_GATHERED,
                    group.subList(firstFlushed, group.size()).stream().anyMatch(Run::outdated)));
        }
    }

    /**
     * Plans {@code files} (one flush range) to be written again, alone, in the current schema version; a
     * lone compacted file only when {@link SpanFiles#rewriteName} can name its rewrite.
     */
    private static void planRewrite(PartitionPath partition, List<SpanFiles.SpanFile> files, List<PlannedMerge> plan) {
        if (files.size() > 1 || !files.get(0).compacted() || SpanFiles.rewriteName(files.get(0)) != null) {
            plan.add(new PlannedMerge(partition, files, LEVEL_FINAL, true));
        }
    }

    /** Rows, level and schema version of each file, from its footer (cached: a published file never changes). */
    private Map<Path, FileFacts> factsOf(FooterReader footers, List<SpanFiles.SpanFile> files) throws IOException {
        Map<Path, FileFacts> known = new HashMap<>();
        List<SpanFiles.SpanFile> unknown = new ArrayList<>();
        for (SpanFiles.SpanFile file : files) {
            FileFacts cached = facts.get(file.path());
            if (cached == null) {
                unknown.add(file);
            } else {
                known.put(file.path(), cached);
            }
        }
        if (unknown.isEmpty()) {
            return known;
        }
        Connection connection;
        try {
            connection = footers.connection();
        } catch (SQLException e) {
            throw new IOException("cannot open a DuckDB to read span files' footers: " + e.getMessage(), e);
        }
        Map<Path, Long> rows = rowCounts(connection, unknown);
        Map<Path, Integer> levels = new HashMap<>();
        Map<Path, Integer> versions = new HashMap<>();
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT file_name, decode(key), decode(value) FROM parquet_kv_metadata("
                     + SpanFiles.pathList(unknown.stream().map(SpanFiles.SpanFile::path).toList()) + ") WHERE decode(key) IN ('"
                     + LEVEL_METADATA_KEY + "', '" + SpanSchema.VERSION_METADATA_KEY + "')")) {
            while (rs.next()) {
                (rs.getString(2).equals(LEVEL_METADATA_KEY) ? levels : versions)
                        .put(Path.of(rs.getString(1)), Integer.parseInt(rs.getString(3).strip()));
            }
        } catch (SQLException | NumberFormatException e) {
            throw new IOException("cannot read the compaction levels and schema versions of span files: "
                    + e.getMessage(), e);
        }
        for (SpanFiles.SpanFile file : unknown) {
            // A compacted file with no level was merged before levels existed: sorted already, final.
            int level = file.compacted() ? levels.getOrDefault(file.path(), LEVEL_FINAL) : LEVEL_FLUSHED;
            FileFacts fileFacts = new FileFacts(rows.getOrDefault(file.path(), 0L), level,
                    versions.getOrDefault(file.path(), 1) < SpanSchema.VERSION);
            facts.put(file.path(), fileFacts);
            known.put(file.path(), fileFacts);
        }
        return known;
    }

    static Map<Path, Long> rowCounts(Connection connection, List<SpanFiles.SpanFile> files) throws IOException {
        Map<Path, Long> rows = new HashMap<>();
        if (files.isEmpty()) {
            return rows;
        }
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT file_name, num_rows FROM parquet_file_metadata("
                     + SpanFiles.pathList(files.stream().map(SpanFiles.SpanFile::path).toList()) + ")")) {
            while (rs.next()) {
                rows.put(Path.of(rs.getString(1)), rs.getLong(2));
            }
        } catch (SQLException e) {
            throw new IOException("cannot read the row counts of span files: " + e.getMessage(), e);
        }
        return rows;
    }

}
