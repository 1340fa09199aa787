package io.contrail.ingest;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;

import java.io.IOException;

/**
 * Reading protobuf's wire format as {@code parseFrom} reads it, for {@link OtlpProtobufDecoder}: message limits
 * with protobuf's nesting bound, unknown fields and groups skipped as protobuf's UnknownFieldSet reads them, and
 * string fields checked as UTF-8. What a caller must know: every stream must start at the body's first byte, so
 * that {@code getTotalBytesRead()} is an offset into the body, which these methods return.
 */
final class ProtobufWire {

    /** CodedInputStream's default recursion limit, which {@code parseFrom} applies to message and group nesting. */
    static final int MAX_NESTING_DEPTH = 100;

    private ProtobufWire() {
    }

    /**
     * Reads the length of a message field in a message at {@code depth} and limits {@code in} to it;
     * returns the limit to restore. Refuses nesting deeper than protobuf allows.
     */
    static int enterMessage(CodedInputStream in, int depth) throws IOException {
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
    static void skipField(CodedInputStream in, int tag, int depth) throws IOException {
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
    static void skipGroup(CodedInputStream in, int startTag, int depth) throws IOException {
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
    static int readBytes(CodedInputStream in) throws IOException {
        int length = in.readRawVarint32();
        int start = in.getTotalBytesRead();
        in.skipRawBytes(length);
        return start;
    }

    /** {@link #readBytes} for a string field, which protobuf requires to be UTF-8. */
    static int readUtf8(CodedInputStream in, byte[] buffer) throws IOException {
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
}
