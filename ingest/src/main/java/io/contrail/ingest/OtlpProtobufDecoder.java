package io.contrail.ingest;

import static io.contrail.columnar.SpanChunk.K_BOOL;
import static io.contrail.columnar.SpanChunk.K_BOOL_ARRAY;
import static io.contrail.columnar.SpanChunk.K_DOUBLE;
import static io.contrail.columnar.SpanChunk.K_INT;
import static io.contrail.columnar.SpanChunk.K_OTHER;
import static io.contrail.columnar.SpanChunk.K_STRING;
import static io.contrail.ingest.OtlpWireTags.*;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.contrail.columnar.SpanChunk;
import io.contrail.columnar.SpanChunkBuilder;
import io.contrail.columnar.SpanSchema;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes a protobuf-encoded OTLP {@code ExportTraceServiceRequest} straight from the request bytes
 * into a {@link SpanChunk}: no protobuf message objects on the way, IDs and strings handed to the
 * chunk as slices of the body, attribute keys interned by their bytes.
 *
 * <p>It decides exactly as {@link OtlpDecoder#decodeProtobuf} does: the same spans accepted with the
 * same values, the same spans rejected with the same message ({@link SpanValidator}), and the same
 * 400 for a body protobuf cannot parse. So it reads every field {@code parseFrom} would read, not only
 * those a chunk keeps: string fields must be UTF-8, nesting is limited as protobuf limits it, a known
 * field number with another wire type is an unknown field, a message field given twice is merged.
 * The rare paths use protobuf's own objects: a rejected span is described from the span parsed on its
 * own, and a refused body is parsed again so that the 400 carries protobuf's reason.
 *
 * <p>Stateless and thread-safe: each call decodes with a decoder and a chunk builder of its own.
 *
 * <p>Over 400 lines on purpose: it is one state machine that reads the wire in one pass, its read methods
 * sharing the span, resource and value state; split, that state would be handed between classes per field. The
 * tags are in {@link OtlpWireTags}, protobuf's skipping rules in {@link ProtobufWire}, the span's slices in
 * {@link SpanFields}.
 */
public final class OtlpProtobufDecoder {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OtlpProtobufDecoder.class);

    private final byte[] body;
    private final SpanChunkBuilder chunk = new SpanChunkBuilder();
    private final SpanFields span = new SpanFields();
    private int acceptedSpans;
    private int rejectedSpans;
    private final List<String> describedRejections = new ArrayList<>(0);
    /** Rejected spans by cause; made at the first rejection. */
    private Map<RejectionCause, Integer> rejectedByCause;
    /** The problems of the current resource, which reject each of its spans; empty when it has none. */
    private List<String> resourceProblems = List.of();
    private int resourceDroppedAttributesCount;
    private boolean resourceKeysStorable;

    // What readValueBody found, read by its caller right after it returns.
    private int valueKind;
    private long valueBits;
    private byte[] valueBytes;
    private int valueBytesStart;
    private int valueBytesEnd;

    private OtlpProtobufDecoder(byte[] body) {
        this.body = body;
    }

    /** Decodes a request body; an empty body has no spans. A 400 {@link IngestException} when it is not one. */
    public static AcceptedSpans decode(byte[] body) {
        var decoder = new OtlpProtobufDecoder(body);
        try {
            decoder.readRequest();
        } catch (IOException e) {
            // A CodedInputStream over an array throws only InvalidProtocolBufferException.
            return refusedOrParsedByProtobuf(body, e);
        }
        String errorMessage = decoder.rejectedSpans == 0
                ? null : SpanValidator.errorMessage(decoder.rejectedSpans, decoder.describedRejections);
        return new AcceptedSpans(decoder.chunk.build(), decoder.acceptedSpans, decoder.rejectedSpans, errorMessage,
                decoder.rejectedByCause == null ? Map.of() : decoder.rejectedByCause);
    }

    /**
     * The 400 for a body this decoder cannot read, with protobuf's own reason (it finds problems in another
     * order). Should protobuf parse a body this decoder refused (a difference no test has found), the
     * body is decoded the way protobuf reads it, through objects, rather than refused: the exporter is
     * not at fault, and the same happens again on recovery, so the log stays exactly replayable.
     */
    private static AcceptedSpans refusedOrParsedByProtobuf(byte[] body, IOException found) {
        try {
            OtlpDecoder.parseRequest(body);
        } catch (IngestException refused) {
            throw refused;
        }
        LOG.warn("the OTLP protobuf decoder refused a body that protobuf parses ({}); decoded through protobuf objects",
                found.getMessage());
        return AcceptedSpans.of(OtlpDecoder.decodeProtobuf(body));
    }

    private void readRequest() throws IOException {
        // Every stream here starts at the body's first byte, so getTotalBytesRead() is an offset into the body.
        CodedInputStream in = CodedInputStream.newInstance(body);
        int resource = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == REQUEST_RESOURCE_SPANS) {
                int limit = ProtobufWire.enterMessage(in, 0);
                readResourceSpans(in, resource++);
                in.popLimit(limit);
            } else {
                ProtobufWire.skipField(in, tag, 0);
            }
        }
    }

    /** Reads the fields of one ResourceSpans, {@code in} limited to them. */
    private void readResourceSpans(CodedInputStream in, int resource) throws IOException {
        int start = in.getTotalBytesRead();
        int end = start + in.getBytesUntilLimit();
        readResource(start, end);
        int scope = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == RESOURCE_SPANS_SCOPE_SPANS) {
                int limit = ProtobufWire.enterMessage(in, RESOURCE_SPANS_DEPTH);
                readScopeSpans(in, resource, scope++);
                in.popLimit(limit);
            } else {
                // The resource and the schema URL are read (and checked) already.
                ProtobufWire.skipField(in, tag, RESOURCE_SPANS_DEPTH);
            }
        }
    }

    /**
     * Gives the chunk the resource of the ResourceSpans at {@code [start, end)}, before its spans: the
     * wire may put the resource after them. Skips the scope_spans, which the caller reads next.
     */
    private void readResource(int start, int end) throws IOException {
        CodedInputStream in = region(start, end);
        chunk.beginResource();
        resourceDroppedAttributesCount = 0;
        resourceKeysStorable = true;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case RESOURCE_SPANS_RESOURCE -> {
                    // Given twice, a message field is merged: the second's fields continue the first's.
                    int limit = ProtobufWire.enterMessage(in, RESOURCE_SPANS_DEPTH);
                    readResourceFields(in);
                    in.popLimit(limit);
                }
                case RESOURCE_SPANS_SCHEMA_URL -> ProtobufWire.readUtf8(in, body);
                default -> ProtobufWire.skipField(in, tag, RESOURCE_SPANS_DEPTH);
            }
        }
        chunk.resourceDroppedAttributesCount(resourceDroppedAttributesCount);
        chunk.endResource();
        resourceProblems = resourceKeysStorable ? List.of() : SpanValidator.problemsOf(parseResource(start, end));
    }

    private void readResourceFields(CodedInputStream in) throws IOException {
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case RESOURCE_ATTRIBUTES -> resourceKeysStorable &= readAttribute(in, body, RESOURCE_DEPTH, true);
                case RESOURCE_DROPPED_ATTRIBUTES_COUNT -> resourceDroppedAttributesCount = in.readUInt32();
                case RESOURCE_ENTITY_REFS -> readEntityRef(in);
                default -> ProtobufWire.skipField(in, tag, RESOURCE_DEPTH);
            }
        }
    }

    private void readEntityRef(CodedInputStream in) throws IOException {
        int limit = ProtobufWire.enterMessage(in, RESOURCE_DEPTH);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case ENTITY_REF_SCHEMA_URL, ENTITY_REF_TYPE, ENTITY_REF_ID_KEYS, ENTITY_REF_DESCRIPTION_KEYS ->
                        ProtobufWire.readUtf8(in, body);
                default -> ProtobufWire.skipField(in, tag, RESOURCE_DEPTH + 1);
            }
        }
        in.popLimit(limit);
    }

    /** The resource of the ResourceSpans at {@code [start, end)} as protobuf has it, to describe its problems. */
    private Resource parseResource(int start, int end) throws IOException {
        var resource = Resource.newBuilder();
        CodedInputStream in = region(start, end);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == RESOURCE_SPANS_RESOURCE) {
                resource.mergeFrom(in.readBytes());
            } else {
                ProtobufWire.skipField(in, tag, RESOURCE_SPANS_DEPTH);
            }
        }
        return resource.build();
    }

    /** Reads the fields of one ScopeSpans, {@code in} limited to them. */
    private void readScopeSpans(CodedInputStream in, int resource, int scope) throws IOException {
        int start = in.getTotalBytesRead();
        readScope(start, start + in.getBytesUntilLimit());
        int index = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == SCOPE_SPANS_SPANS) {
                int limit = ProtobufWire.enterMessage(in, SCOPE_SPANS_DEPTH);
                readSpan(in, resource, scope, index++);
                in.popLimit(limit);
            } else {
                // The scope and the schema URL are read (and checked) already.
                ProtobufWire.skipField(in, tag, SCOPE_SPANS_DEPTH);
            }
        }
    }

    /** Gives the chunk the scope of the ScopeSpans at {@code [start, end)}, before its spans, as {@link #readResource}. */
    private void readScope(int start, int end) throws IOException {
        CodedInputStream in = region(start, end);
        int nameStart = 0;
        int nameEnd = 0;
        int versionStart = 0;
        int versionEnd = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == SCOPE_SPANS_SCOPE) {
                int limit = ProtobufWire.enterMessage(in, SCOPE_SPANS_DEPTH);
                for (int field = in.readTag(); field != 0; field = in.readTag()) {
                    switch (field) {
                        case SCOPE_NAME -> {
                            nameStart = ProtobufWire.readUtf8(in, body);
                            nameEnd = in.getTotalBytesRead();
                        }
                        case SCOPE_VERSION -> {
                            versionStart = ProtobufWire.readUtf8(in, body);
                            versionEnd = in.getTotalBytesRead();
                        }
                        // The validator does not look at scope attribute keys.
                        case SCOPE_ATTRIBUTES -> readAttribute(in, body, SCOPE_DEPTH, false);
                        case SCOPE_DROPPED_ATTRIBUTES_COUNT -> in.readUInt32();
                        default -> ProtobufWire.skipField(in, field, SCOPE_DEPTH);
                    }
                }
                in.popLimit(limit);
            } else if (tag == SCOPE_SPANS_SCHEMA_URL) {
                ProtobufWire.readUtf8(in, body);
            } else {
                ProtobufWire.skipField(in, tag, SCOPE_SPANS_DEPTH);
            }
        }
        chunk.scope(new String(body, nameStart, nameEnd - nameStart, StandardCharsets.UTF_8),
                new String(body, versionStart, versionEnd - versionStart, StandardCharsets.UTF_8));
    }

    /** Reads one span, {@code in} limited to it, and commits it to the chunk or rejects it. */
    private void readSpan(CodedInputStream in, int resource, int scope, int index) throws IOException {
        int spanStart = in.getTotalBytesRead();
        span.clear();
        chunk.beginSpan();
        for (int fieldStart = spanStart, tag = in.readTag(); tag != 0;
                fieldStart = in.getTotalBytesRead(), tag = in.readTag()) {
            switch (tag) {
                case SPAN_TRACE_ID -> {
                    span.traceIdStart = ProtobufWire.readBytes(in);
                    span.traceIdEnd = in.getTotalBytesRead();
                }
                case SPAN_SPAN_ID -> {
                    span.spanIdStart = ProtobufWire.readBytes(in);
                    span.spanIdEnd = in.getTotalBytesRead();
                }
                case SPAN_TRACE_STATE -> {
                    span.traceStateStart = ProtobufWire.readUtf8(in, body);
                    span.traceStateEnd = in.getTotalBytesRead();
                }
                case SPAN_PARENT_SPAN_ID -> {
                    span.parentSpanIdStart = ProtobufWire.readBytes(in);
                    span.parentSpanIdEnd = in.getTotalBytesRead();
                }
                case SPAN_NAME -> {
                    span.nameStart = ProtobufWire.readUtf8(in, body);
                    span.nameEnd = in.getTotalBytesRead();
                }
                case SPAN_KIND -> span.kind = in.readEnum();
                case SPAN_START_TIME_UNIX_NANO -> span.startTimeUnixNano = in.readFixed64();
                case SPAN_END_TIME_UNIX_NANO -> span.endTimeUnixNano = in.readFixed64();
                case SPAN_ATTRIBUTES -> span.keysStorable &= readAttribute(in, body, SPAN_DEPTH, true);
                case SPAN_DROPPED_ATTRIBUTES_COUNT -> span.droppedAttributesCount = in.readUInt32();
                case SPAN_EVENTS -> {
                    span.eventsAndLinksStorable &= readEvent(in);
                    chunk.nested(body, fieldStart, in.getTotalBytesRead() - fieldStart);
                }
                case SPAN_DROPPED_EVENTS_COUNT -> span.droppedEventsCount = in.readUInt32();
                case SPAN_LINKS -> {
                    span.eventsAndLinksStorable &= readLink(in);
                    chunk.nested(body, fieldStart, in.getTotalBytesRead() - fieldStart);
                }
                case SPAN_DROPPED_LINKS_COUNT -> span.droppedLinksCount = in.readUInt32();
                case SPAN_STATUS -> readStatus(in);
                case SPAN_FLAGS -> span.flags = in.readFixed32();
                default -> ProtobufWire.skipField(in, tag, SPAN_DEPTH);
            }
        }
        if (resourceProblems.isEmpty() && span.isValid(body)) {
            span.writeTo(chunk, body);
            chunk.commitSpan();
            acceptedSpans++;
        } else {
            chunk.rollbackSpan();
            reject(spanStart, in.getTotalBytesRead(), new SpanPosition(resource, scope, index));
        }
    }

    /**
     * Counts a rejected span under its cause, and describes it if the message describes so many. The span is
     * parsed with protobuf's own classes to name its problems: the rare path, taken by rejected spans only.
     */
    private void reject(int spanStart, int spanEnd, SpanPosition position) throws IOException {
        rejectedSpans++;
        Span parsed = Span.parser().parseFrom(body, spanStart, spanEnd - spanStart);
        RejectionCause[] firstCause = new RejectionCause[1];
        List<String> problems = SpanValidator.problemsOf(parsed, firstCause);
        if (!resourceProblems.isEmpty()) {
            problems = new ArrayList<>(problems);
            problems.addAll(0, resourceProblems);
            firstCause[0] = RejectionCause.INVALID_ATTRIBUTE_KEY;
        }
        if (problems.isEmpty()) {
            throw new IllegalStateException("rejected " + position.path() + ", in which SpanValidator finds no problem");
        }
        if (rejectedByCause == null) {
            rejectedByCause = new EnumMap<>(RejectionCause.class);
        }
        rejectedByCause.merge(firstCause[0], 1, Integer::sum);
        if (describedRejections.size() < SpanValidator.MAX_DESCRIBED_REJECTIONS) {
            describedRejections.add(SpanValidator.describeRejection(position.path(), parsed, problems));
        }
    }

    /** Reads an event ({@code in} at its length); false when its time or an attribute key cannot be stored. */
    private boolean readEvent(CodedInputStream in) throws IOException {
        int limit = ProtobufWire.enterMessage(in, SPAN_DEPTH);
        long timeUnixNano = 0;
        boolean keysStorable = true;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case EVENT_TIME_UNIX_NANO -> timeUnixNano = in.readFixed64();
                case EVENT_NAME -> ProtobufWire.readUtf8(in, body);
                case EVENT_ATTRIBUTES -> keysStorable &= readAttribute(in, body, SPAN_PART_DEPTH, false);
                case EVENT_DROPPED_ATTRIBUTES_COUNT -> in.readUInt32();
                default -> ProtobufWire.skipField(in, tag, SPAN_PART_DEPTH);
            }
        }
        in.popLimit(limit);
        return keysStorable && SpanSchema.isStorableTime(timeUnixNano);
    }

    /** Reads a link ({@code in} at its length); false when an attribute key cannot be stored. */
    private boolean readLink(CodedInputStream in) throws IOException {
        int limit = ProtobufWire.enterMessage(in, SPAN_DEPTH);
        boolean keysStorable = true;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case LINK_TRACE_ID, LINK_SPAN_ID -> ProtobufWire.readBytes(in);
                case LINK_TRACE_STATE -> ProtobufWire.readUtf8(in, body);
                case LINK_ATTRIBUTES -> keysStorable &= readAttribute(in, body, SPAN_PART_DEPTH, false);
                case LINK_DROPPED_ATTRIBUTES_COUNT -> in.readUInt32();
                case LINK_FLAGS -> in.readFixed32();
                default -> ProtobufWire.skipField(in, tag, SPAN_PART_DEPTH);
            }
        }
        in.popLimit(limit);
        return keysStorable;
    }

    /** Reads a status ({@code in} at its length) into the span; a second status continues the first. */
    private void readStatus(CodedInputStream in) throws IOException {
        int limit = ProtobufWire.enterMessage(in, SPAN_DEPTH);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case STATUS_MESSAGE -> {
                    span.statusMessageStart = ProtobufWire.readUtf8(in, body);
                    span.statusMessageEnd = in.getTotalBytesRead();
                }
                case STATUS_CODE -> span.statusCode = in.readEnum();
                default -> ProtobufWire.skipField(in, tag, SPAN_PART_DEPTH);
            }
        }
        in.popLimit(limit);
    }

    /**
     * Reads a KeyValue ({@code in} at its length, in a message at {@code depth}) and, when {@code
     * toChunk}, gives it to the chunk (to the begun span, else to the resource). Returns whether its
     * key can be stored: it is UTF-8 already, so only a NUL can make it fail
     * {@link SpanSchema#attributeKeyProblem}.
     */
    private boolean readAttribute(CodedInputStream in, byte[] buffer, int depth, boolean toChunk)
            throws IOException {
        int limit = ProtobufWire.enterMessage(in, depth);
        int keyStart = 0;
        int keyEnd = 0;
        int kind = 0;
        long bits = 0;
        byte[] bytes = buffer;
        int bytesStart = 0;
        int bytesEnd = 0;
        int firstValueStart = -1;
        int firstValueEnd = -1;
        ByteArrayOutputStream mergedValues = null;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case KEY_VALUE_KEY -> {
                    keyStart = ProtobufWire.readUtf8(in, buffer);
                    keyEnd = in.getTotalBytesRead();
                }
                case KEY_VALUE_VALUE -> {
                    int valueLimit = ProtobufWire.enterMessage(in, depth + 1);
                    int valueStart = in.getTotalBytesRead();
                    readValueBody(in, buffer, depth + 2);
                    in.popLimit(valueLimit);
                    kind = valueKind;
                    bits = valueBits;
                    bytesStart = valueBytesStart;
                    bytesEnd = valueBytesEnd;
                    if (firstValueStart < 0) {
                        firstValueStart = valueStart;
                        firstValueEnd = in.getTotalBytesRead();
                    } else {
                        if (mergedValues == null) {
                            mergedValues = new ByteArrayOutputStream();
                            mergedValues.write(buffer, firstValueStart, firstValueEnd - firstValueStart);
                        }
                        mergedValues.write(buffer, valueStart, in.getTotalBytesRead() - valueStart);
                    }
                }
                case KEY_VALUE_KEY_STRINDEX -> in.readInt32();
                default -> ProtobufWire.skipField(in, tag, depth + 1);
            }
        }
        in.popLimit(limit);
        if (mergedValues != null) {
            // The value given twice is one value, as if its encodings were one (rare: no exporter does it).
            bytes = mergedValues.toByteArray();
            readValueBody(CodedInputStream.newInstance(bytes), bytes, depth + 2);
            kind = valueKind;
            bits = valueBits;
            bytesStart = valueBytesStart;
            bytesEnd = valueBytesEnd;
        }
        if (toChunk) {
            int key = chunk.key(buffer, keyStart, keyEnd - keyStart);
            chunk.attribute(key, kind, bits, bytes, bytesStart, bytesEnd - bytesStart);
        }
        for (int i = keyStart; i < keyEnd; i++) {
            if (buffer[i] == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads the fields of an AnyValue at {@code depth}, {@code in} limited to them, and returns the field
     * number of its value (0 when it has none). Leaves its {@link SpanChunk} kind in {@link #valueKind},
     * its bits in {@link #valueBits} and its bytes in {@link #valueBytes} from {@link #valueBytesStart}
     * to {@link #valueBytesEnd}: a string's UTF-8, or this whole AnyValue for an array or {@code K_OTHER}.
     */
    private int readValueBody(CodedInputStream in, byte[] buffer, int depth) throws IOException {
        int start = in.getTotalBytesRead();
        int valueTag = 0;
        long bits = 0;
        int textStart = 0;
        int textEnd = 0;
        // Every array given is one (protobuf merges them, even with another value between), so the
        // elements of all of them count.
        int elementKinds = 0;
        int elements = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case ANY_VALUE_STRING -> {
                    textStart = ProtobufWire.readUtf8(in, buffer);
                    textEnd = in.getTotalBytesRead();
                }
                case ANY_VALUE_BOOL -> bits = in.readBool() ? 1 : 0;
                case ANY_VALUE_INT -> bits = in.readInt64();
                case ANY_VALUE_DOUBLE -> bits = Double.doubleToRawLongBits(in.readDouble());
                case ANY_VALUE_ARRAY -> {
                    int limit = ProtobufWire.enterMessage(in, depth);
                    for (int field = in.readTag(); field != 0; field = in.readTag()) {
                        if (field == ARRAY_VALUE_VALUES) {
                            int elementLimit = ProtobufWire.enterMessage(in, depth + 1);
                            elementKinds |= SpanChunk.elementKind(readValueBody(in, buffer, depth + 2));
                            elements++;
                            in.popLimit(elementLimit);
                        } else {
                            ProtobufWire.skipField(in, field, depth + 1);
                        }
                    }
                    in.popLimit(limit);
                }
                case ANY_VALUE_KVLIST -> readKeyValueList(in, buffer, depth);
                case ANY_VALUE_BYTES -> ProtobufWire.readBytes(in);
                case ANY_VALUE_STRING_STRINDEX -> in.readInt32();
                default -> {
                    ProtobufWire.skipField(in, tag, depth);
                    continue;
                }
            }
            valueTag = tag;
        }
        int kind = switch (valueTag) {
            case 0 -> 0;
            case ANY_VALUE_STRING -> K_STRING;
            case ANY_VALUE_BOOL -> K_BOOL;
            case ANY_VALUE_INT -> K_INT;
            case ANY_VALUE_DOUBLE -> K_DOUBLE;
            case ANY_VALUE_ARRAY -> SpanChunk.arrayKindOf(elementKinds, elements);
            default -> K_OTHER;
        };
        valueKind = kind;
        valueBits = kind == K_BOOL || kind == K_INT || kind == K_DOUBLE ? bits : 0;
        valueBytes = buffer;
        if (kind == K_STRING) {
            valueBytesStart = textStart;
            valueBytesEnd = textEnd;
        } else if (kind >= K_BOOL_ARRAY) {
            valueBytesStart = start;
            valueBytesEnd = in.getTotalBytesRead();
        } else {
            valueBytesStart = 0;
            valueBytesEnd = 0;
        }
        return WireFormat.getTagFieldNumber(valueTag);
    }

    /** Reads a KeyValueList ({@code in} at its length): only checked, a chunk keeps it encoded. */
    private void readKeyValueList(CodedInputStream in, byte[] buffer, int depth) throws IOException {
        int limit = ProtobufWire.enterMessage(in, depth);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == KEY_VALUE_LIST_VALUES) {
                readAttribute(in, buffer, depth + 1, false);
            } else {
                ProtobufWire.skipField(in, tag, depth + 1);
            }
        }
        in.popLimit(limit);
    }

    /** A stream over the body from {@code start} to {@code end} whose offsets are the body's. */
    private CodedInputStream region(int start, int end) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(body, 0, end);
        in.skipRawBytes(start);
        return in;
    }
}
