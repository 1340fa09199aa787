package io.contrail.ingest.sampling;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contrail.columnar.SamplingStatsLayout;
import io.contrail.columnar.SamplingStatsLayout.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Kept and dropped counts of the tail sampler, per hour, service and policy. Counted in memory
 * and written every {@link #SAVE_INTERVAL_MILLIS} to {@code <data>/sampling/stats-<hour>.json}
 * (a whole file replaced atomically, laid out as {@link SamplingStatsLayout} says), which the
 * {@code sampling_stats} view reads. A crash loses
 * at most the counts of the last interval; spans are never lost with them.
 */
public final class SamplingStats {

    private static final Logger LOG = LoggerFactory.getLogger(SamplingStats.class);
    static final long SAVE_INTERVAL_MILLIS = 10_000;
    /** Hours of counts kept in memory (the files keep every hour). */
    static final long MEMORY_HOURS = 24;
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Key(String hour, String serviceName, String policy, boolean kept) {
    }

    private final Path dir;
    private final Map<Key, LongAdder[]> counts = new ConcurrentHashMap<>();
    /** Hours counted into since their file was last written. */
    private final Set<String> unsavedHours = ConcurrentHashMap.newKeySet();
    private final LongAdder decidedEarly = new LongAdder();
    private final LongAdder lateSpansKept = new LongAdder();
    private final LongAdder lateSpansDropped = new LongAdder();

    private final java.time.Clock clock;

    SamplingStats(Path dir) throws IOException {
        this(dir, java.time.Clock.systemUTC());
    }

    SamplingStats(Path dir, java.time.Clock clock) throws IOException {
        this.dir = dir;
        this.clock = clock;
        if (dir != null) {
            Files.createDirectories(dir);
            load(SamplingStatsLayout.HOUR.format(clock.instant()));
        }
    }

    void count(String serviceName, String policy, boolean kept, long traces, long spans) {
        String hour = SamplingStatsLayout.HOUR.format(clock.instant());
        LongAdder[] adders = counts.computeIfAbsent(new Key(hour, serviceName, policy, kept),
                k -> new LongAdder[] {new LongAdder(), new LongAdder()});
        adders[0].add(traces);
        adders[1].add(spans);
        unsavedHours.add(hour);
    }

    void decidedEarly(int traces) {
        decidedEarly.add(traces);
    }

    void lateSpan(boolean kept) {
        (kept ? lateSpansKept : lateSpansDropped).increment();
    }

    public long decidedEarly() {
        return decidedEarly.sum();
    }

    public long lateSpansKept() {
        return lateSpansKept.sum();
    }

    public long lateSpansDropped() {
        return lateSpansDropped.sum();
    }

    /** The counts of the last {@link #MEMORY_HOURS} hours since the process started (plus the start hour's from before), ordered. */
    public List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        counts.forEach((k, v) -> rows.add(new Row(k.hour(), k.serviceName(), k.policy(), k.kept(), v[0].sum(), v[1].sum())));
        rows.sort(Comparator.comparing(Row::hour).thenComparing(Row::serviceName).thenComparing(Row::policy)
                .thenComparing(Row::kept));
        return rows;
    }

    /**
     * Writes the file of every hour counted into since the last save. Counts stay in memory for
     * {@code /api/sampling} for {@link #MEMORY_HOURS} hours; older ones are only in the files.
     */
    void save() {
        if (dir == null) {
            return;
        }
        String oldestKept = SamplingStatsLayout.HOUR.format(clock.instant().minus(MEMORY_HOURS, java.time.temporal.ChronoUnit.HOURS));
        counts.keySet().removeIf(k -> k.hour().compareTo(oldestKept) < 0 && !unsavedHours.contains(k.hour()));
        List<String> hours = new ArrayList<>(unsavedHours);
        unsavedHours.removeAll(hours);
        Map<String, List<Row>> byHour = new java.util.TreeMap<>();
        for (Row row : rows()) {
            if (hours.contains(row.hour())) {
                byHour.computeIfAbsent(row.hour(), h -> new ArrayList<>()).add(row);
            }
        }
        for (Map.Entry<String, List<Row>> hour : byHour.entrySet()) {
            Path target = SamplingStatsLayout.file(dir, hour.getKey());
            Path temp = SamplingStatsLayout.temporaryFile(dir, hour.getKey());
            try {
                Files.write(temp, JSON.writeValueAsBytes(hour.getValue()));
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    channel.force(true);
                }
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                unsavedHours.add(hour.getKey());
                LOG.warn("could not save sampling counts to {}: {}", target, e.getMessage());
            }
        }
    }

    private void load(String hour) throws IOException {
        Path file = SamplingStatsLayout.file(dir, hour);
        if (!Files.exists(file)) {
            return;
        }
        List<Row> rows = JSON.readValue(file.toFile(), new TypeReference<List<Row>>() { });
        for (Row row : rows) {
            LongAdder[] adders = counts.computeIfAbsent(new Key(row.hour(), row.serviceName(), row.policy(), row.kept()),
                    k -> new LongAdder[] {new LongAdder(), new LongAdder()});
            adders[0].add(row.traces());
            adders[1].add(row.spans());
        }
    }
}
