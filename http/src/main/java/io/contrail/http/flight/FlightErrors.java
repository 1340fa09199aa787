package io.contrail.http.flight;

import io.contrail.query.QueryException;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.memory.OutOfMemoryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failures as a Flight SQL client sees them, with the statuses gRPC clients know: the engine's refusals with the
 * engine's own message (about the SQL the client sent, never naming a server path) — a statement that is not
 * one read-only query or that DuckDB refuses INVALID_ARGUMENT, one past the query timeout DEADLINE_EXCEEDED
 * (Flight's TIMED_OUT), one needing more of a shared table than the cache holds RESOURCE_EXHAUSTED —; anything
 * else INTERNAL with its kind only, the details in the server's log, as over HTTP.
 */
final class FlightErrors {

    private static final Logger LOG = LoggerFactory.getLogger(FlightErrors.class);

    private FlightErrors() {
    }

    /** The status of the engine's refusal {@code e}, with its message. */
    static FlightRuntimeException of(QueryException e) {
        CallStatus status = switch (e.reason()) {
            case REJECTED, INVALID -> CallStatus.INVALID_ARGUMENT;
            case TIMEOUT -> CallStatus.TIMED_OUT;
            case TOO_LARGE -> CallStatus.RESOURCE_EXHAUSTED;
        };
        return status.withDescription(e.getMessage()).toRuntimeException();
    }

    /** INVALID_ARGUMENT: the client's request is wrong in the way {@code message} says. */
    static FlightRuntimeException invalid(String message) {
        return CallStatus.INVALID_ARGUMENT.withDescription(message).toRuntimeException();
    }

    /**
     * {@code e} as the status to answer {@code what} with: a Flight status as it is, the engine's refusal by
     * {@link #of(QueryException)}, Arrow memory running out RESOURCE_EXHAUSTED, anything else logged and INTERNAL.
     */
    static FlightRuntimeException answering(String what, Throwable e) {
        if (e instanceof FlightRuntimeException flight) {
            return flight;
        }
        if (e instanceof QueryException query) {
            return of(query);
        }
        if (e instanceof OutOfMemoryException) {
            return CallStatus.RESOURCE_EXHAUSTED.withDescription("the Flight SQL answers in progress hold all the "
                    + "Arrow memory they may (" + (FlightSqlEndpoint.MAX_ARROW_BYTES >> 20) + " MiB); retry later")
                    .toRuntimeException();
        }
        LOG.error("Flight SQL {} failed", what, e);
        // The exception's message may name server files; the log has it, the client gets its kind only.
        return CallStatus.INTERNAL.withDescription("internal error (" + e.getClass().getSimpleName()
                + "); the server's log has the details").toRuntimeException();
    }
}
