package io.contrail.columnar;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;

import java.util.Arrays;
import java.util.List;

/**
 * The spans of one request (or of one recovered log record) as columns: primitive arrays for the
 * fixed fields, {@link ByteColumn}s for IDs and text, and one {@link AttributeColumn} per attribute
 * key of each family (span, resource). This is what waits in the ingest buffer between the
 * write-ahead log and Parquet: a few hundred bytes of arrays per span instead of a protobuf object
 * tree, and what the Arrow batch of a file is copied from.
 *
 * <p>Immutable once {@linkplain SpanChunkBuilder#build() built}, so safe to read from any thread.
 * Events and links stay in their wire encoding ({@link #nested()}): few spans have them and only
 * the Parquet writer looks inside.
 */
public final class SpanChunk {

    // Kinds of attribute value (bits, so that a column can OR the kinds it holds).
    public static final int K_BOOL = 1, K_INT = 2, K_DOUBLE = 4, K_STRING = 8,
            K_BOOL_ARRAY = 16, K_INT_ARRAY = 32, K_DOUBLE_ARRAY = 64, K_STRING_ARRAY = 128,
            K_EMPTY_ARRAY = 256, K_OTHER = 512;

    final int spanCount;
    final ByteColumn traceIds;
    final ByteColumn spanIds;
    final ByteColumn parentSpanIds;
    final ByteColumn traceStates;
    final ByteColumn names;
    final ByteColumn statusMessages;
    final ByteColumn nested;
    final int[] kinds;
    final int[] statusCodes;
    final int[] flags;
    final long[] startTimes;
    final long[] endTimes;
    final int[] droppedAttributes;
    final int[] droppedEvents;
    final int[] droppedLinks;
    final double[] sampleWeights;
    final int[] resourceOf;
    final int[] scopeOf;
    final String[] serviceNames;
    final int[] resourceDroppedAttributes;
    final String[] scopeNames;
    final String[] scopeVersions;
    final List<AttributeColumn> spanAttributes;
    final List<AttributeColumn> resourceAttributes;

    SpanChunk(int spanCount, ByteColumn traceIds, ByteColumn spanIds, ByteColumn parentSpanIds,
              ByteColumn traceStates, ByteColumn names, ByteColumn statusMessages, ByteColumn nested,
              int[] kinds, int[] statusCodes, int[] flags, long[] startTimes, long[] endTimes,
              int[] droppedAttributes, int[] droppedEvents, int[] droppedLinks, double[] sampleWeights,
              int[] resourceOf, int[] scopeOf, String[] serviceNames, int[] resourceDroppedAttributes,
              String[] scopeNames, String[] scopeVersions, List<AttributeColumn> spanAttributes,
              List<AttributeColumn> resourceAttributes) {
        this.spanCount = spanCount;
        this.traceIds = traceIds;
        this.spanIds = spanIds;
        this.parentSpanIds = parentSpanIds;
        this.traceStates = traceStates;
        this.names = names;
        this.statusMessages = statusMessages;
        this.nested = nested;
        this.kinds = kinds;
        this.statusCodes = statusCodes;
        this.flags = flags;
        this.startTimes = startTimes;
        this.endTimes = endTimes;
        this.droppedAttributes = droppedAttributes;
        this.droppedEvents = droppedEvents;
        this.droppedLinks = droppedLinks;
        this.sampleWeights = sampleWeights;
        this.resourceOf = resourceOf;
        this.scopeOf = scopeOf;
        this.serviceNames = serviceNames;
        this.resourceDroppedAttributes = resourceDroppedAttributes;
        this.scopeNames = scopeNames;
        this.scopeVersions = scopeVersions;
        this.spanAttributes = spanAttributes;
        this.resourceAttributes = resourceAttributes;
    }

    /** The same chunk a decoder makes of these spans ({@link OtlpToChunk}). */
    public static SpanChunk fromTraces(TracesData traces) {
        return OtlpToChunk.fromTraces(traces);
    }

    public int spanCount() {
        return spanCount;
    }

    public ByteColumn traceIds() {
        return traceIds;
    }

    public ByteColumn spanIds() {
        return spanIds;
    }

    /** Empty for a root span. */
    public ByteColumn parentSpanIds() {
        return parentSpanIds;
    }

    public ByteColumn traceStates() {
        return traceStates;
    }

    public ByteColumn names() {
        return names;
    }

    public ByteColumn statusMessages() {
        return statusMessages;
    }

    /** Per span, its events and links as protobuf {@code Span} fields 11 and 13 (empty when it has none). */
    public ByteColumn nested() {
        return nested;
    }

    /** The OTLP {@code SpanKind} number. */
    public int kind(int row) {
        return kinds[row];
    }

    /** The OTLP {@code Status.StatusCode} number. */
    public int statusCode(int row) {
        return statusCodes[row];
    }

    public int flags(int row) {
        return flags[row];
    }

    public long startTimeUnixNano(int row) {
        return startTimes[row];
    }

    public long endTimeUnixNano(int row) {
        return endTimes[row];
    }

    public int droppedAttributesCount(int row) {
        return droppedAttributes[row];
    }

    public int droppedEventsCount(int row) {
        return droppedEvents[row];
    }

    public int droppedLinksCount(int row) {
        return droppedLinks[row];
    }

    /** What the span stands for by its own trace state ({@link UpstreamSampling}). */
    public double sampleWeight(int row) {
        return sampleWeights[row];
    }

    public int resourceOf(int row) {
        return resourceOf[row];
    }

    public int scopeOf(int row) {
        return scopeOf[row];
    }

    public int resourceCount() {
        return serviceNames.length;
    }

    /** The resource's service, as {@code service_name} holds it ({@link SpanSchema#serviceName}). */
    public String serviceName(int resource) {
        return serviceNames[resource];
    }

    public int resourceDroppedAttributesCount(int resource) {
        return resourceDroppedAttributes[resource];
    }

    /** Null when the scope has no name. */
    public String scopeName(int scope) {
        return scopeNames[scope];
    }

    /** Null when the scope has no version. */
    public String scopeVersion(int scope) {
        return scopeVersions[scope];
    }

    public List<AttributeColumn> spanAttributes() {
        return spanAttributes;
    }

    /** Resource attributes; their owners are resource indexes ({@link #resourceOf}). */
    public List<AttributeColumn> resourceAttributes() {
        return resourceAttributes;
    }

    /** Bytes of heap this chunk keeps alive (array bodies): what the ingest buffer's byte bound counts. */
    public long retainedBytes() {
        long bytes = traceIds.retainedBytes() + spanIds.retainedBytes() + parentSpanIds.retainedBytes()
                + traceStates.retainedBytes() + names.retainedBytes() + statusMessages.retainedBytes()
                + nested.retainedBytes();
        bytes += (long) spanCount * (4 + 4 + 4 + 8 + 8 + 4 + 4 + 4 + 8 + 4 + 4);
        for (List<AttributeColumn> family : List.of(spanAttributes, resourceAttributes)) {
            for (AttributeColumn column : family) {
                bytes += column.retainedBytes();
            }
        }
        return bytes;
    }

    /** Every span as OTLP, grouped by resource and scope as they arrived. */
    public TracesData toTraces() {
        int[] all = new int[spanCount];
        Arrays.setAll(all, i -> i);
        return toTraces(all);
    }

    /**
     * The spans at {@code rows} as OTLP, grouped by resource and scope in order of first appearance.
     * What a chunk does not keep is not there: scope attributes, schema URLs and unknown fields.
     */
    public TracesData toTraces(int[] rows) {
        return ChunkToOtlp.toTraces(this, rows);
    }

    /** The spans at {@code rows} as {@link SpanRef}s with {@code weights}, in that order (the Parquet writer's and the quarantine's form). */
    List<SpanRef> toRefs(int[] rows, double[] weights) {
        return ChunkToOtlp.toRefs(this, rows, weights);
    }

    /**
     * Whether every time of the span (start, end, its events') is within what Parquet stores
     * ({@link SpanSchema#isStorableTime}); events are looked at only for spans that have some.
     */
    boolean hasStorableTimes(int row) {
        if (!SpanSchema.isStorableTime(startTimes[row]) || !SpanSchema.isStorableTime(endTimes[row])) {
            return false;
        }
        if (nested.isEmpty(row)) {
            return true;
        }
        try {
            for (Span.Event event : Span.parseFrom(ByteString.copyFrom(nested.data(), nested.start(row),
                    nested.length(row))).getEventsList()) {
                if (!SpanSchema.isStorableTime(event.getTimeUnixNano())) {
                    return false;
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a chunk's events and links do not decode", e);
        }
        return true;
    }

    /**
     * The kind bit of one array element, by its {@code AnyValue} field number (string 1, bool 2, int 3,
     * double 4, anything else {@link #K_OTHER}).
     */
    public static int elementKind(int anyValueField) {
        return switch (anyValueField) {
            case 1 -> K_STRING;
            case 2 -> K_BOOL;
            case 3 -> K_INT;
            case 4 -> K_DOUBLE;
            default -> K_OTHER;
        };
    }

    /** The kind of an array whose {@code count} elements have the {@link #elementKind} bits {@code elements}. */
    public static int arrayKindOf(int elements, int count) {
        if (count == 0) {
            return K_EMPTY_ARRAY;
        } else if (elements == K_BOOL) {
            return K_BOOL_ARRAY;
        } else if (elements == K_INT) {
            return K_INT_ARRAY;
        } else if ((elements & ~(K_INT | K_DOUBLE)) == 0) {
            return K_DOUBLE_ARRAY;
        } else if (elements == K_STRING) {
            return K_STRING_ARRAY;
        }
        return K_OTHER;
    }

    /**
     * One attribute key of one family in one chunk: its values in owner order (span rows, or
     * resource indexes). A key that appears twice in one owner's list has two values with the same
     * owner; the later one wins where one value is stored.
     */
    public static final class AttributeColumn {
        private final String key;
        private final int size;
        private final int[] owners;
        private final int[] ordinals;
        private final int[] kinds;
        private final long[] bits;
        private final ByteColumn bytes;
        private final int kindsSeen;

        AttributeColumn(String key, int size, int[] owners, int[] ordinals, int[] kinds, long[] bits, ByteColumn bytes) {
            this.key = key;
            this.size = size;
            this.owners = owners;
            this.ordinals = ordinals;
            this.kinds = kinds;
            this.bits = bits;
            this.bytes = bytes;
            int seen = 0;
            for (int i = 0; i < size; i++) {
                seen |= kinds[i];
            }
            this.kindsSeen = seen;
        }

        public String key() {
            return key;
        }

        public int size() {
            return size;
        }

        /** The span row (or resource index) value {@code i} belongs to; ascending in {@code i}. */
        public int owner(int i) {
            return owners[i];
        }

        /** The value's position in its owner's attribute list. */
        public int ordinal(int i) {
            return ordinals[i];
        }

        /** One of the {@code K_*} kinds, or 0 for a value that holds none. */
        public int kind(int i) {
            return kinds[i];
        }

        /** Every kind among the values, OR-ed. */
        public int kinds() {
            return kindsSeen;
        }

        /** Bool as 0/1, int as is, double as its raw long bits. */
        public long bits(int i) {
            return bits[i];
        }

        /** Per value: UTF-8 of a string; the encoded {@code AnyValue} of an array or of {@link #K_OTHER}. */
        public ByteColumn bytes() {
            return bytes;
        }

        /** Value {@code i} as OTLP. */
        public AnyValue value(int i) {
            return switch (kinds[i]) {
                case 0 -> AnyValue.getDefaultInstance();
                case K_BOOL -> AnyValue.newBuilder().setBoolValue(bits[i] != 0).build();
                case K_INT -> AnyValue.newBuilder().setIntValue(bits[i]).build();
                case K_DOUBLE -> AnyValue.newBuilder().setDoubleValue(Double.longBitsToDouble(bits[i])).build();
                case K_STRING -> AnyValue.newBuilder().setStringValue(bytes.string(i)).build();
                default -> {
                    try {
                        yield AnyValue.parseFrom(ByteString.copyFrom(bytes.data(), bytes.start(i), bytes.length(i)));
                    } catch (InvalidProtocolBufferException e) {
                        throw new IllegalStateException("a chunk's attribute value does not decode", e);
                    }
                }
            };
        }

        long retainedBytes() {
            return bytes.retainedBytes() + 20L * owners.length + key.length();
        }
    }
}
