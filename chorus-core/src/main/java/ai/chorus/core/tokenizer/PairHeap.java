package ai.chorus.core.tokenizer;

import java.util.Arrays;

/** A max-heap of (count, pair key, pair index): highest count first, then the smallest key. */
final class PairHeap {
    private long[] counts = new long[1 << 16];
    private long[] keys = new long[1 << 16];
    private int[] pairs = new int[1 << 16];
    private int size;

    boolean isEmpty() {
        return size == 0;
    }

    long topCount() {
        return counts[0];
    }

    int topPair() {
        return pairs[0];
    }

    void push(long count, long key, int pair) {
        if (size == counts.length) {
            counts = Arrays.copyOf(counts, size * 2);
            keys = Arrays.copyOf(keys, size * 2);
            pairs = Arrays.copyOf(pairs, size * 2);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!before(count, key, counts[parent], keys[parent])) {
                break;
            }
            set(i, counts[parent], keys[parent], pairs[parent]);
            i = parent;
        }
        set(i, count, key, pair);
    }

    void pop() {
        size--;
        long count = counts[size];
        long key = keys[size];
        int pair = pairs[size];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && before(counts[child + 1], keys[child + 1], counts[child], keys[child])) {
                child++;
            }
            if (!before(counts[child], keys[child], count, key)) {
                break;
            }
            set(i, counts[child], keys[child], pairs[child]);
            i = child;
        }
        if (size > 0) {
            set(i, count, key, pair);
        }
    }

    private static boolean before(long countA, long keyA, long countB, long keyB) {
        return countA > countB || (countA == countB && keyA < keyB);
    }

    private void set(int i, long count, long key, int pair) {
        counts[i] = count;
        keys[i] = key;
        pairs[i] = pair;
    }
}
