package io.contrail.cluster;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An S3-compatible server for tests: S3Proxy ({@code org.gaul:s3proxy}) over a folder of this machine
 * ({@code filesystem} storage: a bucket is a folder, an object a file), on 127.0.0.1, AWS signature v4
 * (v2 accepted too) with a fixed access key and secret, path-style addressing.
 *
 * <p>S3Proxy runs as a child JVM from its self-contained jar (copied by Maven to {@code target/s3proxy};
 * system property {@code contrail.s3proxy.jar}), not in the test's JVM: that jar carries its own AWS SDK,
 * Guava, Jackson, Netty, gRPC … at versions that would fight Spark's and Iceberg's on one classpath, and a
 * separate process makes {@link #stop()} a real outage (connections refused, in-flight requests cut), which
 * a later test uses to take S3 away mid-load. {@link #start()} after {@link #stop()} serves the same
 * folder on the same port, so clients keep their endpoint.
 */
public final class S3Server implements AutoCloseable {

    public static final String ACCESS_KEY = "contrail-test-access-key";
    public static final String SECRET_KEY = "contrail-test-secret-key-0123456789";
    /** S3Proxy ignores the region; clients still need one to sign with. */
    public static final String REGION = "us-east-1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Path folder;
    private final Path blobs;
    private final Path jar;
    private final int port;
    private Process process;

    private S3Server(Path folder, Path jar, int port) {
        this.folder = folder;
        this.blobs = folder.resolve("blobs");
        this.jar = jar;
        this.port = port;
    }

    /** Starts a server on a free port of 127.0.0.1 that keeps its buckets under {@code folder}. */
    public static S3Server start(Path folder) throws IOException {
        String jarProperty = System.getProperty("contrail.s3proxy.jar");
        if (jarProperty == null || !Files.isRegularFile(Path.of(jarProperty))) {
            throw new IllegalStateException("no S3Proxy jar at system property contrail.s3proxy.jar (" + jarProperty
                    + "); Maven's generate-test-resources phase of cluster-tests copies it to target/s3proxy/s3proxy.jar");
        }
        Path absolute = folder.toAbsolutePath();
        Files.createDirectories(absolute.resolve("blobs"));
        S3Server server = new S3Server(absolute, Path.of(jarProperty), freePort());
        server.start();
        return server;
    }

    /**
     * (Re)starts the server on its port and folder; returns when it answers HTTP. Does nothing when it runs.
     */
    public synchronized void start() throws IOException {
        if (process != null && process.isAlive()) {
            return;
        }
        Properties properties = new Properties();
        properties.setProperty("s3proxy.endpoint", endpoint().toString());
        properties.setProperty("s3proxy.authorization", "aws-v2-or-v4");
        properties.setProperty("s3proxy.identity", ACCESS_KEY);
        properties.setProperty("s3proxy.credential", SECRET_KEY);
        properties.setProperty("jclouds.provider", "filesystem");
        properties.setProperty("jclouds.filesystem.basedir", blobs.toString());
        properties.setProperty("jclouds.identity", "unused");
        properties.setProperty("jclouds.credential", "unused");
        Path propertiesFile = folder.resolve("s3proxy.properties");
        try (var out = Files.newBufferedWriter(propertiesFile, StandardCharsets.UTF_8)) {
            properties.store(out, "S3Server (cluster-tests)");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-jar");
        command.add(jar.toString());
        command.add("--properties");
        command.add(propertiesFile.toString());
        Process started = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile())).start();
        process = started;
        try {
            await("S3Proxy answering on " + endpoint()).atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        if (!started.isAlive()) {
                            throw new IllegalStateException("S3Proxy exited with " + started.exitValue() + "; log "
                                    + log() + ":\n" + tailOfLog());
                        }
                        return accepts();
                    });
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    /** Stops the server (the process ends; its port stops accepting); the buckets stay. Safe to call twice. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        Process stopping = process;
        process = null;
        stopping.destroy();
        try {
            if (!stopping.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                stopping.destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            stopping.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** {@link #stop()}, then {@link #start()} on the same port and folder. */
    public void restart() throws IOException {
        stop();
        start();
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    @Override
    public void close() {
        stop();
    }

    /** {@code http://127.0.0.1:PORT}; the same across {@link #stop()} and {@link #start()}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    public String accessKey() {
        return ACCESS_KEY;
    }

    public String secretKey() {
        return SECRET_KEY;
    }

    public String region() {
        return REGION;
    }

    /** The folder under which S3Proxy keeps the buckets (one folder each). */
    public Path blobFolder() {
        return blobs;
    }

    /** S3Proxy's output (it appends across restarts). */
    public Path log() {
        return folder.resolve("s3proxy.log");
    }

    /** Creates a bucket through the S3 API (CreateBucket). */
    public void createBucket(String name) {
        try (S3Client client = client()) {
            client.createBucket(request -> request.bucket(name));
        }
    }

    /** An AWS SDK v2 client for this server (path-style, the test credentials); the caller closes it. */
    public S3Client client() {
        return S3Client.builder()
                .endpointOverride(endpoint())
                .region(Region.of(REGION))
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private String tailOfLog() {
        try {
            String text = Files.exists(log()) ? Files.readString(log(), StandardCharsets.UTF_8) : "";
            return text.length() <= 4000 ? text : "…" + text.substring(text.length() - 4000);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
