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
import java.util.Map;
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
 * benchmark was started. The server logs its garbage collector's pauses ({@link GcPauses}) to a
 * file of its own. {@link #startMain} starts another server of the bench (the null sink) the same way.
 */
public final class ContrailServerProcess implements AutoCloseable {

    /** The heap issue 4's goal names (≤ 1 GiB); the 10M run of 2026-11-26 ingested as fast with it as with 2g. */
    static final String DEFAULT_MAX_HEAP = "1g";
    static final long STARTUP_TIMEOUT_SECONDS = 120;
    static final long STOP_TIMEOUT_SECONDS = 60;
    /** Contrail prints "Contrail listening on URL", the null sink "Null sink listening on URL". */
    private static final Pattern LISTENING = Pattern.compile("[Ll]istening on (http://\\S+)");
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
     * The JVM options the {@code contrail} launcher starts the server with, besides --add-opens (its
     * last line; {@code ContrailServerProcessTest} holds the two together), so the server is measured as
     * it is run.
     */
    static final List<String> LAUNCHER_JVM_OPTIONS = List.of("-XX:MaxGCPauseMillis=30");

    /**
     * Starts {@code io.contrail.http.Main serve --data dataDir --port 0} and waits until it listens,
     * with the launcher's JVM options ({@link #LAUNCHER_JVM_OPTIONS}) and then {@code extraArgs}.
     *
     * @param gcLog      where the server logs its GC pauses ({@link GcPauses#jvmOption}); null for nowhere
     * @param classpath  the classpath holding contrail-http and its dependencies
     * @param maxHeap    the server's -Xmx, e.g. "2g"
     * @param extraArgs  more JVM options (e.g. a JFR recording), may be empty
     * @param serveArgs  more options of {@code serve} (e.g. --query-timeout=600), may be empty
     */
    static ContrailServerProcess start(Path dataDir, Path log, Path gcLog, String classpath, String maxHeap,
                                       List<String> extraArgs, List<String> serveArgs)
            throws IOException, PeerUnavailableException, InterruptedException {
        Files.createDirectories(dataDir);
        Path data = dataDir.toAbsolutePath();
        List<String> jvmArgs = new ArrayList<>(LAUNCHER_JVM_OPTIONS);
        jvmArgs.addAll(extraArgs);
        if (gcLog != null) {
            jvmArgs.add(GcPauses.jvmOption(gcLog));
        }
        List<String> args = new ArrayList<>(List.of("serve", "--data", data.toString(), "--port", "0"));
        args.addAll(serveArgs);
        return startMain("the Contrail server", "io.contrail.http.Main", args, data.getParent(), log, classpath, maxHeap,
                jvmArgs, Map.of());
    }

    /**
     * Starts {@code contrail serve --data dataDir --port 0 serveArgs…} from the runnable jar with
     * {@code environment} added to this process's, and waits until it listens: a node of a cluster test.
     */
    public static ContrailServerProcess serve(Path jar, Path dataDir, Path log, String maxHeap, List<String> serveArgs,
                                              Map<String, String> environment)
            throws IOException, PeerUnavailableException, InterruptedException {
        Files.createDirectories(dataDir);
        Path data = dataDir.toAbsolutePath();
        List<String> args = new ArrayList<>(List.of("serve", "--data", data.toString(), "--port", "0"));
        args.addAll(serveArgs);
        return startMain("the Contrail server", "io.contrail.http.Main", args, data.getParent(), log, jar.toString(),
                maxHeap, LAUNCHER_JVM_OPTIONS, environment);
    }

    /**
     * Starts {@code mainClass} with {@code args} in a child JVM in {@code workingDir} and waits until
     * it prints "… listening on URL".
     *
     * @param what how error messages name it, e.g. "the Contrail server"
     */
    static ContrailServerProcess startMain(String what, String mainClass, List<String> args, Path workingDir, Path log,
                                           String classpath, String maxHeap, List<String> jvmArgs,
                                           Map<String, String> environment)
            throws IOException, PeerUnavailableException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
        command.add("-Xmx" + maxHeap);
        command.addAll(jvmArgs);
        command.add("-cp");
        // Absolute, since the server runs in another folder.
        command.add(Arrays.stream(classpath.split(File.pathSeparator)).filter(entry -> !entry.isEmpty())
                .map(entry -> Path.of(entry).toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator)));
        command.add(mainClass);
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(workingDir.toFile()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        CompletableFuture<URI> listening = new CompletableFuture<>();
        Deque<String> tail = new ArrayDeque<>();
        Thread drain = new Thread(() -> drain(process, log, tail, listening), "bench-server-output-" + process.pid());
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
                    ? "did not print '… listening on …' within " + STARTUP_TIMEOUT_SECONDS + " s"
                    : "exited before it listened (exit code " + (process.isAlive() ? "?" : process.exitValue()) + ")";
            String lastLines;
            synchronized (tail) {
                lastLines = String.join("\n", tail);
            }
            throw new PeerUnavailableException(what + " " + why + "; command: " + String.join(" ", command)
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

    public URI baseUrl() {
        return baseUrl;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    List<String> command() {
        return command;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The server's last lines of output, for error messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return String.join("\n", tail);
        }
    }

    /**
     * {@code kill -9}: the server gets no chance to flush or close anything. Returns once the process
     * is gone, so that a new one may claim its data folder.
     */
    public void kill() throws InterruptedException, IOException {
        process.destroyForcibly(); // SIGKILL on Linux
        if (!process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new IOException("the server (pid " + process.pid() + ") was still alive " + STOP_TIMEOUT_SECONDS
                    + " s after SIGKILL");
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
