package io.contrail.bench.suite;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** bench/run's arguments as BenchRun reads them. */
class BenchOptionsTest {

    @Test
    void serverArgsGoToContrailServeInOrderAndTheCommandLineRecordsThem() {
        BenchOptions options = BenchOptions.parse(List.of("--spans", "100000000", "--server-arg", "--query-timeout=600",
                "--server-arg", "--max-buffered-bytes=96MB"), Path.of("/repo"));

        assertThat(options.mode()).isEqualTo("custom");
        assertThat(options.spans()).isEqualTo(100_000_000L);
        assertThat(options.serverArgs()).containsExactly("--query-timeout=600", "--max-buffered-bytes=96MB");
        assertThat(options.command()).isEqualTo("bench/run --spans 100000000 --server-arg --query-timeout=600 "
                + "--server-arg --max-buffered-bytes=96MB");
        assertThat(BenchOptions.parse(List.of("--full"), Path.of("/repo")).serverArgs()).isEmpty();
    }

    @Test
    void sustainedRunsContrailAloneForTheGivenSecondsWithoutQueries() {
        BenchOptions options = BenchOptions.parse(List.of("--sustained", "600", "--out", "/tmp/sustained"), Path.of("/repo"));

        assertThat(options.sustained()).isTrue();
        assertThat(options.sustainedSeconds()).isEqualTo(600);
        assertThat(options.spans()).isEqualTo(BenchOptions.QUICK_SPANS);
        assertThat(options.peers()).containsExactly(ContrailPeer.NAME);
        assertThat(options.explain()).isFalse();
        assertThat(BenchOptions.parse(List.of("--sustained", "60", "--peers", "contrail,nullsink"), Path.of("/repo"))
                .peers()).containsExactly(ContrailPeer.NAME, NullSinkPeer.NAME);
        assertThat(BenchOptions.parse(List.of("--full"), Path.of("/repo")).sustained()).isFalse();
        assertThat(BenchOptions.parse(List.of("--full"), Path.of("/repo")).peers()).contains(NullSinkPeer.NAME);
    }
}
