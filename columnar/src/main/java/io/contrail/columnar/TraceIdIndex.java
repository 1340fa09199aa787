package io.contrail.columnar;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.LongBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which span files may hold a trace, without a time range: for every span file, the sorted low
 * 64 bits of each trace ID it holds. A lookup is one binary search per file, so a trace is read
 * from the one or few files that hold it instead of from all of them. A false positive (two IDs
 * sharing 64 bits) only costs reading one file more; there are no false negatives.
 *
 * <p>Each span file's keys live in a sidecar beside it ({@code part-….traceids}: a magic number,
 * the count, the keys as big-endian longs), written before the span file is renamed into place —
 * by the flush from the spans it writes, by the compaction for its output — and built here, from
 * the file's {@code trace_id} column, for any file that has none (data from before the index). Sidecars are written under a temp name and renamed, and deleted
 * with their span file. The index maps the large sidecars into memory rather than reading them onto the heap: their
 * 8 bytes per distinct trace per file grow with the spans stored, and the operating system's page cache holds those
 * that lookups touch (the heap after collections stays flat as the store grows; bench/results/soak). Small ones
 * (below {@link #MAPPED_FROM_BYTES}: flush files', merged away soon) are read onto the heap. Thread-safe.
 */
public final class TraceIdIndex implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TraceIdIndex.class);
    private static final int MAGIC = 0x54524944; // "TRID"
    /** The magic number and the count. */
    private static final int HEADER_BYTES = 8;
    /**
     * Sidecars from this size on are mapped, smaller ones read onto the heap: a process has a limited number of
     * memory maps ({@code vm.max_map_count}, 65,530 by default, shared with DuckDB and the JVM), and the sidecars
     * that stay — those of merged files, 8 bytes for each of their tens of thousands of traces — are the large ones.
     */
    static final long MAPPED_FROM_BYTES = 64 * 1024;

    private final Connection duckdb;
    private final Map<Path, LongBuffer> keysByFile = new ConcurrentHashMap<>();

    private TraceIdIndex(Connection duckdb) {
        this.duckdb = duckdb;
    }

    public static TraceIdIndex open() throws IOException {
        try {
            Connection connection = DriverManager.getConnection("jdbc:duckdb:");
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET threads = 1");
            }
            return new TraceIdIndex(connection);
        } catch (SQLException e) {
            throw new IOException("cannot start DuckDB for the trace-ID index: " + e.getMessage(), e);
        }
    }

    /**
     * The 64-bit key of a lower-case hex trace ID: its low 64 bits, which are random both in
     * 128-bit IDs and in 64-bit IDs padded with zeros (Zipkin's).
     */
    static long key(String traceIdHex) {
        return Long.parseUnsignedLong(traceIdHex.substring(traceIdHex.length() - 16), 16);
    }

    /**
     * Makes the index cover exactly {@code spanFiles}: forgets files no longer listed, loads the
     * sidecars of new ones, building those missing. A file that vanished meanwhile is skipped.
     */
    public synchronized void update(List<Path> spanFiles) throws IOException {
        Set<Path> wanted = new HashSet<>(spanFiles);
        keysByFile.keySet().retainAll(wanted);
        int built = 0;
        long started = System.nanoTime();
        for (Path file : spanFiles) {
            if (keysByFile.containsKey(file)) {
                continue;
            }
            try {
                LongBuffer keys = mapSidecar(SpanFiles.traceIdSidecar(file));
                if (keys == null) {
                    writeSidecar(file, keysOf(duckdb, file));
                    built++;
                    keys = mapSidecar(SpanFiles.traceIdSidecar(file));
                    if (keys == null) {
                        throw new IOException("the trace-ID sidecar just written for " + file.getFileName() + " cannot be read");
                    }
                }
                keysByFile.put(file, keys);
            } catch (NoSuchFileException e) {
                // Deleted after it was listed (superseded or retired): nothing to index.
            }
        }
        if (built > 0) {
            LOG.debug("built trace-ID sidecars for {} span files in {} ms", built, (System.nanoTime() - started) / 1_000_000);
        }
    }

    /** The indexed span files that may hold {@code traceIdHex} (lower-case, 32 hex digits). */
    public List<Path> filesMayHold(String traceIdHex) {
        long key = key(traceIdHex);
        List<Path> files = new ArrayList<>();
        for (Map.Entry<Path, LongBuffer> entry : keysByFile.entrySet()) {
            if (contains(entry.getValue(), key)) {
                files.add(entry.getKey());
            }
        }
        files.sort(null);
        return files;
    }

    /** Whether the sorted {@code keys} hold {@code key}: a binary search, as {@link Arrays#binarySearch(long[], long)}. */
    private static boolean contains(LongBuffer keys, long key) {
        int low = 0;
        int high = keys.limit() - 1;
        while (low <= high) {
            int middle = (low + high) >>> 1;
            long value = keys.get(middle);
            if (value < key) {
                low = middle + 1;
            } else if (value > key) {
                high = middle - 1;
            } else {
                return true;
            }
        }
        return false;
    }

    /** Files indexed now. */
    public int size() {
        return keysByFile.size();
    }

    /** The sorted distinct keys of the trace IDs of {@code spans} (binary IDs: the low 64 bits are the last 8 bytes). */
    static long[] keysOf(List<SpanRef> spans) {
        long[] keys = new long[spans.size()];
        int count = 0;
        for (SpanRef ref : spans) {
            com.google.protobuf.ByteString id = ref.span().getTraceId();
            if (id.size() >= 8) {
                keys[count++] = java.nio.ByteBuffer.wrap(id.substring(id.size() - 8).toByteArray()).getLong();
            }
        }
        return Arrays.stream(keys, 0, count).sorted().distinct().toArray();
    }

    /** The sorted distinct keys of the trace IDs in one span file, read with DuckDB. */
    static long[] keysOf(Connection duckdb, Path spanFile) throws IOException {
        String sql = "SELECT DISTINCT trace_id FROM read_parquet('" + spanFile.toString().replace("'", "''")
                + "', hive_partitioning = false)";
        long[] keys = new long[1024];
        int count = 0;
        try (Statement statement = duckdb.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            while (rs.next()) {
                String id = rs.getString(1);
                if (id == null || id.length() < 16) {
                    continue;
                }
                if (count == keys.length) {
                    keys = Arrays.copyOf(keys, count * 2);
                }
                keys[count++] = key(id);
            }
        } catch (SQLException e) {
            if (!Files.exists(spanFile)) {
                throw new NoSuchFileException(spanFile.toString());
            }
            throw new IOException("cannot read the trace IDs of " + spanFile + ": " + e.getMessage(), e);
        }
        return Arrays.stream(keys, 0, count).sorted().distinct().toArray();
    }

    /**
     * The sorted distinct keys of the trace IDs in all of {@code spanFiles}, from their sidecars; null when
     * one has none (the caller then reads the merged file).
     */
    static long[] unionOfSidecars(List<Path> spanFiles) throws IOException {
        List<long[]> all = new ArrayList<>();
        for (Path file : spanFiles) {
            long[] keys = readSidecar(SpanFiles.traceIdSidecar(file));
            if (keys == null) {
                return null;
            }
            all.add(keys);
        }
        return all.stream().flatMapToLong(Arrays::stream).sorted().distinct().toArray();
    }

    /** Writes the sidecar of {@code spanFile} (which may not be in place yet) durably. */
    static void writeSidecar(Path spanFile, long[] sortedKeys) throws IOException {
        Path sidecar = SpanFiles.traceIdSidecar(spanFile);
        Path temp = DataLayout.tempFor(sidecar);
        try (OutputStream file = Files.newOutputStream(temp);
             DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(file, 1 << 16))) {
            out.writeInt(MAGIC);
            out.writeInt(sortedKeys.length);
            for (long key : sortedKeys) {
                out.writeLong(key);
            }
        }
        Durability.publish(temp, sidecar);
    }

    /**
     * The keys in a sidecar (a 64-bit hash of each distinct trace ID of its span file, sorted); null when it
     * is missing or unreadable (it is then rebuilt).
     */
    public static long[] readSidecar(Path sidecar) throws IOException {
        if (!Files.exists(sidecar)) {
            return null;
        }
        try (InputStream file = Files.newInputStream(sidecar);
             DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(file, 1 << 16))) {
            if (in.readInt() != MAGIC) {
                return null;
            }
            long[] keys = new long[in.readInt()];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = in.readLong();
            }
            return keys;
        } catch (java.io.EOFException e) {
            return null;
        }
    }

    /**
     * The keys of a sidecar: mapped read-only from {@link #MAPPED_FROM_BYTES} on (they stay readable after the file
     * is deleted, until the buffer is collected), else read onto the heap; null when it is missing or not a sidecar
     * (it is then rebuilt).
     */
    private static LongBuffer mapSidecar(Path sidecar) throws IOException {
        long size;
        try {
            size = Files.size(sidecar);
        } catch (NoSuchFileException e) {
            return null;
        }
        if (size < MAPPED_FROM_BYTES) {
            // A small sidecar (a flush file's, merged away soon) costs less on the heap than a memory map.
            long[] keys = readSidecar(sidecar);
            return keys == null ? null : LongBuffer.wrap(keys);
        }
        try (FileChannel channel = FileChannel.open(sidecar, StandardOpenOption.READ)) {
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            int count = mapped.getInt(4);
            if (mapped.getInt(0) != MAGIC || count < 0 || HEADER_BYTES + 8L * count > size) {
                return null;
            }
            return mapped.position(HEADER_BYTES).limit(HEADER_BYTES + 8 * count).slice().asLongBuffer();
        }
    }

    @Override
    public void close() {
        try {
            duckdb.close();
        } catch (SQLException e) {
            LOG.warn("closing the trace-ID index's DuckDB: {}", e.getMessage());
        }
    }
}
