package io.contrail.ingest;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import com.google.protobuf.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Valid protobuf encodings of a message that no ordinary encoder writes, at every level of nesting:
 * fields in a random order, a field now and then written twice (the last scalar wins, messages
 * merge, repeated fields grow), unknown fields of every wire type (groups included), and known field
 * numbers with another wire type, which protobuf takes for unknown fields. Seeded.
 */
final class ScrambledEncoding {

    /** Field numbers no OTLP trace message uses. */
    private static final int FIRST_UNKNOWN_FIELD = 50;

    private final Random random;

    ScrambledEncoding(long seed) {
        this.random = new Random(seed);
    }

    byte[] encode(Message message) {
        // One queue of records per field: a repeated field keeps its order, fields interleave at random.
        List<ArrayDeque<byte[]>> fields = new ArrayList<>();
        message.getAllFields().forEach((field, value) -> {
            var records = new ArrayDeque<byte[]>();
            for (Object element : field.isRepeated() ? (List<?>) value : List.of(value)) {
                if (oneIn(12)) {
                    records.add(record(field, element));
                }
                records.add(record(field, element));
            }
            fields.add(records);
        });
        if (!message.getUnknownFields().asMap().isEmpty()) {
            var records = new ArrayDeque<byte[]>();
            records.add(message.getUnknownFields().toByteArray());
            fields.add(records);
        }
        for (int extra = oneIn(3) ? 1 + random.nextInt(3) : 0; extra > 0; extra--) {
            var records = new ArrayDeque<byte[]>();
            records.add(unknownField(message));
            fields.add(records);
        }
        var out = new ByteArrayOutputStream();
        while (!fields.isEmpty()) {
            int pick = random.nextInt(fields.size());
            out.writeBytes(fields.get(pick).poll());
            if (fields.get(pick).isEmpty()) {
                fields.remove(pick);
            }
        }
        return out.toByteArray();
    }

    private byte[] record(FieldDescriptor field, Object value) {
        if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            return lengthDelimited(field.getNumber(), encode((Message) value));
        }
        Message.Builder holder = DynamicMessage.newBuilder(field.getContainingType());
        if (field.isRepeated()) {
            holder.addRepeatedField(field, value);
        } else {
            holder.setField(field, value);
        }
        return holder.build().toByteArray();
    }

    /** A field protobuf keeps as unknown: an unused number, or a known one with another wire type. */
    private byte[] unknownField(Message message) {
        List<FieldDescriptor> known = message.getDescriptorForType().getFields();
        boolean reuseKnown = !known.isEmpty() && random.nextBoolean();
        FieldDescriptor field = reuseKnown ? known.get(random.nextInt(known.size())) : null;
        int number = reuseKnown ? field.getNumber() : FIRST_UNKNOWN_FIELD + random.nextInt(50);
        int declared = reuseKnown ? field.getLiteType().getWireType() : -1;
        int wireType;
        do {
            wireType = List.of(WireFormat.WIRETYPE_VARINT, WireFormat.WIRETYPE_FIXED64,
                    WireFormat.WIRETYPE_LENGTH_DELIMITED, WireFormat.WIRETYPE_START_GROUP,
                    WireFormat.WIRETYPE_FIXED32).get(random.nextInt(5));
        } while (wireType == declared);
        return unknownField(number, wireType, 2);
    }

    private byte[] unknownField(int number, int wireType, int depth) {
        var bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            switch (wireType) {
                case WireFormat.WIRETYPE_VARINT -> out.writeUInt64(number, random.nextLong() >>> random.nextInt(64));
                case WireFormat.WIRETYPE_FIXED64 -> out.writeFixed64(number, random.nextLong());
                case WireFormat.WIRETYPE_FIXED32 -> out.writeFixed32(number, random.nextInt());
                case WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
                    byte[] junk = new byte[random.nextInt(8)];
                    random.nextBytes(junk); // not UTF-8, not a message: protobuf keeps it as it is
                    out.writeByteArray(number, junk);
                }
                default -> {
                    out.writeTag(number, WireFormat.WIRETYPE_START_GROUP);
                    for (int inner = depth > 0 ? random.nextInt(3) : 0; inner > 0; inner--) {
                        out.writeRawBytes(unknownField(1 + random.nextInt(20), List.of(0, 1, 2, 3, 5)
                                .get(random.nextInt(5)), depth - 1));
                    }
                    out.writeTag(number, WireFormat.WIRETYPE_END_GROUP);
                }
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static byte[] lengthDelimited(int number, byte[] content) {
        var bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            out.writeByteArray(number, content);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private boolean oneIn(int n) {
        return random.nextInt(n) == 0;
    }
}
