package io.contrail.query;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Self time and critical-path time of the spans of one trace already in memory — the same
 * definitions, tie-breaks and clipping as the {@code span_timing} view ({@link SpanViews#spanTimingSql}),
 * computed in Java so that a trace lookup needs no second query. {@code SpanTimingTest} holds both
 * to the same exact figures.
 */
final class SpanTiming {

    /** Self and critical-path nanoseconds of one span. */
    record Times(long selfNanos, long criticalPathNanos) {
    }

    /** A child clipped to its parent's interval. */
    private record Clipped(TraceQueries.SpanView span, long start, long end) {
    }

    private SpanTiming() {
    }

    /** The times of every span of one trace, by span (identity), in the order given. */
    static List<Times> of(List<TraceQueries.SpanView> spans) {
        Map<String, List<TraceQueries.SpanView>> byId = new HashMap<>();
        for (TraceQueries.SpanView span : spans) {
            byId.computeIfAbsent(span.spanId(), k -> new ArrayList<>()).add(span);
        }
        Map<TraceQueries.SpanView, List<Clipped>> children = new HashMap<>();
        for (TraceQueries.SpanView child : spans) {
            if (child.parentSpanId() == null) {
                continue;
            }
            for (TraceQueries.SpanView parent : byId.getOrDefault(child.parentSpanId(), List.of())) {
                if (parent.spanId().equals(child.spanId())) {
                    continue;
                }
                long parentEnd = end(parent);
                if (child.startTimeUnixNano() < parentEnd && end(child) > parent.startTimeUnixNano()) {
                    children.computeIfAbsent(parent, k -> new ArrayList<>()).add(new Clipped(child,
                            Math.max(child.startTimeUnixNano(), parent.startTimeUnixNano()), Math.min(end(child), parentEnd)));
                }
            }
        }
        Map<TraceQueries.SpanView, Long> critical = new HashMap<>();
        // A frame is a span and the point in time to walk back from; roots start at their end.
        record Frame(TraceQueries.SpanView span, long bound) {
        }
        Deque<Frame> frames = new ArrayDeque<>();
        for (TraceQueries.SpanView span : spans) {
            if (span.parentSpanId() == null) {
                frames.push(new Frame(span, end(span)));
            }
        }
        while (!frames.isEmpty()) {
            Frame frame = frames.pop();
            Clipped last = null;
            for (Clipped child : children.getOrDefault(frame.span(), List.of())) {
                if (child.end() <= frame.bound() && child.start() < frame.bound() && (last == null
                        || child.end() > last.end()
                        || (child.end() == last.end() && child.span().spanId().compareTo(last.span().spanId()) < 0))) {
                    last = child;
                }
            }
            long from = last != null ? last.end() : frame.span().startTimeUnixNano();
            critical.merge(frame.span(), frame.bound() - from, Long::sum);
            if (last != null) {
                frames.push(new Frame(last.span(), last.end()));
                frames.push(new Frame(frame.span(), last.start()));
            }
        }
        List<Times> times = new ArrayList<>(spans.size());
        for (TraceQueries.SpanView span : spans) {
            times.add(new Times(span.durationNanos() - covered(children.getOrDefault(span, List.of())),
                    critical.getOrDefault(span, 0L)));
        }
        return times;
    }

    /** The length of the union of the children's intervals. */
    private static long covered(List<Clipped> children) {
        List<Clipped> sorted = new ArrayList<>(children);
        sorted.sort(Comparator.comparingLong(Clipped::start).thenComparing(c -> c.span().spanId()));
        long covered = 0;
        long previousEnd = Long.MIN_VALUE;
        for (Clipped child : sorted) {
            long from = previousEnd == Long.MIN_VALUE ? child.start() : Math.max(child.start(), previousEnd);
            covered += Math.max(0, child.end() - from);
            previousEnd = Math.max(previousEnd, child.end());
        }
        return covered;
    }

    private static long end(TraceQueries.SpanView span) {
        return span.startTimeUnixNano() + span.durationNanos();
    }
}
