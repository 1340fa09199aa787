package io.contrail.columnar;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One flush taken from the buffer, handed from the flusher to the writer thread: its spans grouped into
 * files by hour partition, each file's Arrow batch built ahead ({@code null} when building failed: the
 * writer builds it again and finds out why), and the log segments it resolves once written.
 *
 * @param sealed          the log segment the flush rotated at (its files' names carry it)
 * @param resolved        the log segments up to this one may be deleted once the flush is written
 * @param spans           the spans it counts against the buffer's bounds until written
 * @param bytes           the heap bytes it counts against them
 * @param unstorableTimes rows with a time Parquet cannot store, for quarantine
 */
record TakenFlush(long sealed, long resolved, long spans, long bytes,
                  Map<PartitionPath, List<FileToWrite>> files, List<ChunkRows> unstorableTimes) {

    boolean isEmpty() {
        return files.isEmpty() && unstorableTimes.isEmpty();
    }

    void closeUnwritten() {
        files.values().forEach(partition -> partition.forEach(FileToWrite::closePrepared));
    }

    /** The rows of one file and, until the writer takes it, their prepared batch. */
    static final class FileToWrite {
        final List<ChunkRows> rows;
        private ParquetSpanWriter.Prepared prepared;

        FileToWrite(List<ChunkRows> rows, ParquetSpanWriter.Prepared prepared) {
            this.rows = rows;
            this.prepared = prepared;
        }

        /** The prepared batch, once; null after that or when there was none. */
        ParquetSpanWriter.Prepared takePrepared() {
            ParquetSpanWriter.Prepared taken = prepared;
            prepared = null;
            return taken;
        }

        void closePrepared() {
            ParquetSpanWriter.Prepared unwritten = takePrepared();
            if (unwritten != null) {
                unwritten.close();
            }
        }
    }

    /**
     * The rows grouped by hour partition, in hour order; rows with a time Parquet cannot store go to
     * {@code unstorable}. A chunk whose rows all share one hour (the common case) passes whole.
     */
    static Map<PartitionPath, List<ChunkRows>> byPartition(List<ChunkRows> spans, List<ChunkRows> unstorable) {
        // Grouped by the hour's number (the partition folder name is built once per hour, not per span).
        Map<Long, List<ChunkRows>> byHour = new TreeMap<>();
        for (ChunkRows rows : spans) {
            SpanChunk chunk = rows.chunk();
            int n = rows.size();
            long[] hours = new long[n];
            boolean oneHour = true;
            boolean allStorable = true;
            for (int i = 0; i < n; i++) {
                int row = rows.row(i);
                if (!chunk.hasStorableTimes(row)) {
                    allStorable = false;
                    hours[i] = Long.MIN_VALUE;
                    continue;
                }
                hours[i] = PartitionPath.epochHourOf(chunk.startTimeUnixNano(row));
                oneHour &= hours[i] == hours[0];
            }
            if (oneHour && allStorable) {
                byHour.computeIfAbsent(hours[0], hour -> new ArrayList<>()).add(rows);
                continue;
            }
            Map<Long, List<Integer>> picked = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                picked.computeIfAbsent(hours[i], hour -> new ArrayList<>()).add(i);
            }
            picked.forEach((hour, selected) -> {
                int[] chunkRows = new int[selected.size()];
                double[] weights = new double[selected.size()];
                for (int j = 0; j < chunkRows.length; j++) {
                    chunkRows[j] = rows.row(selected.get(j));
                    weights[j] = rows.weight(selected.get(j));
                }
                ChunkRows part = new ChunkRows(chunk, chunkRows, weights);
                if (hour == Long.MIN_VALUE) {
                    unstorable.add(part);
                } else {
                    byHour.computeIfAbsent(hour, h -> new ArrayList<>()).add(part);
                }
            });
        }
        Map<PartitionPath, List<ChunkRows>> byPartition = new TreeMap<>();
        byHour.forEach((hour, rows) -> byPartition.put(PartitionPath.ofEpochHour(hour), rows));
        return byPartition;
    }
}
