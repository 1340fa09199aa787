package io.contrail.query;

/** A query that could not be answered, and why; the HTTP layer maps {@link Reason} to a status. */
public final class QueryException extends Exception {

    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** Not a single read-only statement. */
        REJECTED,
        /** DuckDB refused it: syntax, unknown column, type error, no access … */
        INVALID,
        /** It ran longer than the per-query timeout and was interrupted. */
        TIMEOUT,
        /** It needs more of a shared table than this node's cache may hold ({@code --cache-size}). */
        TOO_LARGE
    }

    private final Reason reason;

    public QueryException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public QueryException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
