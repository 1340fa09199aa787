package io.contrail.ingest;

import com.google.protobuf.ByteString;
import io.contrail.columnar.SpanSchema;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Decides which decoded spans the warehouse accepts, the same way for every wire format.
 *
 * <p>A span is rejected when its trace ID is not 16 bytes or is all zeros, its span ID is not 8
 * bytes or is all zeros, its parent span ID is neither empty nor 8 bytes, it ends before it
 * starts, its start, end or an event's time is not one the store holds
 * ({@link SpanSchema#isStorableTime}: from 1970 up to 2262), or an attribute key of the span, its
 * events, its links or its resource cannot be stored exactly ({@link SpanSchema#attributeKeyProblem}:
 * a NUL or a lone surrogate). So nothing is acknowledged that the Parquet writer would fail on.
 * Rejection is per span: the rest of the request is kept, in its resource and scope
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
        return validate(traces, Map.of(), null, SpanPosition::path);
    }

    /**
     * The problems that make the warehouse reject this span, empty when it is valid. Each problem
     * names the field in its OTLP/JSON spelling, e.g. {@code traceId must be 16 bytes, got 8}.
     */
    public static List<String> problemsOf(Span span) {
        return problemsOf(span, null);
    }

    /**
     * {@link #problemsOf(Span)}, and the cause of the first problem; {@code firstCause} gets it when not null
     * and the span has a problem.
     */
    static List<String> problemsOf(Span span, RejectionCause[] firstCause) {
        List<String> problems = new ArrayList<>(0);
        checkId("traceId", span.getTraceId(), TRACE_ID_BYTES, problems);
        checkId("spanId", span.getSpanId(), SPAN_ID_BYTES, problems);
        int parentBytes = span.getParentSpanId().size();
        if (parentBytes != 0 && parentBytes != SPAN_ID_BYTES) {
            problems.add("parentSpanId must be empty or " + SPAN_ID_BYTES + " bytes, got " + parentBytes);
        }
        noteFirst(problems, RejectionCause.INVALID_ID, firstCause);
        // The timestamps are fixed64: unsigned.
        checkTime("startTimeUnixNano", span.getStartTimeUnixNano(), problems);
        checkTime("endTimeUnixNano", span.getEndTimeUnixNano(), problems);
        if (Long.compareUnsigned(span.getEndTimeUnixNano(), span.getStartTimeUnixNano()) < 0) {
            problems.add("endTimeUnixNano " + Long.toUnsignedString(span.getEndTimeUnixNano())
                    + " is before startTimeUnixNano " + Long.toUnsignedString(span.getStartTimeUnixNano()));
        }
        noteFirst(problems, RejectionCause.INVALID_TIME, firstCause);
        checkKeys("attributes", -1, span.getAttributesList(), problems);
        noteFirst(problems, RejectionCause.INVALID_ATTRIBUTE_KEY, firstCause);
        for (int e = 0; e < span.getEventsCount(); e++) {
            Span.Event event = span.getEvents(e);
            if (!SpanSchema.isStorableTime(event.getTimeUnixNano())) {
                checkTime("events[" + e + "].timeUnixNano", event.getTimeUnixNano(), problems);
                noteFirst(problems, RejectionCause.INVALID_TIME, firstCause);
            }
            checkKeys("events", e, event.getAttributesList(), problems);
            noteFirst(problems, RejectionCause.INVALID_ATTRIBUTE_KEY, firstCause);
        }
        for (int l = 0; l < span.getLinksCount(); l++) {
            checkKeys("links", l, span.getLinks(l).getAttributesList(), problems);
        }
        noteFirst(problems, RejectionCause.INVALID_ATTRIBUTE_KEY, firstCause);
        return problems;
    }

    /** Records {@code cause} as the first one when problems were found and none was recorded before. */
    private static void noteFirst(List<String> problems, RejectionCause cause, RejectionCause[] firstCause) {
        if (firstCause != null && firstCause[0] == null && !problems.isEmpty()) {
            firstCause[0] = cause;
        }
    }

    /** The problems that make the warehouse reject every span of a resource, empty when there are none. */
    static List<String> problemsOf(io.opentelemetry.proto.resource.v1.Resource resource) {
        List<String> problems = new ArrayList<>(0);
        checkKeys("resource", -1, resource.getAttributesList(), problems);
        return problems;
    }

    private static void checkTime(String field, long unixNano, List<String> out) {
        if (!SpanSchema.isStorableTime(unixNano)) {
            out.add(field + " " + Long.toUnsignedString(unixNano) + " is outside the stored range "
                    + "(from 1970-01-01T00:00:00Z up to " + SpanSchema.END_OF_STORED_TIME + ")");
        }
    }

    /**
     * Adds a problem for each key that cannot be stored, naming it {@code <owner>.attributes[i].key}
     * ({@code <owner>[index].attributes…} when {@code index >= 0}; {@code attributes…} for the span's own).
     * Runs for every span: the field name is built only for a problem.
     */
    private static void checkKeys(String owner, int index, List<KeyValue> attributes, List<String> out) {
        for (int i = 0; i < attributes.size(); i++) {
            String key = attributes.get(i).getKey();
            String problem = SpanSchema.attributeKeyProblem(key);
            if (problem != null) {
                String field = owner.equals("attributes") ? "attributes"
                        : index >= 0 ? owner + "[" + index + "].attributes" : owner + ".attributes";
                out.add(field + "[" + i + "].key " + quoted(key) + " " + problem);
            }
        }
    }

    /**
     * Validates {@code traces}, where a decoder already found problems that the protobuf form no
     * longer shows (an ID that was not hex, a Zipkin span without timestamp). A span listed in
     * {@code decodeProblems} is rejected with those problems alone, counted under {@code decodeCause}.
     *
     * @param describePosition names a span's position for the client, in the terms of the format it
     *     sent (a Zipkin body has no resourceSpans)
     */
    static DecodedSpans validate(
            TracesData traces,
            Map<SpanPosition, List<String>> decodeProblems,
            RejectionCause decodeCause,
            Function<SpanPosition, String> describePosition) {
        int accepted = 0;
        Map<RejectionCause, Integer> byCause = new EnumMap<>(RejectionCause.class);
        RejectionCause[] firstCause = new RejectionCause[1];
        boolean hasEmptyContainer = false;
        Set<SpanPosition> rejected = new HashSet<>();
        List<String> described = new ArrayList<>(0);

        List<ResourceSpans> resources = traces.getResourceSpansList();
        for (int r = 0; r < resources.size(); r++) {
            List<String> resourceProblems = problemsOf(resources.get(r).getResource());
            List<ScopeSpans> scopes = resources.get(r).getScopeSpansList();
            hasEmptyContainer |= scopes.isEmpty();
            for (int s = 0; s < scopes.size(); s++) {
                List<Span> spans = scopes.get(s).getSpansList();
                hasEmptyContainer |= spans.isEmpty();
                for (int i = 0; i < spans.size(); i++) {
                    List<String> problems = decodeProblems.isEmpty()
                            ? List.of() : decodeProblems.getOrDefault(new SpanPosition(r, s, i), List.of());
                    firstCause[0] = problems.isEmpty() ? null : decodeCause;
                    if (problems.isEmpty()) {
                        problems = problemsOf(spans.get(i), firstCause);
                    }
                    if (!resourceProblems.isEmpty()) {
                        problems = new ArrayList<>(problems);
                        problems.addAll(0, resourceProblems);
                    }
                    if (problems.isEmpty()) {
                        accepted++;
                        continue;
                    }
                    var position = new SpanPosition(r, s, i);
                    rejected.add(position);
                    byCause.merge(resourceProblems.isEmpty() ? firstCause[0] : RejectionCause.INVALID_ATTRIBUTE_KEY,
                            1, Integer::sum);
                    if (described.size() < MAX_DESCRIBED_REJECTIONS) {
                        described.add(describeRejection(describePosition.apply(position), spans.get(i), problems));
                    }
                }
            }
        }
        if (rejected.isEmpty() && !hasEmptyContainer) {
            return new DecodedSpans(traces, accepted, 0, null);
        }
        return new DecodedSpans(keepAccepted(traces, rejected), accepted, rejected.size(),
                rejected.isEmpty() ? null : errorMessage(rejected.size(), described), byCause);
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

    /** One rejected span for the error message: its position, its name and its problems. */
    static String describeRejection(String position, Span span, List<String> problems) {
        return position + " " + quotedName(span) + ": " + String.join(", ", problems);
    }

    /** The partial-success message: how many spans were rejected and the first few of them described. */
    static String errorMessage(int rejected, List<String> described) {
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

    /**
     * A key for a message: quoted, cut after {@link #MAX_NAME_CHARS_IN_MESSAGE} characters, with
     * control characters and surrogates written as JSON-style backslash-u escapes, so that the client sees which.
     */
    private static String quoted(String key) {
        var out = new StringBuilder(Math.min(key.length(), MAX_NAME_CHARS_IN_MESSAGE) + 8).append('"');
        for (int i = 0; i < key.length(); i++) {
            if (i == MAX_NAME_CHARS_IN_MESSAGE) {
                out.append('…');
                break;
            }
            char c = key.charAt(i);
            if (Character.isISOControl(c) || Character.isSurrogate(c)) {
                out.append(String.format("\\u%04X", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
