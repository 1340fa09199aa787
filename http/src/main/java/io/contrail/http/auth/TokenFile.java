package io.contrail.http.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.file.Path;
import java.util.Base64;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The auth file a server checks requests against, reloaded without a restart: a daemon thread reads the
 * file every {@link #POLL_INTERVAL_MILLIS} and, when its content changed, parses it; a file that fails to
 * parse (or is gone) leaves the tokens loaded before in force and is logged once, by entry and problem,
 * never with a token. It compares content rather than the modification time, which on file systems of
 * one-second resolution would miss a rewrite within the same second. Counts reloads and refusals for
 * {@code /metrics}. Thread-safe; close it to stop the thread.
 */
public final class TokenFile implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TokenFile.class);
    public static final long POLL_INTERVAL_MILLIS = 1_000;

    /** Reloads and refusals since start; the reloads do not count the first read. */
    public record Stats(long reloadsOk, long reloadsFailed, Map<Decision.Cause, Long> refused) {
    }

    private final Path file;
    /** The file's tokens as last loaded. */
    private volatile AccessTokens fromFile;
    /** The digest of this process's own ingest token, or null (see {@link #issueLocalIngestToken}). */
    private byte[] localToken;
    /** What requests are checked against: the file's tokens and this process's own. */
    private volatile AccessTokens inForce;
    /** The SHA-256 of the content last looked at (loaded or failed); empty when the file was unreadable. */
    private byte[] lastContent;
    private final AtomicLong reloadsOk = new AtomicLong();
    private final AtomicLong reloadsFailed = new AtomicLong();
    private final Map<Decision.Cause, AtomicLong> refused = new EnumMap<>(Decision.Cause.class);
    private final ScheduledExecutorService poller;

    private TokenFile(Path file, boolean watch) {
        this.file = file;
        byte[] content = AccessTokens.content(file);
        this.fromFile = AccessTokens.parse(file.toString(), content);
        this.inForce = fromFile;
        this.lastContent = AccessTokens.sha256Of(content);
        for (Decision.Cause cause : Decision.Cause.values()) {
            refused.put(cause, new AtomicLong());
        }
        if (watch) {
            this.poller = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "contrail-auth-file");
                thread.setDaemon(true);
                return thread;
            });
            poller.scheduleWithFixedDelay(this::reloadIfChanged, POLL_INTERVAL_MILLIS, POLL_INTERVAL_MILLIS,
                    TimeUnit.MILLISECONDS);
        } else {
            this.poller = null;
        }
    }

    /**
     * Reads {@code file} and watches it for changes.
     *
     * @throws IllegalArgumentException naming the file, entry and problem when it is not a valid auth file
     */
    public static TokenFile watch(Path file) {
        return new TokenFile(file, true);
    }

    /** Reads {@code file} once; only {@link #reloadIfChanged()} reloads it. */
    static TokenFile read(Path file) {
        return new TokenFile(file, false);
    }

    /** Decides a request that needs {@code scope}, counting a refusal by its cause. */
    public Decision decide(String authorization, Scope scope) {
        Decision decision = inForce.decide(authorization, scope);
        if (decision instanceof Decision.Refused refusal) {
            refused.get(refusal.cause()).incrementAndGet();
        }
        return decision;
    }

    /** What {@code authorization} carries, whatever its scopes, counting nothing (e.g. {@code /health}). */
    public Decision peek(String authorization) {
        return inForce.decide(authorization, null);
    }

    /** The settings the file in force gives {@code tenant} (null: the default tenant, which has none). */
    public TenantSettings tenant(String tenant) {
        return fromFile.tenant(tenant);
    }

    /** How many tokens the file in force holds. */
    public int size() {
        return fromFile.size();
    }

    public Stats stats() {
        Map<Decision.Cause, Long> counts = new EnumMap<>(Decision.Cause.class);
        refused.forEach((cause, count) -> counts.put(cause, count.get()));
        return new Stats(reloadsOk.get(), reloadsFailed.get(), counts);
    }

    /**
     * A random token, in force until {@link #revokeLocalIngestToken()} and through reloads, that may send
     * spans: for this process's own requests (the demo loading its traces). It is in no file and never shown.
     */
    public synchronized String issueLocalIngestToken() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        localToken = AccessTokens.sha256(token);
        inForce = fromFile.withIngestToken(localToken);
        return token;
    }

    public synchronized void revokeLocalIngestToken() {
        localToken = null;
        inForce = fromFile;
    }

    /** Reads the file and, when its content changed since last looked at, parses it and puts it in force. */
    synchronized void reloadIfChanged() {
        byte[] content;
        String unreadable = null;
        try {
            content = AccessTokens.content(file);
        } catch (IllegalArgumentException e) {
            content = null;
            unreadable = e.getMessage();
        }
        byte[] seen = content == null ? new byte[0] : AccessTokens.sha256Of(content);
        if (MessageDigest.isEqual(seen, lastContent)) {
            return;
        }
        lastContent = seen;
        try {
            if (content == null) {
                throw new IllegalArgumentException(unreadable);
            }
            fromFile = AccessTokens.parse(file.toString(), content);
            inForce = localToken == null ? fromFile : fromFile.withIngestToken(localToken);
            reloadsOk.incrementAndGet();
            LOG.info("auth file {} reloaded: {} tokens in force", file, fromFile.size());
        } catch (RuntimeException e) {
            reloadsFailed.incrementAndGet();
            // AccessTokens' messages name the entry and the problem, never a token.
            LOG.error("{}; the {} tokens loaded before stay in force", e instanceof IllegalArgumentException
                    ? e.getMessage() : "auth file " + file + ": reloading failed (" + e.getClass().getSimpleName() + ")",
                    fromFile.size());
        }
    }

    @Override
    public void close() {
        if (poller != null) {
            poller.shutdownNow();
        }
    }
}
