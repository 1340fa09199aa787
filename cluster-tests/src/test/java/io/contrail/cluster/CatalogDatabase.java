package io.contrail.cluster;

import io.contrail.bench.suite.PeerUnavailableException;
import io.contrail.bench.suite.PostgresServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The PostgreSQL database behind Iceberg's JDBC catalog ({@code org.apache.iceberg.jdbc.JdbcCatalog}): the
 * bench's throwaway server ({@link PostgresServer}: Debian's postgresql-15, {@code initdb} + {@code pg_ctl}
 * in a folder of its own, on a free port of 127.0.0.1, trust authentication, run as the {@code postgres} OS
 * user when the tests run as root). The folder must lie under the system temp folder when running as root
 * (JUnit's {@code @TempDir} does).
 */
public final class CatalogDatabase implements AutoCloseable {

    private final PostgresServer server;

    private CatalogDatabase(PostgresServer server) {
        this.server = server;
    }

    /** Initializes a cluster under {@code folder} and starts it; fails when PostgreSQL cannot run here. */
    public static CatalogDatabase start(Path folder) throws IOException, InterruptedException {
        try {
            return new CatalogDatabase(PostgresServer.start(folder, System.out));
        } catch (PeerUnavailableException e) {
            throw new IllegalStateException("the catalog database cannot start: " + e.getMessage(), e);
        }
    }

    /** A JDBC URL without credentials (give {@link #user()} and {@link #password()} as Iceberg's jdbc.user/jdbc.password). */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + server.port() + "/" + PostgresServer.DATABASE;
    }

    public String user() {
        return PostgresServer.SUPERUSER;
    }

    /** Any password is accepted (trust authentication on 127.0.0.1); this one is as good as another. */
    public String password() {
        return "unused";
    }

    public int port() {
        return server.port();
    }

    /** Stops the server and deletes its folder; safe to call twice. */
    public void stop() {
        try {
            server.stopAndDelete();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
