package io.contrail.workload;

/**
 * Lays a finished call tree out in time, so that every child starts no earlier and ends no later
 * than its parent.
 *
 * <p>A span lasts its own work before its children ({@code preNanos}), then its children in
 * stages, then its own work after them ({@code postNanos}). A child that is not {@code
 * parallelWithPrevious} opens a new stage {@code delayNanos} after the previous stage ends; a
 * parallel child starts {@code delayNanos} into the current stage, and a stage lasts as long as
 * its slowest child. The exception is an {@code async} child (a message consumer): it starts
 * {@code delayNanos} after its parent ends, as a Kafka consumer does after the send returns.
 */
final class TraceTimeline {

  private TraceTimeline() {}

  static void place(SpanDraft root, long startUnixNano) {
    measure(root);
    position(root, startUnixNano);
  }

  private static long measure(SpanDraft span) {
    long stageStart = span.preNanos;
    long stageEnd = span.preNanos;
    boolean stageOpen = false;
    for (SpanDraft child : span.children) {
      long childDuration = measure(child);
      if (child.async) {
        continue;
      }
      if (child.parallelWithPrevious && stageOpen) {
        child.offsetNanos = stageStart + child.delayNanos;
      } else {
        stageStart = stageEnd + child.delayNanos;
        child.offsetNanos = stageStart;
      }
      stageEnd = Math.max(stageEnd, child.offsetNanos + childDuration);
      stageOpen = true;
    }
    span.durationNanos = stageEnd + span.postNanos;
    return span.durationNanos;
  }

  private static void position(SpanDraft span, long startUnixNano) {
    span.startUnixNano = startUnixNano;
    span.endUnixNano = startUnixNano + span.durationNanos;
    for (SpanDraft child : span.children) {
      long childStart = child.async
          ? span.endUnixNano + child.delayNanos
          : startUnixNano + child.offsetNanos;
      position(child, childStart);
    }
  }
}
