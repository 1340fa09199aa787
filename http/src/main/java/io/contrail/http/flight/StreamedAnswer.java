package io.contrail.http.flight;

import io.contrail.query.QueryEngine;
import io.contrail.query.QueryException;
import io.contrail.query.SqlRequest;
import org.apache.arrow.flight.BackpressureStrategy;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A query's answer streamed to a Flight client as the engine produces it ({@link QueryEngine.ArrowBatches}): the
 * schema once, then each record batch as it comes, so that an answer of any size passes holding one batch. The
 * executions of a prepared statement, one per row of parameters, stream into one answer, and must answer the
 * same columns.
 *
 * <p>It is made on the thread of the call (which registers for gRPC's readiness callbacks) and {@link #run} on a
 * thread of its own: gRPC delivers a call's callbacks one after the other, so a call's thread that waited for
 * the client to be ready would never hear that it is. Before each batch it waits until the client has taken
 * enough of the previous ones (gRPC's flow control, Flight's {@code CallbackBackpressureStrategy}); a client that
 * cancels stops the answer, and one that takes nothing for the query timeout ends it.
 *
 * <p>Each batch is copied into the endpoint's allocator before it is sent: the engine's batches live in its own
 * Arrow allocator, and Arrow moves buffers only between allocators of one root.
 */
final class StreamedAnswer implements QueryEngine.ArrowBatches {

    private static final Logger LOG = LoggerFactory.getLogger(StreamedAnswer.class);

    /** The client cancelled the call, or took nothing for the time a query may run: the answer stops. */
    private static final class ClientGone extends IOException {
        private static final long serialVersionUID = 1L;

        ClientGone(String message) {
            super(message);
        }
    }

    private final ServerStreamListener listener;
    private final BufferAllocator allocator;
    private final Duration timeout;
    private final BackpressureStrategy backpressure = new BackpressureStrategy.CallbackBackpressureStrategy();
    private VectorSchemaRoot root;
    private VectorLoader loader;

    /** On the call's thread: registers for the listener's readiness and cancellation. */
    StreamedAnswer(ServerStreamListener listener, BufferAllocator allocator, Duration timeout) {
        this.listener = listener;
        this.allocator = allocator;
        this.timeout = timeout;
        backpressure.register(listener);
    }

    /**
     * Runs {@code sql} through the engine's user path once per row of {@code parameters}, whole (no row cap), and
     * ends the answer: completed, or with the status of what failed. {@code schemaWithoutRows} is the answer's
     * schema when there was no execution.
     */
    void run(QueryEngine engine, String sql, List<List<Object>> parameters, Schema schemaWithoutRows) {
        long started = System.nanoTime();
        try {
            for (List<Object> row : parameters) {
                started = System.nanoTime();
                engine.queryArrow(new SqlRequest(sql, row, 0, SqlRequest.Limit.NONE), this);
            }
            if (root == null) {
                start(schemaWithoutRows, false);
            }
            listener.completed();
        } catch (ClientGone e) {
            LOG.debug("Flight SQL answer not sent whole: {}", e.getMessage());
            listener.error(CallStatus.CANCELLED.withDescription(e.getMessage()).toRuntimeException());
        } catch (IOException | QueryException | RuntimeException e) {
            boolean ranOut = System.nanoTime() - started >= timeout.toNanos();
            if (ranOut && !(e instanceof FlightRuntimeException || e instanceof QueryException)) {
                // The engine's time limit interrupts DuckDB, which then fails the stream it was filling.
                listener.error(CallStatus.TIMED_OUT.withDescription("the query ran longer than " + timeout.toSeconds()
                        + " s and was interrupted").toRuntimeException());
            } else {
                listener.error(FlightErrors.answering("DoGet", e));
            }
        } catch (Error e) {
            // The answer's own thread: without an answer the client would wait for ever.
            LOG.error("Flight SQL answer failed", e);
            listener.error(CallStatus.INTERNAL.withDescription("the server failed while answering").toRuntimeException());
            throw e;
        } finally {
            if (root != null) {
                root.close();
            }
        }
    }

    @Override
    public void start(Schema schema, boolean truncated) {
        if (root == null) {
            root = VectorSchemaRoot.create(schema, allocator);
            loader = new VectorLoader(root);
            listener.start(root);
        } else if (!root.getSchema().equals(schema)) {
            throw FlightErrors.invalid("the rows of parameters give answers of different columns: " + root.getSchema()
                    + " and " + schema + "; cast the placeholders (e.g. ?::BIGINT) so that every row answers the same");
        }
    }

    @Override
    public void batch(ArrowRecordBatch batch) throws IOException {
        switch (backpressure.waitForListener(timeout.toMillis())) {
            case READY -> {
            }
            case CANCELLED -> throw new ClientGone("the client cancelled the call");
            case TIMEOUT -> throw new ClientGone("the client took no data for " + timeout.toSeconds() + " s");
            default -> throw new ClientGone("the server is stopping");
        }
        try (ArrowRecordBatch copy = copyOf(batch)) {
            loader.load(copy);
        }
        listener.putNext();
    }

    @Override
    public void end() {
        // Each execution ends here; the answer ends in run(), after the last.
    }

    /** {@code batch}'s buffers copied into this endpoint's allocator, owned by the copy. */
    private ArrowRecordBatch copyOf(ArrowRecordBatch batch) {
        List<ArrowBuf> copies = new ArrayList<>(batch.getBuffers().size());
        try {
            for (ArrowBuf buffer : batch.getBuffers()) {
                long size = buffer.readableBytes();
                ArrowBuf copy = allocator.buffer(size);
                copies.add(copy);
                copy.setBytes(0, buffer, buffer.readerIndex(), size);
                copy.writerIndex(size);
            }
        } catch (RuntimeException e) {
            copies.forEach(ArrowBuf::close);
            throw e;
        }
        return new ArrowRecordBatch(batch.getLength(), batch.getNodes(), copies, batch.getBodyCompression(),
                batch.getVariadicBufferCounts(), true, false);
    }
}
