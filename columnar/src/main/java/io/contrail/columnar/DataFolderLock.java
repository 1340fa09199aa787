package io.contrail.columnar;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * One process's exclusive claim on a data folder, for writing: an OS lock ({@link FileChannel#tryLock})
 * on {@value #FILE_NAME} in the folder. Whatever writes to a folder takes it <em>before</em> it reads,
 * writes, renames or deletes anything there (log recovery deletes segments; start-up removes temp
 * files and superseded files), so that a second server or {@code contrail compact} on the same folder
 * is refused before it can touch the first one's files. The OS releases the lock when the process
 * ends, even by {@code kill -9}; the file stays and means nothing by itself.
 *
 * <p>The file holds one line describing the holder ({@code contrail serve (pid 4242,
 * http://127.0.0.1:4318)}), which a refused process quotes in {@link InUseException}'s message.
 * Reading a folder needs no claim ({@code contrail sql} reads while a server runs).
 *
 * <p>Claims are exclusive within a process too: a server takes one and hands it to its
 * {@link Warehouse} and {@link Compactor}; opening either without a claim takes one of its own.
 */
public final class DataFolderLock implements AutoCloseable {

    /** The lock file's name in the data folder. */
    public static final String FILE_NAME = "contrail.lock";
    /** The holder a process describes itself as when its caller does not say. */
    public static final String DEFAULT_HOLDER = "a Contrail process";
    /** Most bytes of a holder's description read from the lock file. */
    private static final int MAX_DESCRIPTION_BYTES = 512;

    /** The claims this process holds, by the folder's real path (the OS lock is per process, not per claim). */
    private static final Map<Path, DataFolderLock> HELD = new HashMap<>();

    /** Thrown when another process (or another owner in this one) holds the folder. */
    public static final class InUseException extends IOException {
        private static final long serialVersionUID = 1L;

        InUseException(String message) {
            super(message);
        }
    }

    private final Path folder;
    private final Path realFolder;
    private final FileChannel channel;
    private final FileLock lock;
    private final String holder;
    private volatile String description;

    private DataFolderLock(Path folder, Path realFolder, FileChannel channel, FileLock lock, String holder) {
        this.folder = folder;
        this.realFolder = realFolder;
        this.channel = channel;
        this.lock = lock;
        this.holder = holder;
    }

    /**
     * Claims {@code dataDir} (created when missing), describing the holder as {@code holder} and this
     * process's ID, e.g. {@code contrail serve (pid 4242)}.
     *
     * @throws InUseException when another process, or another owner in this one, holds it; the message
     *                        names the folder as given and the holder
     */
    public static DataFolderLock acquire(Path dataDir, String holder) throws IOException {
        Files.createDirectories(dataDir);
        Path realFolder = dataDir.toRealPath();
        synchronized (HELD) {
            DataFolderLock held = HELD.get(realFolder);
            if (held != null) {
                throw inUse(dataDir, held.description);
            }
            FileChannel channel = FileChannel.open(realFolder.resolve(FILE_NAME), StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            DataFolderLock claim;
            try {
                FileLock lock = channel.tryLock();
                if (lock == null) {
                    throw inUse(dataDir, readDescription(channel));
                }
                claim = new DataFolderLock(dataDir, realFolder, channel, lock, holder);
                claim.describe(null);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            HELD.put(realFolder, claim);
            return claim;
        }
    }

    private static InUseException inUse(Path dataDir, String description) {
        return new InUseException(dataDir + " is in use by " + (description.isEmpty() ? "another process" : description)
                + "; stop it first, or use another data folder");
    }

    /** The holder's description in the lock file: its first line, printable characters only. */
    private static String readDescription(FileChannel channel) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(MAX_DESCRIPTION_BYTES);
        while (bytes.hasRemaining() && channel.read(bytes, bytes.position()) > 0) {
            // Positional reads: the holder may be rewriting the file; a torn line is only a worse description.
        }
        String text = new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8);
        int newline = text.indexOf('\n');
        return (newline < 0 ? text : text.substring(0, newline)).replaceAll("\\p{Cntrl}", "").strip();
    }

    /**
     * Adds where the holder can be reached (e.g. its URL, once it listens) to the description a refused
     * process reads; null for none.
     */
    public synchronized void describe(String address) throws IOException {
        String text = holder + " (pid " + ProcessHandle.current().pid() + (address == null ? "" : ", " + address) + ")";
        channel.truncate(0);
        ByteBuffer bytes = ByteBuffer.wrap((text + "\n").getBytes(StandardCharsets.UTF_8));
        long position = 0;
        while (bytes.hasRemaining()) {
            position += channel.write(bytes, position);
        }
        description = text;
    }

    /** The folder as it was given. */
    public Path folder() {
        return folder;
    }

    /** Whether this claim is on {@code dataDir} (however it is spelled). */
    public boolean covers(Path dataDir) throws IOException {
        return Files.isDirectory(dataDir) && dataDir.toRealPath().equals(realFolder);
    }

    /** Releases the claim; the lock file stays. */
    @Override
    public void close() throws IOException {
        synchronized (HELD) {
            if (HELD.get(realFolder) != this) {
                return;
            }
            HELD.remove(realFolder);
            try {
                lock.release();
            } finally {
                channel.close();
            }
        }
    }
}
