package ai.chorus.core.tokenizer;

import java.util.Arrays;

/**
 * An open-addressing map from long keys to non-negative int values, for token pairs packed as
 * {@code left << 32 | right}: no boxing on the hot paths of training and encoding.
 */
final class LongIntHashMap {
    static final int MISSING = -1;

    private long[] keys;
    private int[] values;
    private int size;
    private int mask;

    LongIntHashMap(int expected) {
        // At most a quarter full once `expected` keys are in: most lookups (pairs that are no merge)
        // miss, and a miss probes until an empty slot.
        int capacity = Integer.highestOneBit(Math.max(16, expected * 4 - 1)) << 1;
        keys = new long[capacity];
        values = new int[capacity];
        Arrays.fill(values, MISSING);
        mask = capacity - 1;
    }

    static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    int get(long key) {
        for (int slot = slotOf(key); ; slot = (slot + 1) & mask) {
            int v = values[slot];
            if (v == MISSING || keys[slot] == key) {
                return v;
            }
        }
    }

    /** Stores {@code value} (≥ 0) under {@code key}, replacing any earlier value. */
    void put(long key, int value) {
        if (value < 0) {
            throw new IllegalArgumentException("values must be non-negative: " + value);
        }
        int slot = slotOf(key);
        while (values[slot] != MISSING && keys[slot] != key) {
            slot = (slot + 1) & mask;
        }
        if (values[slot] == MISSING) {
            keys[slot] = key;
            if (++size * 4 > keys.length) {
                values[slot] = value;
                grow();
                return;
            }
        }
        values[slot] = value;
    }

    private int slotOf(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new int[oldValues.length * 2];
        Arrays.fill(values, MISSING);
        mask = keys.length - 1;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != MISSING) {
                int slot = slotOf(oldKeys[i]);
                while (values[slot] != MISSING) {
                    slot = (slot + 1) & mask;
                }
                keys[slot] = oldKeys[i];
                values[slot] = oldValues[i];
            }
        }
    }
}
