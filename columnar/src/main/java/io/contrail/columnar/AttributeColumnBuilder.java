package io.contrail.columnar;

import java.util.Arrays;

/**
 * The values of one attribute key of one family (span or resource) while a {@link SpanChunkBuilder} fills a
 * chunk, growing; {@link #build} makes the chunk's {@link SpanChunk.AttributeColumn}. What a caller must know:
 * values arrive in owner order, so a rolled-back span's values are the last ones ({@link #dropOwner}).
 */
final class AttributeColumnBuilder {
    final String key;
    int size;
    int[] owners = new int[8];
    int[] ordinals = new int[8];
    int[] kinds = new int[8];
    long[] bits = new long[8];
    final ByteColumn.Builder bytes = new ByteColumn.Builder(8, 64);

    AttributeColumnBuilder(String key) {
        this.key = key;
    }

    void add(int owner, int ordinal, int kind, long value, byte[] b, int off, int len) {
        if (size == owners.length) {
            int n = 2 * size;
            owners = Arrays.copyOf(owners, n);
            ordinals = Arrays.copyOf(ordinals, n);
            kinds = Arrays.copyOf(kinds, n);
            bits = Arrays.copyOf(bits, n);
        }
        owners[size] = owner;
        ordinals[size] = ordinal;
        kinds[size] = kind;
        bits[size] = value;
        if (len > 0) {
            bytes.add(b, off, len);
        } else {
            bytes.addEmpty();
        }
        size++;
    }

    void dropOwner(int owner) {
        while (size > 0 && owners[size - 1] == owner) {
            size--;
        }
        bytes.truncate(size);
    }

    SpanChunk.AttributeColumn build() {
        return new SpanChunk.AttributeColumn(key, size, Arrays.copyOf(owners, size), Arrays.copyOf(ordinals, size),
                Arrays.copyOf(kinds, size), Arrays.copyOf(bits, size), bytes.build());
    }
}
