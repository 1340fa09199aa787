package io.contrail.ingest.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import io.contrail.columnar.SamplingStatsLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sampling counts survive hour boundaries, saves and restarts. */
class SamplingStatsTest {

    @TempDir
    Path dir;

    /** A clock the test moves. */
    private static final class MovableClock extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-25T20:59:50Z"));

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    @Test
    void countsOfEveryHourAreKeptAndSavedAcrossTheBoundaryAndARestart() throws Exception {
        MovableClock clock = new MovableClock();
        SamplingStats stats = new SamplingStats(dir, clock);
        stats.count("cart", "errors", true, 1, 5);
        stats.save();
        clock.now.set(clock.now.get().plus(Duration.ofSeconds(20)));
        stats.count("cart", "errors", true, 1, 3);
        stats.save();

        assertThat(stats.rows()).extracting(SamplingStatsLayout.Row::hour, SamplingStatsLayout.Row::spans)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("2026-11-25T20", 5L),
                        org.assertj.core.groups.Tuple.tuple("2026-11-25T21", 3L));
        assertThat(Files.readString(dir.resolve("stats-2026-11-25T20.json"))).contains("\"spans\":5");
        assertThat(Files.readString(dir.resolve("stats-2026-11-25T21.json"))).contains("\"spans\":3");

        SamplingStats restarted = new SamplingStats(dir, clock);
        restarted.count("cart", "errors", true, 1, 2);
        restarted.save();
        assertThat(Files.readString(dir.resolve("stats-2026-11-25T21.json")))
                .as("the current hour continues from its file").contains("\"spans\":5");
        assertThat(Files.readString(dir.resolve("stats-2026-11-25T20.json"))).as("an earlier hour is left as it was")
                .contains("\"spans\":5");
    }
}
