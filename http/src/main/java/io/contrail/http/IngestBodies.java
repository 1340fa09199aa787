package io.contrail.http;

import io.contrail.ingest.IngestException;
import io.contrail.ingest.IngestPermits;
import io.javalin.http.Context;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads ingest request bodies off the wire into memory <em>before</em> an {@link IngestPermits} permit
 * is taken, so a client that sends slowly holds one thread and its own bytes, never the capacity every
 * other client needs. Three bounds:
 * <ul>
 *   <li>one body holds at most maxBodyBytes as it arrives on the wire (413);</li>
 *   <li>the bodies being read and held at once hold at most maxBytesInFlight together, taken
 *       {@value #CHUNK_BYTES} bytes at a time once bytes have arrived (a client must send bytes to
 *       hold any): when the budget stays full for {@link IngestPermits#WAIT_MILLIS} the request is
 *       refused with 503, retry later;</li>
 *   <li>each body must have arrived within the body timeout of the handler starting to read it,
 *       however it trickles (408); a client that stops sending altogether is answered 408 as well.</li>
 * </ul>
 * Thread-safe. Every {@link Body} returned must be closed, which gives its bytes back to the budget.
 */
final class IngestBodies {

    /** The unit in which bodies are stored and the budget is taken. */
    static final int CHUNK_BYTES = 64 * 1024;
    /** What one reading thread holds outside the budget: the buffer each read from the socket lands in. */
    private static final int SCRATCH_BYTES = 8 * 1024;
    /** How long a body may take to arrive, unless configured otherwise ({@code --body-timeout}). */
    static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(30);
    /** Bytes of bodies read and held at once, unless configured otherwise (never less than one largest body). */
    static final long DEFAULT_MAX_BYTES_IN_FLIGHT = 256L * 1024 * 1024;
    /** Most bytes of a body over the limit read and thrown away so the client sees the 413, not a reset. */
    static final long MAX_DISCARDED_BODY_BYTES = 16L * 1024 * 1024;

    /** The body budget stayed full: nothing was stored, the client should retry later (503). */
    static final class BudgetExhausted extends Exception {
        BudgetExhausted(String message) {
            super(message, null, false, false);
        }
    }

    private final long maxBodyBytes;
    private final long maxBytesInFlight;
    private final Duration bodyTimeout;
    private final Semaphore chunks;

    IngestBodies(long maxBodyBytes, ServerConfig.IngestBodyLimits limits) {
        this.maxBodyBytes = maxBodyBytes;
        this.maxBytesInFlight = Math.max(limits.maxBytesInFlight(), maxBodyBytes);
        this.bodyTimeout = limits.timeout();
        this.chunks = new Semaphore((int) Math.min(Integer.MAX_VALUE, (maxBytesInFlight + CHUNK_BYTES - 1) / CHUNK_BYTES), true);
    }

    long maxBytesInFlight() {
        return maxBytesInFlight;
    }

    /** A body read whole, as the client sent it (still compressed if it was); close it to give its budget back. */
    final class Body implements AutoCloseable {
        private final List<byte[]> filled = new ArrayList<>();
        private int lastLength;
        private boolean closed;

        InputStream stream() {
            List<InputStream> parts = new ArrayList<>(filled.size());
            for (int i = 0; i < filled.size(); i++) {
                parts.add(new ByteArrayInputStream(filled.get(i), 0, i == filled.size() - 1 ? lastLength : CHUNK_BYTES));
            }
            return new SequenceInputStream(Collections.enumeration(parts));
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                chunks.release(filled.size());
                filled.clear();
            }
        }
    }

    /**
     * Reads the request's body whole.
     *
     * @throws IngestException 413 when it exceeds maxBodyBytes (declared or sent), 408 when it did not
     *     arrive within the body timeout, 400 when the connection failed or ended before the body did;
     *     the connection is closed after any of these answers when the body was not read to its end
     * @throws BudgetExhausted when the bytes in flight stayed at their bound
     */
    Body read(Context ctx) throws BudgetExhausted, InterruptedException {
        long startNanos = System.nanoTime();
        long deadlineNanos = startNanos + bodyTimeout.toNanos();
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxBodyBytes) {
            IngestException e = IngestException.tooLarge("request body of " + declared
                    + " bytes exceeds the limit of " + maxBodyBytes + " bytes");
            discard(ctx, deadlineNanos);
            throw e;
        }
        EndPoint endPoint = endPoint(ctx);
        long idleTimeoutMillis = endPoint == null ? 0 : endPoint.getIdleTimeout();
        Body body = new Body();
        long received = 0;
        try {
            InputStream in = ctx.req().getInputStream();
            // Bytes are read into a small buffer of the thread's and only then counted against the
            // budget, so a client holds budget only for what it has sent.
            byte[] scratch = new byte[SCRATCH_BYTES];
            while (true) {
                long remaining = remainingMillis(deadlineNanos);
                if (remaining <= 0) {
                    throw timedOut(ctx, received, declared, startNanos);
                }
                if (endPoint != null) {
                    endPoint.setIdleTimeout(idleTimeoutMillis > 0 ? Math.min(idleTimeoutMillis, remaining) : remaining);
                }
                int n;
                try {
                    n = in.read(scratch);
                } catch (IOException e) {
                    if (isTimeout(e)) {
                        throw timedOut(ctx, received, declared, startNanos);
                    }
                    ctx.header("Connection", "close");
                    throw IngestException.malformed("the request body could not be read to its end after "
                            + received + " bytes: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
                }
                if (n < 0) {
                    return body;
                }
                received += n;
                if (received > maxBodyBytes) {
                    IngestException e = IngestException.tooLarge("request body exceeds the limit of " + maxBodyBytes + " bytes");
                    body.close();
                    discard(ctx, deadlineNanos);
                    throw e;
                }
                append(ctx, body, scratch, n, deadlineNanos);
            }
        } catch (IOException e) {
            ctx.header("Connection", "close");
            throw IngestException.malformed("the request body could not be read: " + e.getMessage());
        } catch (RuntimeException | BudgetExhausted | InterruptedException e) {
            body.close();
            throw e;
        } finally {
            if (endPoint != null) {
                endPoint.setIdleTimeout(idleTimeoutMillis);
            }
        }
    }

    /** Copies {@code n} bytes into the body, taking a chunk of the budget whenever the last one is full. */
    private void append(Context ctx, Body body, byte[] bytes, int n, long deadlineNanos)
            throws BudgetExhausted, InterruptedException {
        int copied = 0;
        while (copied < n) {
            if (body.filled.isEmpty() || body.lastLength == CHUNK_BYTES) {
                long waitMillis = Math.max(0, Math.min(IngestPermits.WAIT_MILLIS, remainingMillis(deadlineNanos)));
                if (!chunks.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
                    ctx.header("Connection", "close");
                    throw new BudgetExhausted("request bodies of " + maxBytesInFlight
                            + " bytes are being received at once; retry later");
                }
                body.filled.add(new byte[CHUNK_BYTES]);
                body.lastLength = 0;
            }
            int length = Math.min(n - copied, CHUNK_BYTES - body.lastLength);
            System.arraycopy(bytes, copied, body.filled.get(body.filled.size() - 1), body.lastLength, length);
            body.lastLength += length;
            copied += length;
        }
    }

    private IngestException timedOut(Context ctx, long received, long declared, long startNanos) {
        ctx.header("Connection", "close");
        long seconds = Math.round((System.nanoTime() - startNanos) / 1e9);
        return IngestException.timedOut("the request body did not arrive in time: " + received
                + (declared >= 0 ? " of " + declared : "") + " bytes in " + seconds
                + " s (the server waits " + bodyTimeout.toSeconds() + " s at most for a body: --body-timeout)");
    }

    /**
     * After a 413, reads the rest of the body (up to {@link #MAX_DISCARDED_BODY_BYTES}, within the
     * body's deadline): a server that answers and closes while the client is still sending makes the
     * client see a broken pipe instead of the 413. Beyond that the connection is closed.
     */
    private static void discard(Context ctx, long deadlineNanos) {
        EndPoint endPoint = endPoint(ctx);
        long idleTimeoutMillis = endPoint == null ? 0 : endPoint.getIdleTimeout();
        try {
            var in = ctx.req().getInputStream();
            long discarded = 0;
            byte[] buffer = new byte[CHUNK_BYTES];
            while (discarded < MAX_DISCARDED_BODY_BYTES) {
                long remaining = remainingMillis(deadlineNanos);
                if (remaining <= 0) {
                    ctx.header("Connection", "close");
                    return;
                }
                if (endPoint != null) {
                    endPoint.setIdleTimeout(idleTimeoutMillis > 0 ? Math.min(idleTimeoutMillis, remaining) : remaining);
                }
                int n = in.read(buffer);
                if (n < 0) {
                    return;
                }
                discarded += n;
            }
            ctx.header("Connection", "close");
        } catch (IOException ignored) {
            ctx.header("Connection", "close");
        } finally {
            if (endPoint != null) {
                endPoint.setIdleTimeout(idleTimeoutMillis);
            }
        }
    }

    private static long remainingMillis(long deadlineNanos) {
        return TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    }

    /** Jetty reports a read that waited past the connection's idle timeout as an IOException caused by a TimeoutException. */
    private static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TimeoutException || t instanceof java.net.SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** The connection's end point, whose idle timeout bounds one blocking read; null outside Jetty. */
    private static EndPoint endPoint(Context ctx) {
        ServletContextRequest request = ServletContextRequest.getServletContextRequest(ctx.req());
        if (request == null || request.getConnectionMetaData().getConnection() == null) {
            return null;
        }
        return request.getConnectionMetaData().getConnection().getEndPoint();
    }
}
