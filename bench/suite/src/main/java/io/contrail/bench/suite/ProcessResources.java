package io.contrail.bench.suite;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Watches a server process while a peer loads: its CPU time and resident memory from Linux's
 * {@code /proc/PID}, its Java heap from {@code jstat -gc PID} (one jstat process for the whole
 * watch, printing every {@value #INTERVAL_MILLIS} ms, when the peer is a JVM), this benchmark
 * JVM's own CPU (it sends the load, on the same cores), and the whole machine's busy time — the
 * machine is shared, and the last figure says how much others took. Call {@link #close()} to stop
 * and read {@link #usage()}.
 */
final class ProcessResources implements AutoCloseable {

    static final long INTERVAL_MILLIS = 500;
    /** USER_HZ, the unit of /proc's CPU times; 100 on every Linux this runs on. */
    static final long TICKS_PER_SECOND = 100;

    /**
     * What the process used between start and close. CPU is in percent of one core (200% = both
     * cores of a 2-core machine busy); -1 where not measured.
     *
     * @param peakHeapUsedBytes      largest heap occupancy jstat saw (young + old), before any GC
     * @param peakHeapCommittedBytes largest heap the JVM had reserved from the OS
     * @param oldGenAfterGcBytes     largest old-generation occupancy sampled right after a collection
     * @param serverCpuPercentByThread the server's CPU by thread name (numbers after # or - and at the end
     *                                 replaced by N, so "GC Thread#0" and "GC Thread#1" add up), from /proc/PID/task, largest first; threads that
     *                                 ended before the close are missing; empty until {@link #close()}
     */
    record Usage(double seconds, double serverCpuPercent, double benchCpuPercent, double machineCpuPercent,
                 int cores, long peakRssBytes, long peakHeapUsedBytes, long peakHeapCommittedBytes,
                 long oldGenAfterGcBytes, Map<String, Double> serverCpuPercentByThread, String note) {
    }

    private final long pid;
    private final long startNanos = System.nanoTime();
    private final long startServerTicks;
    private final long startBenchTicks;
    private final long startMachineBusyTicks;
    private final Thread sampler;
    private final Process jstat;
    private final Thread jstatReader;
    private volatile boolean running = true;
    private volatile long peakRss = -1;
    private volatile long peakHeapUsed = -1;
    private volatile long peakHeapCommitted = -1;
    private volatile long oldAfterGc = -1;
    private volatile long lastServerTicks;
    private volatile String note;
    private final Map<Long, ThreadTicks> threadsAtStart;
    private volatile Map<String, Double> cpuByThread = Map.of();
    private volatile Usage finalUsage;

    private record ThreadTicks(String name, long ticks) {
    }

    /** Starts watching {@code pid}; {@code javaProcess} says whether to ask jstat for its heap. */
    ProcessResources(long pid, boolean javaProcess) {
        this.pid = pid;
        this.startServerTicks = processTicks(Path.of("/proc", Long.toString(pid), "stat"));
        this.lastServerTicks = startServerTicks;
        this.startBenchTicks = processTicks(Path.of("/proc/self/stat"));
        this.startMachineBusyTicks = machineBusyTicks();
        this.threadsAtStart = threads(pid);
        this.sampler = new Thread(this::sampleLoop, "bench-process-sampler-" + pid);
        this.sampler.setDaemon(true);
        this.sampler.start();
        Process started = null;
        Thread reader = null;
        if (javaProcess) {
            try {
                Path jstatBinary = Path.of(System.getProperty("java.home"), "bin", "jstat");
                started = new ProcessBuilder(Files.isExecutable(jstatBinary) ? jstatBinary.toString() : "jstat",
                        "-gc", Long.toString(pid), Long.toString(INTERVAL_MILLIS)).redirectErrorStream(true).start();
                Process process = started;
                reader = new Thread(() -> readJstat(process), "bench-jstat-" + pid);
                reader.setDaemon(true);
                reader.start();
            } catch (IOException e) {
                note = "jstat not available (" + e.getMessage() + "): no heap figures";
            }
        }
        this.jstat = started;
        this.jstatReader = reader;
    }

    private void sampleLoop() {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        while (running) {
            try {
                for (String line : Files.readAllLines(status)) {
                    if (line.startsWith("VmRSS:")) {
                        peakRss = Math.max(peakRss, kilobytes(line) * 1024);
                    }
                }
                long ticks = processTicks(stat);
                if (ticks >= 0) {
                    lastServerTicks = ticks;
                }
            } catch (IOException | RuntimeException e) {
                note = "cannot read /proc/" + pid + " (" + e + ")";
            }
            try {
                Thread.sleep(INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Parses jstat -gc lines by their header: S0U S1U EU OU are used KB, S0C S1C EC OC committed KB. */
    private void readJstat(Process process) {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
            List<String> header = null;
            long lastCollections = -1;
            String line;
            while ((line = reader.readLine()) != null) {
                String[] fields = line.trim().split("\\s+");
                if (fields.length > 0 && fields[0].equals("S0C")) {
                    header = Arrays.asList(fields);
                    continue;
                }
                if (header == null || fields.length != header.size()) {
                    if (!line.isBlank() && header == null) {
                        note = "jstat: " + line.trim();
                    }
                    continue;
                }
                double used = value(header, fields, "S0U") + value(header, fields, "S1U")
                        + value(header, fields, "EU") + value(header, fields, "OU");
                double committed = value(header, fields, "S0C") + value(header, fields, "S1C")
                        + value(header, fields, "EC") + value(header, fields, "OC");
                peakHeapUsed = Math.max(peakHeapUsed, (long) (used * 1024));
                peakHeapCommitted = Math.max(peakHeapCommitted, (long) (committed * 1024));
                long collections = (long) (value(header, fields, "YGC") + value(header, fields, "FGC"));
                if (lastCollections >= 0 && collections != lastCollections) {
                    oldAfterGc = Math.max(oldAfterGc, (long) (value(header, fields, "OU") * 1024));
                }
                lastCollections = collections;
            }
        } catch (IOException | RuntimeException e) {
            if (running) {
                note = "jstat output unreadable: " + e;
            }
        }
    }

    private static double value(List<String> header, String[] fields, String column) {
        int index = header.indexOf(column);
        return index < 0 || fields[index].equals("-") ? 0 : Double.parseDouble(fields[index]);
    }

    /** What was used so far; after {@link #close()}, what was used until the close. */
    Usage usage() {
        Usage closed = finalUsage;
        if (closed != null) {
            return closed;
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        long benchTicks = processTicks(Path.of("/proc/self/stat")) - startBenchTicks;
        long machineTicks = machineBusyTicks() - startMachineBusyTicks;
        return new Usage(seconds, percent(lastServerTicks - startServerTicks, seconds), percent(benchTicks, seconds),
                percent(machineTicks, seconds), Runtime.getRuntime().availableProcessors(), peakRss, peakHeapUsed,
                peakHeapCommitted, oldAfterGc, cpuByThread, note);
    }

    private double percent(long ticks, double seconds) {
        return seconds > 0 && ticks >= 0 ? 100.0 * ticks / TICKS_PER_SECOND / seconds : -1;
    }

    @Override
    public void close() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        Map<String, Long> ticksByName = new HashMap<>();
        threads(pid).forEach((tid, now) -> {
            ThreadTicks before = threadsAtStart.get(tid);
            long ticks = now.ticks() - (before == null ? 0 : before.ticks());
            ticksByName.merge(now.name(), ticks, Long::sum);
        });
        Map<String, Double> byName = new LinkedHashMap<>();
        ticksByName.entrySet().stream().filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> byName.put(e.getKey(), percent(e.getValue(), seconds)));
        cpuByThread = Collections.unmodifiableMap(byName);
        running = false;
        sampler.interrupt();
        if (jstat != null) {
            jstat.destroy();
            try {
                jstat.waitFor(5, TimeUnit.SECONDS);
                jstatReader.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            sampler.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        finalUsage = usage();
    }

    /** utime + stime from a /proc stat line (fields 14 and 15; the command name may hold spaces); -1 if gone. */
    static long processTicks(Path statFile) {
        try {
            String stat = Files.readString(statFile, StandardCharsets.US_ASCII);
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Every thread of {@code pid}: its name with numbers replaced by N, and its CPU ticks so far. */
    static Map<Long, ThreadTicks> threads(long pid) {
        Map<Long, ThreadTicks> threads = new HashMap<>();
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        try (Stream<Path> list = Files.list(tasks)) {
            for (Path task : (Iterable<Path>) list::iterator) {
                try {
                    String name = Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).strip()
                            .replaceAll("(?<=[#-])[0-9]+|[0-9]+$", "N");
                    long ticks = processTicks(task.resolve("stat"));
                    if (ticks >= 0) {
                        threads.put(Long.parseLong(task.getFileName().toString()), new ThreadTicks(name, ticks));
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended while we looked
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
        return threads;
    }

    /** Busy ticks of all cores: user + nice + system + irq + softirq + steal from /proc/stat. */
    static long machineBusyTicks() {
        try {
            String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                busy += i < cpu.length ? Long.parseLong(cpu[i]) : 0;
            }
            return busy;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The resident memory (VmRSS of /proc/PID/status) of {@code pid} now; -1 if it cannot be read. */
    static long residentBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return kilobytes(line) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process is gone
        }
        return -1;
    }

    private static long kilobytes(String statusLine) {
        return Long.parseLong(statusLine.replaceAll("[^0-9]", ""));
    }
}
