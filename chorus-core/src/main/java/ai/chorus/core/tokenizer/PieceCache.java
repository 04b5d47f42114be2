package ai.chorus.core.tokenizer;

import java.util.Arrays;

/**
 * One thread's cache of pre-tokenized piece → token ids: the pieces interned in a {@link WordTable}, their
 * ids in one flat array beside it. When full it starts afresh, which keeps frequent pieces in a few thousand
 * lookups and needs no bookkeeping on hits.
 */
final class PieceCache {
    private final int maxPieces;
    private final WordTable pieces;
    private int[] idStart = new int[1025]; // piece p's token ids are ids[idStart[p], idStart[p + 1])
    private int[] ids = new int[4096];

    PieceCache(int maxPieces) {
        this.maxPieces = maxPieces;
        this.pieces = new WordTable(maxPieces);
    }

    /** The cached piece equal to {@code text[start, end)}, or -1; {@code hash} is {@link WordTable#hash}. */
    int find(String text, int start, int end, int hash) {
        return pieces.find(text, start, end, hash);
    }

    /** Caches {@code text[start, end)} (absent, as {@link #find} just said) with {@code tokenIds[0, n)}. */
    int add(String text, int start, int end, int hash, int[] tokenIds, int n) {
        if (pieces.size() == maxPieces) {
            pieces.clear();
        }
        int piece = pieces.add(text, start, end, hash);
        if (piece + 2 > idStart.length) {
            idStart = Arrays.copyOf(idStart, idStart.length * 2);
        }
        int i0 = idStart[piece];
        if (i0 + n > ids.length) {
            ids = Arrays.copyOf(ids, Math.max(ids.length * 2, i0 + n));
        }
        System.arraycopy(tokenIds, 0, ids, i0, n);
        idStart[piece + 1] = i0 + n;
        return piece;
    }

    int idCount(int piece) {
        return idStart[piece + 1] - idStart[piece];
    }

    /** Copies the piece's token ids to {@code out} at {@code at}. */
    void copyIds(int piece, int[] out, int at) {
        System.arraycopy(ids, idStart[piece], out, at, idStart[piece + 1] - idStart[piece]);
    }
}
