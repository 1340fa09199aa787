package io.contrail.columnar;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The read side's view of a data folder's span files: which files are live now ({@link #snapshot()}),
 * a generation that grows whenever they change, and the read leases that keep retired files on disk
 * while a read that may have listed them is running.
 *
 * <p>A {@link Store} keeps its view current itself (every flush, merge and retirement moves the
 * generation). A view of a folder that another process writes ({@link #of(Path)}, as {@code contrail sql}
 * and tests use) moves only when {@link #changed()} is called; {@link #snapshot()} always lists the folder
 * afresh. Thread-safe.
 */
public final class LiveFiles {

    private final DataLayout layout;
    private final Lister lister;
    private final Residency residency;
    private final AtomicLong generation = new AtomicLong(1);
    private final AtomicLong leaseIds = new AtomicLong();
    private final Map<Long, Long> leaseStartNanos = new ConcurrentHashMap<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    LiveFiles(DataLayout layout) {
        this(layout, () -> SpanFiles.live(layout), null);
    }

    private LiveFiles(DataLayout layout, Lister lister, Residency residency) {
        this.layout = layout;
        this.lister = lister;
        this.residency = residency;
    }

    /** Lists the span files to read now, all under one folder. */
    @FunctionalInterface
    public interface Lister {
        List<Path> live() throws IOException;
    }

    /**
     * A view whose files {@code lister} names (all under {@code root}, which has the layout of a data
     * folder), for a reader that decides itself which files are live, such as a cache of a shared
     * table's files; it moves when its owner calls {@link #changed()}.
     */
    public static LiveFiles listing(Path root, Lister lister) {
        return new LiveFiles(new DataLayout(root), lister, null);
    }

    /**
     * Span start times {@code [fromNanos, toNanos)}, nanoseconds since the epoch; {@link Long#MIN_VALUE} and
     * {@link Long#MAX_VALUE} stand for an open end.
     */
    public record TimeRange(long fromNanos, long toNanos) {
        /** Every span. */
        public static final TimeRange ALL = new TimeRange(Long.MIN_VALUE, Long.MAX_VALUE);

        public boolean isAll() {
            return fromNanos == Long.MIN_VALUE && toNanos == Long.MAX_VALUE;
        }
    }

    /**
     * For a view that keeps only part of a larger set of files on disk (a bounded cache of a shared table):
     * the set as a whole, and how a read gets the part it needs. {@link #snapshot()} lists the files on disk
     * now; the views a reader builds over them answer exactly for a read whose files were made resident here.
     */
    public interface Residency {
        /**
         * Every file of the set, named where it is (or would be) on disk; the trace-ID sidecar of each is on disk
         * even when the file is not.
         */
        List<Path> all() throws IOException;

        /**
         * Makes every file that may hold spans starting in {@code range} resident (listed by {@link #snapshot()})
         * until {@code lease} closes, downloading what is missing.
         *
         * @throws NotResidentException when they do not fit in the cache
         */
        void fetch(TimeRange range, ReadLease lease) throws IOException;

        /** Makes {@code files} (of {@link #all()}) resident until {@code lease} closes. */
        void fetch(Collection<Path> files, ReadLease lease) throws IOException;
    }

    /** A read needs more files than the cache may hold; the message says how much, and what to do. */
    public static final class NotResidentException extends IOException {
        private static final long serialVersionUID = 1L;

        public NotResidentException(String message) {
            super(message);
        }
    }

    /** A view over a set of files of which {@code residency} keeps a part on disk, which {@code lister} names. */
    public static LiveFiles partial(Path root, Lister lister, Residency residency) {
        return new LiveFiles(new DataLayout(root), lister, residency);
    }

    /** How reads get files not on disk; empty when every file of the set is ({@link #snapshot()} is the set). */
    public Optional<Residency> residency() {
        return Optional.ofNullable(residency);
    }

    /** A view of the span files under {@code dataDir}, for a reader that does not write them. */
    public static LiveFiles of(Path dataDir) {
        return new LiveFiles(new DataLayout(dataDir));
    }

    /** The data folder. */
    public Path root() {
        return layout.root();
    }

    /** The folder's layout: where spans, sidecars and sampling statistics are. */
    public DataLayout layout() {
        return layout;
    }

    /** The live span files now: sorted ({@link SpanFiles#live}), or as the {@link #listing} lister names them. */
    public List<Path> snapshot() throws IOException {
        return lister.live();
    }

    /** Grows with every change to the live files; a reader that built something from a lower one rebuilds. */
    public long generation() {
        return generation.get();
    }

    /** Records that files were added, replaced or retired; runs the listeners on the calling thread. */
    public void changed() {
        generation.incrementAndGet();
        for (Runnable listener : listeners) {
            listener.run();
        }
    }

    /** Runs {@code listener} after every {@link #changed()}. */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /**
     * Marks a read in progress until closed: files retired after it began are not deleted before it
     * ends ({@link FileReaper}). Hold one around every step that must see the same files.
     */
    public ReadLease lease() {
        return new ReadLease();
    }

    /** When the oldest read still in progress began ({@link System#nanoTime()}); {@link Long#MAX_VALUE} when none. */
    public long oldestReadStartNanos() {
        long oldest = Long.MAX_VALUE;
        for (long start : leaseStartNanos.values()) {
            if (oldest == Long.MAX_VALUE || start - oldest < 0) {
                oldest = start;
            }
        }
        return oldest;
    }

    /** A read in progress; see {@link #lease()}. */
    public final class ReadLease implements AutoCloseable {
        private final long id = leaseIds.incrementAndGet();
        private final List<Runnable> onClose = new CopyOnWriteArrayList<>();

        private ReadLease() {
            leaseStartNanos.put(id, System.nanoTime());
        }

        /** Runs {@code action} when the read ends (a {@link Residency} lets the files it fetched go then). */
        public void onClose(Runnable action) {
            onClose.add(action);
        }

        @Override
        public void close() {
            leaseStartNanos.remove(id);
            onClose.forEach(Runnable::run);
            onClose.clear();
        }
    }
}
