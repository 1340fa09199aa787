package io.contrail.bench.load;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Samples, every {@value #INTERVAL_MILLIS} ms during the run, from Linux's /proc: the server's
 * CPU time ({@code /proc/PID/stat} utime + stime) and resident memory ({@code /proc/PID/status}
 * VmRSS, VmHWM), this driver's own CPU time, and the whole machine's ({@code /proc/stat}) — the
 * driver shares the cores with the server, and other processes may too, so the report says how
 * much each took. Also records acknowledged spans per sample for the throughput timeline, and
 * prints a progress line every {@value #PROGRESS_EVERY_SAMPLES} samples.
 */
final class ProcessSampler implements AutoCloseable {

    static final long INTERVAL_MILLIS = 500;
    static final int PROGRESS_EVERY_SAMPLES = 10;

    /** One observation; CPU figures in clock ticks, memory in bytes, -1 where not available. */
    record Sample(long nanos, long acknowledgedSpans, long serverTicks, long serverRssBytes, long serverHwmBytes,
                  long driverTicks, long machineBusyTicks, long machineIowaitTicks) {
    }

    /**
     * CPU in percent of one core (top's convention: {@code cores * 100} is every core busy).
     *
     * @param serverCpuPercent     the server process
     * @param driverCpuPercent     this load driver
     * @param otherCpuPercent      everything else on the machine
     * @param iowaitPercent        cores idle waiting for I/O (fsync)
     * @param serverPeakRssBytes   largest VmRSS sampled during the run
     * @param serverHwmBytes       the server's VmHWM at the end (peak RSS since it started)
     */
    record ResourceUse(int cores, double seconds, double serverCpuPercent, double driverCpuPercent,
                       double otherCpuPercent, double iowaitPercent, long serverPeakRssBytes, long serverHwmBytes,
                       boolean serverSampled, String serverNote) {
    }

    private final long serverPid;
    private final LongSupplier acknowledgedSpans;
    private final PrintStream progress;
    private final long ticksPerSecond = clockTicksPerSecond();
    private final List<Sample> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private String serverNote;

    ProcessSampler(long serverPid, LongSupplier acknowledgedSpans, PrintStream progress) {
        this.serverPid = serverPid;
        this.acknowledgedSpans = acknowledgedSpans;
        this.progress = progress;
        this.thread = new Thread(this::loop, "load-process-sampler");
        this.thread.setDaemon(true);
    }

    /** Takes the first sample now, then one every interval until {@link #close()}. */
    void start() {
        synchronized (samples) {
            samples.add(sample());
        }
        thread.start();
    }

    private void loop() {
        int count = 0;
        while (running) {
            try {
                Thread.sleep(INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            Sample sample = sample();
            Sample first;
            Sample previous;
            synchronized (samples) {
                first = samples.get(0);
                previous = samples.get(Math.max(0, samples.size() - PROGRESS_EVERY_SAMPLES));
                samples.add(sample);
            }
            if (++count % PROGRESS_EVERY_SAMPLES == 0) {
                printProgress(first, previous, sample);
            }
        }
    }

    private void printProgress(Sample first, Sample previous, Sample now) {
        double seconds = (now.nanos() - previous.nanos()) / 1e9;
        String server = now.serverTicks() < 0 ? "" : String.format(Locale.ROOT, ", server CPU %.0f%%, RSS %,d MB",
                cpuPercent(previous.serverTicks(), now.serverTicks(), seconds), now.serverRssBytes() >> 20);
        progress.printf(Locale.ROOT, "  %5.1f s: %,d spans acknowledged (%,.0f spans/s lately)%s%n",
                (now.nanos() - first.nanos()) / 1e9, now.acknowledgedSpans(),
                (now.acknowledgedSpans() - previous.acknowledgedSpans()) / seconds, server);
    }

    /** Stops sampling after one last sample. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (samples) {
            samples.add(sample());
        }
    }

    List<Sample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    /** Totals from the first to the last sample. */
    ResourceUse resourceUse() {
        List<Sample> all = samples();
        Sample first = all.get(0);
        Sample last = all.get(all.size() - 1);
        double seconds = (last.nanos() - first.nanos()) / 1e9;
        int cores = Runtime.getRuntime().availableProcessors();
        // The server may vanish before the end; its figures then run to its last sample.
        Sample lastOfServer = first;
        for (Sample sample : all) {
            if (sample.serverTicks() >= 0) {
                lastOfServer = sample;
            }
        }
        boolean serverSampled = first.serverTicks() >= 0;
        long serverTicks = serverSampled ? lastOfServer.serverTicks() - first.serverTicks() : 0;
        double serverSeconds = (lastOfServer.nanos() - first.nanos()) / 1e9;
        long driverTicks = last.driverTicks() - first.driverTicks();
        long busyTicks = last.machineBusyTicks() - first.machineBusyTicks();
        long peakRss = all.stream().mapToLong(Sample::serverRssBytes).max().orElse(-1);
        long hwm = all.stream().mapToLong(Sample::serverHwmBytes).max().orElse(-1);
        return new ResourceUse(cores, seconds, cpuPercent(0, serverTicks, serverSeconds),
                cpuPercent(0, driverTicks, seconds),
                cpuPercent(0, Math.max(0, busyTicks - serverTicks - driverTicks), seconds),
                cpuPercent(first.machineIowaitTicks(), last.machineIowaitTicks(), seconds),
                peakRss, hwm, serverSampled, serverNote);
    }

    private double cpuPercent(long fromTicks, long toTicks, double seconds) {
        return seconds > 0 ? 100.0 * (toTicks - fromTicks) / ticksPerSecond / seconds : 0;
    }

    private Sample sample() {
        long serverTicks = -1;
        long rss = -1;
        long hwm = -1;
        if (serverPid > 0) {
            try {
                serverTicks = processTicks(Path.of("/proc", Long.toString(serverPid), "stat"));
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(serverPid), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        rss = kilobytes(line) * 1024;
                    } else if (line.startsWith("VmHWM:")) {
                        hwm = kilobytes(line) * 1024;
                    }
                }
            } catch (NoSuchFileException e) {
                serverNote = "process " + serverPid + " is gone (it exited during the run)";
                serverTicks = -1;
            } catch (IOException | RuntimeException e) {
                serverNote = "cannot read /proc/" + serverPid + ": " + e;
                serverTicks = -1;
            }
        }
        long driverTicks = -1;
        long busy = -1;
        long iowait = -1;
        try {
            driverTicks = processTicks(Path.of("/proc/self/stat"));
            // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
            String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i <= Math.min(8, cpu.length - 1); i++) {
                total += Long.parseLong(cpu[i]);
            }
            iowait = Long.parseLong(cpu[5]);
            busy = total - Long.parseLong(cpu[4]) - iowait;
        } catch (IOException | RuntimeException e) {
            // Not Linux: the report shows no CPU figures for the driver and the machine.
        }
        return new Sample(System.nanoTime(), acknowledgedSpans.getAsLong(), serverTicks, rss, hwm, driverTicks, busy,
                iowait);
    }

    /** utime + stime of a process, from its /proc stat line (fields 14 and 15; the name may hold spaces). */
    static long processTicks(Path statFile) throws IOException {
        String stat = Files.readString(statFile, StandardCharsets.US_ASCII);
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private static long kilobytes(String statusLine) {
        return Long.parseLong(statusLine.replaceAll("[^0-9]", ""));
    }

    /** USER_HZ, the unit of /proc CPU times: {@code getconf CLK_TCK}, 100 on every common Linux. */
    private static long clockTicksPerSecond() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (getconf.waitFor(5, TimeUnit.SECONDS) && getconf.exitValue() == 0) {
                return Long.parseLong(out);
            }
        } catch (IOException | RuntimeException e) {
            // fall through to the usual value
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }
}
