package io.contrail.bench.suite;

/**
 * How one peer took in the corpus.
 *
 * @param spansAcknowledged spans the peer acknowledged (for Contrail: durable in the WAL)
 * @param spansStored       spans queryable afterwards (counted through the peer itself)
 * @param ackSeconds        wall time until the last acknowledgement
 * @param storedSeconds     wall time until everything was queryable (durable, indexed/flushed)
 * @param bytesOnDisk       size of the peer's data files after loading (and compaction/vacuum)
 * @param notes             what a reader must know (e.g. "acknowledged in memory, not durable")
 * @param spansOffered      spans the peer was given: the whole corpus, or the prefix it loads
 * @param shareReason       null when the peer was given the whole corpus; else which share it got and why,
 *                          in a sentence that the report prints beside its figures
 * @param serverCpuSeconds  CPU time (user + system) the peer's server process spent on the load, from /proc;
 *                          -1 when not measured
 */
public record LoadResult(long spansAcknowledged, long spansStored, double ackSeconds, double storedSeconds,
                         long bytesOnDisk, String notes, long spansOffered, String shareReason, double serverCpuSeconds) {

    public LoadResult(long spansAcknowledged, long spansStored, double ackSeconds, double storedSeconds,
                      long bytesOnDisk, String notes, long spansOffered, String shareReason) {
        this(spansAcknowledged, spansStored, ackSeconds, storedSeconds, bytesOnDisk, notes, spansOffered, shareReason, -1);
    }

    /** The same load with the server's CPU time measured. */
    public LoadResult withServerCpuSeconds(double seconds) {
        return new LoadResult(spansAcknowledged, spansStored, ackSeconds, storedSeconds, bytesOnDisk, notes, spansOffered,
                shareReason, seconds);
    }

    /** Server CPU microseconds per acknowledged span; -1 when not measured. */
    public double cpuMicrosPerSpan() {
        return serverCpuSeconds < 0 || spansAcknowledged == 0 ? -1 : serverCpuSeconds * 1e6 / spansAcknowledged;
    }

    /** A load of the whole corpus of {@code spansOffered} spans. */
    public static LoadResult whole(long spansOffered, long spansAcknowledged, long spansStored, double ackSeconds,
                                   double storedSeconds, long bytesOnDisk, String notes) {
        return new LoadResult(spansAcknowledged, spansStored, ackSeconds, storedSeconds, bytesOnDisk, notes,
                spansOffered, null);
    }

    /** Whether the peer was given only a share of a corpus of {@code corpusSpans} spans. */
    public boolean partial(long corpusSpans) {
        return spansOffered < corpusSpans;
    }

    public double acknowledgedSpansPerSecond() {
        return ackSeconds <= 0 ? 0 : spansAcknowledged / ackSeconds;
    }

    public double storedSpansPerSecond() {
        return storedSeconds <= 0 ? 0 : spansStored / storedSeconds;
    }

    public double bytesPerSpan() {
        return spansStored == 0 ? 0 : (double) bytesOnDisk / spansStored;
    }
}
