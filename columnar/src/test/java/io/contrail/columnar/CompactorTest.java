package io.contrail.columnar;

import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.contrail.columnar.TestSpans.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompactorTest {

    private static final long HOUR_NANOS = 3_600_000_000_000L;

    @TempDir
    Path data;

    private StoreConfig.Writes config() {
        return StoreConfig.Writes.defaults(data).withMaxBufferAge(Duration.ofHours(1));
    }

    /** {@code count} spans of {@code traces} traces starting {@code hour} hours after T0; IDs derived from seed. */
    private static TracesData spansInHour(int hour, int seed, int count, int traces) {
        Span[] spans = new Span[count];
        for (int i = 0; i < count; i++) {
            spans[i] = span(String.format("%016x%016x", (long) (i % traces) * 7919 + seed, seed),
                    String.format("%08x%08x", seed, i + 1), "op-" + (i % 3), hour * HOUR_NANOS + i * 1_000L, 1_000L)
                    .addAttributes(attr("seq", (long) i)).build();
        }
        return traces("svc", spans);
    }

    /** Rows of {@code sql} where $LIVE is the live files and $ALL every span file on disk. */
    private List<List<Object>> query(String sql) throws Exception {
        DataLayout layout = new DataLayout(data);
        String live = "read_parquet(" + SpanFiles.pathList(SpanFiles.live(layout))
                + ", union_by_name = true, hive_partitioning = true)";
        String all = "read_parquet('" + layout.spansGlob() + "', union_by_name = true, hive_partitioning = true)";
        return TestSpans.duckDbRows(sql.replace("$LIVE", live).replace("$ALL", all));
    }

    private void writeFlushes(int flushes, int spansPerFlush) throws Exception {
        writeFlushes(flushes, spansPerFlush, 40);
    }

    /** {@code flushes} flushes of {@code spansPerFlush} spans of {@code traces} traces in hour 0, half as many in hour 1. */
    private void writeFlushes(int flushes, int spansPerFlush, int traces) throws Exception {
        try (Warehouse warehouse = Warehouse.open(config())) {
            for (int f = 0; f < flushes; f++) {
                warehouse.append(spansInHour(0, f + 1, spansPerFlush, traces));
                warehouse.append(spansInHour(1, 1000 + f, spansPerFlush / 2, traces / 2));
                warehouse.flush();
            }
        }
    }

    private static List<String> names(List<Path> files) {
        return files.stream().map(p -> p.getParent().getFileName() + "/" + p.getFileName()).collect(Collectors.toList());
    }

    @Test
    void compactionMergesEachPartitionsSmallFilesAndKeepsEverySpanExactlyOnce() throws Exception {
        writeFlushes(6, 400);
        DataLayout layout = new DataLayout(data);
        List<List<Object>> before = query("SELECT trace_id, span_id FROM $LIVE ORDER BY ALL");
        assertThat(SpanFiles.live(layout)).hasSize(12);

        Store.CompactionPass pass;
        try (FileReaper reaper = new FileReaper(layout, Duration.ZERO);
             Compactor compactor = Compactor.open(layout, StoreConfig.Compaction.defaults(), reaper)) {
            pass = compactor.compactOnce(silent());
        }
        assertThat(pass.merges()).hasSize(2);
        assertThat(pass.spans()).isEqualTo(6 * 400 + 6 * 200);
        List<Path> live = SpanFiles.live(layout);
        assertThat(names(live)).hasSize(2).allMatch(n -> n.matches("hour=\\d\\d/part-\\d{12}-c\\d{12}-[0-9a-f]{8}\\.parquet"));
        assertThat(layout.spanFiles()).as("inputs deleted").hasSize(2);
        assertThat(query("SELECT trace_id, span_id FROM $LIVE ORDER BY ALL")).isEqualTo(before);
        assertThat(query("SELECT count(*) - count(DISTINCT span_id) FROM $LIVE")).containsExactly(List.of(0L));
        // The merged file keeps the range of flushes it replaced, the highest first (recovery reads it).
        for (Path file : live) {
            SpanFiles.SpanFile parsed = SpanFiles.parse(file);
            assertThat(parsed.firstFlush()).isLessThan(parsed.lastFlush());
            assertThat(DataLayout.flushSegmentOf(file)).isEqualTo(parsed.lastFlush());
        }
    }

    /**
     * Two hours fill through many small flushes, with background passes in between (as in a server),
     * then an on-demand pass closes them. Which spans a merged file rewrote is read from its name
     * (every span of its partition in its flush range); superseded files stay on disk until the next
     * open (a reaper with a long delay), so every merged file of every pass is counted.
     */
    @Test
    void whileAnHourFillsEachSpanIsRewrittenAtMostTwice() throws Exception {
        DataLayout layout = new DataLayout(data);
        StoreConfig.Compaction background = StoreConfig.Compaction.defaults().withTargetSpans(2_000)
                .withInterval(Duration.ofMillis(10)).withMaxBusyFraction(1.0);
        java.util.Map<PartitionPath, java.util.Set<Long>> flushesWithSpans = new java.util.TreeMap<>();
        java.util.Set<SpanFiles.SpanFile> mergedFiles = new java.util.HashSet<>();
        long flushed = 0;
        long rewritten = 0;
        for (int round = 0; round < 12; round++) {
            try (Warehouse warehouse = Warehouse.open(config())) {
                for (int f = 0; f < 3; f++) {
                    int seed = round * 10 + f + 1;
                    warehouse.append(spansInHour(0, seed, 150, 15));
                    warehouse.append(spansInHour(1, 5_000 + seed, 50, 5));
                    warehouse.flush();
                    flushed += 200;
                }
            }
            recordFiles(layout, flushesWithSpans, mergedFiles);
            try (FileReaper reaper = new FileReaper(layout, Duration.ofHours(1))) {
                Compactor compactor = Compactor.open(layout, background, reaper);
                try {
                    compactor.startBackground();
                    awaitUntil(() -> pendingMerges(compactor) == 0);
                } finally {
                    compactor.close();
                }
                rewritten += compactor.stats().spansMerged();
            }
            recordFiles(layout, flushesWithSpans, mergedFiles);
        }
        try (FileReaper reaper = new FileReaper(layout, Duration.ofHours(1));
             Compactor compactor = Compactor.open(layout, StoreConfig.Compaction.defaults().withTargetSpans(2_000), reaper)) {
            rewritten += compactor.compactOnce(silent()).spans();
        }
        recordFiles(layout, flushesWithSpans, mergedFiles);

        java.util.Map<String, Integer> rewritesPerFlush = new java.util.TreeMap<>();
        flushesWithSpans.forEach((partition, flushes) -> flushes.forEach(flush -> rewritesPerFlush.put(
                partition + " flush " + flush, (int) mergedFiles.stream().filter(m -> m.partition().equals(partition)
                        && m.firstFlush() <= flush && flush <= m.lastFlush()).count())));
        assertThat(rewritesPerFlush).hasSize(72).allSatisfy((flush, rewrites) -> assertThat(rewrites)
                .as("merged files that rewrote the spans of " + flush).isBetween(1, 2));
        assertThat(rewritten).as("spans rewritten ÷ spans flushed ≤ 2").isBetween(flushed, 2 * flushed);
        assertThat(query("SELECT count(*), count(DISTINCT (trace_id, span_id)) FROM $LIVE"))
                .containsExactly(List.of(flushed, flushed));
        assertThat(query("SELECT hour, count(*) FROM $LIVE GROUP BY hour ORDER BY hour"))
                .containsExactly(List.of(16L, 5_400L), List.of(17L, 1_800L));
    }

    @Test
    void anHourStillFillingIsGatheredInArrivalOrderThenMergedOnceMoreWhenItClosesAndNeverAgain() throws Exception {
        DataLayout layout = new DataLayout(data);
        for (int round = 0; round < 2; round++) {
            try (Warehouse warehouse = Warehouse.open(config())) {
                for (int f = 0; f < 3; f++) {
                    warehouse.append(spansInHour(0, round * 10 + f + 1, 300, 40));
                    warehouse.append(spansInHour(1, 1000 + round * 10 + f, 150, 20));
                    warehouse.flush();
                }
            }
            try (FileReaper reaper = new FileReaper(layout, Duration.ZERO);
                 Compactor compactor = Compactor.open(layout, StoreConfig.Compaction.defaults(), reaper)) {
                // Background passes: the hours were flushed just now, so they are still filling.
                Store.CompactionPass gathered = compactor.compactOnce(silent(), false, false);
                assertThat(gathered.merges()).extracting(Store.Merge::level).containsExactly(1, 1);
                assertThat(compactor.compactOnce(silent(), false, false).merges()).as("level-1 files wait").isEmpty();
                assertThat(compactor.stats().rewritesPerFlushedSpan()).isEqualTo(1.0);
            }
        }
        assertThat(levels(layout)).containsOnly(1).hasSize(4);
        try (FileReaper reaper = new FileReaper(layout, Duration.ZERO);
             Compactor compactor = Compactor.open(layout, StoreConfig.Compaction.defaults().withCloseAfterIdle(Duration.ZERO), reaper)) {
            // No flush for closeAfterIdle: each hour's level-1 files are merged into its final file.
            assertThat(compactor.compactOnce(silent(), false, false).merges()).extracting(Store.Merge::level)
                    .containsExactly(2, 2);
            assertThat(compactor.stats().spansMerged()).isEqualTo(6 * 450);
            assertThat(compactor.stats().flushedSpansMerged()).as("all from level-1 files").isZero();
            assertThat(compactor.compactOnce(silent()).merges()).as("level 2 is final").isEmpty();
        }
        assertThat(levels(layout)).containsOnly(2).hasSize(2);
        Path hour0 = SpanFiles.live(layout).get(0);
        assertThat(query("SELECT count(*) FROM read_parquet('" + hour0 + "')")).containsExactly(List.of(6 * 300L));
        // Late spans for a closed hour make a file of their own; the final file is not rewritten for them.
        try (Warehouse warehouse = Warehouse.open(config())) {
            warehouse.append(spansInHour(0, 900, 50, 5));
            warehouse.flush();
            warehouse.append(spansInHour(0, 901, 50, 5));
            warehouse.flush();
        }
        try (FileReaper reaper = new FileReaper(layout, Duration.ZERO);
             Compactor compactor = Compactor.open(layout, StoreConfig.Compaction.defaults(), reaper)) {
            assertThat(compactor.compactOnce(silent()).merges()).singleElement()
                    .satisfies(m -> assertThat(m.inputFiles()).isEqualTo(2)).satisfies(m -> assertThat(m.spans()).isEqualTo(100));
        }
        assertThat(SpanFiles.live(layout)).contains(hour0).hasSize(3);
        assertThat(query("SELECT count(*), count(DISTINCT (trace_id, span_id)) FROM $LIVE"))
                .containsExactly(List.of(6 * 450L + 100, 6 * 450L + 100));
    }

    @Test
    void aMergeOfTheFilesOfOneFlushHidesThemWhateverTheirNames() throws Exception {
        // One flush wrote two files into the hour (more spans than a file takes): their merge has their range.
        try (Warehouse warehouse = Warehouse.open(config().withMaxFileSpans(100))) {
            warehouse.append(spansInHour(0, 1, 150, 10));
            warehouse.flush();
        }
        DataLayout layout = new DataLayout(data);
        List<Path> flushFiles = SpanFiles.live(layout);
        assertThat(flushFiles).hasSize(2);
        try (FileReaper reaper = new FileReaper(layout, Duration.ofHours(1));
             Compactor compactor = Compactor.open(layout, StoreConfig.Compaction.defaults(), reaper)) {
            Path merged = compactor.compactOnce(silent()).merges().get(0).output();
            // Whatever the random parts of the names, the merged file hides the flush files it holds.
            for (String random : List.of("00000000", "ffffffff")) {
                Path renamed = flushFiles.get(0).resolveSibling(flushFiles.get(0).getFileName().toString()
                        .replaceAll("-[0-9a-f]{8}\\.parquet$", "-" + random + ".parquet"));
                Files.move(flushFiles.get(0), renamed);
                assertThat(SpanFiles.live(layout)).containsExactly(merged);
                Files.move(renamed, flushFiles.get(0));
            }
        }
        assertThat(query("SELECT count(*), count(DISTINCT span_id) FROM $LIVE")).containsExactly(List.of(150L, 150L));
    }

    @Test
    void aPartitionThatKeepsFillingSlowlyIsFinalizedAfterSoManyLevelOneFiles() throws Exception {
        DataLayout layout = new DataLayout(data);
        for (int round = 0; round < CompactionPlanner.MAX_GATHERED_FILES; round++) {
            try (Warehouse warehouse = Warehouse.open(config())) {
                for (int f = 0; f < 2; f++) {
                    warehouse.append(spansInHour(0, round * 10 + f + 1, 20, 4));
                    warehouse.flush();
                }
            }
            try (FileReaper reaper = new FileReaper(layout, Duration.ZERO);
                 Compactor compactor = Compactor.open(layout, StoreConfig.Compaction.defaults(), reaper)) {
                assertThat(compactor.compactOnce(silent(), false, false).merges()).extracting(Store.Merge::level)
                        .containsExactly(1);
                if (round == CompactionPlanner.MAX_GATHERED_FILES - 1) {
                    assertThat(compactor.compactOnce(silent(), false, false).merges()).singleElement()
                            .satisfies(m -> assertThat(m.level()).isEqualTo(2))
                            .satisfies(m -> assertThat(m.inputFiles()).isEqualTo(CompactionPlanner.MAX_GATHERED_FILES));
                }
            }
        }
        assertThat(levels(layout)).containsExactly(2);
        assertThat(query("SELECT count(*) FROM $LIVE")).containsExactly(List.of(CompactionPlanner.MAX_GATHERED_FILES * 40L));
    }

    /** The compaction level each live merged file records in its key/value metadata. */
    private List<Integer> levels(DataLayout layout) throws Exception {
        List<Path> merged = SpanFiles.live(layout).stream().filter(p -> SpanFiles.parse(p).compacted()).toList();
        return query("SELECT decode(value) FROM parquet_kv_metadata(" + SpanFiles.pathList(merged) + ") WHERE decode(key) = '"
                + CompactionPlanner.LEVEL_METADATA_KEY + "'").stream().map(row -> Integer.parseInt((String) row.get(0))).toList();
    }

    /** Adds the flush files' flush numbers per partition, and every merged file on disk (live or superseded). */
    private static void recordFiles(DataLayout layout, java.util.Map<PartitionPath, java.util.Set<Long>> flushesWithSpans,
                                    java.util.Set<SpanFiles.SpanFile> mergedFiles) throws java.io.IOException {
        for (Path path : layout.spanFiles()) {
            SpanFiles.SpanFile file = SpanFiles.parse(path);
            if (file.compacted()) {
                mergedFiles.add(file);
            } else {
                flushesWithSpans.computeIfAbsent(file.partition(), p -> new java.util.TreeSet<>()).add(file.lastFlush());
            }
        }
    }

    private static int pendingMerges(Compactor compactor) {
        try {
            return compactor.pendingMerges();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void pendingMergesSeesFilesPublishedAfterItsLastAnswer() throws Exception {
        DataLayout layout = new DataLayout(data);
        StoreConfig.Compaction config = StoreConfig.Compaction.defaults().withTargetSpans(800);
        try (DataFolderLock lock = DataFolderLock.acquire(data, "CompactorTest");
             Warehouse warehouse = Warehouse.open(config(), SpanSampler.KEEP_ALL, lock);
             FileReaper reaper = new FileReaper(layout, Duration.ZERO);
             Compactor compactor = Compactor.open(layout, config, reaper, lock)) {
            warehouse.append(spansInHour(0, 1, 300, 30));
            warehouse.flush();
            assertThat(compactor.pendingMerges()).as("one flush file: nothing to merge").isZero();
            // Footers known from the last answer are not read again; the new file's must be.
            warehouse.append(spansInHour(0, 2, 300, 30));
            warehouse.flush();
            assertThat(compactor.pendingMerges()).as("two flush files of one hour").isEqualTo(1);
            assertThat(compactor.pendingMerges()).as("asked again, nothing changed").isEqualTo(1);
            assertThat(compactor.compactOnce(silent()).merges()).hasSize(1);
            assertThat(compactor.pendingMerges()).isZero();
        }
    }

    @Test
    void theBackgroundThrottleHoldsOnlyWhileCompactionKeepsUp() throws Exception {
        writeFlushes(6, 400);
        DataLayout layout = new DataLayout(data);
        StoreConfig.Compaction throttled = StoreConfig.Compaction.defaults().withTargetSpans(800)
                .withInterval(Duration.ofMillis(20)).withMaxBusyFraction(0.5);
        try (FileReaper reaper = new FileReaper(layout, Duration.ZERO);
             Compactor compactor = Compactor.open(layout, throttled, reaper)) {
            // Hour 0: six files of 400 spans, merged in pairs; hour 1: six of 200, four and two.
            assertThat(compactor.pendingMerges()).isEqualTo(5);
            compactor.startBackground();
            awaitUntil(() -> compactor.stats().merges() >= 5);
            assertThat(compactor.stats().merges()).isEqualTo(5);
            assertThat(compactor.pendingMerges()).isZero();
            assertThat(compactor.stats().throttledMillis()).as("five merges waiting: behind, no pauses").isZero();
            assertThat(SpanFiles.live(layout)).hasSize(5);
        }
        // One merge waiting is keeping up: the pass pauses after it.
        try (Warehouse warehouse = Warehouse.open(config())) {
            warehouse.append(spansInHour(0, 77, 100, 10));
            warehouse.flush();
            warehouse.append(spansInHour(0, 78, 100, 10));
            warehouse.flush();
        }
        try (FileReaper reaper = new FileReaper(layout, Duration.ZERO);
             Compactor compactor = Compactor.open(layout, throttled, reaper)) {
            assertThat(compactor.pendingMerges()).isEqualTo(1);
            compactor.startBackground();
            awaitUntil(() -> compactor.stats().throttledMillis() > 0);
            assertThat(compactor.stats().merges()).isEqualTo(1);
            assertThat(compactor.stats().throttledMillis()).isPositive();
        }
    }

    /** Waits until {@code condition} holds; fails after two minutes. */
    private static void awaitUntil(java.util.function.BooleanSupplier condition) {
        org.awaitility.Awaitility.await().atMost(Duration.ofMinutes(2)).until(condition::getAsBoolean);
    }

    /** By partition folder: how many of its flush files have a bloom filter on trace_id. */
    private final Map<Path, Integer> flushFilesWithTraceIdBloomFilter = new java.util.HashMap<>();

    /**
     * Compacts four flushes of 1,500 spans of {@code traces} traces (and 750 in the next hour) with
     * {@code rowGroupSpans}; returns the first merge.
     */
    private Store.Merge compactFourFlushesCheckingFlushOrderVersionAndSidecar(int rowGroupSpans, int traces)
            throws Exception {
        writeFlushes(4, 1500, traces);
        DataLayout layout = new DataLayout(data);
        Map<Path, List<Object>> flushedInOrder = new java.util.HashMap<>();
        List<Path> flushFiles = new java.util.ArrayList<>(SpanFiles.live(layout));
        flushFiles.sort(java.util.Comparator.comparingLong(DataLayout::flushSegmentOf));
        for (Path flushFile : flushFiles) {
            List<Object> partition = flushedInOrder.computeIfAbsent(flushFile.getParent(), p -> new java.util.ArrayList<>());
            query("SELECT span_id FROM read_parquet('" + flushFile + "')").forEach(row -> partition.add(row.get(0)));
            flushFilesWithTraceIdBloomFilter.merge(flushFile.getParent(), ((Number) query("SELECT count(*) FROM "
                    + "parquet_metadata('" + flushFile + "') WHERE path_in_schema = 'trace_id' AND bloom_filter_offset "
                    + "IS NOT NULL").get(0).get(0)).intValue(), Integer::sum);
        }
        Store.CompactionPass pass;
        try (FileReaper reaper = new FileReaper(layout, Duration.ZERO);
             Compactor compactor = Compactor.open(layout, StoreConfig.Compaction.defaults().withRowGroupSpans(rowGroupSpans), reaper)) {
            pass = compactor.compactOnce(silent());
        }
        Path merged = SpanFiles.live(layout).get(0);
        String file = "'" + merged + "'";
        assertThat(query("SELECT span_id FROM read_parquet(" + file + ")").stream().map(row -> row.get(0)).toList())
                .as("a union in flush order, no sort").containsExactlyElementsOf(flushedInOrder.get(merged.getParent()));
        assertThat(query("SELECT decode(value) FROM parquet_kv_metadata(" + file + ") WHERE key = '"
                + SpanSchema.VERSION_METADATA_KEY + "'")).containsExactly(List.of(String.valueOf(SpanSchema.VERSION)));
        assertThat(query("SELECT decode(value) FROM parquet_kv_metadata(" + file + ") WHERE key = '"
                + CompactionPlanner.LEVEL_METADATA_KEY + "'").get(0).get(0)).asString().isIn("1", "2");
        try (java.sql.Connection duckdb = java.sql.DriverManager.getConnection("jdbc:duckdb:")) {
            assertThat(TraceIdIndex.readSidecar(SpanFiles.traceIdSidecar(merged)))
                    .isNotEmpty().containsExactly(TraceIdIndex.keysOf(duckdb, merged));
        }
        return pass.merges().stream().filter(m -> m.output().equals(merged)).findFirst().orElseThrow();
    }

    /**
     * A final compacted file of schema v1 — which planning alone would never merge again — is rewritten by
     * itself into v2, under a name of the same flush range that readers take instead of the old one.
     */
    @Test
    void aFinalFileOfSchemaV1IsRewrittenAloneIntoV2UnderANameReadersTakeInstead() throws Exception {
        writeFlushes(3, 400);
        DataLayout layout = new DataLayout(data);
        try (FileReaper reaper = new FileReaper(layout, Duration.ZERO);
             Compactor compactor = Compactor.open(layout, StoreConfig.Compaction.defaults(), reaper)) {
            compactor.compactOnce(silent());
        }
        Path v2 = SpanFiles.live(layout).get(0);
        // The same spans as the v1 writer stored them: end_time a column, version 1, the file's level kept.
        Path temp = DataLayout.tempFor(v2);
        TestSpans.duckDbExecute("COPY (" + SpanSchema.readerQuery("read_parquet('" + v2 + "', hive_partitioning = false)", false)
                + ") TO '" + temp + "' (FORMAT parquet, KV_METADATA {'" + SpanSchema.VERSION_METADATA_KEY + "': '1', '"
                + CompactionPlanner.LEVEL_METADATA_KEY + "': '2'})");
        java.nio.file.Files.move(temp, v2, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path v1 = v2;
        String columns = "SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet('%s', hive_partitioning = false)) "
                + "WHERE column_name = 'end_time'";
        assertThat(query(String.format(columns, v1))).hasSize(1);
        List<List<Object>> before = query("SELECT COLUMNS(*)::VARCHAR FROM (" + SpanSchema.readerQuery("$LIVE", true)
                + ") ORDER BY span_id");

        Store.CompactionPass pass;
        try (FileReaper reaper = new FileReaper(layout, Duration.ofHours(1));
             Compactor compactor = Compactor.open(layout, StoreConfig.Compaction.defaults(), reaper)) {
            pass = compactor.compactOnce(silent());
            assertThat(pass.merges()).hasSize(1);
            Path rewritten = pass.merges().get(0).output();
            assertThat(pass.merges().get(0).inputFiles()).isEqualTo(1);
            assertThat(java.nio.file.Files.exists(v1)).as("the v1 file is still on disk").isTrue();
            SpanFiles.SpanFile old = SpanFiles.parse(v1);
            SpanFiles.SpanFile now = SpanFiles.parse(rewritten);
            assertThat(List.of(now.firstFlush(), now.lastFlush())).containsExactly(old.firstFlush(), old.lastFlush());
            assertThat(SpanFiles.live(layout)).as("readers take the rewrite").contains(rewritten).doesNotContain(v1);
            assertThat(query(String.format(columns, rewritten))).as("v2 stores no end_time").isEmpty();
            assertThat(query("SELECT decode(value) FROM parquet_kv_metadata('" + rewritten + "') WHERE decode(key) IN ('"
                    + SpanSchema.VERSION_METADATA_KEY + "', '" + CompactionPlanner.LEVEL_METADATA_KEY + "') ORDER BY decode(key)"))
                    .containsExactly(List.of("2"), List.of(String.valueOf(SpanSchema.VERSION)));
            assertThat(query("SELECT COLUMNS(*)::VARCHAR FROM (" + SpanSchema.readerQuery("$LIVE", false)
                    + ") ORDER BY span_id")).isEqualTo(before);
            assertThat(compactor.compactOnce(silent()).merges()).as("nothing is rewritten twice").isEmpty();
        }
    }

    @Test
    void filesWithTheSameColumnsAreMergedByCopyingTheirRowGroupsWithABloomFilterOnTraceIds() throws Exception {
        // 1,500 traces of one span a flush: more distinct trace IDs than a flush file dictionary-encodes, so
        // the flush files have no bloom filter on trace_id and the copy must build one.
        Store.Merge merge = compactFourFlushesCheckingFlushOrderVersionAndSidecar(2048, 1500);
        assertThat(merge.rowGroupsCopied()).as("1,500-span row groups average more than 2048 / 4").isTrue();
        String file = "'" + merge.output() + "'";
        // The flush files' row groups, as they were: one per flush file.
        assertThat(query("SELECT row_group_id, max(row_group_num_rows) FROM parquet_metadata(" + file
                + ") GROUP BY ALL ORDER BY 1")).containsExactly(List.of(0L, 1500L), List.of(1L, 1500L),
                List.of(2L, 1500L), List.of(3L, 1500L));
        assertThat(flushFilesWithTraceIdBloomFilter.get(merge.output().getParent()))
                .as("flush files with a bloom filter on trace_id").isZero();
        // The merged file has one per row group, built from its trace IDs: DuckDB's probe never rules out a
        // row group that holds the ID, and rules out the others.
        for (int flush = 1; flush <= 4; flush++) {
            String traceId = String.format("%016x%016x", (long) 5 * 7919 + flush, flush);
            assertThat(query("SELECT count(*) FROM read_parquet(" + file + ") WHERE trace_id = '" + traceId + "'"))
                    .containsExactly(List.of(1L));
            assertThat(query("SELECT row_group_id FROM parquet_bloom_probe(" + file + ", 'trace_id', '" + traceId
                    + "') WHERE NOT bloom_filter_excludes ORDER BY 1")).containsExactly(List.of((long) flush - 1));
        }
        assertThat(query("SELECT count(*) FROM parquet_bloom_probe(" + file + ", 'trace_id', '"
                + "00000000000000000000000000000bad') WHERE bloom_filter_excludes")).containsExactly(List.of(4L));
    }

    @Test
    void filesWhoseColumnPathsJoinToTheSameDottedNameAreReEncodedAndKeepEveryValueFindable() throws Exception {
        // A list attribute "k" (leaf attr.k.list.element) and a scalar attribute "k.list.element": parquet-java
        // keeps one bloom filter per dotted name, so a copy would give both columns one filter.
        try (Warehouse warehouse = Warehouse.open(config())) {
            for (int f = 0; f < 2; f++) {
                Span[] spans = new Span[1500];
                for (int i = 0; i < spans.length; i++) {
                    spans[i] = span(String.format("%016x%016x", i + 1, f + 1), String.format("%08x%08x", f, i + 1),
                            "op", i * 1_000L, 1_000L)
                            .addAttributes(attrLongs("k", i, i + 1))
                            .addAttributes(attr("k.list.element", "v" + (f * 1500 + i))).build();
                }
                warehouse.append(traces("svc", spans));
                warehouse.flush();
            }
        }
        DataLayout layout = new DataLayout(data);
        Store.CompactionPass pass;
        try (FileReaper reaper = new FileReaper(layout, Duration.ZERO);
             Compactor compactor = Compactor.open(layout, StoreConfig.Compaction.defaults().withRowGroupSpans(2048), reaper)) {
            pass = compactor.compactOnce(silent());
        }
        assertThat(pass.merges()).hasSize(1);
        assertThat(pass.merges().get(0).rowGroupsCopied()).isFalse();
        assertThat(query("SELECT count(*) FROM $LIVE WHERE \"attr.k.list.element\" = 'v2999'"))
                .containsExactly(List.of(1L));
        assertThat(query("SELECT count(*) FROM $LIVE WHERE list_contains(\"attr.k\", 1500)")).containsExactly(List.of(2L));
    }

    @Test
    void filesWithSmallRowGroupsAreReEncodedIntoRowGroupsOfTheConfiguredSize() throws Exception {
        Store.Merge merge = compactFourFlushesCheckingFlushOrderVersionAndSidecar(65_536, 40);
        assertThat(merge.rowGroupsCopied()).as("1,500-span row groups average less than 65,536 / 4").isFalse();
        String file = "'" + merge.output() + "'";
        assertThat(query("SELECT max(row_group_num_rows), count(DISTINCT row_group_id) FROM parquet_metadata(" + file + ")"))
                .containsExactly(List.of(6000L, 1L));
        String traceId = String.format("%016x%016x", (long) 5 * 7919 + 2, 2);
        assertThat(query("SELECT bloom_filter_excludes FROM parquet_bloom_probe(" + file + ", 'trace_id', '" + traceId
                + "')")).as("DuckDB's own bloom filter").containsExactly(List.of(false));
        assertThat(query("SELECT bloom_filter_excludes FROM parquet_bloom_probe(" + file + ", 'trace_id', '"
                + "00000000000000000000000000000bad')")).containsExactly(List.of(true));
    }

    @Test
    void whileBothAreOnDiskReadersSeeTheMergedFileInsteadOfItsInputs() throws Exception {
        writeFlushes(3, 300);
        DataLayout layout = new DataLayout(data);
        try (FileReaper reaper = new FileReaper(layout, Duration.ofHours(1));
             Compactor compactor = Compactor.open(layout, StoreConfig.Compaction.defaults(), reaper)) {
            compactor.compactOnce(silent());
            assertThat(reaper.pending()).isEqualTo(6);
            assertThat(query("SELECT count(*) FROM $ALL")).as("a plain glob sees both").containsExactly(List.of(2 * 1350L));
            assertThat(query("SELECT count(*), count(DISTINCT span_id) FROM $LIVE")).containsExactly(List.of(1350L, 1350L));
        }
        // The process ends before the delay: the inputs stay hidden, and the next open deletes them.
        assertThat(layout.spanFiles()).hasSize(8);
        try (FileReaper reaper = new FileReaper(layout, Duration.ZERO);
             Compactor ignored = Compactor.open(layout, StoreConfig.Compaction.defaults(), reaper)) {
            assertThat(layout.spanFiles()).hasSize(2);
        }
        assertThat(query("SELECT count(*) FROM $ALL")).containsExactly(List.of(1350L));
    }

    @Test
    void recoveryAfterCompactionSkipsSpansTheMergedFileHolds(@TempDir Path walCopy) throws Exception {
        try (Warehouse warehouse = Warehouse.open(config())) {
            warehouse.append(spansInHour(0, 1, 200, 10));
            warehouse.flush();
            warehouse.append(spansInHour(0, 2, 200, 10));
            copy(data.resolve("wal"), walCopy);
            warehouse.flush();
        }
        DataLayout layout = new DataLayout(data);
        try (FileReaper reaper = new FileReaper(layout, Duration.ZERO);
             Compactor compactor = Compactor.open(layout, StoreConfig.Compaction.defaults(), reaper)) {
            assertThat(compactor.compactOnce(silent()).merges()).hasSize(1);
        }
        // A crash after the second flush published but before it deleted its log segment.
        copy(walCopy, data.resolve("wal"));
        try (Warehouse restarted = Warehouse.open(config())) {
            assertThat(restarted.stats().spansSkippedOnReplay()).isEqualTo(200);
            restarted.flush();
        }
        assertThat(query("SELECT count(*), count(DISTINCT span_id) FROM $LIVE")).containsExactly(List.of(400L, 400L));
    }

    @Test
    void filesOfFlushesStillInTheLogAreNotMerged() throws Exception {
        writeFlushes(3, 100);
        DataLayout layout = new DataLayout(data);
        // A log segment older than every file: as if a flush were still writing them.
        Files.writeString(layout.walDir().resolve("segment-000000000000.wal"), "");
        try (FileReaper reaper = new FileReaper(layout, Duration.ZERO);
             Compactor compactor = Compactor.open(layout, StoreConfig.Compaction.defaults(), reaper)) {
            assertThat(compactor.compactOnce(silent()).merges()).isEmpty();
        }
    }

    @Test
    void filesAreGroupedUpToTheTargetAndWholeFlushesStayTogether() throws Exception {
        writeFlushes(6, 400);
        DataLayout layout = new DataLayout(data);
        try (FileReaper reaper = new FileReaper(layout, Duration.ZERO);
             Compactor compactor = Compactor.open(layout, StoreConfig.Compaction.defaults().withTargetSpans(1000), reaper)) {
            compactor.compactOnce(silent());
        }
        // Hour 0: six files of 400 → two of 800 (a third would pass 1000) and... 2+2+2; hour 1: six of 200 → 1000 + 200.
        List<List<Object>> perFile = query("SELECT filename, count(*) FROM $LIVE GROUP BY 1 ORDER BY 1");
        assertThat(perFile).allMatch(row -> ((Number) row.get(1)).longValue() <= 1000);
        assertThat(query("SELECT count(*), count(DISTINCT span_id) FROM $LIVE")).containsExactly(List.of(3600L, 3600L));
        assertThat(SpanFiles.live(layout)).hasSize(5);
    }

    @Test
    void attributeShapesAndTypesStayReadableTogetherAfterMerging() throws Exception {
        try (Warehouse warehouse = Warehouse.open(config())) {
            warehouse.append(traces("svc", span("0af7651916cd43dd8448eb211c80319c", "0000000000000001", "a", 0, 1)
                    .addAttributes(attrLongs("app.ids", 1, 2)).addAttributes(attr("app.code", 7L)).build()));
            warehouse.flush();
            warehouse.append(traces("svc", span("0af7651916cd43dd8448eb211c80319d", "0000000000000002", "b", 0, 1)
                    .addAttributes(attr("app.ids", "7")).addAttributes(attr("app.code", "x")).build()));
            warehouse.flush();
            warehouse.append(traces("svc", span("0af7651916cd43dd8448eb211c80319e", "0000000000000003", "c", HOUR_NANOS, 1)
                    .addAttributes(attr("app.ids", "8")).addAttributes(attr("app.code", 9L)).build()));
            warehouse.flush();
        }
        DataLayout layout = new DataLayout(data);
        try (FileReaper reaper = new FileReaper(layout, Duration.ZERO);
             Compactor compactor = Compactor.open(layout, StoreConfig.Compaction.defaults(), reaper)) {
            assertThat(compactor.compactOnce(silent()).merges()).hasSize(1);
        }
        assertThat(query("SELECT span_id, \"attr.app.ids\"::VARCHAR, \"attr.app.code\"::VARCHAR FROM $LIVE ORDER BY span_id"))
                .containsExactly(List.of("0000000000000001", "[1, 2]", "7"), List.of("0000000000000002", "[7]", "x"),
                        List.of("0000000000000003", "[8]", "9"));
    }

    @Test
    void aParquetFilePutThereByHandIsStillReadButNeverMerged() throws Exception {
        writeFlushes(2, 100);
        DataLayout layout = new DataLayout(data);
        Path partition = SpanFiles.live(layout).get(0).getParent();
        Path byHand = partition.resolve("extra-copy.parquet");
        Files.copy(SpanFiles.live(layout).get(0), byHand);
        try (FileReaper reaper = new FileReaper(layout, Duration.ZERO);
             Compactor compactor = Compactor.open(layout, StoreConfig.Compaction.defaults(), reaper)) {
            compactor.compactOnce(silent());
        }
        assertThat(SpanFiles.live(layout)).contains(byHand).hasSize(3);
        assertThat(query("SELECT count(*) FROM $LIVE")).containsExactly(List.of(400L));
    }

    @Test
    void onlyOneCompactorAtATimePerDataFolder() throws Exception {
        DataLayout layout = new DataLayout(data);
        try (FileReaper reaper = new FileReaper(layout, Duration.ZERO);
             Compactor ignored = Compactor.open(layout, StoreConfig.Compaction.defaults(), reaper)) {
            assertThatThrownBy(() -> Compactor.open(layout, StoreConfig.Compaction.defaults(), reaper))
                    .isInstanceOf(DataFolderLock.InUseException.class)
                    .hasMessageContaining(data + " is in use by a Contrail process (pid " + ProcessHandle.current().pid() + ")");
        }
    }

    @Test
    void retentionHidesOldPartitionsAtOnceAndDeletesThemAfterTheDelay() throws Exception {
        writeFlushes(2, 100);
        DataLayout layout = new DataLayout(data);
        Instant now = Instant.ofEpochSecond(T0 / 1_000_000_000L).plus(Duration.ofMinutes(150));
        try (FileReaper reaper = new FileReaper(layout, Duration.ofHours(1))) {
            Retention retention = new Retention(layout, StoreConfig.Retention.none().withMaxAge(Duration.ofMinutes(90)), reaper);
            Store.RetentionPass pass = retention.applyOnce(now);
            assertThat(pass.partitions()).isEqualTo(1);
            assertThat(pass.cutoff().hour()).isEqualTo(PartitionPath.ofStartTime(T0 + HOUR_NANOS).hour());
            assertThat(query("SELECT DISTINCT hour FROM $LIVE").size()).isEqualTo(1);
            assertThat(layout.spanFiles()).as("still on disk for queries that listed them").hasSize(4);
        }
        try (FileReaper reaper = new FileReaper(layout, Duration.ZERO);
             Compactor ignored = Compactor.open(layout, StoreConfig.Compaction.defaults(), reaper)) {
            assertThat(layout.spanFiles()).hasSize(2);
        }
        assertThat(Files.exists(PartitionPath.ofStartTime(T0).resolveUnder(layout.spansDir()))).isFalse();
    }

    @Test
    void maxSizeRetiresTheOldestPartitionsButNeverTheNewest() throws Exception {
        writeFlushes(2, 100);
        DataLayout layout = new DataLayout(data);
        try (FileReaper reaper = new FileReaper(layout, Duration.ZERO)) {
            Retention retention = new Retention(layout, StoreConfig.Retention.none().withMaxBytes(1), reaper);
            assertThat(retention.applyOnce(Instant.now()).partitions()).isEqualTo(1);
            assertThat(retention.applyOnce(Instant.now()).partitions()).isZero();
        }
        assertThat(query("SELECT DISTINCT hour FROM $LIVE")).hasSize(1);
        assertThat(layout.spanFiles()).hasSize(2);
    }

    private static Compactor.Progress silent() {
        return new Compactor.Progress() {
            @Override
            public void planned(int merges) {
            }

            @Override
            public void merged(int done, int of, Store.Merge merge) {
            }
        };
    }

    private static void copy(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
