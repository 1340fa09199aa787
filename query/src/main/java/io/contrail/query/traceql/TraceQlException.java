package io.contrail.query.traceql;

/**
 * A TraceQL query that cannot be run: it does not parse, or it uses a construct Contrail does not compile. The message
 * says where (line and column, 1-based, as Tempo's {@code ParseError} does) and what; an API answers it as a bad
 * request.
 */
public final class TraceQlException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** Why the query cannot be run. */
    public enum Reason {
        /** Not TraceQL: a syntax error, as Tempo's parser would report it. */
        PARSE_ERROR,
        /**
         * TraceQL that parses but that Tempo's {@code validate()} refuses, with its message: operands of kinds that do
         * not fit ({@code { 1 = "foo" }}), a filter that is no condition ({@code { status }}), a bad regex.
         */
        INVALID,
        /** Valid TraceQL that Contrail does not compile (yet): the message names the construct. */
        UNSUPPORTED
    }

    private final Reason reason;
    private final int line;
    private final int column;

    TraceQlException(Reason reason, int line, int column, String detail) {
        super((switch (reason) {
            case PARSE_ERROR -> "parse error";
            case INVALID -> "invalid TraceQL";
            case UNSUPPORTED -> "unsupported TraceQL";
        }) + " at line " + line + ", col "
                + column + ": " + detail);
        this.reason = reason;
        this.line = line;
        this.column = column;
    }

    public Reason reason() {
        return reason;
    }

    /** The line of the query where the problem starts, from 1. */
    public int line() {
        return line;
    }

    /** The column of that line where the problem starts, from 1. */
    public int column() {
        return column;
    }
}
