package io.contrail.http.auth;

import java.time.Duration;

/**
 * A tenant's own settings, from the auth file's {@code tenants:} section.
 *
 * @param retention         how long its spans are kept; null: the server's {@code --retention}
 * @param maxSpansPerSecond spans per second it may send, beyond which it is answered 429; 0: unlimited
 * @param maxBufferedBytes  bytes of its spans that may wait for Parquet, beyond which it is answered 429; 0: the
 *                          server's {@code --max-buffered-bytes}
 */
public record TenantSettings(Duration retention, long maxSpansPerSecond, long maxBufferedBytes) {
    public static final TenantSettings NONE = new TenantSettings(null, 0, 0);
}
