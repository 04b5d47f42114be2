package ai.chorus.core.train;

import ai.chorus.core.data.DocumentRecord;
import ai.chorus.core.data.ShardReader;
import java.util.SplittableRandom;

/**
 * Cuts a set of documents into training batches, deterministically and resumably.
 *
 * <p>Each epoch visits the documents in a fresh order (a Fisher–Yates shuffle seeded by
 * {@code seed} and the epoch number) and reads them as one stream, every document followed by
 * {@code <|endoftext|>}. A batch is B rows of T+1 consecutive tokens from that stream: inputs are
 * the first T, targets the last T. Rows follow each other without gaps or overlap, so every token
 * is trained on once per epoch. The position in the stream is a {@link Cursor}; restoring it
 * reproduces the same batches bit for bit, which is what makes resumed training identical.
 */
public final class BatchSampler {
    /** Where the sampler stands: epoch, index into that epoch's order, token offset inside that document. */
    public record Cursor(long epoch, int document, int offset) {
        public String encode() {
            return epoch + ":" + document + ":" + offset;
        }

        public static Cursor decode(String s) {
            String[] p = s.split(":");
            if (p.length != 3) {
                throw new IllegalArgumentException("not a data cursor: " + s);
            }
            return new Cursor(Long.parseLong(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
        }
    }

    private final ShardReader data;
    private final int[] documents;
    private final long seed;
    private final int batch;
    private final int seqLen;
    private final int endOfText;
    private final int[] order;
    private int[] docTokens = new int[0];
    private int docLength;
    private long epoch;
    private int position;
    private int offset;

    /**
     * @param documents document indices to train on (any order; the sampler sorts nothing and copies them)
     * @param seed data order seed
     */
    public BatchSampler(ShardReader data, int[] documents, long seed, int batch, int seqLen) {
        if (documents.length == 0) {
            throw new IllegalArgumentException("no documents to train on");
        }
        this.data = data;
        this.documents = documents.clone();
        this.seed = seed;
        this.batch = batch;
        this.seqLen = seqLen;
        this.endOfText = data.meta().endOfTextId();
        this.order = new int[documents.length];
        seek(new Cursor(0, 0, 0));
    }

    public Cursor cursor() {
        return new Cursor(epoch, position, offset);
    }

    public void seek(Cursor c) {
        if (c.epoch() < 0 || c.document() < 0 || c.document() >= documents.length || c.offset() < 0) {
            throw new IllegalArgumentException("data cursor " + c.encode() + " is outside " + documents.length
                    + " documents");
        }
        epoch = c.epoch();
        shuffle(epoch);
        position = c.document();
        loadDocument();
        if (c.offset() > docLength) {
            throw new IllegalArgumentException("data cursor " + c.encode() + " is past the end of its document");
        }
        offset = c.offset();
    }

    public int batchSize() {
        return batch;
    }

    public int seqLen() {
        return seqLen;
    }

    /** Epochs completed so far, with the fraction of the current one. */
    public double epochs() {
        return epoch + (double) position / documents.length;
    }

    /**
     * Fills {@code inputs} and {@code targets} (each B·T) with the next batch. Consecutive rows
     * share one token: the last target of a row is the first input of the next.
     */
    public void next(int[] inputs, int[] targets) {
        for (int b = 0; b < batch; b++) {
            int base = b * seqLen;
            for (int t = 0; t < seqLen; t++) {
                inputs[base + t] = peek();
                advance();
                targets[base + t] = peek();
            }
        }
    }

    /** The token under the cursor: the current document's, or its end-of-text at offset = length. */
    private int peek() {
        return offset < docLength ? docTokens[offset] : endOfText;
    }

    private void advance() {
        if (++offset > docLength) {
            offset = 0;
            if (++position == documents.length) {
                position = 0;
                shuffle(++epoch);
            }
            loadDocument();
        }
    }

    private void loadDocument() {
        DocumentRecord d = data.document(order[position]);
        if (docTokens.length < d.length()) {
            docTokens = new int[Math.max(d.length(), 2 * docTokens.length)];
        }
        docLength = d.length();
        data.readTokens(d, docTokens, 0);
    }

    private void shuffle(long e) {
        System.arraycopy(documents, 0, order, 0, documents.length);
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + e);
        for (int i = order.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
    }
}
