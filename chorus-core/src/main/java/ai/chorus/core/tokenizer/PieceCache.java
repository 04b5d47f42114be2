package ai.chorus.core.tokenizer;

import java.util.Arrays;

/**
 * One thread's cache of pre-tokenized piece → token ids, in flat arrays: a hit touches the slot,
 * the piece's characters and its ids, three places in memory instead of the six or so of a
 * {@code HashMap<String, int[]>}. When full it starts afresh, which keeps frequent pieces in a few
 * thousand lookups and needs no bookkeeping on hits.
 */
final class PieceCache {
    private final int maxPieces;
    private final long[] slots; // (hash << 32) | (piece + 1); 0 = empty
    private final int mask;
    private int[] charStart; // piece p's characters are chars[charStart[p], charStart[p + 1])
    private int[] idStart; // piece p's token ids are ids[idStart[p], idStart[p + 1])
    private char[] chars;
    private int[] ids;
    private int size;

    PieceCache(int maxPieces) {
        this.maxPieces = maxPieces;
        slots = new long[Integer.highestOneBit(maxPieces * 2 - 1) << 1];
        mask = slots.length - 1;
        charStart = new int[1025];
        idStart = new int[1025];
        chars = new char[8192];
        ids = new int[4096];
    }

    static int hash(String text, int start, int end) {
        int h = 0;
        for (int i = start; i < end; i++) {
            h = 31 * h + text.charAt(i);
        }
        return h;
    }

    /** The cached piece equal to {@code text[start, end)}, or -1. */
    int find(String text, int start, int end, int hash) {
        int len = end - start;
        for (int slot = spread(hash) & mask; ; slot = (slot + 1) & mask) {
            long entry = slots[slot];
            if (entry == 0) {
                return -1;
            }
            if ((int) (entry >>> 32) == hash) {
                int piece = (int) entry - 1;
                int from = charStart[piece];
                if (charStart[piece + 1] - from == len && sameChars(from, text, start, len)) {
                    return piece;
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

    /** Caches {@code text[start, end)} (absent, as {@link #find} just said) with {@code tokenIds[0, n)}. */
    int add(String text, int start, int end, int hash, int[] tokenIds, int n) {
        if (size == maxPieces) {
            clear();
        }
        int piece = size++;
        if (piece + 2 > charStart.length) {
            charStart = Arrays.copyOf(charStart, charStart.length * 2);
            idStart = Arrays.copyOf(idStart, idStart.length * 2);
        }
        int c0 = charStart[piece];
        int len = end - start;
        if (c0 + len > chars.length) {
            chars = Arrays.copyOf(chars, Math.max(chars.length * 2, c0 + len));
        }
        text.getChars(start, end, chars, c0);
        charStart[piece + 1] = c0 + len;
        int i0 = idStart[piece];
        if (i0 + n > ids.length) {
            ids = Arrays.copyOf(ids, Math.max(ids.length * 2, i0 + n));
        }
        System.arraycopy(tokenIds, 0, ids, i0, n);
        idStart[piece + 1] = i0 + n;
        int slot = spread(hash) & mask;
        while (slots[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        slots[slot] = ((long) hash << 32) | (piece + 1);
        return piece;
    }

    int idCount(int piece) {
        return idStart[piece + 1] - idStart[piece];
    }

    /** Copies the piece's token ids to {@code out} at {@code at}. */
    void copyIds(int piece, int[] out, int at) {
        System.arraycopy(ids, idStart[piece], out, at, idStart[piece + 1] - idStart[piece]);
    }

    private void clear() {
        Arrays.fill(slots, 0);
        size = 0;
    }

    private static int spread(int h) {
        int x = h * 0x9E3779B9;
        return x ^ (x >>> 16);
    }
}
