package io.contrail.bench.suite;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server for the benchmark: {@code initdb} into a folder of its own, started
 * with {@code pg_ctl} on a free port of 127.0.0.1 (its unix socket in that folder too), stopped with
 * {@code pg_ctl stop -m fast} and deleted by {@link #stopAndDelete()}.
 *
 * <p>What a caller must know: {@code initdb} and {@code postgres} refuse to run as root. When the
 * bench runs as root, both run as the {@code postgres} system user that the Debian package creates
 * (else {@code nobody}) through {@code runuser} (else {@code su}); the folder is handed to that
 * user, and folders above it under the system temp folder get the "others may traverse" bit if
 * they lack it. Authentication is {@code trust}, on 127.0.0.1 only, for a database that lives
 * minutes.
 *
 * <p>Public for the cluster tests ({@code cluster-tests}), which run the Iceberg JDBC catalog on it.
 */
public final class PostgresServer {

    /** Where Debian's {@code postgresql-15} package puts the server binaries. */
    static final Path DEBIAN_BIN_DIR = Path.of("/usr/lib/postgresql/15/bin");
    public static final String SUPERUSER = "contrail";
    public static final String DATABASE = "postgres";
    /** Settings appended to {@code postgresql.conf}; everything else (fsync, synchronous_commit …) stays default. */
    static final List<String> SETTINGS = List.of(
            "shared_buffers = '256MB'",
            "maintenance_work_mem = '256MB'");
    /** Unix socket paths longer than this do not fit {@code sockaddr_un} (107 bytes with the file name). */
    private static final int MAX_SOCKET_DIR_LENGTH = 90;
    private static final int START_ATTEMPTS = 3;
    private static final long COMMAND_TIMEOUT_SECONDS = 300;
    private static final List<String> ROOT_ALTERNATIVE_USERS = List.of("postgres", "nobody");

    private final Path folder;
    private final Path dataDir;
    private final Path binDir;
    /** The OS user the server runs as when we are root; null when we run it as ourselves. */
    private final String serverUser;
    private final PrintStream progress;
    private int port = -1;
    private boolean running;

    private PostgresServer(Path folder, Path binDir, String serverUser, PrintStream progress) {
        this.folder = folder;
        this.dataDir = folder.resolve("data");
        this.binDir = binDir;
        this.serverUser = serverUser;
        this.progress = progress;
    }

    /**
     * Creates {@code folder}, initializes a cluster in it and starts the server.
     *
     * @throws PeerUnavailableException when PostgreSQL is not installed or cannot run here
     */
    public static PostgresServer start(Path folder, PrintStream progress) throws PeerUnavailableException, IOException,
            InterruptedException {
        Path binDir = findBinDir();
        String serverUser = isRoot() ? chooseServerUser() : null;
        Files.createDirectories(folder);
        PostgresServer server = new PostgresServer(folder, binDir, serverUser, progress);
        try {
            server.prepareFolder();
            server.initdb();
            server.startOnFreePort();
            return server;
        } catch (PeerUnavailableException | IOException | InterruptedException | RuntimeException e) {
            server.stopAndDelete();
            throw e;
        }
    }

    /** The cluster's data folder, where the tables, indexes and WAL go. */
    Path dataDir() {
        return dataDir;
    }

    /** The port on 127.0.0.1 the server listens on. */
    public int port() {
        return port;
    }

    public String jdbcUrl() {
        // prepareThreshold=0: every execution is planned with its actual values, as DuckDB does.
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE + "?user=" + SUPERUSER + "&prepareThreshold=0";
    }

    /** One line for the load notes: who runs the server and with which settings. */
    String describe() {
        return "server " + binDir + (serverUser == null ? "" : " run as OS user '" + serverUser
                + "' (initdb refuses root)") + "; initdb --locale=C --encoding=UTF8; settings "
                + String.join(", ", SETTINGS) + ", all else default (fsync, synchronous_commit, full_page_writes on)";
    }

    private static Path findBinDir() throws PeerUnavailableException, InterruptedException {
        if (hasServerBinaries(DEBIAN_BIN_DIR)) {
            return DEBIAN_BIN_DIR;
        }
        try {
            Process pgConfig = new ProcessBuilder("pg_config", "--bindir").redirectErrorStream(true).start();
            String output = new String(pgConfig.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (pgConfig.waitFor() == 0 && hasServerBinaries(Path.of(output))) {
                return Path.of(output);
            }
        } catch (IOException e) {
            // No pg_config on the PATH: fall through to the message below.
        }
        throw new PeerUnavailableException("PostgreSQL is not installed: no initdb/pg_ctl in " + DEBIAN_BIN_DIR
                + " nor in `pg_config --bindir`; `apt-get install postgresql-15` provides it");
    }

    private static boolean hasServerBinaries(Path dir) {
        return Files.isExecutable(dir.resolve("initdb")) && Files.isExecutable(dir.resolve("pg_ctl"));
    }

    private static boolean isRoot() throws IOException, InterruptedException {
        Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
        String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return id.waitFor() == 0 && uid.equals("0");
    }

    private static String chooseServerUser() throws PeerUnavailableException, IOException, InterruptedException {
        for (String user : ROOT_ALTERNATIVE_USERS) {
            Process id = new ProcessBuilder("id", "-u", user).redirectErrorStream(true).start();
            id.getInputStream().readAllBytes();
            if (id.waitFor() == 0) {
                return user;
            }
        }
        throw new PeerUnavailableException("running as root, and initdb refuses root, but none of the users "
                + ROOT_ALTERNATIVE_USERS + " exists to run PostgreSQL as (`apt-get install postgresql-15` creates 'postgres')");
    }

    /** As root: hands the folder to the server user and makes sure that user can reach it. */
    private void prepareFolder() throws IOException, PeerUnavailableException {
        if (serverUser == null) {
            return;
        }
        UserPrincipal owner = folder.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(serverUser);
        Files.setOwner(folder, owner);
        Path temp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
        for (Path dir = folder.toAbsolutePath().normalize().getParent(); dir != null; dir = dir.getParent()) {
            PosixFileAttributes attributes = Files.readAttributes(dir, PosixFileAttributes.class);
            if (attributes.permissions().contains(PosixFilePermission.OTHERS_EXECUTE)
                    || attributes.owner().equals(owner)) {
                continue;
            }
            if (!dir.startsWith(temp) || dir.equals(temp)) {
                throw new PeerUnavailableException("PostgreSQL must run as OS user '" + serverUser
                        + "' (initdb refuses root), and that user cannot enter " + dir
                        + "; give the bench a work folder under " + temp);
            }
            Set<PosixFilePermission> permissions = EnumSet.copyOf(attributes.permissions());
            permissions.add(PosixFilePermission.OTHERS_EXECUTE);
            Files.getFileAttributeView(dir, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setPermissions(permissions);
        }
    }

    private void initdb() throws IOException, InterruptedException, PeerUnavailableException {
        run("initdb", List.of(binDir.resolve("initdb").toString(), "-D", dataDir.toString(),
                "--username=" + SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-instructions"));
        List<String> conf = new ArrayList<>();
        conf.add("");
        conf.add("# Contrail bench");
        conf.add("listen_addresses = '127.0.0.1'");
        String socketDir = folder.toAbsolutePath().toString();
        // Without a socket in the folder pg_ctl still waits for the server over TCP.
        conf.add("unix_socket_directories = '" + (socketDir.length() <= MAX_SOCKET_DIR_LENGTH
                ? socketDir.replace("'", "''") : "") + "'");
        conf.addAll(SETTINGS);
        Files.write(dataDir.resolve("postgresql.conf"), conf, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    /** Picks a free port and starts; another process may take the port in between, hence a few attempts. */
    private void startOnFreePort() throws IOException, InterruptedException, PeerUnavailableException {
        Path log = folder.resolve("server.log");
        for (int attempt = 1; ; attempt++) {
            int candidate = freePort();
            try {
                run("pg_ctl start", List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString(),
                        "-l", log.toString(), "-o", "-p " + candidate, "-t", "120", "-w", "start"));
                port = candidate;
                running = true;
                progress.printf("  postgresql: started on 127.0.0.1:%d, data in %s%n", port, dataDir);
                return;
            } catch (PeerUnavailableException e) {
                String serverLog = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
                if (attempt >= START_ATTEMPTS || !serverLog.contains("could not bind")) {
                    throw new PeerUnavailableException(e.getMessage() + "\nserver.log:\n" + tail(serverLog), e);
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Runs one of PostgreSQL's programs as the server user; a non-zero exit is reported with its output. */
    private void run(String what, List<String> command) throws IOException, InterruptedException,
            PeerUnavailableException {
        Path output = Files.createTempFile("contrail-" + what.replace(' ', '-'), ".out");
        try {
            Process process = new ProcessBuilder(asServerUser(command)).directory(folder.toFile())
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new PeerUnavailableException(what + " did not finish within " + COMMAND_TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                throw new PeerUnavailableException(what + " failed (exit " + process.exitValue() + "): "
                        + tail(Files.readString(output, StandardCharsets.UTF_8)));
            }
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private List<String> asServerUser(List<String> command) {
        if (serverUser == null) {
            return command;
        }
        List<String> wrapped = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/sbin/runuser")) || Files.isExecutable(Path.of("/sbin/runuser"))) {
            wrapped.addAll(List.of("runuser", "-u", serverUser, "--"));
            wrapped.addAll(command);
        } else {
            StringBuilder shell = new StringBuilder("exec");
            for (String argument : command) {
                shell.append(" '").append(argument.replace("'", "'\\''")).append('\'');
            }
            wrapped.addAll(List.of("su", "-s", "/bin/sh", serverUser, "-c", shell.toString()));
        }
        return wrapped;
    }

    private static String tail(String text) {
        return text.length() <= 2000 ? text : "…" + text.substring(text.length() - 2000);
    }

    /**
     * Stops the server (fast shutdown) if it runs and deletes the folder; safe to call more than
     * once. An interrupt while waiting for pg_ctl is kept for the caller, and the folder still goes.
     */
    public void stopAndDelete() throws IOException {
        try {
            if (running) {
                running = false;
                run("pg_ctl stop", List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString(),
                        "-m", "fast", "-w", "stop"));
            }
        } catch (PeerUnavailableException e) {
            progress.println("  postgresql: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            deleteRecursively(folder);
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
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
