package io.contrail.columnar;

import java.io.PrintStream;
import java.util.Locale;

/** Prints a compaction's progress for {@code contrail compact}: one line per merge, then a summary. */
final class CompactionProgress implements Compactor.Progress {

    private final PrintStream out;
    private final long startedNanos = System.nanoTime();
    private long bytesBefore;
    private long bytesAfter;

    CompactionProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void planned(int merges) {
        out.println(merges == 0 ? "Nothing to compact: no partition has several small files."
                : "Compacting: " + merges + " merges planned.");
    }

    @Override
    public void merged(int done, int of, Store.Merge merge) {
        bytesBefore += merge.bytesBefore();
        bytesAfter += merge.bytesAfter();
        out.println(String.format(Locale.ROOT, "[%d/%d] %s  %d files → 1, %,d spans, %.1f → %.1f MB, %.1f s",
                done, of, merge.partition(), merge.inputFiles(), merge.spans(), megabytes(merge.bytesBefore()),
                megabytes(merge.bytesAfter()), merge.millis() / 1000.0));
        out.flush();
    }

    void done(Store.CompactionPass pass) {
        if (pass.merges().isEmpty()) {
            return;
        }
        out.println(String.format(Locale.ROOT, "Done: %d files merged into %d (%,d spans), %.1f → %.1f MB, in %.1f s.",
                pass.inputFiles(), pass.merges().size(), pass.spans(), megabytes(bytesBefore), megabytes(bytesAfter),
                (System.nanoTime() - startedNanos) / 1e9));
    }

    private static double megabytes(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
