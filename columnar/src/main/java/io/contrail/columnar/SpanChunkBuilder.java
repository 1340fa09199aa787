package io.contrail.columnar;

import io.opentelemetry.proto.trace.v1.TracesData;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Makes a {@link SpanChunk} field by field, in the order a decoder meets them on the wire: resources,
 * scopes and spans, each span between {@link #beginSpan} and {@link #commitSpan} (or
 * {@link #rollbackSpan}, which leaves nothing of it behind). A field given twice keeps the last value,
 * as protobuf does. Attribute keys are interned by their bytes, so a key costs a String once per
 * request, not once per value. One builder per request; not thread-safe.
 */
public final class SpanChunkBuilder {

    private static final byte[] SERVICE_NAME = SpanSchema.SERVICE_NAME_ATTRIBUTE.getBytes(StandardCharsets.UTF_8);

    private final ByteColumn.Builder traceIds;
    private final ByteColumn.Builder spanIds;
    private final ByteColumn.Builder parentSpanIds;
    private final ByteColumn.Builder traceStates;
    private final ByteColumn.Builder names;
    private final ByteColumn.Builder statusMessages;
    private final ByteColumn.Builder nested;
    private int[] kinds;
    private int[] statusCodes;
    private int[] flags;
    private long[] startTimes;
    private long[] endTimes;
    private int[] droppedAttributes;
    private int[] droppedEvents;
    private int[] droppedLinks;
    private double[] sampleWeights;
    private int[] resourceOf;
    private int[] scopeOf;
    private int spanCount;

    private final List<String> serviceNames = new ArrayList<>();
    private final List<Integer> resourceDroppedAttributes = new ArrayList<>();
    private final List<String> scopeNames = new ArrayList<>();
    private final List<String> scopeVersions = new ArrayList<>();
    private int resource = -1;
    private boolean inResource;
    private int scope = -1;

    private final AttributeKeyTable keys = new AttributeKeyTable();
    private final int serviceNameKey;
    private AttributeColumnBuilder[] spanColumns = new AttributeColumnBuilder[16];
    private AttributeColumnBuilder[] resourceColumns = new AttributeColumnBuilder[16];
    private final List<AttributeColumnBuilder> spanColumnOrder = new ArrayList<>();
    private final List<AttributeColumnBuilder> resourceColumnOrder = new ArrayList<>();

    // The span being decoded.
    private boolean inSpan;
    private int spanOrdinal;
    private int resourceOrdinal;
    private final List<AttributeColumnBuilder> touched = new ArrayList<>();

    public SpanChunkBuilder() {
        this(64);
    }

    /** A builder sized for about {@code expectedSpans} spans (it grows as needed). */
    public SpanChunkBuilder(int expectedSpans) {
        int n = Math.max(1, expectedSpans);
        traceIds = new ByteColumn.Builder(n, 16 * n);
        spanIds = new ByteColumn.Builder(n, 8 * n);
        parentSpanIds = new ByteColumn.Builder(n, 8 * n);
        traceStates = new ByteColumn.Builder(n, 0);
        names = new ByteColumn.Builder(n, 24 * n);
        statusMessages = new ByteColumn.Builder(n, 0);
        nested = new ByteColumn.Builder(n, 0);
        kinds = new int[n];
        statusCodes = new int[n];
        flags = new int[n];
        startTimes = new long[n];
        endTimes = new long[n];
        droppedAttributes = new int[n];
        droppedEvents = new int[n];
        droppedLinks = new int[n];
        sampleWeights = new double[n];
        resourceOf = new int[n];
        scopeOf = new int[n];
        serviceNameKey = keys.intern(SERVICE_NAME, 0, SERVICE_NAME.length);
    }

    /** Starts a resource: attributes given outside a span belong to it, spans committed after it too. */
    public void beginResource() {
        resource++;
        inResource = true;
        resourceOrdinal = 0;
        serviceNames.add(SpanSchema.serviceName(null));
        resourceDroppedAttributes.add(0);
        scope = -1;
    }

    public void resourceDroppedAttributesCount(int count) {
        resourceDroppedAttributes.set(currentResource(), count);
    }

    public void endResource() {
        inResource = false;
    }

    /** The scope of the spans that follow, until the next {@code scope} or {@link #beginResource}; null or empty for none. */
    public void scope(String name, String version) {
        scopeNames.add(name == null || name.isEmpty() ? null : name);
        scopeVersions.add(version == null || version.isEmpty() ? null : version);
        scope = scopeNames.size() - 1;
    }

    public void beginSpan() {
        if (inSpan) {
            throw new IllegalStateException("a span is already begun");
        }
        inSpan = true;
        spanOrdinal = 0;
        touched.clear();
        int row = spanCount;
        if (row == kinds.length) {
            int n = 2 * row;
            kinds = Arrays.copyOf(kinds, n);
            statusCodes = Arrays.copyOf(statusCodes, n);
            flags = Arrays.copyOf(flags, n);
            startTimes = Arrays.copyOf(startTimes, n);
            endTimes = Arrays.copyOf(endTimes, n);
            droppedAttributes = Arrays.copyOf(droppedAttributes, n);
            droppedEvents = Arrays.copyOf(droppedEvents, n);
            droppedLinks = Arrays.copyOf(droppedLinks, n);
            sampleWeights = Arrays.copyOf(sampleWeights, n);
            resourceOf = Arrays.copyOf(resourceOf, n);
            scopeOf = Arrays.copyOf(scopeOf, n);
        }
        kinds[row] = 0;
        statusCodes[row] = 0;
        flags[row] = 0;
        startTimes[row] = 0;
        endTimes[row] = 0;
        droppedAttributes[row] = 0;
        droppedEvents[row] = 0;
        droppedLinks[row] = 0;
        nested.addEmpty();
    }

    public void traceId(byte[] b, int off, int len) {
        set(traceIds, b, off, len);
    }

    public void spanId(byte[] b, int off, int len) {
        set(spanIds, b, off, len);
    }

    public void parentSpanId(byte[] b, int off, int len) {
        set(parentSpanIds, b, off, len);
    }

    public void traceState(byte[] b, int off, int len) {
        set(traceStates, b, off, len);
    }

    public void name(byte[] b, int off, int len) {
        set(names, b, off, len);
    }

    public void flags(int value) {
        flags[spanCount] = value;
    }

    /** The OTLP {@code SpanKind} number. */
    public void kind(int otlpKind) {
        kinds[spanCount] = otlpKind;
    }

    public void startTimeUnixNano(long nanos) {
        startTimes[spanCount] = nanos;
    }

    public void endTimeUnixNano(long nanos) {
        endTimes[spanCount] = nanos;
    }

    /** The OTLP {@code Status.StatusCode} number and the status message's UTF-8 bytes. */
    public void status(int code, byte[] message, int off, int len) {
        statusCodes[spanCount] = code;
        set(statusMessages, message, off, len);
    }

    public void droppedAttributesCount(int count) {
        droppedAttributes[spanCount] = count;
    }

    public void droppedEventsCount(int count) {
        droppedEvents[spanCount] = count;
    }

    public void droppedLinksCount(int count) {
        droppedLinks[spanCount] = count;
    }

    /** Wire bytes of one {@code Span} field 11 (an event) or 13 (a link): tag, length and body. */
    public void nested(byte[] b, int off, int len) {
        nested.extendLast(b, off, len);
    }

    /** The attribute key with these UTF-8 bytes, as an id for {@link #attribute}. */
    public int key(byte[] b, int off, int len) {
        return keys.intern(b, off, len);
    }

    /**
     * Adds an attribute to the begun span, or else to the current resource.
     *
     * @param kind one of {@link SpanChunk}'s {@code K_*} kinds, 0 for a value that holds none
     * @param bits a bool as 0/1, an int as is, a double as its raw long bits; 0 otherwise
     * @param b    the UTF-8 bytes of a string, the encoded {@code AnyValue} of an array or of
     *             {@link SpanChunk#K_OTHER}; ignored for other kinds
     */
    public void attribute(int key, int kind, long bits, byte[] b, int off, int len) {
        boolean hasBytes = kind >= SpanChunk.K_STRING;
        if (inSpan) {
            AttributeColumnBuilder column = spanColumns.length > key ? spanColumns[key] : null;
            if (column == null) {
                column = newColumn(key, true);
            }
            column.add(spanCount, spanOrdinal++, kind, bits, b, off, hasBytes ? len : 0);
            touched.add(column);
        } else {
            int owner = currentResource();
            AttributeColumnBuilder column = resourceColumns.length > key ? resourceColumns[key] : null;
            if (column == null) {
                column = newColumn(key, false);
            }
            column.add(owner, resourceOrdinal++, kind, bits, b, off, hasBytes ? len : 0);
            if (key == serviceNameKey) {
                serviceNames.set(owner, SpanSchema.serviceName(
                        kind == SpanChunk.K_STRING ? new String(b, off, len, StandardCharsets.UTF_8) : null));
            }
        }
    }

    private AttributeColumnBuilder newColumn(int key, boolean span) {
        AttributeColumnBuilder column = new AttributeColumnBuilder(keys.name(key));
        if (span) {
            if (key >= spanColumns.length) {
                spanColumns = Arrays.copyOf(spanColumns, Math.max(key + 1, 2 * spanColumns.length));
            }
            spanColumns[key] = column;
            spanColumnOrder.add(column);
        } else {
            if (key >= resourceColumns.length) {
                resourceColumns = Arrays.copyOf(resourceColumns, Math.max(key + 1, 2 * resourceColumns.length));
            }
            resourceColumns[key] = column;
            resourceColumnOrder.add(column);
        }
        return column;
    }

    /** Keeps the begun span. */
    public void commitSpan() {
        int row = spanCount;
        fillIfUnset(traceIds, row);
        fillIfUnset(spanIds, row);
        fillIfUnset(parentSpanIds, row);
        fillIfUnset(traceStates, row);
        fillIfUnset(names, row);
        fillIfUnset(statusMessages, row);
        sampleWeights[row] = traceStates.isEmptyLast()
                ? 1.0 : UpstreamSampling.adjustedCount(traceStates.lastString());
        resourceOf[row] = currentResource();
        scopeOf[row] = currentScope();
        spanCount++;
        inSpan = false;
    }

    /** Forgets the begun span: nothing of it stays in the chunk. */
    public void rollbackSpan() {
        int row = spanCount;
        for (ByteColumn.Builder column : List.of(traceIds, spanIds, parentSpanIds, traceStates, names,
                statusMessages, nested)) {
            column.truncate(Math.min(row, column.size()));
        }
        for (AttributeColumnBuilder column : touched) {
            column.dropOwner(row);
        }
        touched.clear();
        inSpan = false;
    }

    /** Spans committed so far. */
    public int spanCount() {
        return spanCount;
    }

    public SpanChunk build() {
        if (inSpan) {
            throw new IllegalStateException("a span is begun and not committed");
        }
        int n = spanCount;
        int resources = serviceNames.size();
        int[] resourceDropped = new int[resources];
        for (int i = 0; i < resources; i++) {
            resourceDropped[i] = resourceDroppedAttributes.get(i);
        }
        return new SpanChunk(n, traceIds.build(), spanIds.build(), parentSpanIds.build(), traceStates.build(),
                names.build(), statusMessages.build(), nested.build(), Arrays.copyOf(kinds, n),
                Arrays.copyOf(statusCodes, n), Arrays.copyOf(flags, n), Arrays.copyOf(startTimes, n),
                Arrays.copyOf(endTimes, n), Arrays.copyOf(droppedAttributes, n), Arrays.copyOf(droppedEvents, n),
                Arrays.copyOf(droppedLinks, n), Arrays.copyOf(sampleWeights, n), Arrays.copyOf(resourceOf, n),
                Arrays.copyOf(scopeOf, n), serviceNames.toArray(String[]::new), resourceDropped,
                scopeNames.toArray(String[]::new), scopeVersions.toArray(String[]::new),
                built(spanColumnOrder), built(resourceColumnOrder));
    }

    private static List<SpanChunk.AttributeColumn> built(List<AttributeColumnBuilder> columns) {
        List<SpanChunk.AttributeColumn> built = new ArrayList<>(columns.size());
        for (AttributeColumnBuilder column : columns) {
            if (column.size > 0) {
                built.add(column.build());
            }
        }
        return List.copyOf(built);
    }

    private int currentResource() {
        if (resource < 0) {
            beginResource();
            inResource = false;
        }
        return resource;
    }

    private int currentScope() {
        if (scope < 0) {
            scope(null, null);
        }
        return scope;
    }

    private void set(ByteColumn.Builder column, byte[] b, int off, int len) {
        // A field given again replaces the first (protobuf keeps the last value of a scalar field).
        column.truncate(spanCount);
        column.add(b, off, len);
    }

    private void fillIfUnset(ByteColumn.Builder column, int row) {
        if (column.size() == row) {
            column.addEmpty();
        }
    }

    /** The chunk a decoder makes of these spans: every span of {@code traces}, in order ({@link OtlpToChunk}). */
    public static SpanChunk fromTraces(TracesData traces) {
        return OtlpToChunk.fromTraces(traces);
    }
}
