package io.contrail.columnar;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Variable-length values in Arrow's layout: one byte array holding every value back to back and
 * {@code size() + 1} offsets into it, so value {@code i} is {@code data()[start(i) .. end(i))}. An
 * empty value and an absent one look the same. Immutable; made by a {@link Builder}.
 */
public final class ByteColumn {

    static final ByteColumn EMPTY = new ByteColumn(new byte[0], new int[] {0}, 0);

    private final byte[] data;
    private final int[] offsets;
    private final int size;

    private ByteColumn(byte[] data, int[] offsets, int size) {
        this.data = data;
        this.offsets = offsets;
        this.size = size;
    }

    public int size() {
        return size;
    }

    /** Every value back to back; do not modify. */
    public byte[] data() {
        return data;
    }

    public int start(int i) {
        return offsets[i];
    }

    public int end(int i) {
        return offsets[i + 1];
    }

    public int length(int i) {
        return offsets[i + 1] - offsets[i];
    }

    public boolean isEmpty(int i) {
        return offsets[i + 1] == offsets[i];
    }

    /** Value {@code i} decoded as UTF-8 (malformed sequences replaced, as protobuf's getters do). */
    public String string(int i) {
        return new String(data, offsets[i], length(i), StandardCharsets.UTF_8);
    }

    /** Value {@code i} as a copy of its bytes. */
    public byte[] bytes(int i) {
        return Arrays.copyOfRange(data, offsets[i], offsets[i + 1]);
    }

    /** Bytes this column keeps on the heap (array bodies, not headers). */
    long retainedBytes() {
        return data.length + 4L * offsets.length;
    }

    /**
     * Appends values; {@link #truncate} takes back the ones after a mark (a span the decoder
     * rejected after its first fields were read). Single-threaded.
     */
    static final class Builder {
        private byte[] data;
        private int[] offsets;
        private int size;

        Builder(int expectedValues, int expectedBytes) {
            data = new byte[Math.max(16, expectedBytes)];
            offsets = new int[Math.max(2, expectedValues + 1)];
        }

        int size() {
            return size;
        }

        void add(byte[] bytes, int off, int len) {
            int end = offsets[size];
            if (end + len > data.length) {
                data = Arrays.copyOf(data, Math.max(end + len, data.length * 2));
            }
            System.arraycopy(bytes, off, data, end, len);
            append(end + len);
        }

        void add(byte[] bytes) {
            add(bytes, 0, bytes.length);
        }

        void add(String text) {
            if (text == null || text.isEmpty()) {
                addEmpty();
            } else {
                add(text.getBytes(StandardCharsets.UTF_8));
            }
        }

        void addEmpty() {
            append(offsets[size]);
        }

        /**
         * Appends to the last value instead of starting a new one (a span's events and links
         * arrive as separate fields); the column must hold at least one value.
         */
        void extendLast(byte[] bytes, int off, int len) {
            int end = offsets[size];
            if (end + len > data.length) {
                data = Arrays.copyOf(data, Math.max(end + len, data.length * 2));
            }
            System.arraycopy(bytes, off, data, end, len);
            offsets[size] = end + len;
        }

        private void append(int newEnd) {
            if (size + 2 > offsets.length) {
                offsets = Arrays.copyOf(offsets, offsets.length * 2);
            }
            size++;
            offsets[size] = newEnd;
        }

        /** Whether the last value is empty. */
        boolean isEmptyLast() {
            return offsets[size] == offsets[size - 1];
        }

        /** The last value decoded as UTF-8. */
        String lastString() {
            return new String(data, offsets[size - 1], offsets[size] - offsets[size - 1], StandardCharsets.UTF_8);
        }

        /** Drops every value from index {@code newSize} on. */
        void truncate(int newSize) {
            size = newSize;
        }

        /** The values so far; the arrays are trimmed to fit, as a chunk waits in the buffer for a while. */
        ByteColumn build() {
            int end = offsets[size];
            return new ByteColumn(end == data.length ? data : Arrays.copyOf(data, end),
                    offsets.length == size + 1 ? offsets : Arrays.copyOf(offsets, size + 1), size);
        }
    }
}
