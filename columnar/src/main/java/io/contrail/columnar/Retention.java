package io.contrail.columnar;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Deletes whole old hour partitions: those that ended more than {@link StoreConfig.Retention#maxAge()} ago, and,
 * while the live files take more than {@link StoreConfig.Retention#maxBytes()}, the oldest ones (never the
 * newest partition). It raises the retention cutoff ({@link SpanFiles#retentionCutoff}) first,
 * which hides the partitions from every reader that lists files afterwards, then hands their
 * files to the {@link FileReaper}, which deletes them once no query that listed them before can
 * still be running. A late span written into a retired partition is retired with it.
 */
final class Retention implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);

    private final DataLayout layout;
    private final StoreConfig.Retention config;
    private final FileReaper reaper;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private ScheduledExecutorService background;

    Retention(DataLayout layout, StoreConfig.Retention config, FileReaper reaper) {
        this.layout = layout;
        this.config = config;
        this.reaper = reaper;
    }

    /** Runs {@code listener} after a pass retired partitions (readers should re-list). */
    public void onFilesChanged(Runnable listener) {
        listeners.add(listener);
    }

    public synchronized void startBackground() {
        if (!config.enabled() || background != null) {
            return;
        }
        background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "contrail-retention");
            thread.setDaemon(true);
            return thread;
        });
        background.scheduleWithFixedDelay(() -> {
            try {
                applyOnce(Instant.now());
            } catch (Throwable t) {
                LOG.error("retention pass failed (nothing was deleted): {}", t.toString());
            }
        }, 0, config.interval().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Retires what the policy says is too old or too much at {@code now}. */
    public synchronized Store.RetentionPass applyOnce(Instant now) throws IOException {
        SpanFiles.Selection before = SpanFiles.select(layout);
        Map<PartitionPath, Long> bytesByPartition = new TreeMap<>();
        for (SpanFiles.SpanFile file : before.live()) {
            if (file.partition() != null) {
                bytesByPartition.merge(file.partition(), sizeOf(file), Long::sum);
            }
        }
        PartitionPath cutoff = SpanFiles.retentionCutoff(layout);
        if (config.maxAge() != null) {
            long oldestKeptNanos = now.minus(config.maxAge()).getEpochSecond() * 1_000_000_000L;
            cutoff = later(cutoff, PartitionPath.ofStartTime(oldestKeptNanos));
        }
        if (config.maxBytes() > 0) {
            long total = bytesByPartition.values().stream().mapToLong(Long::longValue).sum();
            List<PartitionPath> partitions = List.copyOf(bytesByPartition.keySet());
            for (int i = 0; i < partitions.size() - 1 && total > config.maxBytes(); i++) {
                total -= bytesByPartition.get(partitions.get(i));
                cutoff = later(cutoff, partitions.get(i + 1));
            }
        }
        if (cutoff == null) {
            return new Store.RetentionPass(null, 0, 0, 0);
        }
        SpanFiles.raiseRetentionCutoff(layout, cutoff);
        List<SpanFiles.SpanFile> retired = SpanFiles.select(layout).retired();
        PartitionPath finalCutoff = cutoff;
        int partitions = (int) bytesByPartition.keySet().stream().filter(p -> p.compareTo(finalCutoff) < 0).count();
        long bytes = retired.stream().mapToLong(Retention::sizeOf).sum();
        if (!retired.isEmpty()) {
            for (Runnable listener : listeners) {
                listener.run();
            }
            reaper.deleteLater(retired);
            LOG.info("retention: retired {} partitions before {} ({} files, {} MB); deleted in {} s",
                    partitions, cutoff, retired.size(), bytes / (1024 * 1024), reaper.delay().toSeconds());
        }
        return new Store.RetentionPass(cutoff, partitions, retired.size(), bytes);
    }

    private static PartitionPath later(PartitionPath a, PartitionPath b) {
        return a == null || b.compareTo(a) > 0 ? b : a;
    }

    private static long sizeOf(SpanFiles.SpanFile file) {
        try {
            return Files.size(file.path());
        } catch (IOException e) {
            return 0; // Deleted meanwhile.
        }
    }

    @Override
    public synchronized void close() {
        if (background != null) {
            background.shutdownNow();
        }
    }
}
