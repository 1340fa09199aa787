package io.contrail.ingest;

import static io.contrail.columnar.SpanChunk.K_BOOL;
import static io.contrail.columnar.SpanChunk.K_BOOL_ARRAY;
import static io.contrail.columnar.SpanChunk.K_DOUBLE;
import static io.contrail.columnar.SpanChunk.K_INT;
import static io.contrail.columnar.SpanChunk.K_OTHER;
import static io.contrail.columnar.SpanChunk.K_STRING;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
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
import java.util.List;

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
 */
public final class OtlpProtobufDecoder {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OtlpProtobufDecoder.class);

    /** CodedInputStream's default recursion limit, which {@code parseFrom} applies to message and group nesting. */
    private static final int MAX_NESTING_DEPTH = 100;

    private static final int TRACE_ID_BYTES = 16;
    private static final int SPAN_ID_BYTES = 8;

    private static final int VARINT = WireFormat.WIRETYPE_VARINT;
    private static final int I64 = WireFormat.WIRETYPE_FIXED64;
    private static final int LEN = WireFormat.WIRETYPE_LENGTH_DELIMITED;
    private static final int I32 = WireFormat.WIRETYPE_FIXED32;

    // Tags (field number << 3 | wire type) of the OTLP trace protos. Whole tags are matched: protobuf
    // takes a known field number with another wire type for an unknown field.
    private static final int REQUEST_RESOURCE_SPANS = 1 << 3 | LEN;

    private static final int RESOURCE_SPANS_RESOURCE = 1 << 3 | LEN;
    private static final int RESOURCE_SPANS_SCOPE_SPANS = 2 << 3 | LEN;
    private static final int RESOURCE_SPANS_SCHEMA_URL = 3 << 3 | LEN;

    private static final int RESOURCE_ATTRIBUTES = 1 << 3 | LEN;
    private static final int RESOURCE_DROPPED_ATTRIBUTES_COUNT = 2 << 3 | VARINT;
    private static final int RESOURCE_ENTITY_REFS = 3 << 3 | LEN;

    private static final int ENTITY_REF_SCHEMA_URL = 1 << 3 | LEN;
    private static final int ENTITY_REF_TYPE = 2 << 3 | LEN;
    private static final int ENTITY_REF_ID_KEYS = 3 << 3 | LEN;
    private static final int ENTITY_REF_DESCRIPTION_KEYS = 4 << 3 | LEN;

    private static final int SCOPE_SPANS_SCOPE = 1 << 3 | LEN;
    private static final int SCOPE_SPANS_SPANS = 2 << 3 | LEN;
    private static final int SCOPE_SPANS_SCHEMA_URL = 3 << 3 | LEN;

    private static final int SCOPE_NAME = 1 << 3 | LEN;
    private static final int SCOPE_VERSION = 2 << 3 | LEN;
    private static final int SCOPE_ATTRIBUTES = 3 << 3 | LEN;
    private static final int SCOPE_DROPPED_ATTRIBUTES_COUNT = 4 << 3 | VARINT;

    private static final int SPAN_TRACE_ID = 1 << 3 | LEN;
    private static final int SPAN_SPAN_ID = 2 << 3 | LEN;
    private static final int SPAN_TRACE_STATE = 3 << 3 | LEN;
    private static final int SPAN_PARENT_SPAN_ID = 4 << 3 | LEN;
    private static final int SPAN_NAME = 5 << 3 | LEN;
    private static final int SPAN_KIND = 6 << 3 | VARINT;
    private static final int SPAN_START_TIME_UNIX_NANO = 7 << 3 | I64;
    private static final int SPAN_END_TIME_UNIX_NANO = 8 << 3 | I64;
    private static final int SPAN_ATTRIBUTES = 9 << 3 | LEN;
    private static final int SPAN_DROPPED_ATTRIBUTES_COUNT = 10 << 3 | VARINT;
    private static final int SPAN_EVENTS = 11 << 3 | LEN;
    private static final int SPAN_DROPPED_EVENTS_COUNT = 12 << 3 | VARINT;
    private static final int SPAN_LINKS = 13 << 3 | LEN;
    private static final int SPAN_DROPPED_LINKS_COUNT = 14 << 3 | VARINT;
    private static final int SPAN_STATUS = 15 << 3 | LEN;
    private static final int SPAN_FLAGS = 16 << 3 | I32;

    private static final int EVENT_TIME_UNIX_NANO = 1 << 3 | I64;
    private static final int EVENT_NAME = 2 << 3 | LEN;
    private static final int EVENT_ATTRIBUTES = 3 << 3 | LEN;
    private static final int EVENT_DROPPED_ATTRIBUTES_COUNT = 4 << 3 | VARINT;

    private static final int LINK_TRACE_ID = 1 << 3 | LEN;
    private static final int LINK_SPAN_ID = 2 << 3 | LEN;
    private static final int LINK_TRACE_STATE = 3 << 3 | LEN;
    private static final int LINK_ATTRIBUTES = 4 << 3 | LEN;
    private static final int LINK_DROPPED_ATTRIBUTES_COUNT = 5 << 3 | VARINT;
    private static final int LINK_FLAGS = 6 << 3 | I32;

    private static final int STATUS_MESSAGE = 2 << 3 | LEN;
    private static final int STATUS_CODE = 3 << 3 | VARINT;

    private static final int KEY_VALUE_KEY = 1 << 3 | LEN;
    private static final int KEY_VALUE_VALUE = 2 << 3 | LEN;
    private static final int KEY_VALUE_KEY_STRINDEX = 3 << 3 | VARINT;

    private static final int ANY_VALUE_STRING = 1 << 3 | LEN;
    private static final int ANY_VALUE_BOOL = 2 << 3 | VARINT;
    private static final int ANY_VALUE_INT = 3 << 3 | VARINT;
    private static final int ANY_VALUE_DOUBLE = 4 << 3 | I64;
    private static final int ANY_VALUE_ARRAY = 5 << 3 | LEN;
    private static final int ANY_VALUE_KVLIST = 6 << 3 | LEN;
    private static final int ANY_VALUE_BYTES = 7 << 3 | LEN;
    private static final int ANY_VALUE_STRING_STRINDEX = 8 << 3 | VARINT;

    private static final int ARRAY_VALUE_VALUES = 1 << 3 | LEN;
    private static final int KEY_VALUE_LIST_VALUES = 1 << 3 | LEN;

    // How deep each message's fields are nested, counted as protobuf counts: the request's own are at 0.
    private static final int RESOURCE_SPANS_DEPTH = 1;
    private static final int RESOURCE_DEPTH = 2;
    private static final int SCOPE_SPANS_DEPTH = 2;
    private static final int SCOPE_DEPTH = 3;
    private static final int SPAN_DEPTH = 3;
    /** The fields of an event, a link, the status and a span attribute. */
    private static final int SPAN_PART_DEPTH = 4;

    private final byte[] body;
    private final SpanChunkBuilder chunk = new SpanChunkBuilder();
    private final SpanFields span = new SpanFields();
    private int acceptedSpans;
    private int rejectedSpans;
    private final List<String> describedRejections = new ArrayList<>(0);
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
        return new AcceptedSpans(decoder.chunk.build(), decoder.acceptedSpans, decoder.rejectedSpans, errorMessage);
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
                int limit = enterMessage(in, 0);
                readResourceSpans(in, resource++);
                in.popLimit(limit);
            } else {
                skipField(in, tag, 0);
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
                int limit = enterMessage(in, RESOURCE_SPANS_DEPTH);
                readScopeSpans(in, resource, scope++);
                in.popLimit(limit);
            } else {
                // The resource and the schema URL are read (and checked) already.
                skipField(in, tag, RESOURCE_SPANS_DEPTH);
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
                    int limit = enterMessage(in, RESOURCE_SPANS_DEPTH);
                    readResourceFields(in);
                    in.popLimit(limit);
                }
                case RESOURCE_SPANS_SCHEMA_URL -> readUtf8(in, body);
                default -> skipField(in, tag, RESOURCE_SPANS_DEPTH);
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
                default -> skipField(in, tag, RESOURCE_DEPTH);
            }
        }
    }

    private void readEntityRef(CodedInputStream in) throws IOException {
        int limit = enterMessage(in, RESOURCE_DEPTH);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case ENTITY_REF_SCHEMA_URL, ENTITY_REF_TYPE, ENTITY_REF_ID_KEYS, ENTITY_REF_DESCRIPTION_KEYS ->
                        readUtf8(in, body);
                default -> skipField(in, tag, RESOURCE_DEPTH + 1);
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
                skipField(in, tag, RESOURCE_SPANS_DEPTH);
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
                int limit = enterMessage(in, SCOPE_SPANS_DEPTH);
                readSpan(in, resource, scope, index++);
                in.popLimit(limit);
            } else {
                // The scope and the schema URL are read (and checked) already.
                skipField(in, tag, SCOPE_SPANS_DEPTH);
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
                int limit = enterMessage(in, SCOPE_SPANS_DEPTH);
                for (int field = in.readTag(); field != 0; field = in.readTag()) {
                    switch (field) {
                        case SCOPE_NAME -> {
                            nameStart = readUtf8(in, body);
                            nameEnd = in.getTotalBytesRead();
                        }
                        case SCOPE_VERSION -> {
                            versionStart = readUtf8(in, body);
                            versionEnd = in.getTotalBytesRead();
                        }
                        // The validator does not look at scope attribute keys.
                        case SCOPE_ATTRIBUTES -> readAttribute(in, body, SCOPE_DEPTH, false);
                        case SCOPE_DROPPED_ATTRIBUTES_COUNT -> in.readUInt32();
                        default -> skipField(in, field, SCOPE_DEPTH);
                    }
                }
                in.popLimit(limit);
            } else if (tag == SCOPE_SPANS_SCHEMA_URL) {
                readUtf8(in, body);
            } else {
                skipField(in, tag, SCOPE_SPANS_DEPTH);
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
                    span.traceIdStart = readBytes(in);
                    span.traceIdEnd = in.getTotalBytesRead();
                }
                case SPAN_SPAN_ID -> {
                    span.spanIdStart = readBytes(in);
                    span.spanIdEnd = in.getTotalBytesRead();
                }
                case SPAN_TRACE_STATE -> {
                    span.traceStateStart = readUtf8(in, body);
                    span.traceStateEnd = in.getTotalBytesRead();
                }
                case SPAN_PARENT_SPAN_ID -> {
                    span.parentSpanIdStart = readBytes(in);
                    span.parentSpanIdEnd = in.getTotalBytesRead();
                }
                case SPAN_NAME -> {
                    span.nameStart = readUtf8(in, body);
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
                default -> skipField(in, tag, SPAN_DEPTH);
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

    /** Counts a rejected span, and describes it if the message describes so many. */
    private void reject(int spanStart, int spanEnd, SpanPosition position) throws IOException {
        rejectedSpans++;
        if (describedRejections.size() >= SpanValidator.MAX_DESCRIBED_REJECTIONS) {
            return;
        }
        Span parsed = Span.parser().parseFrom(body, spanStart, spanEnd - spanStart);
        List<String> problems = SpanValidator.problemsOf(parsed);
        if (!resourceProblems.isEmpty()) {
            problems = new ArrayList<>(problems);
            problems.addAll(0, resourceProblems);
        }
        if (problems.isEmpty()) {
            throw new IllegalStateException("rejected " + position.path() + ", in which SpanValidator finds no problem");
        }
        describedRejections.add(SpanValidator.describeRejection(position.path(), parsed, problems));
    }

    /** Reads an event ({@code in} at its length); false when its time or an attribute key cannot be stored. */
    private boolean readEvent(CodedInputStream in) throws IOException {
        int limit = enterMessage(in, SPAN_DEPTH);
        long timeUnixNano = 0;
        boolean keysStorable = true;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case EVENT_TIME_UNIX_NANO -> timeUnixNano = in.readFixed64();
                case EVENT_NAME -> readUtf8(in, body);
                case EVENT_ATTRIBUTES -> keysStorable &= readAttribute(in, body, SPAN_PART_DEPTH, false);
                case EVENT_DROPPED_ATTRIBUTES_COUNT -> in.readUInt32();
                default -> skipField(in, tag, SPAN_PART_DEPTH);
            }
        }
        in.popLimit(limit);
        return keysStorable && SpanSchema.isStorableTime(timeUnixNano);
    }

    /** Reads a link ({@code in} at its length); false when an attribute key cannot be stored. */
    private boolean readLink(CodedInputStream in) throws IOException {
        int limit = enterMessage(in, SPAN_DEPTH);
        boolean keysStorable = true;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case LINK_TRACE_ID, LINK_SPAN_ID -> readBytes(in);
                case LINK_TRACE_STATE -> readUtf8(in, body);
                case LINK_ATTRIBUTES -> keysStorable &= readAttribute(in, body, SPAN_PART_DEPTH, false);
                case LINK_DROPPED_ATTRIBUTES_COUNT -> in.readUInt32();
                case LINK_FLAGS -> in.readFixed32();
                default -> skipField(in, tag, SPAN_PART_DEPTH);
            }
        }
        in.popLimit(limit);
        return keysStorable;
    }

    /** Reads a status ({@code in} at its length) into the span; a second status continues the first. */
    private void readStatus(CodedInputStream in) throws IOException {
        int limit = enterMessage(in, SPAN_DEPTH);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case STATUS_MESSAGE -> {
                    span.statusMessageStart = readUtf8(in, body);
                    span.statusMessageEnd = in.getTotalBytesRead();
                }
                case STATUS_CODE -> span.statusCode = in.readEnum();
                default -> skipField(in, tag, SPAN_PART_DEPTH);
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
        int limit = enterMessage(in, depth);
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
                    keyStart = readUtf8(in, buffer);
                    keyEnd = in.getTotalBytesRead();
                }
                case KEY_VALUE_VALUE -> {
                    int valueLimit = enterMessage(in, depth + 1);
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
                default -> skipField(in, tag, depth + 1);
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
                    textStart = readUtf8(in, buffer);
                    textEnd = in.getTotalBytesRead();
                }
                case ANY_VALUE_BOOL -> bits = in.readBool() ? 1 : 0;
                case ANY_VALUE_INT -> bits = in.readInt64();
                case ANY_VALUE_DOUBLE -> bits = Double.doubleToRawLongBits(in.readDouble());
                case ANY_VALUE_ARRAY -> {
                    int limit = enterMessage(in, depth);
                    for (int field = in.readTag(); field != 0; field = in.readTag()) {
                        if (field == ARRAY_VALUE_VALUES) {
                            int elementLimit = enterMessage(in, depth + 1);
                            elementKinds |= SpanChunk.elementKind(readValueBody(in, buffer, depth + 2));
                            elements++;
                            in.popLimit(elementLimit);
                        } else {
                            skipField(in, field, depth + 1);
                        }
                    }
                    in.popLimit(limit);
                }
                case ANY_VALUE_KVLIST -> readKeyValueList(in, buffer, depth);
                case ANY_VALUE_BYTES -> readBytes(in);
                case ANY_VALUE_STRING_STRINDEX -> in.readInt32();
                default -> {
                    skipField(in, tag, depth);
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
        int limit = enterMessage(in, depth);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == KEY_VALUE_LIST_VALUES) {
                readAttribute(in, buffer, depth + 1, false);
            } else {
                skipField(in, tag, depth + 1);
            }
        }
        in.popLimit(limit);
    }

    /**
     * Reads the length of a message field in a message at {@code depth} and limits {@code in} to it;
     * returns the limit to restore. Refuses nesting deeper than protobuf allows.
     */
    private static int enterMessage(CodedInputStream in, int depth) throws IOException {
        int length = in.readRawVarint32();
        if (depth >= MAX_NESTING_DEPTH) {
            throw new InvalidProtocolBufferException("Protocol message had too many levels of nesting.");
        }
        return in.pushLimit(length);
    }

    /**
     * Skips an unknown field of a message (or group) at {@code depth}, reading it as protobuf reads
     * an unknown field into the message's UnknownFieldSet: that reader, not CodedInputStream.skipField,
     * decides what parseFrom accepts (it takes a varint of more than ten bytes, for one).
     */
    private static void skipField(CodedInputStream in, int tag, int depth) throws IOException {
        switch (WireFormat.getTagWireType(tag)) {
            case WireFormat.WIRETYPE_VARINT -> in.readInt64();
            case WireFormat.WIRETYPE_FIXED64 -> in.readFixed64();
            case WireFormat.WIRETYPE_LENGTH_DELIMITED -> readBytes(in);
            case WireFormat.WIRETYPE_START_GROUP -> skipGroup(in, tag, depth);
            case WireFormat.WIRETYPE_FIXED32 -> in.readFixed32();
            // An end-group tag outside its group, or wire type 6 or 7.
            default -> throw new InvalidProtocolBufferException("Protocol message tag had invalid wire type.");
        }
    }

    /** Skips an unknown group, which protobuf nests like a message, up to its end-group tag. */
    private static void skipGroup(CodedInputStream in, int startTag, int depth) throws IOException {
        if (depth >= MAX_NESTING_DEPTH) {
            throw new InvalidProtocolBufferException("Protocol message had too many levels of nesting.");
        }
        int endTag = startTag - WireFormat.WIRETYPE_START_GROUP + WireFormat.WIRETYPE_END_GROUP;
        for (int tag = in.readTag(); tag != endTag; tag = in.readTag()) {
            if (tag == 0 || WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_END_GROUP) {
                throw new InvalidProtocolBufferException("Protocol message end-group tag did not match expected tag.");
            }
            skipField(in, tag, depth + 1);
        }
    }

    /** Skips a bytes field's content ({@code in} at its length); returns where it starts, {@code in} is where it ends. */
    private static int readBytes(CodedInputStream in) throws IOException {
        int length = in.readRawVarint32();
        int start = in.getTotalBytesRead();
        in.skipRawBytes(length);
        return start;
    }

    /** {@link #readBytes} for a string field, which protobuf requires to be UTF-8. */
    private static int readUtf8(CodedInputStream in, byte[] buffer) throws IOException {
        int start = readBytes(in);
        int end = in.getTotalBytesRead();
        for (int i = start; i < end; i++) {
            if (buffer[i] < 0) {
                if (!UnsafeByteOperations.unsafeWrap(buffer, i, end - i).isValidUtf8()) {
                    throw new InvalidProtocolBufferException("Protocol message had invalid UTF-8.");
                }
                break;
            }
        }
        return start;
    }

    /** A stream over the body from {@code start} to {@code end} whose offsets are the body's. */
    private CodedInputStream region(int start, int end) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(body, 0, end);
        in.skipRawBytes(start);
        return in;
    }

    /** The fields of the span being read that the chunk keeps or the validator looks at; slices of the body. */
    private static final class SpanFields {
        int traceIdStart;
        int traceIdEnd;
        int spanIdStart;
        int spanIdEnd;
        int parentSpanIdStart;
        int parentSpanIdEnd;
        int traceStateStart;
        int traceStateEnd;
        int nameStart;
        int nameEnd;
        int statusMessageStart;
        int statusMessageEnd;
        int statusCode;
        int kind;
        int flags;
        long startTimeUnixNano;
        long endTimeUnixNano;
        int droppedAttributesCount;
        int droppedEventsCount;
        int droppedLinksCount;
        boolean keysStorable;
        boolean eventsAndLinksStorable;

        void clear() {
            traceIdStart = traceIdEnd = spanIdStart = spanIdEnd = parentSpanIdStart = parentSpanIdEnd = 0;
            traceStateStart = traceStateEnd = nameStart = nameEnd = statusMessageStart = statusMessageEnd = 0;
            statusCode = kind = flags = 0;
            startTimeUnixNano = endTimeUnixNano = 0;
            droppedAttributesCount = droppedEventsCount = droppedLinksCount = 0;
            keysStorable = eventsAndLinksStorable = true;
        }

        /** {@link SpanValidator#problemsOf(Span)} is empty: the same rules, without naming the problems. */
        boolean isValid(byte[] body) {
            int parentBytes = parentSpanIdEnd - parentSpanIdStart;
            return isId(body, traceIdStart, traceIdEnd, TRACE_ID_BYTES)
                    && isId(body, spanIdStart, spanIdEnd, SPAN_ID_BYTES)
                    && (parentBytes == 0 || parentBytes == SPAN_ID_BYTES)
                    && SpanSchema.isStorableTime(startTimeUnixNano)
                    && SpanSchema.isStorableTime(endTimeUnixNano)
                    && Long.compareUnsigned(endTimeUnixNano, startTimeUnixNano) >= 0
                    && keysStorable
                    && eventsAndLinksStorable;
        }

        private static boolean isId(byte[] body, int start, int end, int expectedBytes) {
            if (end - start != expectedBytes) {
                return false;
            }
            for (int i = start; i < end; i++) {
                if (body[i] != 0) {
                    return true;
                }
            }
            return false;
        }

        void writeTo(SpanChunkBuilder chunk, byte[] body) {
            chunk.traceId(body, traceIdStart, traceIdEnd - traceIdStart);
            chunk.spanId(body, spanIdStart, spanIdEnd - spanIdStart);
            chunk.parentSpanId(body, parentSpanIdStart, parentSpanIdEnd - parentSpanIdStart);
            chunk.traceState(body, traceStateStart, traceStateEnd - traceStateStart);
            chunk.name(body, nameStart, nameEnd - nameStart);
            chunk.flags(flags);
            chunk.kind(kind);
            chunk.startTimeUnixNano(startTimeUnixNano);
            chunk.endTimeUnixNano(endTimeUnixNano);
            chunk.status(statusCode, body, statusMessageStart, statusMessageEnd - statusMessageStart);
            chunk.droppedAttributesCount(droppedAttributesCount);
            chunk.droppedEventsCount(droppedEventsCount);
            chunk.droppedLinksCount(droppedLinksCount);
        }
    }
}
