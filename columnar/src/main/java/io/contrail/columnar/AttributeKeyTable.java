package io.contrail.columnar;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Attribute keys by their UTF-8 bytes, for one {@link SpanChunkBuilder}: open addressing over byte ranges, so a
 * known key costs no String. What a caller must know: ids are dense from 0 in the order keys are first seen, and
 * the table only grows (one per request).
 */
final class AttributeKeyTable {
    private byte[][] keyBytes = new byte[64][];
    private int[] ids = new int[64];
    private final List<String> names = new ArrayList<>();

    int intern(byte[] b, int off, int len) {
        int hash = 1;
        for (int i = off; i < off + len; i++) {
            hash = 31 * hash + b[i];
        }
        int mask = keyBytes.length - 1;
        for (int slot = mix(hash) & mask; ; slot = (slot + 1) & mask) {
            byte[] known = keyBytes[slot];
            if (known == null) {
                byte[] copy = Arrays.copyOfRange(b, off, off + len);
                keyBytes[slot] = copy;
                ids[slot] = names.size();
                names.add(new String(copy, StandardCharsets.UTF_8));
                if (2 * names.size() > keyBytes.length) {
                    grow();
                }
                return names.size() - 1;
            }
            if (Arrays.equals(known, 0, known.length, b, off, off + len)) {
                return ids[slot];
            }
        }
    }

    String name(int id) {
        return names.get(id);
    }

    private static int mix(int hash) {
        return hash ^ (hash >>> 16);
    }

    private void grow() {
        byte[][] oldKeys = keyBytes;
        int[] oldIds = ids;
        keyBytes = new byte[oldKeys.length * 2][];
        ids = new int[oldKeys.length * 2];
        int mask = keyBytes.length - 1;
        for (int i = 0; i < oldKeys.length; i++) {
            byte[] known = oldKeys[i];
            if (known == null) {
                continue;
            }
            int hash = 1;
            for (byte value : known) {
                hash = 31 * hash + value;
            }
            int slot = mix(hash) & mask;
            while (keyBytes[slot] != null) {
                slot = (slot + 1) & mask;
            }
            keyBytes[slot] = known;
            ids[slot] = oldIds[i];
        }
    }
}
