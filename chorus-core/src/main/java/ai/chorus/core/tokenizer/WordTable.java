package ai.chorus.core.tokenizer;

import java.util.Arrays;

/**
 * Interns pieces of text ({@code text[start, end)}) as dense ids 0, 1, 2, … in flat arrays, without creating
 * a substring: a lookup touches the slot, then the piece's characters, two places in memory instead of the
 * six or so of a {@code HashMap<String, Integer>}. The trainer keeps word counts in an array indexed by these
 * ids; the tokenizer's {@link PieceCache} keeps each piece's token ids by them.
 */
final class WordTable {
    private long[] slots; // (hash << 32) | (id + 1); 0 = empty
    private int mask;
    private int[] charStart = new int[1025]; // word id's characters are chars[charStart[id], charStart[id + 1])
    private char[] chars = new char[8192];
    private int size;

    WordTable() {
        this(2048);
    }

    /** A table that holds {@code expected} words before it first grows. */
    WordTable(int expected) {
        slots = new long[Integer.highestOneBit(Math.max(2, expected) * 2 - 1) << 1];
        mask = slots.length - 1;
    }

    int size() {
        return size;
    }

    /** The text of word {@code id}, as a new String. */
    String word(int id) {
        return new String(chars, charStart[id], charStart[id + 1] - charStart[id]);
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
            long entry = slots[slot];
            if (entry == 0) {
                return -1;
            }
            if ((int) (entry >>> 32) == hash) {
                int id = (int) entry - 1;
                int from = charStart[id];
                if (charStart[id + 1] - from == len && sameChars(from, text, start, len)) {
                    return id;
                }
            }
        }
    }

    private boolean sameChars(int from, String text, int start, int len) {
        char[] c = chars;
        for (int i = 0; i < len; i++) {
            if (c[from + i] != text.charAt(start + i)) {
                return false;
            }
        }
        return true;
    }

    /** Adds {@code text[start, end)}, which must not be present yet (as {@link #find} just said), and returns its id. */
    int add(String text, int start, int end, int hash) {
        int id = size++;
        if (id + 2 > charStart.length) {
            charStart = Arrays.copyOf(charStart, charStart.length * 2);
        }
        int c0 = charStart[id];
        int len = end - start;
        if (c0 + len > chars.length) {
            chars = Arrays.copyOf(chars, Math.max(chars.length * 2, c0 + len));
        }
        text.getChars(start, end, chars, c0);
        charStart[id + 1] = c0 + len;
        if (size * 2 > slots.length) {
            rehash(slots.length * 2);
        } else {
            insert(hash, id);
        }
        return id;
    }

    int intern(String text, int start, int end) {
        int h = hash(text, start, end);
        int id = find(text, start, end, h);
        return id >= 0 ? id : add(text, start, end, h);
    }

    /** Forgets every word; ids start from 0 again. */
    void clear() {
        Arrays.fill(slots, 0);
        size = 0;
    }

    private void rehash(int capacity) {
        slots = new long[capacity];
        mask = capacity - 1;
        for (int id = 0; id < size; id++) {
            int h = 0;
            for (int i = charStart[id]; i < charStart[id + 1]; i++) {
                h = 31 * h + chars[i];
            }
            insert(h, id);
        }
    }

    private void insert(int hash, int id) {
        int slot = spread(hash) & mask;
        while (slots[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        slots[slot] = ((long) hash << 32) | (id + 1);
    }

    private static int spread(int h) {
        int x = h * 0x9E3779B9;
        return x ^ (x >>> 16);
    }
}
