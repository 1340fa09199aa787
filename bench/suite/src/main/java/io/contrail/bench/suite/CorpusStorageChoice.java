package io.contrail.bench.suite;

import java.nio.file.Path;
import java.util.Locale;

/**
 * How a run stores its corpus file, and why. Raw OTLP protobuf unless {@code --corpus-gzip} asks
 * for gzip or the raw file would take more than {@link #MAX_SHARE_OF_FREE_DISK} of the free disk
 * where it goes, which the peers' data needs: 100M spans are ~62 GB raw and ~8 GB gzip'd. Gzip'd,
 * the load clients decompress each request before sending it, in the benchmark JVM, so the report
 * says so beside that JVM's CPU.
 *
 * @param reason why, for the progress display and RESULTS.md
 */
record CorpusStorageChoice(SpanCorpus.Storage storage, String reason) {

    /** Raw OTLP protobuf per span: 625.4 B measured by {@code bench/run --full} (10M spans), rounded up. */
    static final double RAW_BYTES_PER_SPAN = 650;
    /** The share of the free disk a raw corpus may take; more, and it is stored gzip'd. */
    static final double MAX_SHARE_OF_FREE_DISK = 0.5;
    private static final double BYTES_PER_GB = 1e9;

    /**
     * The storage of a corpus of {@code spans} spans in {@code scratch}, where {@code freeBytes} are
     * free before it is written; {@code gzipAsked} is {@code --corpus-gzip}.
     */
    static CorpusStorageChoice choose(boolean gzipAsked, long spans, long freeBytes, Path scratch) {
        double rawBytes = spans * RAW_BYTES_PER_SPAN;
        if (gzipAsked) {
            return new CorpusStorageChoice(SpanCorpus.Storage.GZIPPED, "asked for with --corpus-gzip");
        }
        String sizes = String.format(Locale.ROOT, "raw, %,d spans take about %.1f GB (%.0f B/span) and %.1f GB are "
                        + "free in %s", spans, rawBytes / BYTES_PER_GB, RAW_BYTES_PER_SPAN, freeBytes / BYTES_PER_GB,
                scratch);
        if (rawBytes > freeBytes * MAX_SHARE_OF_FREE_DISK) {
            return new CorpusStorageChoice(SpanCorpus.Storage.GZIPPED, sizes
                    + ": more than half, which the peers' data needs (--corpus-gzip chooses it always)");
        }
        return new CorpusStorageChoice(SpanCorpus.Storage.RAW, sizes + ": at most half (--corpus-gzip stores it gzip'd)");
    }

    boolean gzipped() {
        return storage == SpanCorpus.Storage.GZIPPED;
    }

    /** The progress line at the start of a run. */
    String describe() {
        return gzipped() ? "corpus stored gzip'd, the load clients decompress each request before sending it: " + reason
                : "corpus stored as OTLP protobuf: " + reason;
    }
}
