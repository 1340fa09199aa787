package io.contrail.bench.suite;

/** A peer cannot run here; the message says exactly why and is printed in RESULTS.md. */
public final class PeerUnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    public PeerUnavailableException(String message) {
        super(message);
    }

    public PeerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
