package ai.chorus.core.tokenizer;

import ai.chorus.core.util.Progress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A byte-level BPE tokenizer that reads, writes and encodes exactly like Hugging Face
 * {@code tokenizers} with a ByteLevel pre-tokenizer (GPT-2 regex, no prefix space) and a BPE model.
 *
 * <p>Encoding: the text is split into pieces by the GPT-2 pattern, each piece becomes its UTF-8
 * bytes (one token each), and merges are applied by rank. Pieces seen before come from a bounded
 * per-thread cache. {@link #encode} treats all input as plain text: a literal
 * {@code "<|endoftext|>"} inside a document is encoded as ordinary characters, never as the
 * separator (a document cannot forge a document boundary); the caller appends
 * {@link #endOfTextId()} between documents. This matches Hugging Face with
 * {@code encode_special_tokens = True}; its default would instead match the literal.
 *
 * <p>Decoding is the exact inverse for every string that is valid Unicode:
 * {@code decode(encode(s)).equals(s)}. An unpaired surrogate has no UTF-8 form; it is encoded as
 * U+FFFD, so such strings do not round-trip. Arbitrary id sequences may split a character's
 * bytes; each broken sequence decodes to U+FFFD as Hugging Face's decoder does.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class BpeTokenizer {
    /** The document separator's text. */
    public static final String END_OF_TEXT = "<|endoftext|>";

    /** Pieces longer than this (in UTF-16 units) are not cached: they are rare and would pin memory. */
    private static final int CACHE_MAX_PIECE_CHARS = 128;
    /**
     * Distinct pieces per thread before the cache starts afresh: about 4 MB per encoding thread.
     * Europarl (21 languages, 315k distinct pieces) misses on about 17% of its pieces (24% with 64k).
     */
    private static final int CACHE_MAX_PIECES = 1 << 17;

    private final String[] tokens;
    private final byte[][] tokenBytes;
    private final boolean[] special;
    private final int[] byteToId = new int[256];
    private final BpeMerges merges;
    private final int endOfTextId;
    private final ThreadLocal<EncodeScratch> scratch = ThreadLocal.withInitial(EncodeScratch::new);

    /**
     * @param tokens every token by id: byte-level strings (see {@link ByteLevel}) for the model's
     *     tokens, the literal text for special tokens
     * @param special which ids are special (added) tokens
     * @param merges the merge rules by rank
     * @param endOfTextId the id of {@link #END_OF_TEXT}, a special token
     * @throws IllegalArgumentException naming the first inconsistency
     */
    BpeTokenizer(String[] tokens, boolean[] special, BpeMerges merges, int endOfTextId) {
        if (tokens.length != special.length) {
            throw new IllegalArgumentException("tokens and special flags differ in length");
        }
        this.tokens = tokens.clone();
        this.special = special.clone();
        this.merges = merges;
        this.endOfTextId = endOfTextId;
        tokenBytes = new byte[tokens.length][];
        Arrays.fill(byteToId, -1);
        for (int id = 0; id < tokens.length; id++) {
            String token = tokens[id];
            if (token == null) {
                throw new IllegalArgumentException("no token has id " + id + " (ids must run from 0 without gaps)");
            }
            byte[] bytes = ByteLevel.fromTokenString(token);
            if (bytes == null) {
                if (!special[id]) {
                    throw new IllegalArgumentException("token \"" + token + "\" (id " + id
                            + ") has a character outside the byte-level alphabet");
                }
                // Hugging Face's ByteLevel decoder falls back to the token's own UTF-8 bytes.
                bytes = token.getBytes(StandardCharsets.UTF_8);
            }
            if (bytes.length == 0) {
                throw new IllegalArgumentException("token id " + id + " is empty");
            }
            tokenBytes[id] = bytes;
            if (!special[id] && bytes.length == 1 && byteToId[bytes[0] & 0xFF] < 0) {
                byteToId[bytes[0] & 0xFF] = id;
            }
        }
        for (int b = 0; b < 256; b++) {
            if (byteToId[b] < 0) {
                throw new IllegalArgumentException("the vocabulary lacks the byte token \"" + ByteLevel.charOf(b)
                        + "\" (byte " + b + "); a byte-level BPE needs all 256");
            }
        }
        merges.indexBytePairs(byteToId);
        for (int r = 0; r < merges.size(); r++) {
            int a = merges.left(r);
            int b = merges.right(r);
            int c = merges.result(r);
            for (int id : new int[] {a, b, c}) {
                if (id < 0 || id >= tokens.length || special[id]) {
                    throw new IllegalArgumentException("merge " + r + " uses id " + id
                            + ", which is not a token of the model");
                }
            }
            if (!tokens[c].equals(tokens[a] + tokens[b])) {
                throw new IllegalArgumentException("merge " + r + " (\"" + tokens[a] + "\" \"" + tokens[b]
                        + "\") yields id " + c + " = \"" + tokens[c] + "\" instead of their concatenation");
            }
        }
        if (endOfTextId < 0 || endOfTextId >= tokens.length || !special[endOfTextId]
                || !END_OF_TEXT.equals(tokens[endOfTextId])) {
            throw new IllegalArgumentException("there is no special token " + END_OF_TEXT);
        }
    }

    /**
     * Trains on {@code texts} with {@link BpeTrainer}'s defaults (2 threads, no byte budget).
     *
     * @throws ai.chorus.engine.InvalidInputException if {@code vocabSize} < 257
     */
    public static BpeTokenizer train(Stream<String> texts, int vocabSize, Progress progress) {
        return new BpeTrainer(vocabSize).train(texts, progress);
    }

    /**
     * Reads a Hugging Face tokenizer.json.
     *
     * @throws ai.chorus.engine.InvalidInputException naming the file and the fault if it is missing,
     *     malformed, or not a byte-level BPE this class encodes exactly
     */
    public static BpeTokenizer load(Path tokenizerJson) {
        return TokenizerJson.read(tokenizerJson);
    }

    /**
     * Writes tokenizer.json atomically; the same tokenizer always gives the same bytes.
     *
     * @throws ai.chorus.engine.InvalidInputException if the file cannot be written
     */
    public void save(Path tokenizerJson) {
        TokenizerJson.write(this, tokenizerJson);
    }

    /** Number of ids, special tokens included; ids are 0 … vocabSize()-1. */
    public int vocabSize() {
        return tokens.length;
    }

    public int endOfTextId() {
        return endOfTextId;
    }

    /** The token as tokenizer.json writes it (byte-level characters, e.g. "Ġthe"), or a special token's text. */
    public String token(int id) {
        return tokens[checkId(id)];
    }

    public boolean isSpecial(int id) {
        return special[checkId(id)];
    }

    /** Number of merge rules. */
    public int mergeCount() {
        return merges.size();
    }

    BpeMerges merges() {
        return merges;
    }

    /** Encodes one document as plain text (no special tokens are recognised or added). */
    public int[] encode(String text) {
        EncodeScratch s = scratch.get();
        int[] out = new int[Math.max(16, text.length() / 3)];
        int n = 0;
        for (int p = 0, len = text.length(); p < len; ) {
            int q = Gpt2PreTokenizer.nextPieceEnd(text, p);
            if (q - p <= CACHE_MAX_PIECE_CHARS) {
                int hash = WordTable.hash(text, p, q);
                int piece = s.cache.find(text, p, q, hash);
                if (piece < 0) {
                    int count = encodePiece(text, p, q, s); // fills s.ids, possibly a new array
                    piece = s.cache.add(text, p, q, hash, s.ids, count);
                }
                int count = s.cache.idCount(piece);
                out = ensureCapacity(out, n + count);
                s.cache.copyIds(piece, out, n);
                n += count;
            } else {
                int count = encodePiece(text, p, q, s);
                out = ensureCapacity(out, n + count);
                System.arraycopy(s.ids, 0, out, n, count);
                n += count;
            }
            p = q;
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    private static int[] ensureCapacity(int[] a, int needed) {
        return needed <= a.length ? a : Arrays.copyOf(a, Math.max(a.length * 2, needed));
    }

    /** Encodes documents in parallel (common fork-join pool); the result is in input order. */
    public List<int[]> encodeDocuments(List<String> texts) {
        return texts.parallelStream().map(this::encode).collect(Collectors.toList());
    }

    /** Encodes one piece into {@code s.ids} and returns the number of ids. */
    private int encodePiece(String text, int start, int end, EncodeScratch s) {
        byte[] utf8 = s.utf8(ByteLevel.maxUtf8Length(end - start));
        int n = ByteLevel.encodeUtf8(text, start, end, utf8);
        int[] ids = s.ids(n);
        for (int i = 0; i < n; i++) {
            ids[i] = byteToId[utf8[i] & 0xFF];
        }
        return merges.applyToBytes(utf8, ids, n, s.pairRanks(n));
    }

    /** Decodes ids to text, special tokens included as their text. */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * Decodes ids to text, like Hugging Face's {@code decode(ids, skip_special_tokens)}.
     *
     * @throws IllegalArgumentException for an id outside 0 … vocabSize()-1
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        int length = 0;
        for (int id : ids) {
            checkId(id);
            if (!(skipSpecialTokens && special[id])) {
                length += tokenBytes[id].length;
            }
        }
        byte[] bytes = new byte[length];
        int n = 0;
        for (int id : ids) {
            if (!(skipSpecialTokens && special[id])) {
                byte[] t = tokenBytes[id];
                System.arraycopy(t, 0, bytes, n, t.length);
                n += t.length;
            }
        }
        return ByteLevel.decodeUtf8Lossy(bytes, n);
    }

    private int checkId(int id) {
        if (id < 0 || id >= tokens.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary 0.." + (tokens.length - 1));
        }
        return id;
    }

    /** Per-thread buffers and the piece cache, so that encoding allocates only its results. */
    private static final class EncodeScratch {
        final PieceCache cache = new PieceCache(CACHE_MAX_PIECES);
        int[] ids = new int[256];
        private byte[] utf8 = new byte[256];
        private int[] pairRanks = new int[256];

        byte[] utf8(int capacity) {
            if (utf8.length < capacity) {
                utf8 = new byte[capacity];
            }
            return utf8;
        }

        int[] ids(int capacity) {
            if (ids.length < capacity) {
                ids = new int[capacity];
            }
            return ids;
        }

        int[] pairRanks(int capacity) {
            if (pairRanks.length < capacity) {
                pairRanks = new int[capacity];
            }
            return pairRanks;
        }
    }
}
