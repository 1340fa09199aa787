package io.contrail.bench.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

/**
 * Every {@value #INTERVAL_SECONDS} s of the soak run, on a thread of its own: the server's heap
 * after its last collection (its GC log, {@link HeapAfterGc}), resident memory and CPU
 * ({@code /proc}), its own counters from {@code GET /health} (live files, buffered spans,
 * write-ahead log bytes, merges pending), the files under its data folder, and what the load so
 * far got acknowledged and refused. The load is whichever {@link OtlpSender} the current phase
 * set; its counters restart with each phase. In a phase with a target rate it says on the console,
 * as soon as a sample shows it, that the last 60 s acknowledged less than 95% of the target
 * ({@link SoakVerdicts#sustained}).
 */
final class SoakSampler implements AutoCloseable {

    static final long INTERVAL_SECONDS = 10;
    /** A progress line every this many samples. */
    static final int PROGRESS_EVERY_SAMPLES = 6;
    private static final long MIB = 1 << 20;
    /** DuckDB's spill folder inside the data folder (the query module's {@code ReadOnlySqlGuard.TEMP_FOLDER}). */
    static final String SPILL_FOLDER = ".duckdb-tmp";

    /**
     * One sample; -1 (NaN for decimals) where the figure could not be read.
     *
     * @param phase              capacity, drain, soak or after
     * @param heapAfterGcMib     heap in use after the last collection in this interval; NaN when none ran
     * @param collections        collections (pauses) in this interval
     * @param acknowledgedSpans  spans acknowledged so far in this phase
     * @param spansPerSecond     spans acknowledged in this interval, per second
     * @param refused            429 and 503 answers so far in this phase
     * @param serverCpuPercent   the server's CPU in this interval, percent of one core
     * @param openFiles          the server's open file descriptors ({@code /proc/PID/fd})
     * @param filesOnDisk        regular files under the data folder (Parquet, sidecars, write-ahead log, DuckDB's spill)
     * @param flushFilesOnDisk   Parquet files a flush wrote that no merge has taken in yet (compaction's backlog)
     * @param dataBytes          bytes of those files
     * @param spillBytes         bytes of the files under DuckDB's spill folder ({@value SoakSampler#SPILL_FOLDER} in the data folder)
     */
    record Sample(long epochMillis, String phase, double heapAfterGcMib, int collections,
                  double heapCommittedMib, double rssMib, double serverCpuPercent, double loadAverage,
                  long liveFiles, long spansBuffered, long walBytes, long compactionPending, long openFiles,
                  long filesOnDisk, long parquetFilesOnDisk, long flushFilesOnDisk, long dataBytes, long spillBytes,
                  long acknowledgedSpans, double spansPerSecond, long refused) {

        static final String CSV_HEADER = "epoch_ms,seconds,phase,heap_after_gc_mib,collections,heap_committed_mib,"
                + "rss_mib,server_cpu_percent,load_average_1m,live_files,spans_buffered,wal_bytes,compaction_pending,"
                + "open_files,files_on_disk,parquet_files_on_disk,flush_files_on_disk,data_bytes,duckdb_tmp_bytes,acknowledged_spans,acknowledged_spans_per_s,refused";

        /** Seconds since {@code startEpochMillis} (negative before it). */
        double secondsSince(long startEpochMillis) {
            return (epochMillis - startEpochMillis) / 1e3;
        }

        /** A CSV line, its time counted from {@code soakStartEpochMillis}. */
        String csv(long soakStartEpochMillis) {
            return String.format(Locale.ROOT, "%d,%.1f,%s,%s,%d,%s,%.1f,%.1f,%.2f,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%.0f,%d",
                    epochMillis, secondsSince(soakStartEpochMillis), phase, decimal(heapAfterGcMib), collections, decimal(heapCommittedMib), rssMib,
                    serverCpuPercent, loadAverage, liveFiles, spansBuffered, walBytes, compactionPending, openFiles,
                    filesOnDisk, parquetFilesOnDisk, flushFilesOnDisk, dataBytes, spillBytes, acknowledgedSpans, spansPerSecond, refused);
        }

        private static String decimal(double value) {
            return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%.0f", value);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ContrailServerProcess server;
    private final Path dataDir;
    private final Path gcLog;
    private final PrintStream progress;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final List<Sample> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String phase = "capacity";
    private volatile OtlpSender load;
    private volatile double targetSpansPerSecond;
    private volatile long phaseStartMillis;
    private final long startEpochMillis = System.currentTimeMillis();

    SoakSampler(ContrailServerProcess server, Path dataDir, Path gcLog, PrintStream progress) {
        this.server = server;
        this.dataDir = dataDir;
        this.gcLog = gcLog;
        this.progress = progress;
        this.thread = new Thread(this::loop, "soak-sampler");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** From now on samples are labelled {@code name} and count {@code sender}'s load (null for none). */
    void phase(String name, OtlpSender sender) {
        phase(name, sender, 0);
    }

    /** As {@link #phase(String, OtlpSender)}, the load meant to keep {@code targetSpansPerSecond} (0 for none). */
    void phase(String name, OtlpSender sender, double targetSpansPerSecond) {
        this.phaseStartMillis = System.currentTimeMillis();
        this.targetSpansPerSecond = targetSpansPerSecond;
        this.load = sender;
        this.phase = name;
    }

    synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    private void loop() {
        long intervalNanos = TimeUnit.SECONDS.toNanos(INTERVAL_SECONDS);
        long next = System.nanoTime();
        long lastMillis = System.currentTimeMillis();
        long lastTicks = ProcessResources.processTicks(Path.of("/proc", Long.toString(server.pid()), "stat"));
        long lastAcknowledged = 0;
        OtlpSender lastLoad = null;
        int count = 0;
        while (running) {
            next += intervalNanos;
            LockSupport.parkNanos(next - System.nanoTime());
            if (!running) {
                return;
            }
            long now = System.currentTimeMillis();
            long ticks = ProcessResources.processTicks(Path.of("/proc", Long.toString(server.pid()), "stat"));
            OtlpSender sender = load;
            long acknowledged = sender == null ? 0 : sender.spansAcknowledged();
            long previous = sender == lastLoad ? lastAcknowledged : 0;
            Sample sample = sample(now, lastMillis, ticks - lastTicks, acknowledged, previous, sender);
            synchronized (this) {
                samples.add(sample);
            }
            warnIfBehind(sample);
            if (++count % PROGRESS_EVERY_SAMPLES == 0) {
                progress.printf(Locale.ROOT, "  %s, %.0f s in: heap after GC %s MiB, RSS %.0f MiB, %d live files "
                                + "(%d on disk, spill %.0f MiB), %,d spans buffered, %,.0f spans/s acknowledged, %d refused, load %.2f%n",
                        sample.phase(), sample.secondsSince(startEpochMillis), Sample.decimal(sample.heapAfterGcMib()), sample.rssMib(),
                        sample.liveFiles(), sample.filesOnDisk(), (double) sample.spillBytes() / MIB, sample.spansBuffered(), sample.spansPerSecond(),
                        sample.refused(), sample.loadAverage());
            }
            lastMillis = now;
            lastTicks = ticks;
            lastAcknowledged = acknowledged;
            lastLoad = sender;
        }
    }

    /** Says so on the console when the 60 s up to this sample acknowledged less than 95% of the phase's target. */
    private void warnIfBehind(Sample sample) {
        double target = targetSpansPerSecond;
        String current = sample.phase();
        if (target <= 0 || !current.equals(phase)) {
            return;
        }
        long start = phaseStartMillis;
        List<SoakVerdicts.Point> acknowledged = new ArrayList<>(List.of(new SoakVerdicts.Point(0, 0)));
        samples().stream().filter(s -> s.phase().equals(current) && s.epochMillis() > start)
                .forEach(s -> acknowledged.add(new SoakVerdicts.Point(s.secondsSince(start), s.acknowledgedSpans())));
        List<SoakVerdicts.Point> rates = SoakVerdicts.windowRates(acknowledged, SoakVerdicts.SUSTAINED_WINDOW_SECONDS);
        if (!rates.isEmpty() && rates.get(rates.size() - 1).seconds() == sample.secondsSince(start)) {
            double rate = rates.get(rates.size() - 1).value();
            if (rate < SoakVerdicts.SUSTAINED_SHARE * target) {
                progress.printf(Locale.ROOT, "  !! TARGET NOT SUSTAINED, %.0f s into the %s: %,.0f spans/s acknowledged "
                                + "over the last %.0f s, %.0f%% of the target %,.0f (below %.0f%%): the server is "
                                + "overloaded, the flatness verdicts will not apply%n", sample.secondsSince(start), current,
                        rate, SoakVerdicts.SUSTAINED_WINDOW_SECONDS, 100 * rate / target, target,
                        100 * SoakVerdicts.SUSTAINED_SHARE);
            }
        }
    }

    private Sample sample(long now, long lastMillis, long ticks, long acknowledged, long previousAcknowledged,
                          OtlpSender sender) {
        double intervalSeconds = Math.max(1e-3, (now - lastMillis) / 1e3);
        double heapAfter = Double.NaN;
        double committed = Double.NaN;
        int collections = 0;
        try {
            for (HeapAfterGc pause : HeapAfterGc.read(gcLog)) {
                if (pause.epochMillis() > lastMillis && pause.epochMillis() <= now) {
                    heapAfter = (double) pause.usedAfterBytes() / MIB;
                    committed = (double) pause.heapBytes() / MIB;
                    collections++;
                }
            }
        } catch (IOException e) {
            progress.println("  cannot read the GC log: " + e);
        }
        JsonNode health = health();
        DiskFiles disk = DiskFiles.under(dataDir);
        long rss = ProcessResources.residentBytes(server.pid());
        return new Sample(now, phase, heapAfter, collections, committed,
                rss < 0 ? Double.NaN : (double) rss / MIB,
                100.0 * ticks / ProcessResources.TICKS_PER_SECOND / intervalSeconds, loadAverage(),
                health.path("files").asLong(-1), health.path("spansBuffered").asLong(-1),
                health.path("walBytes").asLong(-1), health.path("compactionPending").asLong(-1),
                openFiles(server.pid()), disk.files(), disk.parquetFiles(), disk.flushFiles(), disk.bytes(), disk.spillBytes(), acknowledged, (acknowledged - previousAcknowledged) / intervalSeconds,
                sender == null ? 0 : sender.refusals());
    }

    /** The server's {@code /health}, or an empty object when it does not answer. */
    JsonNode health() {
        try {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health"))
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() == 200) {
                return JSON.readTree(response.body());
            }
            progress.println("  /health answered " + response.statusCode());
        } catch (IOException e) {
            progress.println("  /health did not answer: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return JSON.createObjectNode();
    }

    /** The machine's load average over the last minute ({@code /proc/loadavg}); NaN if unreadable. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** The open file descriptors of {@code pid} ({@code /proc/PID/fd}); -1 if they cannot be listed. */
    static long openFiles(long pid) {
        try (var descriptors = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return descriptors.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Regular files under a folder that changes while it is walked (files vanishing on the way are
     * skipped); {@code spillBytes} are those under its {@value SoakSampler#SPILL_FOLDER}; {@code flushFiles} the
     * Parquet files whose name lacks a merge's mark ({@link #FLUSH_FILE}).
     */
    record DiskFiles(long files, long parquetFiles, long flushFiles, long bytes, long spillBytes) {

        /**
         * A file a flush wrote, {@code part-<flush>-<random>.parquet}; a merge's output carries its first flush too,
         * {@code part-<lastFlush>-c<firstFlush>-<random>.parquet} (the columnar module's {@code SpanFiles}).
         */
        static final Pattern FLUSH_FILE = Pattern.compile("part-\\d+-[0-9a-f]+\\.parquet");

        static DiskFiles under(Path dir) {
            Path spill = dir.resolve(SPILL_FOLDER);
            long[] counts = new long[5];
            try {
                Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                        if (attributes.isRegularFile()) {
                            counts[0]++;
                            counts[1] += file.getFileName().toString().endsWith(".parquet") ? 1 : 0;
                            counts[2] += attributes.size();
                            counts[3] += file.startsWith(spill) ? attributes.size() : 0;
                            counts[4] += FLUSH_FILE.matcher(file.getFileName().toString()).matches() ? 1 : 0;
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) {
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException e) {
                return new DiskFiles(-1, -1, -1, -1, -1);
            }
            return new DiskFiles(counts[0], counts[1], counts[4], counts[2], counts[3]);
        }
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
