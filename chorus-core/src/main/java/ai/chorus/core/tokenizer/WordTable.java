package ai.chorus.core.tokenizer;

import java.util.Arrays;

/**
 * Interns pieces of text ({@code text[start, end)}) as dense ids 0, 1, 2, … without creating a
 * substring for a piece already seen; the trainer keeps word counts in an array indexed by these ids.
 */
final class WordTable {
    private String[] words = new String[1024];
    private int[] hashes = new int[1024];
    private int[] slots; // id + 1, or 0 for an empty slot
    private int[] slotHashes; // the hash of the word in each slot: most probes end here, without touching the word
    private int mask;
    private int size;

    WordTable() {
        slots = new int[4096];
        slotHashes = new int[4096];
        mask = slots.length - 1;
    }

    int size() {
        return size;
    }

    String word(int id) {
        return words[id];
    }

    static int hash(String text, int start, int end) {
        int h = 0;
        for (int i = start; i < end; i++) {
            h = 31 * h + text.charAt(i);
        }
        return h;
    }

    /** The id of {@code text[start, end)}, or -1 if it has not been added. */
    int find(String text, int start, int end, int hash) {
        int len = end - start;
        for (int slot = spread(hash) & mask; ; slot = (slot + 1) & mask) {
            int idPlus1 = slots[slot];
            if (idPlus1 == 0) {
                return -1;
            }
            if (slotHashes[slot] == hash) {
                int id = idPlus1 - 1;
                String w = words[id];
                if (w.length() == len && w.regionMatches(0, text, start, len)) {
                    return id;
                }
            }
        }
    }

    /** Adds {@code text[start, end)}, which must not be present yet, and returns its new id. */
    int add(String text, int start, int end, int hash) {
        int id = size++;
        if (id == words.length) {
            words = Arrays.copyOf(words, id * 2);
            hashes = Arrays.copyOf(hashes, id * 2);
        }
        words[id] = text.substring(start, end);
        hashes[id] = hash;
        if (size * 2 > slots.length) {
            rehash(slots.length * 2);
        } else {
            insertSlot(id);
        }
        return id;
    }

    int intern(String text, int start, int end) {
        int h = hash(text, start, end);
        int id = find(text, start, end, h);
        return id >= 0 ? id : add(text, start, end, h);
    }

    void clear() {
        Arrays.fill(words, 0, size, null);
        Arrays.fill(slots, 0);
        size = 0;
    }

    private void rehash(int capacity) {
        slots = new int[capacity];
        slotHashes = new int[capacity];
        mask = capacity - 1;
        for (int id = 0; id < size; id++) {
            insertSlot(id);
        }
    }

    private void insertSlot(int id) {
        int slot = spread(hashes[id]) & mask;
        while (slots[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        slots[slot] = id + 1;
        slotHashes[slot] = hashes[id];
    }

    private static int spread(int h) {
        int x = h * 0x9E3779B9;
        return x ^ (x >>> 16);
    }
}
