package io.contrail.ingest.sampling;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Kept and dropped counts of the tail sampler, per hour, service and policy. Counted in memory
 * and written every {@link #SAVE_INTERVAL_MILLIS} to {@code <data>/sampling/stats-<hour>.json}
 * (a whole file replaced atomically), which the {@code sampling_stats} view reads. A crash loses
 * at most the counts of the last interval; spans are never lost with them.
 */
public final class SamplingStats {

    private static final Logger LOG = LoggerFactory.getLogger(SamplingStats.class);
    static final long SAVE_INTERVAL_MILLIS = 10_000;
    private static final DateTimeFormatter HOUR_FILE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH")
            .withZone(ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One row of {@code sampling_stats}: in this hour, spans of this service in traces this policy
     * kept (or, with {@code kept = false}, that no policy kept).
     */
    public record Row(String hour, String serviceName, String policy, boolean kept, long traces, long spans) {
    }

    private record Key(String hour, String serviceName, String policy, boolean kept) {
    }

    private final Path dir;
    private final Map<Key, LongAdder[]> counts = new ConcurrentHashMap<>();
    private final LongAdder decidedEarly = new LongAdder();
    private final LongAdder lateSpansKept = new LongAdder();
    private final LongAdder lateSpansDropped = new LongAdder();

    SamplingStats(Path dir) throws IOException {
        this.dir = dir;
        if (dir != null) {
            Files.createDirectories(dir);
            load(HOUR_FILE.format(Instant.now()));
        }
    }

    /** The folder the stats files go to under a data folder. */
    public static Path folderUnder(Path dataDir) {
        return dataDir.resolve("sampling");
    }

    void count(String serviceName, String policy, boolean kept, long traces, long spans) {
        String hour = HOUR_FILE.format(Instant.now());
        LongAdder[] adders = counts.computeIfAbsent(new Key(hour, serviceName, policy, kept),
                k -> new LongAdder[] {new LongAdder(), new LongAdder()});
        adders[0].add(traces);
        adders[1].add(spans);
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

    /** Every count since the process started (plus the current hour's from before), ordered. */
    public List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        counts.forEach((k, v) -> rows.add(new Row(k.hour(), k.serviceName(), k.policy(), k.kept(), v[0].sum(), v[1].sum())));
        rows.sort(Comparator.comparing(Row::hour).thenComparing(Row::serviceName).thenComparing(Row::policy)
                .thenComparing(Row::kept));
        return rows;
    }

    /** Writes the files of the hours counted since the last save; hours before the current one are then forgotten. */
    void save() {
        if (dir == null) {
            return;
        }
        String current = HOUR_FILE.format(Instant.now());
        Map<String, List<Row>> byHour = new java.util.TreeMap<>();
        for (Row row : rows()) {
            byHour.computeIfAbsent(row.hour(), h -> new ArrayList<>()).add(row);
        }
        for (Map.Entry<String, List<Row>> hour : byHour.entrySet()) {
            Path target = dir.resolve("stats-" + hour.getKey() + ".json");
            Path temp = dir.resolve(".stats-" + hour.getKey() + ".json.tmp");
            try {
                Files.write(temp, JSON.writeValueAsBytes(hour.getValue()));
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    channel.force(true);
                }
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                LOG.warn("could not save sampling counts to {}: {}", target, e.getMessage());
                continue;
            }
            if (hour.getKey().compareTo(current) < 0) {
                counts.keySet().removeIf(k -> k.hour().equals(hour.getKey()));
            }
        }
    }

    private void load(String hour) throws IOException {
        Path file = dir.resolve("stats-" + hour + ".json");
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
