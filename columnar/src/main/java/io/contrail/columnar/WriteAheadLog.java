package io.contrail.columnar;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * An append-only log of records in numbered segment files, made durable with group commit.
 *
 * <p>Record layout: {@code int length, int crc32c(payload), payload} (little-endian). A torn
 * record at the end of a segment (a crash mid-write) fails its length or checksum and ends the
 * replay of that segment; it was never acknowledged, because a record is acknowledged only
 * after {@link #awaitDurable(long)} returned for it.
 *
 * <p>Threading: {@link #append} and {@link #awaitDurable} may be called from any number of
 * threads. While one thread runs {@code fsync}, the others wait; when it finishes, every record
 * written before it started is durable, so one {@code fsync} serves many requests.
 * Lock order: {@code forceLock} before {@code appendLock}.
 */
final class WriteAheadLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WriteAheadLog.class);
    static final String SEGMENT_PREFIX = "segment-";
    static final String SEGMENT_SUFFIX = ".wal";
    private static final int HEADER_BYTES = 8;
    /** A record larger than this is treated as corruption during replay. */
    static final int MAX_RECORD_BYTES = 512 * 1024 * 1024;

    private final Path dir;
    private final ReentrantLock appendLock = new ReentrantLock();
    private final ReentrantLock forceLock = new ReentrantLock();
    private FileChannel current;
    private long currentSegment;
    /** Bytes ever appended, over all segments: a log sequence number. */
    private long writtenLsn;
    private volatile long durableLsn;
    private volatile long fsyncCount;
    /** Set when a failed append could not be cut back: the next append moves to a new segment. */
    private volatile boolean tornSegment;

    /** A record read back during replay. */
    private static final byte[] EMPTY = new byte[0];

    public record Record(long segment, byte[] payload) {
    }

    private WriteAheadLog(Path dir, long firstSegment) throws IOException {
        this.dir = dir;
        this.currentSegment = firstSegment;
        this.current = openSegment(firstSegment);
    }

    /**
     * Opens the log in {@code dir}, starting a new segment after every existing one (existing
     * segments stay for {@link #replay()} until {@link #deleteSegmentsUpTo(long)}).
     */
    static WriteAheadLog open(Path dir, long minimumNextSegment) throws IOException {
        Files.createDirectories(dir);
        long next = minimumNextSegment;
        for (long segment : segments(dir)) {
            next = Math.max(next, segment + 1);
        }
        return new WriteAheadLog(dir, next);
    }

    /** Segment numbers present in {@code dir}, ascending. */
    static List<Long> segments(Path dir) throws IOException {
        List<Long> segments = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return segments;
        }
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(SEGMENT_PREFIX) && n.endsWith(SEGMENT_SUFFIX))
                    .forEach(n -> {
                        try {
                            segments.add(Long.parseLong(n.substring(SEGMENT_PREFIX.length(),
                                    n.length() - SEGMENT_SUFFIX.length())));
                        } catch (NumberFormatException ignored) {
                            // Not one of ours.
                        }
                    });
        }
        segments.sort(null);
        return segments;
    }

    private Path segmentPath(long segment) {
        return dir.resolve(String.format("%s%012d%s", SEGMENT_PREFIX, segment, SEGMENT_SUFFIX));
    }

    private FileChannel openSegment(long segment) throws IOException {
        FileChannel channel = FileChannel.open(segmentPath(segment),
                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        Durability.fsyncDirectory(dir);
        return channel;
    }

    /**
     * Writes one record to the current segment (not yet durable) and returns its end LSN for
     * {@link #awaitDurable(long)}. {@code underLock} runs while no other append or rotation can
     * interleave, so a caller can tie in-memory state to the segment the record went to.
     */
    public long append(byte[] payload, Runnable underLock) throws IOException {
        return append(EMPTY, payload, underLock);
    }

    /**
     * Like {@link #append(byte[], Runnable)} for the record {@code prefix + payload}, written without
     * joining the two first (the payload is a whole request body).
     */
    public long append(byte[] prefix, byte[] payload, Runnable underLock) throws IOException {
        CRC32C crc = new CRC32C();
        crc.update(prefix);
        crc.update(payload);
        int length = prefix.length + payload.length;
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(length).putInt((int) crc.getValue()).flip();
        ByteBuffer head = ByteBuffer.wrap(prefix);
        ByteBuffer body = ByteBuffer.wrap(payload);
        if (tornSegment) {
            leaveTornSegment();
        }
        appendLock.lock();
        try {
            ByteBuffer[] buffers = {header, head, body};
            long goodEnd = current.position();
            try {
                // Written until the last buffer is: an empty payload still has its header to write.
                while (header.hasRemaining() || head.hasRemaining() || body.hasRemaining()) {
                    current.write(buffers);
                }
            } catch (IOException e) {
                undoPartialWrite(goodEnd, e);
                throw e;
            }
            writtenLsn += HEADER_BYTES + length;
            underLock.run();
            return writtenLsn;
        } finally {
            appendLock.unlock();
        }
    }

    /**
     * A failed write (a full disk) may have left part of a record behind; replay stops at the first
     * bad record, so a good record appended after it would be lost. Cut the segment back to its last
     * whole record; if even that fails, the next append starts a fresh segment.
     */
    private void undoPartialWrite(long goodEnd, IOException cause) {
        try {
            current.truncate(goodEnd);
            current.position(goodEnd);
        } catch (IOException e) {
            cause.addSuppressed(e);
            tornSegment = true;
            LOG.error("the write-ahead log segment {} may end in a partial record ({}); appends continue in a new "
                    + "segment", currentSegment, e.getMessage());
        }
    }

    /** Seals the segment whose tail could not be cut back, and continues in the next one. */
    private void leaveTornSegment() throws IOException {
        forceLock.lock();
        try {
            appendLock.lock();
            try {
                if (!tornSegment) {
                    return;
                }
                // The whole records before the tear may still wait for their fsync: make them durable
                // first, or fail this append and try again on the next.
                current.force(false);
                fsyncCount++;
                FileChannel next = openSegment(currentSegment + 1);
                current.close();
                current = next;
                currentSegment++;
                tornSegment = false;
            } finally {
                appendLock.unlock();
            }
        } finally {
            forceLock.unlock();
        }
    }

    /** Returns once every record up to {@code lsn} is on disk (fsynced). */
    public void awaitDurable(long lsn) throws IOException {
        if (durableLsn >= lsn) {
            return;
        }
        forceLock.lock();
        try {
            if (durableLsn >= lsn) {
                return;
            }
            long target;
            FileChannel channel;
            appendLock.lock();
            try {
                target = writtenLsn;
                channel = current;
            } finally {
                appendLock.unlock();
            }
            channel.force(false);
            fsyncCount++;
            durableLsn = target;
        } finally {
            forceLock.unlock();
        }
    }

    /**
     * Closes the current segment (durably) and starts the next; {@code underLock} runs while no
     * append can interleave. Returns the number of the segment just closed.
     *
     * <p>When the next segment cannot be created (an unwritable or full folder), this throws and
     * changes nothing: appends continue in the current segment, and a later rotation may succeed.
     */
    public long rotate(Runnable underLock) throws IOException {
        forceLock.lock();
        try {
            appendLock.lock();
            try {
                current.force(false);
                fsyncCount++;
                durableLsn = writtenLsn;
                FileChannel next = openSegment(currentSegment + 1);
                try {
                    current.close();
                } catch (IOException e) {
                    // Its records are fsynced above; a failed close loses nothing.
                    LOG.warn("closing write-ahead log segment {}: {}", currentSegment, e.getMessage());
                }
                current = next;
                long sealed = currentSegment;
                currentSegment++;
                underLock.run();
                return sealed;
            } finally {
                appendLock.unlock();
            }
        } finally {
            forceLock.unlock();
        }
    }

    /** Deletes every segment numbered {@code <= segment}; call only once their records are in Parquet. */
    public void deleteSegmentsUpTo(long segment) throws IOException {
        for (long s : segments(dir)) {
            if (s <= segment && s != currentSegment) {
                Files.deleteIfExists(segmentPath(s));
            }
        }
        Durability.fsyncDirectory(dir);
    }

    /**
     * Reads every record of the segments older than the current one, in order. A torn or corrupt
     * tail ends a segment's replay and is logged.
     */
    public List<Record> replay() throws IOException {
        List<Record> records = new ArrayList<>();
        for (long segment : segments(dir)) {
            if (segment >= currentSegment) {
                continue;
            }
            readSegment(segment, records);
        }
        return records;
    }

    private void readSegment(long segment, List<Record> into) throws IOException {
        Path path = segmentPath(segment);
        byte[] bytes = Files.readAllBytes(path);
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.remaining() >= HEADER_BYTES) {
            int start = buffer.position();
            int length = buffer.getInt();
            int checksum = buffer.getInt();
            if (length < 0 || length > MAX_RECORD_BYTES || length > buffer.remaining()) {
                LOG.warn("WAL {}: torn record at byte {} (length {}, {} bytes left); replay of this segment stops here",
                        path.getFileName(), start, length, buffer.remaining());
                return;
            }
            byte[] payload = new byte[length];
            buffer.get(payload);
            CRC32C crc = new CRC32C();
            crc.update(payload);
            if ((int) crc.getValue() != checksum) {
                LOG.warn("WAL {}: checksum mismatch at byte {}; replay of this segment stops here",
                        path.getFileName(), start);
                return;
            }
            into.add(new Record(segment, payload));
        }
        if (buffer.hasRemaining()) {
            LOG.warn("WAL {}: {} trailing bytes of a torn header ignored", path.getFileName(), buffer.remaining());
        }
    }

    public long currentSegment() {
        appendLock.lock();
        try {
            return currentSegment;
        } finally {
            appendLock.unlock();
        }
    }

    /** Bytes in segment files on disk. */
    public long bytesOnDisk() throws IOException {
        long total = 0;
        for (long s : segments(dir)) {
            total += Files.size(segmentPath(s));
        }
        return total;
    }

    public long fsyncCount() {
        return fsyncCount;
    }

    @Override
    public void close() throws IOException {
        forceLock.lock();
        try {
            appendLock.lock();
            try {
                if (current.isOpen()) {
                    current.force(false);
                    current.close();
                }
            } finally {
                appendLock.unlock();
            }
        } finally {
            forceLock.unlock();
        }
    }
}
