package io.contrail.http;

import io.contrail.query.QueryException;
import io.javalin.http.Context;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The body of an answer written as its rows are read ({@code POST /api/sql}). Its status is sent with its first
 * bytes, so a statement that fails after them cannot be answered with an error any more: the response is then
 * aborted, and the client sees a body cut short (an HTTP/1.1 chunked body without its last chunk: curl exits with
 * 18, Java's HttpClient and Python's requests raise) instead of an answer that looks whole. Before the first byte,
 * a failure is thrown as usual and gets its status.
 */
final class AnswerBody extends OutputStream {

    private static final Logger LOG = LoggerFactory.getLogger(AnswerBody.class);

    /** Writes the answer to this body; may throw what the engine and the output throw. */
    interface Writer {
        void write() throws IOException, QueryException;
    }

    private final Context ctx;
    private final Runnable cut;
    private OutputStream out;
    /** Whether writing to the connection failed: the client is gone. */
    private boolean clientGone;

    /** {@code cut} is called when the answer is cut short. */
    AnswerBody(Context ctx, Runnable cut) {
        this.ctx = ctx;
        this.cut = cut;
    }

    /** Runs {@code writer}; a failure once bytes were written aborts the response instead of being thrown. */
    void write(Writer writer) throws IOException, QueryException {
        try {
            writer.write();
        } catch (IOException | QueryException | RuntimeException e) {
            if (clientGone) {
                // Nothing failed but the connection, which the client closed: no one is left to tell.
                LOG.debug("{} {}: the client closed the connection before the answer's end: {}", ctx.method(),
                        ctx.path(), e.getMessage());
                return;
            }
            if (out == null) {
                throw e;
            }
            LOG.warn("{} {}: the answer failed after its first bytes and was cut short: {}", ctx.method(), ctx.path(),
                    e.getMessage());
            // The connection is closed under the response: aborting it through the servlet channel instead leaves
            // Javalin, which finishes the response after this route, failing on its state.
            ServletContextRequest.getServletContextRequest(ctx.req()).getConnectionMetaData().getConnection()
                    .getEndPoint().close(e);
            cut.run();
        }
    }

    private OutputStream out() {
        if (out == null) {
            out = ctx.outputStream();
        }
        return out;
    }

    @Override
    public void write(int b) throws IOException {
        onConnection(() -> out().write(b));
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        onConnection(() -> out().write(b, off, len));
    }

    @Override
    public void flush() throws IOException {
        if (out != null) {
            onConnection(out::flush);
        }
    }

    @Override
    public void close() throws IOException {
        if (out != null) {
            onConnection(out::close);
        }
    }

    private interface ConnectionWork {
        void run() throws IOException;
    }

    /** Runs {@code work} on the connection; its failure means the client is gone. */
    private void onConnection(ConnectionWork work) throws IOException {
        try {
            work.run();
        } catch (IOException e) {
            clientGone = true;
            throw e;
        }
    }
}
