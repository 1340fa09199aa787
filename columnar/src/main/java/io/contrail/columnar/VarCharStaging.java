package io.contrail.columnar;

import org.apache.arrow.vector.VarCharVector;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The values of one VARCHAR column gathered in Arrow's layout in plain Java arrays (validity bits,
 * {@code rows + 1} int offsets, one byte array), then copied into a {@link VarCharVector}'s three
 * buffers in one bulk copy each: setting values one by one costs a capacity check, a hole fill and
 * a bit update per value. Rows skipped are NULL; a row set again replaces its value (the later attribute
 * of a span wins). Rows arriving in ascending order are laid out as Arrow lays them; once one arrives out
 * of order, each row's place in the byte array is kept instead and {@link #copyInto} puts them in order.
 * Reusable for column after column ({@link #reset}). Single-threaded.
 */
final class VarCharStaging {

    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final int rows;
    private final byte[] validity;
    private final int[] offsets;
    private byte[] data;
    /** Rows below this have their offsets written; {@code offsets[next]} is where the next value starts. */
    private int next;
    /** Once a row came out of order: where each row's bytes start in {@link #data}, and how many. */
    private int[] starts;
    private int[] lengths;
    /** With {@link #starts}: the bytes of {@link #data} in use. */
    private int used;

    VarCharStaging(int rows, int expectedBytes) {
        this.rows = rows;
        this.validity = new byte[(rows + 7) >>> 3];
        this.offsets = new int[rows + 1];
        this.data = new byte[Math.max(16, expectedBytes)];
    }

    /** Empties this for another column of as many rows, with room for {@code expectedBytes}. */
    void reset(int expectedBytes) {
        Arrays.fill(validity, (byte) 0);
        next = 0;
        starts = null;
        lengths = null;
        if (data.length < expectedBytes) {
            data = new byte[expectedBytes];
        }
    }

    /** Sets {@code row} to {@code len} bytes of {@code bytes} from {@code off}. */
    void set(int row, byte[] bytes, int off, int len) {
        int start = startRow(row, len);
        System.arraycopy(bytes, off, data, start, len);
    }

    void set(int row, byte[] bytes) {
        set(row, bytes, 0, bytes.length);
    }

    void set(int row, String text) {
        set(row, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sets {@code row} to {@code bytes[off, off + len)} as lower-case hex digits; NULL when {@code len} is 0. */
    void setHex(int row, byte[] bytes, int off, int len) {
        if (len == 0) {
            return;
        }
        int at = startRow(row, 2 * len);
        for (int i = off; i < off + len; i++) {
            int b = bytes[i] & 0xff;
            data[at++] = HEX_DIGITS[b >>> 4];
            data[at++] = HEX_DIGITS[b & 0xf];
        }
    }

    /** Makes room for {@code len} bytes of {@code row}, marks it valid and returns where its bytes go. */
    private int startRow(int row, int len) {
        if (row < 0 || row >= rows) {
            throw new IllegalArgumentException("row " + row + " of " + rows);
        }
        if (starts != null || row < next - 1) {
            return startScattered(row, len);
        }
        if (row == next - 1) {
            next--; // set again: the new value replaces the old one
        } else {
            int end = offsets[next];
            Arrays.fill(offsets, next + 1, row + 1, end);
        }
        int start = offsets[row];
        if (start + len > data.length) {
            data = Arrays.copyOf(data, Math.max(start + len, data.length * 2));
        }
        offsets[row + 1] = start + len;
        validity[row >>> 3] |= (byte) (1 << (row & 7));
        next = row + 1;
        return start;
    }

    /** {@link #startRow} once rows come out of order. */
    private int startScattered(int row, int len) {
        if (starts == null) {
            starts = new int[rows];
            lengths = new int[rows];
            for (int r = 0; r < next; r++) {
                starts[r] = offsets[r];
                lengths[r] = offsets[r + 1] - offsets[r];
            }
            used = offsets[next];
        }
        if (used + len > data.length) {
            data = Arrays.copyOf(data, Math.max(used + len, data.length * 2));
        }
        int start = used;
        starts[row] = start;
        lengths[row] = len;
        validity[row >>> 3] |= (byte) (1 << (row & 7));
        used += len;
        return start;
    }

    /** Copies the values into {@code vector}, which must be empty; rows not set are NULL. */
    void copyInto(VarCharVector vector) {
        if (starts != null) {
            byte[] ordered = new byte[used];
            int at = 0;
            for (int r = 0; r < rows; r++) {
                offsets[r] = at;
                if ((validity[r >>> 3] & (1 << (r & 7))) != 0) {
                    System.arraycopy(data, starts[r], ordered, at, lengths[r]);
                    at += lengths[r];
                }
            }
            offsets[rows] = at;
            data = ordered;
            next = rows;
            starts = null;
            lengths = null;
        }
        Arrays.fill(offsets, next + 1, rows + 1, offsets[next]);
        int bytes = offsets[rows];
        vector.allocateNew(Math.max(1, bytes), rows);
        vector.getValidityBuffer().setBytes(0, validity, 0, validity.length);
        vector.getOffsetBuffer().nioBuffer(0, 4 * (rows + 1)).order(ByteOrder.LITTLE_ENDIAN)
                .asIntBuffer().put(offsets, 0, rows + 1);
        vector.getDataBuffer().setBytes(0, data, 0, bytes);
        vector.setLastSet(rows - 1);
        vector.setValueCount(rows);
    }
}
