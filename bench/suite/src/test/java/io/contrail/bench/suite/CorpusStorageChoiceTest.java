package io.contrail.bench.suite;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Whether a run stores its corpus raw or gzip'd: --corpus-gzip, or a raw corpus too big for the free disk. */
class CorpusStorageChoiceTest {

    private static final Path ROOT = Path.of("/repo");
    private static final Path SCRATCH = Path.of("/scratch");
    private static final long FREE_60_GB = 60_000_000_000L;

    @Test
    void quickAndFullRunsStoreTheCorpusRawWhenItTakesAtMostHalfTheFreeDisk() {
        for (String mode : List.of("--quick", "--full")) {
            BenchOptions options = BenchOptions.parse(List.of(mode), ROOT);

            CorpusStorageChoice choice = CorpusStorageChoice.choose(options.corpusGzip(), options.spans(), FREE_60_GB,
                    SCRATCH);

            assertThat(options.corpusGzip()).isFalse();
            assertThat(choice.storage()).as(mode).isEqualTo(SpanCorpus.Storage.RAW);
            assertThat(choice.describe()).startsWith("corpus stored as OTLP protobuf").contains("at most half");
        }
    }

    @Test
    void aRawCorpusOfMoreThanHalfTheFreeDiskIsStoredGzippedAndSaysWhy() {
        BenchOptions options = BenchOptions.parse(List.of("--spans", "100_000_000"), ROOT);

        CorpusStorageChoice choice = CorpusStorageChoice.choose(options.corpusGzip(), options.spans(), FREE_60_GB,
                SCRATCH);

        assertThat(choice.storage()).isEqualTo(SpanCorpus.Storage.GZIPPED);
        assertThat(choice.describe()).startsWith("corpus stored gzip'd, the load clients decompress each request")
                .contains("100,000,000 spans take about 65.0 GB", "60.0 GB are free in /scratch", "more than half");
        assertThat(CorpusStorageChoice.choose(false, 46_000_000, FREE_60_GB, SCRATCH).storage())
                .as("29.9 GB raw, at most half of 60 GB").isEqualTo(SpanCorpus.Storage.RAW);
        assertThat(CorpusStorageChoice.choose(false, 47_000_000, FREE_60_GB, SCRATCH).storage())
                .as("30.6 GB raw, more than half of 60 GB").isEqualTo(SpanCorpus.Storage.GZIPPED);
    }

    @Test
    void corpusGzipStoresItGzippedWhateverTheFreeDisk() {
        BenchOptions options = BenchOptions.parse(List.of("--smoke", "--corpus-gzip", "--peers", "contrail"), ROOT);

        CorpusStorageChoice choice = CorpusStorageChoice.choose(options.corpusGzip(), options.spans(), FREE_60_GB,
                SCRATCH);

        assertThat(options.corpusGzip()).isTrue();
        assertThat(options.gzip()).as("what is sent is another option, --gzip").isFalse();
        assertThat(choice.storage()).isEqualTo(SpanCorpus.Storage.GZIPPED);
        assertThat(choice.reason()).isEqualTo("asked for with --corpus-gzip");
        assertThat(BenchOptions.USAGE).contains("--corpus-gzip");
    }
}
