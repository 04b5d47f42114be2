package ai.chorus.core.tokenizer;

import java.util.Arrays;

/** The incremental pair-count state: words as symbol arrays, pair counts, pair → words, a heap. */
final class MergeLearner {
    private final int[][] wordSymbols;
    private final int[] wordLength;
    private final long[] wordFrequency;
    private final int[] wordLastMerge;

    private final LongIntHashMap pairIndex = new LongIntHashMap(1 << 16);
    private long[] pairKey = new long[1 << 16];
    private long[] pairCount = new long[1 << 16];
    private int[][] pairWords = new int[1 << 16][];
    private int[] pairWordCount = new int[1 << 16];
    private int[] pairTouchedAt = new int[1 << 16];
    private int pairs;

    private final PairHeap heap = new PairHeap();
    private int[] touched = new int[1024];
    private int touchedCount;
    private int currentMerge = -1;

    MergeLearner(BpeTrainer.WordCounts counts) {
        int n = counts.words.size();
        wordSymbols = new int[n][];
        wordLength = new int[n];
        wordFrequency = Arrays.copyOf(counts.frequency, n);
        wordLastMerge = new int[n];
        Arrays.fill(wordLastMerge, -1);
        byte[] utf8 = new byte[64];
        for (int w = 0; w < n; w++) {
            String word = counts.words.word(w);
            if (utf8.length < ByteLevel.maxUtf8Length(word.length())) {
                utf8 = new byte[ByteLevel.maxUtf8Length(word.length())];
            }
            int len = ByteLevel.encodeUtf8(word, 0, word.length(), utf8);
            int[] symbols = new int[len];
            for (int i = 0; i < len; i++) {
                symbols[i] = utf8[i] & 0xFF;
            }
            wordSymbols[w] = symbols;
            wordLength[w] = len;
            for (int i = 0; i + 1 < len; i++) {
                addToPair(symbols[i], symbols[i + 1], wordFrequency[w], w);
            }
        }
        for (int p = 0; p < pairs; p++) {
            heap.push(pairCount[p], pairKey[p], p);
        }
    }

    /**
     * Merges the most frequent pair into the new symbol {@code newId} everywhere.
     *
     * @return the merged pair as {@code left << 32 | right}, or -1 if no pair is left
     */
    long mergeBest(int newId) {
        while (!heap.isEmpty()) {
            long count = heap.topCount();
            int p = heap.topPair();
            heap.pop();
            if (count != pairCount[p]) {
                if (pairCount[p] > 0) {
                    heap.push(pairCount[p], pairKey[p], p);
                }
                continue;
            }
            merge(p, newId);
            return pairKey[p];
        }
        return -1;
    }

    private void merge(int p, int newId) {
        currentMerge++;
        int a = (int) (pairKey[p] >>> 32);
        int b = (int) pairKey[p];
        int[] words = pairWords[p];
        int wordCount = pairWordCount[p];
        // Merging never creates an (a, b) adjacency again, so this list is done with.
        pairWords[p] = null;
        pairWordCount[p] = 0;
        touchedCount = 0;
        for (int k = 0; k < wordCount; k++) {
            int w = words[k];
            if (wordLastMerge[w] != currentMerge) {
                wordLastMerge[w] = currentMerge;
                mergeInWord(w, a, b, newId);
            }
        }
        pairCount[p] = 0;
        for (int k = 0; k < touchedCount; k++) {
            int q = touched[k];
            if (pairCount[q] > 0) {
                heap.push(pairCount[q], pairKey[q], q);
            }
        }
    }

    /**
     * Replaces each (a, b) in the word, left to right, by c, and moves the word's frequency from
     * the neighbouring pairs it breaks ((x, a) and (b, y)) to those it makes ((x, c) and (c, y)).
     * Writing in place makes overlapping runs come out right: in "a b a b" the second merge sees
     * c as its left neighbour, so (c, a) is added and removed again and (c, c) remains.
     */
    private void mergeInWord(int w, int a, int b, int c) {
        int[] s = wordSymbols[w];
        int n = wordLength[w];
        long f = wordFrequency[w];
        int j = 0;
        for (int i = 0; i < n; ) {
            if (i + 1 < n && s[i] == a && s[i + 1] == b) {
                if (j > 0) {
                    addToPair(s[j - 1], a, -f, w);
                    addToPair(s[j - 1], c, f, w);
                }
                if (i + 2 < n) {
                    addToPair(b, s[i + 2], -f, w);
                    addToPair(c, s[i + 2], f, w);
                }
                s[j++] = c;
                i += 2;
            } else {
                s[j++] = s[i++];
            }
        }
        wordLength[w] = j;
    }

    private void addToPair(int left, int right, long delta, int word) {
        long key = LongIntHashMap.pair(left, right);
        int p = pairIndex.get(key);
        if (p < 0) {
            p = newPair(key);
        }
        pairCount[p] += delta;
        if (delta > 0) {
            int[] list = pairWords[p];
            int size = pairWordCount[p];
            if (size == 0 || list[size - 1] != word) {
                if (list == null) {
                    list = new int[4];
                } else if (size == list.length) {
                    list = Arrays.copyOf(list, size * 2);
                }
                list[size] = word;
                pairWords[p] = list;
                pairWordCount[p] = size + 1;
            }
            if (pairTouchedAt[p] != currentMerge) {
                pairTouchedAt[p] = currentMerge;
                if (touchedCount == touched.length) {
                    touched = Arrays.copyOf(touched, touchedCount * 2);
                }
                touched[touchedCount++] = p;
            }
        }
    }

    private int newPair(long key) {
        int p = pairs++;
        if (p == pairKey.length) {
            int cap = p * 2;
            pairKey = Arrays.copyOf(pairKey, cap);
            pairCount = Arrays.copyOf(pairCount, cap);
            pairWords = Arrays.copyOf(pairWords, cap);
            pairWordCount = Arrays.copyOf(pairWordCount, cap);
            pairTouchedAt = Arrays.copyOf(pairTouchedAt, cap);
        }
        pairKey[p] = key;
        // Pairs met while building the table (currentMerge == -1) need no re-push.
        pairTouchedAt[p] = -1;
        pairIndex.put(key, p);
        return p;
    }
}
