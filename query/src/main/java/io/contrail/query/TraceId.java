package io.contrail.query;

import java.util.Locale;

/** A trace ID as users type it: 32 hex digits, or 16 for a 64-bit (Zipkin) ID, in any case. */
public final class TraceId {

    private TraceId() {
    }

    /** The canonical form: 32 lower-case hex digits. Throws {@link IllegalArgumentException} otherwise. */
    public static String normalize(String id) {
        String hex = id == null ? "" : id.trim().toLowerCase(Locale.ROOT);
        if (!hex.matches("[0-9a-f]{16}|[0-9a-f]{32}")) {
            throw new IllegalArgumentException("trace ID '" + id + "' must be 32 (or 16) hex digits");
        }
        return hex.length() == 16 ? "0000000000000000" + hex : hex;
    }
}
