package io.contrail.columnar;

import io.opentelemetry.proto.trace.v1.TracesData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The write-ahead log's records and their replay. A record is a request as it was received: an untagged one
 * is a protobuf {@code TracesData} (the log's first format, which older logs hold), a tagged one
 * {@code [0, format] + request} (no {@code TracesData} starts with field number 0), decoded again on replay by
 * the store's {@link SpanSink.RequestDecoder}, so what is replayed is exactly what was acknowledged.
 *
 * <p>Recovery ({@link #replay}) runs once, on open, before the flusher starts.
 */
final class LogRecovery {

    // Logs as the warehouse, the name operators know the write side by.
    private static final Logger LOG = LoggerFactory.getLogger(Warehouse.class);
    private static final byte[] NO_PREFIX = new byte[0];

    /** What a replay put back in the buffer, and what it skipped because Parquet already held it. */
    record Replayed(long spans, long skipped) {
    }

    private LogRecovery() {
    }

    /** The bytes logged before a request of {@code format}: none for {@link SpanSink#TRACES_DATA}, else its tag. */
    static byte[] recordPrefix(int format) {
        return format == SpanSink.TRACES_DATA ? NO_PREFIX : new byte[] {0, (byte) format};
    }

    /**
     * Replays the surviving log segments into {@code buffer}. A span is skipped when a file written at or
     * after its segment already holds it (same trace, span and kind): only such a file can, because a file
     * is written after the spans in it were logged. Checking the spans themselves, not only the files' flush
     * numbers, keeps this exact when a sampler held some spans across flushes.
     */
    static Replayed replay(WriteAheadLog wal, DataLayout layout, ParquetSpanWriter writer,
                           SpanSink.RequestDecoder decoder, SpanBuffer buffer) throws IOException {
        List<WriteAheadLog.Record> records = wal.replay();
        if (records.isEmpty()) {
            return new Replayed(0, 0);
        }
        long oldestSegment = records.get(0).segment();
        List<Path> candidates = new ArrayList<>();
        for (Path file : layout.spanFiles()) {
            if (DataLayout.flushSegmentOf(file) >= oldestSegment) {
                candidates.add(file);
            }
        }
        List<SpanChunk> replayed = new ArrayList<>(records.size());
        Set<String> keys = new HashSet<>();
        for (WriteAheadLog.Record record : records) {
            SpanChunk chunk = decode(decoder, record.payload());
            replayed.add(chunk);
            if (!candidates.isEmpty()) {
                for (int row = 0; row < chunk.spanCount(); row++) {
                    keys.add(WrittenSpans.key(chunk, row));
                }
            }
        }
        Set<String> written = candidates.isEmpty() ? Set.of() : writer.writtenAmong(candidates, keys);
        long spansReplayed = 0;
        long spansSkipped = 0;
        long now = System.nanoTime();
        for (int i = 0; i < records.size(); i++) {
            SpanChunk chunk = replayed.get(i);
            ChunkRows fresh = ChunkRows.all(chunk);
            if (!written.isEmpty()) {
                int[] rows = new int[chunk.spanCount()];
                int count = 0;
                for (int row = 0; row < chunk.spanCount(); row++) {
                    if (written.contains(WrittenSpans.key(chunk, row))) {
                        spansSkipped++;
                    } else {
                        rows[count++] = row;
                    }
                }
                fresh = count == rows.length ? fresh : new ChunkRows(chunk, Arrays.copyOf(rows, count), null);
            }
            spansReplayed += fresh.size();
            buffer.logged(fresh, records.get(i).segment(), now, chunk.retainedBytes(), chunk.spanCount());
        }
        buffer.restartAge();
        LOG.info("Recovered {} spans from the write-ahead log ({} records); {} already in Parquet were skipped",
                spansReplayed, records.size(), spansSkipped);
        return new Replayed(spansReplayed, spansSkipped);
    }

    /** A logged record's spans. */
    private static SpanChunk decode(SpanSink.RequestDecoder decoder, byte[] record) throws IOException {
        if (record.length >= 2 && record[0] == 0) {
            return decoder.decode(record[1] & 0xff, Arrays.copyOfRange(record, 2, record.length));
        }
        return SpanChunk.fromTraces(TracesData.parseFrom(record));
    }
}
