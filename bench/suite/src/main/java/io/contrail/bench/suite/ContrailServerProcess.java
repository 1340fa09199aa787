package io.contrail.bench.suite;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code contrail serve} in a child JVM of its own, so that its CPU, memory and heap can be
 * measured apart from the benchmark's: started on port 0 with the benchmark's own classpath,
 * announced by the line "Contrail listening on URL", its output drained into {@code server.log}
 * for as long as it runs (a full pipe would block the server). {@link #close()} sends SIGTERM,
 * which makes the server flush what it buffered, and kills it if it has not stopped in a minute.
 * It runs in the folder above its data folder, so that what DuckDB spills to its default
 * {@code .tmp} (a large join at 100M spans) lands in the run's scratch folder, not where the
 * benchmark was started.
 */
final class ContrailServerProcess implements AutoCloseable {

    /** The heap issue 4's goal names (≤ 1 GiB); the 10M run of 2026-11-26 ingested as fast with it as with 2g. */
    static final String DEFAULT_MAX_HEAP = "1g";
    static final long STARTUP_TIMEOUT_SECONDS = 120;
    static final long STOP_TIMEOUT_SECONDS = 60;
    private static final Pattern LISTENING = Pattern.compile("Contrail listening on (http://\\S+)");
    private static final int LOG_TAIL_LINES = 40;

    private final Process process;
    private final URI baseUrl;
    private final Path log;
    private final Deque<String> tail = new ArrayDeque<>();
    private final List<String> command;

    private ContrailServerProcess(Process process, URI baseUrl, Path log, List<String> command) {
        this.process = process;
        this.baseUrl = baseUrl;
        this.log = log;
        this.command = command;
    }

    /**
     * Starts {@code io.contrail.http.Main serve --data dataDir --port 0} and waits until it listens.
     *
     * @param classpath  the classpath holding contrail-http and its dependencies
     * @param maxHeap    the server's -Xmx, e.g. "2g"
     * @param extraArgs  more JVM options (e.g. a JFR recording), may be empty
     * @param serveArgs  more options of {@code serve} (e.g. --query-timeout=600), may be empty
     */
    static ContrailServerProcess start(Path dataDir, Path log, String classpath, String maxHeap, List<String> extraArgs,
                                       List<String> serveArgs)
            throws IOException, PeerUnavailableException, InterruptedException {
        Files.createDirectories(dataDir);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
        command.add("-Xmx" + maxHeap);
        command.addAll(extraArgs);
        command.add("-cp");
        // Absolute, since the server runs in another folder.
        command.add(Arrays.stream(classpath.split(File.pathSeparator)).filter(entry -> !entry.isEmpty())
                .map(entry -> Path.of(entry).toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator)));
        command.add("io.contrail.http.Main");
        Path data = dataDir.toAbsolutePath();
        command.addAll(List.of("serve", "--data", data.toString(), "--port", "0"));
        command.addAll(serveArgs);
        Process process = new ProcessBuilder(command).directory(data.getParent().toFile()).redirectErrorStream(true)
                .start();
        CompletableFuture<URI> listening = new CompletableFuture<>();
        Deque<String> tail = new ArrayDeque<>();
        Thread drain = new Thread(() -> drain(process, log, tail, listening), "contrail-server-output");
        drain.setDaemon(true);
        drain.start();
        try {
            URI url = listening.get(STARTUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            ContrailServerProcess server = new ContrailServerProcess(process, url, log, command);
            synchronized (tail) {
                server.tail.addAll(tail);
            }
            return server;
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            String why = e instanceof TimeoutException
                    ? "did not print 'Contrail listening on …' within " + STARTUP_TIMEOUT_SECONDS + " s"
                    : "exited before it listened (exit code " + (process.isAlive() ? "?" : process.exitValue()) + ")";
            String lastLines;
            synchronized (tail) {
                lastLines = String.join("\n", tail);
            }
            throw new PeerUnavailableException("the Contrail server " + why + "; command: " + String.join(" ", command)
                    + "; last output:\n" + lastLines);
        }
    }

    private static void drain(Process process, Path log, Deque<String> tail, CompletableFuture<URI> listening) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.println(line);
                synchronized (tail) {
                    tail.addLast(line);
                    if (tail.size() > LOG_TAIL_LINES) {
                        tail.removeFirst();
                    }
                }
                Matcher matcher = LISTENING.matcher(line);
                if (!listening.isDone() && matcher.find()) {
                    listening.complete(URI.create(matcher.group(1)));
                }
            }
        } catch (IOException e) {
            // The process is gone; whoever waits learns it from the exit.
        } finally {
            listening.completeExceptionally(new IOException("server output ended"));
        }
    }

    URI baseUrl() {
        return baseUrl;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    List<String> command() {
        return command;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The server's last lines of output, for error messages. */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return String.join("\n", tail);
        }
    }

    /** Stops the server; if interrupted while waiting, kills it and keeps the interrupt flag set. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
