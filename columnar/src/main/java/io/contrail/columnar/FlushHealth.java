package io.contrail.columnar;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether acknowledged spans are reaching Parquet, and why not: what {@code /health}, {@link Store#check()}
 * and the refusals of a full buffer say. Written by the flusher and the writer thread, read by any thread.
 */
final class FlushHealth {

    private static final Logger LOG = LoggerFactory.getLogger(Warehouse.class);

    private final Path dataDir;
    private final AtomicLong flushFailures = new AtomicLong();
    private volatile String lastFlushError;
    /** Whether the last attempt to write Parquet (or to rotate the log for it) failed; refusals then say why. */
    private volatile boolean flushFailing;
    /** Set when the flusher or the writer thread failed in a way it cannot retry: nothing more is written. */
    private volatile boolean writerStopped;

    FlushHealth(Path dataDir) {
        this.dataDir = dataDir;
    }

    /** Records a failed write or rotation, retried in {@code backoffMillis}, and logs {@code format} with both. */
    void failed(String format, long backoffMillis, IOException e) {
        flushFailures.incrementAndGet();
        String reason = reason(e);
        lastFlushError = withoutDataPath(reason);
        flushFailing = true;
        LOG.error(format, backoffMillis, reason);
    }

    /** Records that a write succeeded: spans reach Parquet again. */
    void succeeded() {
        flushFailing = false;
    }

    /** Says (so {@code /health} and refusals) that spans no longer reach Parquet, and why. */
    void stopped(String why) {
        lastFlushError = withoutDataPath(why) + "; spans stay in the write-ahead log until a restart";
        flushFailing = true;
        writerStopped = true;
    }

    boolean writerStopped() {
        return writerStopped;
    }

    boolean flushFailing() {
        return flushFailing;
    }

    String lastFlushError() {
        return lastFlushError;
    }

    long flushFailures() {
        return flushFailures.get();
    }

    /** For a refusal: why spans are not leaving the buffer, when writing them is failing. */
    String whyFlushesFail() {
        return flushFailing ? "; writing them fails: " + lastFlushError : "";
    }

    /**
     * An I/O failure's message that says what went wrong ({@link AccessDeniedException}'s and other
     * file system exceptions' name only the file).
     */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException denied && denied.getReason() == null) {
            return denied.getFile() + ": Permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException fs && fs.getReason() == null && fs.getOtherFile() == null) {
            return fs.getFile() + ": " + fs.getClass().getSimpleName();
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** {@code message} with the data folder's absolute path left out: what {@code /health} and refusals show. */
    String withoutDataPath(String message) {
        return message == null ? null : message.replace(dataDir + java.io.File.separator, "");
    }
}
