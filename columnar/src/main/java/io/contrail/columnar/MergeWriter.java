package io.contrail.columnar;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes one planned merge ({@link #merge}): writes the merged file under a temp name, by copying the inputs'
 * row groups when {@link RowGroupCopy} applies or else through DuckDB's {@code COPY}, checks its row count
 * against the inputs, writes its trace-ID sidecar, publishes it, tells the listeners, and hands the inputs
 * to the {@link FileReaper}. Each step is crash-safe (see {@link Compactor}). Runs on the thread of the
 * compaction pass, with the pass's DuckDB connection; its counters are read by any thread.
 */
final class MergeWriter {

    private static final Logger LOG = LoggerFactory.getLogger(Compactor.class);

    private final DataLayout layout;
    private final StoreConfig.Compaction config;
    private final FileReaper reaper;
    private final Connection duckdb;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong mergesDone = new AtomicLong();
    private final AtomicLong spansMerged = new AtomicLong();
    private final AtomicLong flushedSpansMerged = new AtomicLong();

    MergeWriter(DataLayout layout, StoreConfig.Compaction config, FileReaper reaper, Connection duckdb) {
        this.layout = layout;
        this.config = config;
        this.reaper = reaper;
        this.duckdb = duckdb;
    }

    /** Runs {@code listener} after each merge published a file (readers should re-list). */
    void onFilesChanged(Runnable listener) {
        listeners.add(listener);
    }

    long mergesDone() {
        return mergesDone.get();
    }

    long spansMerged() {
        return spansMerged.get();
    }

    long flushedSpansMerged() {
        return flushedSpansMerged.get();
    }

    Store.Merge merge(CompactionPlanner.PlannedMerge planned) throws IOException {
        long started = System.nanoTime();
        PartitionPath partition = planned.partition();
        List<SpanFiles.SpanFile> inputs = planned.inputs();
        long firstFlush = inputs.stream().mapToLong(SpanFiles.SpanFile::firstFlush).min().orElseThrow();
        long lastFlush = inputs.stream().mapToLong(SpanFiles.SpanFile::lastFlush).max().orElseThrow();
        Path target = partition.resolveUnder(layout.spansDir()).resolve(inputs.size() == 1 && inputs.get(0).compacted()
                ? SpanFiles.rewriteName(inputs.get(0)) : SpanFiles.compactedFileName(firstFlush, lastFlush));
        Path temp = DataLayout.tempFor(target);
        List<Path> inputPaths = inputs.stream().map(SpanFiles.SpanFile::path).toList();
        long bytesBefore = 0;
        java.nio.file.attribute.FileTime newestInput = java.nio.file.attribute.FileTime.fromMillis(0);
        for (Path input : inputPaths) {
            bytesBefore += Files.size(input);
            java.nio.file.attribute.FileTime modified = Files.getLastModifiedTime(input);
            newestInput = modified.compareTo(newestInput) > 0 ? modified : newestInput;
        }
        long spans;
        long flushedSpans = 0;
        boolean copied;
        try {
            Map<Path, Long> inputRows = CompactionPlanner.rowCounts(duckdb, inputs);
            long expected = inputRows.values().stream().mapToLong(Long::longValue).sum();
            for (SpanFiles.SpanFile input : inputs) {
                flushedSpans += input.compacted() ? 0 : inputRows.getOrDefault(input.path(), 0L);
            }
            Map<String, String> metadata = Map.of(CompactionPlanner.LEVEL_METADATA_KEY, Integer.toString(planned.level()));
            copied = copyRowGroups(inputPaths, temp, metadata, partition);
            if (!copied) {
                ParquetSpanWriter.merge(duckdb, inputPaths, temp, config.rowGroupSpans(), metadata, planned.outdated());
            }
            spans = CompactionPlanner.rowCounts(duckdb, List.of(new SpanFiles.SpanFile(temp, partition, firstFlush, lastFlush))).values()
                    .stream().mapToLong(Long::longValue).sum();
            if (spans != expected) {
                throw new IOException("merged file holds " + spans + " spans, its inputs " + expected);
            }
            long[] traceKeys = TraceIdIndex.unionOfSidecars(inputPaths);
            TraceIdIndex.writeSidecar(target, traceKeys != null ? traceKeys : TraceIdIndex.keysOf(duckdb, temp));
            Files.setLastModifiedTime(temp, newestInput);
        } catch (SQLException | IOException e) {
            Files.deleteIfExists(temp);
            Files.deleteIfExists(SpanFiles.traceIdSidecar(target));
            throw new IOException("merging " + inputs.size() + " files of " + partition + " failed: "
                    + e.getMessage(), e);
        }
        Durability.publish(temp, target);
        mergesDone.incrementAndGet();
        spansMerged.addAndGet(spans);
        flushedSpansMerged.addAndGet(flushedSpans);
        for (Runnable listener : listeners) {
            listener.run();
        }
        reaper.deleteLater(inputs);
        return new Store.Merge(partition, inputs.size(), spans, bytesBefore, Files.size(target), target,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), planned.level(), copied);
    }

    /**
     * Writes the merge of {@code inputs} to {@code temp} by copying their row groups, when {@link RowGroupCopy}
     * applies, and checks that DuckDB reads every span of it; false when it does not apply, or when the copy
     * failed or did not read back (logged: the caller re-encodes instead, so a file parquet-java cannot copy
     * does not stop compaction).
     */
    private boolean copyRowGroups(List<Path> inputs, Path temp, Map<String, String> metadata, PartitionPath partition)
            throws IOException {
        try {
            RowGroupCopy copy = RowGroupCopy.plan(inputs, config.rowGroupSpans() / 4);
            if (copy == null) {
                return false;
            }
            Map<String, String> withVersion = new java.util.LinkedHashMap<>(metadata);
            withVersion.put(SpanSchema.VERSION_METADATA_KEY, String.valueOf(SpanSchema.VERSION));
            copy.writeTo(temp, withVersion, duckdb);
            // DuckDB reads the copy back — its footer, and one column's pages — before it replaces anything.
            try (Statement statement = duckdb.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT count(*), count(span_id) FROM read_parquet("
                         + SpanFiles.pathList(List.of(temp)) + ")")) {
                rows.next();
                if (rows.getLong(1) != copy.rows() || rows.getLong(2) != copy.rows()) {
                    throw new IOException("DuckDB reads " + rows.getLong(1) + " spans and " + rows.getLong(2)
                            + " span IDs in the copy, " + copy.rows() + " expected");
                }
            }
            return true;
        } catch (IOException | SQLException | RuntimeException e) {
            LOG.warn("copying the row groups of {} files of {} failed, re-encoding them instead: {}",
                    inputs.size(), partition, e.toString());
            Files.deleteIfExists(temp);
            return false;
        }
    }

}
