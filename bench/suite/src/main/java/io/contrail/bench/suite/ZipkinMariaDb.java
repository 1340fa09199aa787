package io.contrail.bench.suite;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway MariaDB server for the Zipkin peer: {@code mariadb-install-db} into a folder of its
 * own, {@code mariadbd} started on a free port of 127.0.0.1 with an init file that creates the
 * {@code zipkin} database and a {@code zipkin} user (password auth, from 127.0.0.1 only), stopped
 * with SIGTERM (MariaDB's clean shutdown) and deleted by {@link #close()}.
 *
 * <p>What a caller must know: MariaDB comes from Debian's {@code mariadb-server} package and is
 * not bundled; when it is missing, {@link #start} throws {@link PeerUnavailableException} saying
 * so. Every server setting is MariaDB's default ({@code --no-defaults}: no {@code /etc/mysql}
 * files), so commits are durable ({@code innodb_flush_log_at_trx_commit=1}). When the bench runs
 * as root, the server runs as root too ({@code --user=root}), which mariadbd allows when asked.
 */
final class ZipkinMariaDb implements AutoCloseable {

    static final String DATABASE = "zipkin";
    static final String USER = "zipkin";
    static final String PASSWORD = "zipkin";
    /** Where Debian's package and common installs put the programs; then the PATH. */
    static final List<Path> BINARY_DIRS = List.of(Path.of("/usr/sbin"), Path.of("/usr/bin"),
            Path.of("/usr/local/sbin"), Path.of("/usr/local/bin"), Path.of("/usr/local/mysql/bin"));
    /** A unix socket path must fit {@code sockaddr_un} (108 bytes with its terminating zero). */
    private static final int MAX_SOCKET_PATH_LENGTH = 100;
    private static final int START_ATTEMPTS = 3;
    private static final long INSTALL_TIMEOUT_SECONDS = 300;
    private static final long READY_TIMEOUT_SECONDS = 120;
    private static final long STOP_TIMEOUT_SECONDS = 120;
    private static final long READY_POLL_MILLIS = 200;

    private final Path folder;
    private final Path dataDir;
    private final Path serverBinary;
    private final boolean root;
    private final PrintStream progress;
    private Path socketFolder;
    private Process process;
    private Thread shutdownHook;
    private int port = -1;
    private String version = "";
    private String settings = "";

    private ZipkinMariaDb(Path folder, Path serverBinary, boolean root, PrintStream progress) {
        this.folder = folder;
        this.dataDir = folder.resolve("data");
        this.serverBinary = serverBinary;
        this.root = root;
        this.progress = progress;
    }

    /**
     * Creates {@code folder}, initializes a data directory in it and starts the server.
     *
     * @throws PeerUnavailableException when MariaDB is not installed or does not start here
     */
    static ZipkinMariaDb start(Path folder, PrintStream progress) throws PeerUnavailableException, IOException,
            InterruptedException {
        Path server = findBinary("mariadbd", "mysqld").orElseThrow(() -> new PeerUnavailableException(
                "MariaDB is not installed: no mariadbd (or mysqld) in " + BINARY_DIRS + " nor on the PATH;"
                        + " `apt-get install mariadb-server` provides it"));
        Path installer = findBinary("mariadb-install-db", "mysql_install_db").orElseThrow(() ->
                new PeerUnavailableException("MariaDB's mariadb-install-db (or mysql_install_db) is missing from "
                        + BINARY_DIRS + " and the PATH; `apt-get install mariadb-server` provides it"));
        Files.createDirectories(folder);
        ZipkinMariaDb mariaDb = new ZipkinMariaDb(folder, server, "root".equals(System.getProperty("user.name")),
                progress);
        try {
            mariaDb.installDataDir(installer);
            mariaDb.startOnFreePort();
            return mariaDb;
        } catch (PeerUnavailableException | IOException | InterruptedException | RuntimeException e) {
            mariaDb.close();
            throw e;
        }
    }

    private static Optional<Path> findBinary(String... names) {
        List<Path> dirs = new ArrayList<>(BINARY_DIRS);
        for (String entry : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!entry.isEmpty()) {
                dirs.add(Path.of(entry));
            }
        }
        for (String name : names) {
            for (Path dir : dirs) {
                Path candidate = dir.resolve(name);
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    private void installDataDir(Path installer) throws IOException, InterruptedException, PeerUnavailableException {
        List<String> command = new ArrayList<>(List.of(installer.toString(), "--no-defaults",
                "--datadir=" + dataDir, "--skip-test-db", "--auth-root-authentication-method=normal"));
        if (root) {
            command.add("--user=root");
        }
        Path log = folder.resolve("mariadb-install-db.log");
        Process install = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!install.waitFor(INSTALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            install.destroyForcibly();
            throw new PeerUnavailableException(installer + " did not finish within " + INSTALL_TIMEOUT_SECONDS + " s");
        }
        if (install.exitValue() != 0) {
            throw new PeerUnavailableException(installer + " failed (exit " + install.exitValue() + "): "
                    + tail(Files.readString(log, StandardCharsets.UTF_8)));
        }
    }

    /** Picks a free port and starts; another process may take the port in between, hence a few attempts. */
    private void startOnFreePort() throws IOException, InterruptedException, PeerUnavailableException {
        Path initFile = folder.resolve("init.sql");
        // Runs once at start-up with full privileges, before the server takes connections.
        Files.writeString(initFile, String.join("\n",
                "CREATE DATABASE IF NOT EXISTS " + DATABASE + ";",
                "CREATE USER IF NOT EXISTS '" + USER + "'@'127.0.0.1' IDENTIFIED BY '" + PASSWORD + "';",
                "GRANT ALL PRIVILEGES ON " + DATABASE + ".* TO '" + USER + "'@'127.0.0.1';", ""),
                StandardCharsets.UTF_8);
        Path socket = folder.toAbsolutePath().resolve("mariadbd.sock");
        if (socket.toString().length() > MAX_SOCKET_PATH_LENGTH) {
            socketFolder = Files.createTempDirectory("contrail-mariadb");
            socket = socketFolder.resolve("mariadbd.sock");
        }
        Path log = folder.resolve("mariadbd.log");
        for (int attempt = 1; ; attempt++) {
            int candidate = freePort();
            List<String> command = new ArrayList<>(List.of(serverBinary.toString(), "--no-defaults",
                    "--datadir=" + dataDir.toAbsolutePath(), "--socket=" + socket, "--port=" + candidate,
                    "--bind-address=127.0.0.1", "--skip-name-resolve", "--init-file=" + initFile.toAbsolutePath(),
                    "--pid-file=" + folder.toAbsolutePath().resolve("mariadbd.pid")));
            if (root) {
                command.add("--user=root");
            }
            process = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            Process started = process;
            shutdownHook = new Thread(started::destroyForcibly, "contrail-mariadb-stop");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
            port = candidate;
            if (awaitReady()) {
                try (Connection connection = connect(); Statement statement = connection.createStatement();
                     ResultSet result = statement.executeQuery("SELECT version(),"
                             + " @@innodb_flush_log_at_trx_commit, @@innodb_buffer_pool_size")) {
                    result.next();
                    version = result.getString(1);
                    settings = "innodb_flush_log_at_trx_commit=" + result.getInt(2) + ", innodb_buffer_pool_size="
                            + (result.getLong(3) >> 20) + " MiB";
                } catch (SQLException e) {
                    throw new PeerUnavailableException("MariaDB started but cannot be queried: " + e.getMessage(), e);
                }
                progress.printf("  zipkin-mysql: MariaDB %s started on 127.0.0.1:%d, data in %s%n", version, port,
                        dataDir);
                return;
            }
            String serverLog = Files.readString(log, StandardCharsets.UTF_8);
            stopProcess();
            boolean portTaken = serverLog.contains("Address already in use") || serverLog.contains("Bind on TCP/IP port");
            if (attempt >= START_ATTEMPTS || !portTaken) {
                throw new PeerUnavailableException("mariadbd did not become ready on 127.0.0.1:" + candidate
                        + " within " + READY_TIMEOUT_SECONDS + " s; its log:\n" + tail(serverLog));
            }
        }
    }

    /** Waits until the zipkin user can connect; false when the server exited or the time ran out. */
    private boolean awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline && process.isAlive()) {
            try (Connection connection = connect()) {
                return connection.isValid(5);
            } catch (SQLException e) {
                Thread.sleep(READY_POLL_MILLIS);
            }
        }
        return false;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    String jdbcUrl() {
        return "jdbc:mariadb://127.0.0.1:" + port + "/" + DATABASE + "?user=" + USER + "&password=" + PASSWORD;
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl());
    }

    /** Runs a script of several statements (Zipkin's {@code mysql.sql}) in the zipkin database. */
    void runScript(String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(jdbcUrl() + "&allowMultiQueries=true");
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /**
     * Size of each zipkin table as InnoDB reports it (data + indexes), after refreshing its
     * statistics, largest first.
     */
    Map<String, Long> tableBytes() throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet result = statement.executeQuery("SELECT table_name FROM information_schema.tables"
                    + " WHERE table_schema = '" + DATABASE + "'")) {
                while (result.next()) {
                    tables.add(result.getString(1));
                }
            }
            for (String table : tables) {
                statement.execute("ANALYZE TABLE " + table);
            }
            Map<String, Long> bytes = new LinkedHashMap<>();
            try (ResultSet result = statement.executeQuery("SELECT table_name, data_length + index_length"
                    + " FROM information_schema.tables WHERE table_schema = '" + DATABASE + "'"
                    + " ORDER BY data_length + index_length DESC")) {
                while (result.next()) {
                    bytes.put(result.getString(1), result.getLong(2));
                }
            }
            return bytes;
        }
    }

    /** Size of the zipkin database's own files (one {@code .ibd} per table); shared logs not counted. */
    long databaseFileBytes() throws IOException {
        Path databaseDir = dataDir.resolve(DATABASE);
        if (!Files.isDirectory(databaseDir)) {
            return 0;
        }
        long bytes = 0;
        try (Stream<Path> files = Files.list(databaseDir)) {
            for (Path file : files.toList()) {
                bytes += Files.size(file);
            }
        }
        return bytes;
    }

    /** One line for the load notes: which server, with which settings. */
    String describe() {
        return "MariaDB " + version + " (" + serverBinary + ", --no-defaults: every setting MariaDB's default, "
                + settings + ")";
    }

    /** Asks the process to stop (SIGTERM), kills it if it has not within the timeout; never throws. */
    private void stopProcess() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                progress.println("  zipkin-mysql: mariadbd did not shut down within " + STOP_TIMEOUT_SECONDS
                        + " s; killing it");
                process.destroyForcibly();
                process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook runs anyway and finds the process gone.
        }
        process = null;
    }

    private static String tail(String text) {
        return text.length() <= 2000 ? text : "…" + text.substring(text.length() - 2000);
    }

    /** Stops the server if it runs and deletes the folder; safe to call more than once. */
    @Override
    public void close() throws IOException {
        try {
            stopProcess();
        } finally {
            deleteRecursively(folder);
            if (socketFolder != null) {
                deleteRecursively(socketFolder);
            }
        }
    }

    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
