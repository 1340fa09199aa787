package io.contrail.ingest;

import com.google.protobuf.WireFormat;

/**
 * The tags (field number << 3 | wire type) of the OTLP trace protos that {@link OtlpProtobufDecoder} reads, and
 * how deep each message's fields are nested. What a caller must know: whole tags are matched, because protobuf
 * takes a known field number with another wire type for an unknown field; so a field's wire type is part of its
 * tag here and must be the one the proto declares.
 */
final class OtlpWireTags {

    private OtlpWireTags() {
    }

    static final int VARINT = WireFormat.WIRETYPE_VARINT;
    static final int I64 = WireFormat.WIRETYPE_FIXED64;
    static final int LEN = WireFormat.WIRETYPE_LENGTH_DELIMITED;
    static final int I32 = WireFormat.WIRETYPE_FIXED32;

    // Tags (field number << 3 | wire type) of the OTLP trace protos. Whole tags are matched: protobuf
    // takes a known field number with another wire type for an unknown field.
    static final int REQUEST_RESOURCE_SPANS = 1 << 3 | LEN;

    static final int RESOURCE_SPANS_RESOURCE = 1 << 3 | LEN;
    static final int RESOURCE_SPANS_SCOPE_SPANS = 2 << 3 | LEN;
    static final int RESOURCE_SPANS_SCHEMA_URL = 3 << 3 | LEN;

    static final int RESOURCE_ATTRIBUTES = 1 << 3 | LEN;
    static final int RESOURCE_DROPPED_ATTRIBUTES_COUNT = 2 << 3 | VARINT;
    static final int RESOURCE_ENTITY_REFS = 3 << 3 | LEN;

    static final int ENTITY_REF_SCHEMA_URL = 1 << 3 | LEN;
    static final int ENTITY_REF_TYPE = 2 << 3 | LEN;
    static final int ENTITY_REF_ID_KEYS = 3 << 3 | LEN;
    static final int ENTITY_REF_DESCRIPTION_KEYS = 4 << 3 | LEN;

    static final int SCOPE_SPANS_SCOPE = 1 << 3 | LEN;
    static final int SCOPE_SPANS_SPANS = 2 << 3 | LEN;
    static final int SCOPE_SPANS_SCHEMA_URL = 3 << 3 | LEN;

    static final int SCOPE_NAME = 1 << 3 | LEN;
    static final int SCOPE_VERSION = 2 << 3 | LEN;
    static final int SCOPE_ATTRIBUTES = 3 << 3 | LEN;
    static final int SCOPE_DROPPED_ATTRIBUTES_COUNT = 4 << 3 | VARINT;

    static final int SPAN_TRACE_ID = 1 << 3 | LEN;
    static final int SPAN_SPAN_ID = 2 << 3 | LEN;
    static final int SPAN_TRACE_STATE = 3 << 3 | LEN;
    static final int SPAN_PARENT_SPAN_ID = 4 << 3 | LEN;
    static final int SPAN_NAME = 5 << 3 | LEN;
    static final int SPAN_KIND = 6 << 3 | VARINT;
    static final int SPAN_START_TIME_UNIX_NANO = 7 << 3 | I64;
    static final int SPAN_END_TIME_UNIX_NANO = 8 << 3 | I64;
    static final int SPAN_ATTRIBUTES = 9 << 3 | LEN;
    static final int SPAN_DROPPED_ATTRIBUTES_COUNT = 10 << 3 | VARINT;
    static final int SPAN_EVENTS = 11 << 3 | LEN;
    static final int SPAN_DROPPED_EVENTS_COUNT = 12 << 3 | VARINT;
    static final int SPAN_LINKS = 13 << 3 | LEN;
    static final int SPAN_DROPPED_LINKS_COUNT = 14 << 3 | VARINT;
    static final int SPAN_STATUS = 15 << 3 | LEN;
    static final int SPAN_FLAGS = 16 << 3 | I32;

    static final int EVENT_TIME_UNIX_NANO = 1 << 3 | I64;
    static final int EVENT_NAME = 2 << 3 | LEN;
    static final int EVENT_ATTRIBUTES = 3 << 3 | LEN;
    static final int EVENT_DROPPED_ATTRIBUTES_COUNT = 4 << 3 | VARINT;

    static final int LINK_TRACE_ID = 1 << 3 | LEN;
    static final int LINK_SPAN_ID = 2 << 3 | LEN;
    static final int LINK_TRACE_STATE = 3 << 3 | LEN;
    static final int LINK_ATTRIBUTES = 4 << 3 | LEN;
    static final int LINK_DROPPED_ATTRIBUTES_COUNT = 5 << 3 | VARINT;
    static final int LINK_FLAGS = 6 << 3 | I32;

    static final int STATUS_MESSAGE = 2 << 3 | LEN;
    static final int STATUS_CODE = 3 << 3 | VARINT;

    static final int KEY_VALUE_KEY = 1 << 3 | LEN;
    static final int KEY_VALUE_VALUE = 2 << 3 | LEN;
    static final int KEY_VALUE_KEY_STRINDEX = 3 << 3 | VARINT;

    static final int ANY_VALUE_STRING = 1 << 3 | LEN;
    static final int ANY_VALUE_BOOL = 2 << 3 | VARINT;
    static final int ANY_VALUE_INT = 3 << 3 | VARINT;
    static final int ANY_VALUE_DOUBLE = 4 << 3 | I64;
    static final int ANY_VALUE_ARRAY = 5 << 3 | LEN;
    static final int ANY_VALUE_KVLIST = 6 << 3 | LEN;
    static final int ANY_VALUE_BYTES = 7 << 3 | LEN;
    static final int ANY_VALUE_STRING_STRINDEX = 8 << 3 | VARINT;

    static final int ARRAY_VALUE_VALUES = 1 << 3 | LEN;
    static final int KEY_VALUE_LIST_VALUES = 1 << 3 | LEN;

    // How deep each message's fields are nested, counted as protobuf counts: the request's own are at 0.
    static final int RESOURCE_SPANS_DEPTH = 1;
    static final int RESOURCE_DEPTH = 2;
    static final int SCOPE_SPANS_DEPTH = 2;
    static final int SCOPE_DEPTH = 3;
    static final int SPAN_DEPTH = 3;
    /** The fields of an event, a link, the status and a span attribute. */
    static final int SPAN_PART_DEPTH = 4;
}
