package io.contrail.bench.suite;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * The Zipkin server, run as its published exec jar ({@code io.zipkin:zipkin-server:<version>:exec}
 * from Maven Central) on MySQL storage: one JVM process listening on a free port of 127.0.0.1,
 * stopped by {@link #close()}.
 *
 * <p>What a caller must know: the version is the one of the {@code zipkin2} library this module is
 * built with (pinned in the parent {@code pom.xml}), so client and server agree. The jar is taken
 * from the local Maven repository, or fetched into it with {@code mvn dependency:copy}; a machine
 * that has neither the jar nor Maven Central gets a {@link PeerUnavailableException} saying so.
 * The server runs on this JVM's own {@code java} (Zipkin 3 needs Java 17) with its default heap.
 */
final class ZipkinServer implements AutoCloseable {

    static final String GROUP_ID = "io.zipkin";
    static final String ARTIFACT_ID = "zipkin-server";
    static final String CLASSIFIER = "exec";
    static final int MIN_JAVA_FEATURE = 17;
    private static final String SCHEMA_JAR_PREFIX = "BOOT-INF/lib/zipkin-storage-mysql-v1-";
    private static final String SCHEMA_ENTRY = "mysql.sql";
    private static final int START_ATTEMPTS = 3;
    private static final long FETCH_TIMEOUT_SECONDS = 600;
    private static final long HEALTH_TIMEOUT_SECONDS = 180;
    private static final long HEALTH_POLL_MILLIS = 250;
    private static final long STOP_TIMEOUT_SECONDS = 60;
    /**
     * Zipkin's own limit on a query request (QUERY_TIMEOUT, 11 s by default), raised so that slow
     * answers are timed instead of refused with a 500.
     */
    static final Duration QUERY_TIMEOUT = Duration.ofMinutes(10);

    private final Path folder;
    private final Path jar;
    private final PrintStream progress;
    private Process process;
    private Thread shutdownHook;
    private int port = -1;

    private ZipkinServer(Path folder, Path jar, PrintStream progress) {
        this.folder = folder;
        this.jar = jar;
        this.progress = progress;
    }

    /**
     * The Zipkin server release the peer runs. Not the {@code zipkin2} library's version: the parent
     * pom moved that to 3.6.0 for {@code zipkin-tests}, and Maven Central has no zipkin-server 3.6.0
     * exec jar (checked 2026-11-25: "Could not find artifact io.zipkin:zipkin-server:jar:exec:3.6.0");
     * 3.5.1 is the release the peer was measured with. The JSON v2 the peer posts is the same in both.
     */
    static final String SERVER_VERSION = "3.5.1";

    /** The Zipkin server version to run: {@link #SERVER_VERSION}. */
    static String version() {
        return SERVER_VERSION;
    }

    /**
     * The exec jar: from the local Maven repository, else fetched with {@code mvn dependency:copy}
     * into {@code folder} (which also leaves it in the local repository for the next run).
     */
    static Path locateJar(String version, Path folder, Path repositoryRoot, PrintStream progress)
            throws PeerUnavailableException, IOException, InterruptedException {
        String fileName = ARTIFACT_ID + "-" + version + "-" + CLASSIFIER + ".jar";
        Path localRepository = Path.of(System.getProperty("maven.repo.local",
                Path.of(System.getProperty("user.home"), ".m2", "repository").toString()));
        Path cached = localRepository.resolve(Path.of(GROUP_ID.replace('.', '/'), ARTIFACT_ID, version, fileName));
        if (Files.isRegularFile(cached)) {
            return cached;
        }
        String artifact = GROUP_ID + ":" + ARTIFACT_ID + ":" + version + ":jar:" + CLASSIFIER;
        Path target = Files.createDirectories(folder.resolve("jar"));
        Path wrapper = repositoryRoot.resolve("mvnw");
        List<String> command = new ArrayList<>(List.of(Files.isExecutable(wrapper) ? wrapper.toString() : "mvn",
                "-q", "-B", "dependency:copy", "-Dartifact=" + artifact, "-DoutputDirectory=" + target));
        progress.println("  zipkin-mysql: fetching " + artifact + " with " + String.join(" ", command));
        Path log = folder.resolve("mvn-dependency-copy.log");
        Process fetch;
        try {
            fetch = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new PeerUnavailableException("the Zipkin server jar " + fileName + " is not in " + localRepository
                    + " and Maven cannot be run to fetch it (" + e.getMessage() + ")", e);
        }
        if (!fetch.waitFor(FETCH_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            fetch.destroyForcibly();
            throw new PeerUnavailableException("fetching " + artifact + " with Maven took longer than "
                    + FETCH_TIMEOUT_SECONDS + " s");
        }
        Path fetched = target.resolve(fileName);
        if (fetch.exitValue() != 0 || !Files.isRegularFile(fetched)) {
            throw new PeerUnavailableException("the Zipkin server jar " + fileName + " is not in " + localRepository
                    + " and `" + String.join(" ", command) + "` could not fetch it (exit " + fetch.exitValue()
                    + "; offline, or no access to Maven Central?): " + tail(Files.readString(log, StandardCharsets.UTF_8)));
        }
        return fetched;
    }

    /** Zipkin's MySQL schema, {@code mysql.sql}, from the storage library nested in the exec jar. */
    static String mysqlSchema(Path execJar) throws IOException {
        try (ZipFile zip = new ZipFile(execJar.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                if (!entry.getName().startsWith(SCHEMA_JAR_PREFIX) || !entry.getName().endsWith(".jar")) {
                    continue;
                }
                try (InputStream nested = zip.getInputStream(entry); ZipInputStream storage = new ZipInputStream(nested)) {
                    for (ZipEntry inner = storage.getNextEntry(); inner != null; inner = storage.getNextEntry()) {
                        if (inner.getName().equals(SCHEMA_ENTRY)) {
                            return new String(storage.readAllBytes(), StandardCharsets.UTF_8);
                        }
                    }
                }
            }
        }
        throw new IOException("no " + SCHEMA_ENTRY + " in " + SCHEMA_JAR_PREFIX + "*.jar inside " + execJar);
    }

    /**
     * Starts the server on {@code mariaDb} and waits for {@code /health} to answer 200.
     *
     * @throws PeerUnavailableException when this JVM is too old or the server does not come up
     */
    static ZipkinServer start(Path folder, Path jar, ZipkinMariaDb mariaDb, PrintStream progress)
            throws PeerUnavailableException, IOException, InterruptedException {
        if (Runtime.version().feature() < MIN_JAVA_FEATURE) {
            throw new PeerUnavailableException("the Zipkin server needs Java " + MIN_JAVA_FEATURE
                    + " or later; this JVM is " + Runtime.version());
        }
        Files.createDirectories(folder);
        ZipkinServer server = new ZipkinServer(folder, jar, progress);
        try {
            server.startOnFreePort(mariaDb);
            return server;
        } catch (PeerUnavailableException | IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private void startOnFreePort(ZipkinMariaDb mariaDb) throws IOException, InterruptedException,
            PeerUnavailableException {
        Path log = folder.resolve("zipkin-server.log");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        for (int attempt = 1; ; attempt++) {
            int candidate = freePort();
            // Zipkin's QUERY_PORT alone listens on every interface; Armeria's own setting binds to loopback.
            List<String> command = List.of(java.toString(), "-XX:+ExitOnOutOfMemoryError", "-jar", jar.toString(),
                    "--armeria.ports[0].ip=127.0.0.1", "--armeria.ports[0].port=" + candidate,
                    "--armeria.ports[0].protocols=http");
            ProcessBuilder builder = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            Map<String, String> environment = builder.environment();
            environment.put("STORAGE_TYPE", "mysql");
            environment.put("MYSQL_HOST", "127.0.0.1");
            environment.put("MYSQL_TCP_PORT", Integer.toString(mariaDb.port()));
            environment.put("MYSQL_USER", ZipkinMariaDb.USER);
            environment.put("MYSQL_PASS", ZipkinMariaDb.PASSWORD);
            environment.put("MYSQL_DB", ZipkinMariaDb.DATABASE);
            environment.put("QUERY_PORT", Integer.toString(candidate));
            environment.put("QUERY_TIMEOUT", QUERY_TIMEOUT.toSeconds() + "s");
            process = builder.start();
            Process started = process;
            shutdownHook = new Thread(started::destroyForcibly, "contrail-zipkin-stop");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
            port = candidate;
            long startNanos = System.nanoTime();
            if (awaitHealthy()) {
                progress.printf("  zipkin-mysql: Zipkin server %s healthy on %s after %.1f s%n", jar.getFileName(),
                        baseUri(), (System.nanoTime() - startNanos) / 1e9);
                return;
            }
            String serverLog = Files.readString(log, StandardCharsets.UTF_8);
            stopProcess();
            if (attempt >= START_ATTEMPTS || !serverLog.contains("Address already in use")) {
                throw new PeerUnavailableException("the Zipkin server did not answer 200 on " + baseUri()
                        + "/health within " + HEALTH_TIMEOUT_SECONDS + " s; its log:\n" + tail(serverLog));
            }
        }
    }

    private boolean awaitHealthy() throws InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create(baseUri() + "/health"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HEALTH_TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                if (client.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return true;
                }
            } catch (IOException e) {
                // Not listening yet.
            }
            Thread.sleep(HEALTH_POLL_MILLIS);
        }
        return false;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    URI baseUri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The end of the server's log, for error messages. */
    String logTail() throws IOException {
        Path log = folder.resolve("zipkin-server.log");
        return Files.exists(log) ? tail(Files.readString(log, StandardCharsets.UTF_8)) : "";
    }

    /** Asks the process to stop (SIGTERM), kills it if it has not within the timeout; never throws. */
    private void stopProcess() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                progress.println("  zipkin-mysql: the Zipkin server did not stop within " + STOP_TIMEOUT_SECONDS
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

    /** Stops the server if it runs; safe to call more than once. The caller deletes the folder. */
    @Override
    public void close() {
        stopProcess();
    }
}
