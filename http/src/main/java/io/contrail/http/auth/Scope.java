package io.contrail.http.auth;

import java.util.Locale;

/**
 * What a token may do. {@link #INGEST} sends spans (OTLP/HTTP, OTLP/gRPC, Zipkin); {@link #QUERY} reads
 * (SQL, every {@code /api} route, the Jaeger and Zipkin query APIs, {@code /metrics}). A route needs exactly one.
 */
public enum Scope {
    INGEST("send spans"),
    QUERY("read");

    private final String allows;

    Scope(String allows) {
        this.allows = allows;
    }

    /** As the auth file writes it: {@code ingest}, {@code query}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** What the scope allows, in a sentence's words: "send spans", "read". */
    String allows() {
        return allows;
    }
}
