package io.contrail.query;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The per-query time limit: a statement still running when it is up is cancelled, which interrupts
 * DuckDB, and its failure becomes {@link QueryException.Reason#TIMEOUT}. One daemon thread for all
 * queries; thread-safe.
 */
final class QueryTimeouts implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QueryTimeouts.class);

    /** Work on statements, to be interrupted when it runs too long. */
    interface Work<T> {
        T run(Clock clock) throws SQLException, QueryException, IOException;
    }

    /** The time limit of one piece of {@link Work}. */
    interface Clock {
        /** The limit no longer applies: the rows are there, read to their end at the reader's pace. */
        void stop();
    }

    private final Duration timeout;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "contrail-query-timeouts");
        thread.setDaemon(true);
        return thread;
    });

    QueryTimeouts(Duration timeout) {
        this.timeout = timeout;
    }

    /** Runs {@code work} on {@code statement}, cancelling the statement once the time limit is up unless stopped. */
    <T> T run(Statement statement, Work<T> work) throws QueryException, SQLException, IOException {
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> cancel = timer.schedule(() -> {
            timedOut.set(true);
            try {
                statement.cancel();
            } catch (SQLException e) {
                LOG.warn("cancelling a query that ran over its time failed: {}", e.getMessage());
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        Clock clock = () -> cancel.cancel(false);
        try {
            return work.run(clock);
        } catch (SQLException e) {
            if (timedOut.get()) {
                throw new QueryException(QueryException.Reason.TIMEOUT,
                        "the query ran longer than " + timeout.toSeconds() + " s and was interrupted", e);
            }
            throw e;
        } finally {
            cancel.cancel(false);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
