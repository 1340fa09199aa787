package io.contrail.lake;

import io.contrail.columnar.PartitionPath;
import io.contrail.columnar.SpanFiles;
import io.contrail.columnar.Store;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Moves a node's span files into the shared table: each file the store flushes is uploaded with its
 * trace-ID sidecar and committed (one append snapshot per round, naming this node), then deleted locally
 * once no log segment it came from is left. Runs on {@code contrail-lake-publisher}.
 *
 * <p>Exactly once, across crashes: after each commit the publisher appends the committed files' names to a
 * ledger in the data folder ({@value #LEDGER}, fsynced); a file's object key is its node and local name,
 * so on start the committed files are the ledger's and those the table holds under this node's name (a
 * crash between a commit and its ledger line), and only the others are committed. The ledger matters
 * once the table's maintainer has merged a file away. A commit whose outcome is unknown is resolved by
 * asking the table. A local file is deleted only once its log segments are gone
 * ({@link Store#oldestLogSegment()}), so a restart never replays spans that the table holds.
 */
final class Publisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);
    /** Files committed in one snapshot at most. */
    static final int MAX_FILES_PER_COMMIT = 64;
    /** The names of this folder's span files that are in the table, one a line. */
    static final String LEDGER = "lake-committed";
    /** The ledger is written anew, without the files deleted since, after this many deletions. */
    static final int LEDGER_REWRITE_AFTER = 1_000;
    private static final long MIN_BACKOFF_MILLIS = 200;
    private static final long MAX_BACKOFF_MILLIS = 10_000;

    private final SpanTable table;
    private final Store store;
    private final String nodeId;
    private final long intervalMillis;
    /** Told of every commit's files while they are still on disk (the cache keeps them without downloading). */
    private final java.util.function.Consumer<List<SpanTable.Upload>> afterCommit;
    private final Path staging;
    private final Path ledger;
    private int deletedSinceLedgerRewrite;
    /** Local names of this node's files that the table holds. */
    private final Set<String> committed = new HashSet<>();
    private final Wakeup wakeup = new Wakeup();
    private final Thread thread;
    private volatile boolean running = true;

    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong filesCommitted = new AtomicLong();
    private final AtomicLong spansCommitted = new AtomicLong();
    private final AtomicLong bytesUploaded = new AtomicLong();
    private final AtomicLong commitFailures = new AtomicLong();
    private final AtomicLong filesRewritten = new AtomicLong();
    private volatile long pendingFiles;
    private volatile long pendingBytes;
    private volatile long lastCommitMillis = -1;
    private volatile String lastError;
    private volatile long lastCommitAt;

    Publisher(SpanTable table, Store store, String nodeId, long intervalMillis,
              java.util.function.Consumer<List<SpanTable.Upload>> afterCommit) throws IOException {
        this.table = table;
        this.store = store;
        this.nodeId = nodeId;
        this.intervalMillis = intervalMillis;
        this.afterCommit = afterCommit;
        this.staging = store.files().root().resolve(Lake.STAGING_FOLDER);
        this.ledger = store.files().root().resolve(LEDGER);
        Files.createDirectories(staging);
        if (Files.exists(ledger)) {
            committed.addAll(Files.readAllLines(ledger, StandardCharsets.UTF_8));
        }
        for (SpanTable.TableFile file : table.files()) {
            String name = file.name();
            if (name.startsWith(nodeId + "-")) {
                committed.add(name.substring(nodeId.length() + 1));
            }
        }
        rewriteLedger();
        scanPending();
        store.files().onChange(this::wake);
        this.thread = new Thread(this::run, "contrail-lake-publisher");
        thread.setDaemon(true);
        thread.start();
    }

    void wake() {
        wakeup.wake();
    }

    private void run() {
        long backoff = MIN_BACKOFF_MILLIS;
        while (running) {
            try {
                publishOnce();
                lastError = null;
                backoff = MIN_BACKOFF_MILLIS;
                wakeup.await(intervalMillis);
            } catch (Exception | LinkageError e) {
                // A missing class too: the thread keeps trying and /health says why, rather than dying silently.
                commitFailures.incrementAndGet();
                lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
                LOG.warn("could not add span files to the table (retrying in {} ms): {}", backoff, lastError);
                waitCounting(backoff);
                backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
            }
        }
    }

    /**
     * Waits {@code millis} before the next try, counting the local files anew whenever the store writes one,
     * so that ingest is refused as soon as the backlog passes its bound, not at the next try.
     */
    private void waitCounting(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (running && System.nanoTime() - deadline < 0) {
            if (!wakeup.await(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))) {
                return;
            }
            try {
                scanPending();
            } catch (IOException e) {
                LOG.debug("counting the files not yet in the table: {}", e.getMessage());
            }
        }
    }

    /** Commits every local file the table lacks (in rounds of {@link #MAX_FILES_PER_COMMIT}), then deletes what it may. */
    private void publishOnce() throws IOException {
        List<Path> pending = scanPending();
        while (!pending.isEmpty() && running) {
            List<Path> round = pending.subList(0, Math.min(MAX_FILES_PER_COMMIT, pending.size()));
            commit(round);
            pending = scanPending();
        }
        deleteCommitted();
    }

    /** The local span files the table does not hold yet, oldest first; updates the pending counts. */
    private List<Path> scanPending() throws IOException {
        List<Path> pending = new ArrayList<>();
        long bytes = 0;
        for (Path file : store.files().snapshot()) {
            if (!committed.contains(file.getFileName().toString())) {
                pending.add(file);
                bytes += sizeOrZero(file);
            }
        }
        pendingFiles = pending.size();
        pendingBytes = bytes;
        return pending;
    }

    private void commit(List<Path> files) throws IOException {
        long started = System.nanoTime();
        List<SpanTable.Upload> uploads = new ArrayList<>();
        List<Path> rewritten = new ArrayList<>();
        long bytes = 0;
        long spans;
        try {
            // The table's columns as they are now; each file is checked against them and adds its new ones in
            // turn, so that two files of a round that bring one key with two types are told apart.
            table.refresh();
            for (Path file : files) {
                PartitionPath partition = SpanFiles.parse(file).partition();
                String name = file.getFileName().toString();
                Path source = file;
                Set<String> conflicts = table.conflictingColumns(file);
                if (!conflicts.isEmpty()) {
                    source = staging.resolve(name);
                    TypeConflicts.rewrite(file, conflicts, source);
                    rewritten.add(source);
                    filesRewritten.incrementAndGet();
                    LOG.info("{}: the columns {} have another type in the table; their values go to the overflow maps",
                            name, conflicts);
                }
                table.addColumns(source);
                uploads.add(new SpanTable.Upload(source, partition.toString(), table.locationOf(nodeId,
                        partition.toString(), name)));
                bytes += sizeOrZero(source);
            }
            try {
                spans = table.append(uploads, nodeId);
            } catch (CommitStateUnknownException unknown) {
                LOG.warn("the catalog did not say whether a commit took; looking at the table: {}", unknown.getMessage());
                resolveUnknownCommit(files);
                return;
            }
            afterCommit.accept(uploads);
        } finally {
            for (Path path : rewritten) {
                Files.deleteIfExists(path);
            }
        }
        List<String> names = new ArrayList<>();
        for (Path file : files) {
            names.add(file.getFileName().toString());
        }
        appendToLedger(names);
        committed.addAll(names);
        commits.incrementAndGet();
        filesCommitted.addAndGet(files.size());
        spansCommitted.addAndGet(spans);
        bytesUploaded.addAndGet(bytes);
        lastCommitMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        lastCommitAt = System.currentTimeMillis();
    }

    /** After a commit of unknown outcome: marks committed those of {@code files} that the table now holds. */
    private void resolveUnknownCommit(List<Path> files) throws IOException {
        table.refresh();
        Set<String> held = new HashSet<>();
        for (SpanTable.TableFile file : table.files()) {
            held.add(file.name());
        }
        List<String> names = new ArrayList<>();
        for (Path file : files) {
            if (held.contains(nodeId + "-" + file.getFileName())) {
                names.add(file.getFileName().toString());
            }
        }
        appendToLedger(names);
        committed.addAll(names);
    }

    /** Records durably that {@code names} are in the table. */
    private void appendToLedger(List<String> names) throws IOException {
        if (names.isEmpty()) {
            return;
        }
        StringBuilder lines = new StringBuilder();
        names.forEach(name -> lines.append(name).append('\n'));
        try (FileChannel channel = FileChannel.open(ledger, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            channel.write(java.nio.ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8)));
            channel.force(true);
        }
    }

    /** Keeps in the ledger only the committed files still on local disk (the others can no longer be committed). */
    private void rewriteLedger() throws IOException {
        Set<String> local = new HashSet<>();
        for (Path file : store.files().snapshot()) {
            local.add(file.getFileName().toString());
        }
        List<String> kept = committed.stream().filter(local::contains).sorted().toList();
        Path temp = ledger.resolveSibling("." + LEDGER + ".tmp");
        Files.write(temp, kept, StandardCharsets.UTF_8);
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(temp, ledger, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Deletes committed local files whose log segments are all gone, with their sidecars. */
    private void deleteCommitted() throws IOException {
        long oldestSegment = store.oldestLogSegment();
        boolean deleted = false;
        for (Path file : store.files().snapshot()) {
            SpanFiles.SpanFile parsed = SpanFiles.parse(file);
            String name = file.getFileName().toString();
            if (parsed != null && parsed.lastFlush() < oldestSegment && committed.contains(name)) {
                Files.deleteIfExists(SpanFiles.traceIdSidecar(file));
                Files.deleteIfExists(file);
                // Only files on disk need remembering: the set and the ledger stay as small as the backlog.
                committed.remove(name);
                deletedSinceLedgerRewrite++;
                deleted = true;
            }
        }
        if (deletedSinceLedgerRewrite >= LEDGER_REWRITE_AFTER) {
            rewriteLedger();
            deletedSinceLedgerRewrite = 0;
        }
        if (deleted) {
            store.files().changed();
        }
    }

    private static long sizeOrZero(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /** What the publisher did, for {@code /health} and {@code /metrics}. */
    record Stats(long commits, long filesCommitted, long spansCommitted, long bytesUploaded, long commitFailures,
                 long filesRewritten, long pendingFiles, long pendingBytes, long lastCommitMillis, long lastCommitAt,
                 String lastError) {
    }

    Stats stats() {
        return new Stats(commits.get(), filesCommitted.get(), spansCommitted.get(), bytesUploaded.get(),
                commitFailures.get(), filesRewritten.get(), pendingFiles, pendingBytes, lastCommitMillis, lastCommitAt,
                lastError);
    }

    long pendingBytes() {
        return pendingBytes;
    }

    @Override
    public void close() {
        running = false;
        wake();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
