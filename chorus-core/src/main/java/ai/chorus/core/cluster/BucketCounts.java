package ai.chorus.core.cluster;

import java.util.Arrays;

/**
 * Term counts of one document by bucket: an open-addressing map from bucket to a dense slot, so
 * buckets come back in first-occurrence order (deterministic) and clearing costs O(distinct).
 */
final class BucketCounts {
    private int[] slotOfKey = new int[1024]; // hash table: index into buckets/counts, -1 = empty
    private int[] keys = new int[1024];
    private int[] buckets = new int[512];
    private int[] counts = new int[512];
    private int size;

    BucketCounts() {
        Arrays.fill(slotOfKey, -1);
    }

    void clear() {
        int mask = slotOfKey.length - 1;
        for (int i = 0; i < size; i++) {
            int h = spread(buckets[i]) & mask;
            while (slotOfKey[h] != -1) {
                slotOfKey[h] = -1;
                h = (h + 1) & mask;
            }
        }
        size = 0;
    }

    void add(int bucket) {
        int mask = slotOfKey.length - 1;
        int h = spread(bucket) & mask;
        while (true) {
            int slot = slotOfKey[h];
            if (slot == -1) {
                break;
            }
            if (keys[h] == bucket) {
                counts[slot]++;
                return;
            }
            h = (h + 1) & mask;
        }
        if (size == buckets.length) {
            buckets = Arrays.copyOf(buckets, 2 * size);
            counts = Arrays.copyOf(counts, 2 * size);
        }
        buckets[size] = bucket;
        counts[size] = 1;
        slotOfKey[h] = size;
        keys[h] = bucket;
        size++;
        if (2 * size > slotOfKey.length) {
            rehash(2 * slotOfKey.length);
        }
    }

    int size() {
        return size;
    }

    int bucket(int i) {
        return buckets[i];
    }

    int count(int i) {
        return counts[i];
    }

    private void rehash(int capacity) {
        slotOfKey = new int[capacity];
        keys = new int[capacity];
        Arrays.fill(slotOfKey, -1);
        int mask = capacity - 1;
        for (int i = 0; i < size; i++) {
            int h = spread(buckets[i]) & mask;
            while (slotOfKey[h] != -1) {
                h = (h + 1) & mask;
            }
            slotOfKey[h] = i;
            keys[h] = buckets[i];
        }
    }

    private static int spread(int key) {
        return key * 0x9E3779B9 >>> 7 ^ key;
    }
}
