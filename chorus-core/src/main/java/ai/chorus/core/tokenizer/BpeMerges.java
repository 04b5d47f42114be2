package ai.chorus.core.tokenizer;

import java.util.Arrays;

/**
 * The ranked merge rules of a BPE model and their application to one word.
 *
 * <p>A word's symbols are merged by always taking the adjacent pair of lowest rank, leftmost first,
 * until no pair has a rank: exactly Hugging Face's {@code Word::merge_all} without dropout. Short
 * words (nearly all) rescan a small array of pair ranks; long ones (a run of thousands of
 * characters without a space) use a heap, so no input costs quadratic time.
 */
final class BpeMerges {
    /** Words up to this many bytes use the scan; longer ones the heap. */
    static final int SCAN_LIMIT = 64;

    private final int[] left;
    private final int[] right;
    private final int[] result;
    private final LongIntHashMap rankOf;
    /** Ranks of merges of two byte tokens, indexed by the two bytes: a word's first pairs are all bytes. */
    private final int[] bytePairRank = new int[256 * 256];

    /** Merge {@code r} joins {@code left[r]} and {@code right[r]} into {@code result[r]}. */
    BpeMerges(int[] left, int[] right, int[] result) {
        if (left.length != right.length || left.length != result.length) {
            throw new IllegalArgumentException("merge arrays differ in length");
        }
        this.left = left.clone();
        this.right = right.clone();
        this.result = result.clone();
        rankOf = new LongIntHashMap(left.length);
        for (int r = 0; r < left.length; r++) {
            rankOf.put(LongIntHashMap.pair(left[r], right[r]), r);
        }
        Arrays.fill(bytePairRank, -1);
    }

    /**
     * Tells which ids are the single-byte tokens ({@code byteToId[b]} is the token of byte b), so that
     * {@link #applyToBytes} can look up a word's first pair ranks in a table instead of hashing.
     * The owning tokenizer calls this once, when it is built.
     */
    void indexBytePairs(int[] byteToId) {
        for (int a = 0; a < 256; a++) {
            for (int b = 0; b < 256; b++) {
                bytePairRank[a << 8 | b] = rank(byteToId[a], byteToId[b]);
            }
        }
    }

    int size() {
        return left.length;
    }

    int left(int rank) {
        return left[rank];
    }

    int right(int rank) {
        return right[rank];
    }

    int result(int rank) {
        return result[rank];
    }

    /** The rank of merging {@code a} then {@code b}, or -1 if there is no such merge. */
    int rank(int a, int b) {
        return rankOf.get(LongIntHashMap.pair(a, b));
    }

    /**
     * Merges a word's symbols {@code ids[0, n)} in place and returns the new length; {@code ids[i]}
     * must be the token of {@code bytes[i]} (see {@link #indexBytePairs}).
     *
     * @param pairRanks scratch of at least {@code n} ints
     */
    int applyToBytes(byte[] bytes, int[] ids, int n, int[] pairRanks) {
        if (n > SCAN_LIMIT) {
            return applyByHeap(ids, n);
        }
        for (int i = 0; i + 1 < n; i++) {
            pairRanks[i] = bytePairRank[(bytes[i] & 0xFF) << 8 | (bytes[i + 1] & 0xFF)];
        }
        return mergeByScan(ids, n, pairRanks);
    }

    int applyByScan(int[] ids, int n, int[] pairRanks) {
        for (int i = 0; i + 1 < n; i++) {
            pairRanks[i] = rank(ids[i], ids[i + 1]);
        }
        return mergeByScan(ids, n, pairRanks);
    }

    /** The scan proper, with {@code pairRanks[i]} the rank of the pair at i. */
    private int mergeByScan(int[] ids, int n, int[] pairRanks) {
        while (n > 1) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < n; i++) {
                int r = pairRanks[i];
                if (r >= 0 && r < bestRank) {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            ids[best] = result[bestRank];
            System.arraycopy(ids, best + 2, ids, best + 1, n - best - 2);
            System.arraycopy(pairRanks, best + 2, pairRanks, best + 1, n - best - 3 > 0 ? n - best - 3 : 0);
            n--;
            if (best > 0) {
                pairRanks[best - 1] = rank(ids[best - 1], ids[best]);
            }
            if (best + 1 < n) {
                pairRanks[best] = rank(ids[best], ids[best + 1]);
            }
        }
        return n;
    }

    int applyByHeap(int[] ids, int n) {
        if (n < 2) {
            return n;
        }
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        // Entries are (rank << 32 | position): the smallest is the lowest rank, then the leftmost.
        long[] heap = new long[Math.max(16, n)];
        int heapSize = 0;
        for (int i = 0; i + 1 < n; i++) {
            int r = rank(ids[i], ids[i + 1]);
            if (r >= 0) {
                heap = push(heap, heapSize++, ((long) r << 32) | i);
            }
        }
        boolean[] gone = new boolean[n];
        while (heapSize > 0) {
            long top = heap[0];
            heap[0] = heap[--heapSize];
            siftDown(heap, heapSize);
            int r = (int) (top >>> 32);
            int i = (int) top;
            int j = next[i];
            // Stale when the symbol was merged into its left neighbour or the pair changed since.
            if (gone[i] || j < 0 || rank(ids[i], ids[j]) != r) {
                continue;
            }
            ids[i] = result[r];
            gone[j] = true;
            next[i] = next[j];
            if (next[j] >= 0) {
                prev[next[j]] = i;
            }
            if (prev[i] >= 0) {
                int rl = rank(ids[prev[i]], ids[i]);
                if (rl >= 0) {
                    heap = push(heap, heapSize++, ((long) rl << 32) | prev[i]);
                }
            }
            if (next[i] >= 0) {
                int rr = rank(ids[i], ids[next[i]]);
                if (rr >= 0) {
                    heap = push(heap, heapSize++, ((long) rr << 32) | i);
                }
            }
        }
        int m = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            ids[m++] = ids[i];
        }
        return m;
    }

    private static long[] push(long[] heap, int size, long value) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        int i = size;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= value) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = value;
        return heap;
    }

    private static void siftDown(long[] heap, int size) {
        if (size == 0) {
            return;
        }
        long value = heap[0];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1] < heap[child]) {
                child++;
            }
            if (heap[child] >= value) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = value;
    }
}
