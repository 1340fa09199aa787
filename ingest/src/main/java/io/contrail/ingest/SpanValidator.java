package io.contrail.ingest;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Decides which decoded spans the warehouse accepts, the same way for every wire format.
 *
 * <p>A span is rejected when its trace ID is not 16 bytes or is all zeros, its span ID is not 8
 * bytes or is all zeros, its parent span ID is neither empty nor 8 bytes, or it ends before it
 * starts. Rejection is per span: the rest of the request is kept, in its resource and scope
 * structure, and the caller answers with an OTLP partial success.
 */
public final class SpanValidator {

    /** How many rejected spans the error message describes before it only counts the rest. */
    static final int MAX_DESCRIBED_REJECTIONS = 5;

    private static final int MAX_NAME_CHARS_IN_MESSAGE = 80;
    private static final int TRACE_ID_BYTES = 16;
    private static final int SPAN_ID_BYTES = 8;

    private SpanValidator() {}

    /** Validates every span of {@code traces}; see the class comment for the rules. */
    public static DecodedSpans validate(TracesData traces) {
        return validate(traces, Map.of(), SpanPosition::path);
    }

    /**
     * The problems that make the warehouse reject this span, empty when it is valid. Each problem
     * names the field in its OTLP/JSON spelling, e.g. {@code traceId must be 16 bytes, got 8}.
     */
    public static List<String> problemsOf(Span span) {
        List<String> problems = new ArrayList<>(0);
        checkId("traceId", span.getTraceId(), TRACE_ID_BYTES, problems);
        checkId("spanId", span.getSpanId(), SPAN_ID_BYTES, problems);
        int parentBytes = span.getParentSpanId().size();
        if (parentBytes != 0 && parentBytes != SPAN_ID_BYTES) {
            problems.add("parentSpanId must be empty or " + SPAN_ID_BYTES + " bytes, got " + parentBytes);
        }
        // The timestamps are fixed64: unsigned.
        if (Long.compareUnsigned(span.getEndTimeUnixNano(), span.getStartTimeUnixNano()) < 0) {
            problems.add("endTimeUnixNano " + Long.toUnsignedString(span.getEndTimeUnixNano())
                    + " is before startTimeUnixNano " + Long.toUnsignedString(span.getStartTimeUnixNano()));
        }
        return problems;
    }

    /**
     * Validates {@code traces}, where a decoder already found problems that the protobuf form no
     * longer shows (an ID that was not hex, a Zipkin span without timestamp). A span listed in
     * {@code decodeProblems} is rejected with those problems alone.
     *
     * @param describePosition names a span's position for the client, in the terms of the format it
     *     sent (a Zipkin body has no resourceSpans)
     */
    static DecodedSpans validate(
            TracesData traces,
            Map<SpanPosition, List<String>> decodeProblems,
            Function<SpanPosition, String> describePosition) {
        int accepted = 0;
        boolean hasEmptyContainer = false;
        Set<SpanPosition> rejected = new HashSet<>();
        List<String> described = new ArrayList<>(0);

        List<ResourceSpans> resources = traces.getResourceSpansList();
        for (int r = 0; r < resources.size(); r++) {
            List<ScopeSpans> scopes = resources.get(r).getScopeSpansList();
            hasEmptyContainer |= scopes.isEmpty();
            for (int s = 0; s < scopes.size(); s++) {
                List<Span> spans = scopes.get(s).getSpansList();
                hasEmptyContainer |= spans.isEmpty();
                for (int i = 0; i < spans.size(); i++) {
                    List<String> problems = decodeProblems.isEmpty()
                            ? List.of() : decodeProblems.getOrDefault(new SpanPosition(r, s, i), List.of());
                    if (problems.isEmpty()) {
                        problems = problemsOf(spans.get(i));
                    }
                    if (problems.isEmpty()) {
                        accepted++;
                        continue;
                    }
                    var position = new SpanPosition(r, s, i);
                    rejected.add(position);
                    if (described.size() < MAX_DESCRIBED_REJECTIONS) {
                        described.add(describePosition.apply(position) + " " + quotedName(spans.get(i)) + ": "
                                + String.join(", ", problems));
                    }
                }
            }
        }
        if (rejected.isEmpty() && !hasEmptyContainer) {
            return new DecodedSpans(traces, accepted, 0, null);
        }
        return new DecodedSpans(keepAccepted(traces, rejected), accepted, rejected.size(),
                rejected.isEmpty() ? null : errorMessage(rejected.size(), described));
    }

    private static void checkId(String field, ByteString id, int expectedBytes, List<String> out) {
        if (id.size() != expectedBytes) {
            out.add(field + " must be " + expectedBytes + " bytes, got " + id.size());
            return;
        }
        for (int i = 0; i < expectedBytes; i++) {
            if (id.byteAt(i) != 0) {
                return;
            }
        }
        out.add(field + " must not be all zeros");
    }

    /** Rebuilds the structure without rejected spans and without empty scopes or resources. */
    private static TracesData keepAccepted(TracesData traces, Set<SpanPosition> rejected) {
        var kept = TracesData.newBuilder();
        List<ResourceSpans> resources = traces.getResourceSpansList();
        for (int r = 0; r < resources.size(); r++) {
            ResourceSpans resource = resources.get(r);
            var keptResource = resource.toBuilder().clearScopeSpans();
            List<ScopeSpans> scopes = resource.getScopeSpansList();
            for (int s = 0; s < scopes.size(); s++) {
                ScopeSpans scope = scopes.get(s);
                var keptScope = scope.toBuilder().clearSpans();
                for (int i = 0; i < scope.getSpansCount(); i++) {
                    if (!rejected.contains(new SpanPosition(r, s, i))) {
                        keptScope.addSpans(scope.getSpans(i));
                    }
                }
                if (keptScope.getSpansCount() > 0) {
                    keptResource.addScopeSpans(keptScope);
                }
            }
            if (keptResource.getScopeSpansCount() > 0) {
                kept.addResourceSpans(keptResource);
            }
        }
        return kept.build();
    }

    private static String errorMessage(int rejected, List<String> described) {
        var message = new StringBuilder()
                .append(rejected).append(rejected == 1 ? " span" : " spans").append(" rejected: ")
                .append(String.join("; ", described));
        if (rejected > described.size()) {
            message.append("; and ").append(rejected - described.size()).append(" more");
        }
        return message.toString();
    }

    private static String quotedName(Span span) {
        String name = span.getName();
        if (name.length() > MAX_NAME_CHARS_IN_MESSAGE) {
            int cut = MAX_NAME_CHARS_IN_MESSAGE;
            if (Character.isHighSurrogate(name.charAt(cut - 1))) {
                cut--;
            }
            name = name.substring(0, cut) + "…";
        }
        return '"' + name + '"';
    }
}
