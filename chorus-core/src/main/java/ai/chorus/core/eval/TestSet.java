package ai.chorus.core.eval;

import ai.chorus.core.cluster.ClusterAssignments;
import ai.chorus.core.corpus.Split;
import ai.chorus.core.data.DocumentRecord;
import ai.chorus.core.data.ShardReader;
import ai.chorus.engine.InvalidInputException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The tokens every model is scored on, laid out once so each model's per-token log-probabilities are
 * plain float arrays aligned with {@link #targets()}.
 *
 * <p>Each test document with n tokens contributes n + 1 scored positions: the model reads
 * {@code <|endoftext|>, x_0, …, x_{n-1}} and predicts {@code x_0, …, x_{n-1}, <|endoftext|>} — the
 * separator before a document is how training showed a document's start, and its own end-of-text is
 * part of the text being modelled. Positions are cut into windows of the model's sequence length,
 * starting at each document's first position; a window sees only its own tokens (blocks of unsplit
 * documents, as c-BTM evaluates).
 *
 * <p>{@code maxTokens} caps the scored positions: documents are taken in the order of their content
 * hash (a fixed pseudo-random order, so a prefix covers every domain rather than the corpus's first
 * files) and the last one taken is cut to fill the cap exactly.
 */
public final class TestSet {
    private final Split split;
    private final int[] documents;
    private final int[] starts;
    private final int[] inputs;
    private final int[] targets;
    private final int[] domain;
    private final int[] label;
    private final int endOfText;

    private TestSet(Split split, int[] documents, int[] starts, int[] inputs, int[] targets, int[] domain,
                    int[] label, int endOfText) {
        this.split = split;
        this.documents = documents;
        this.starts = starts;
        this.inputs = inputs;
        this.targets = targets;
        this.domain = domain;
        this.label = label;
        this.endOfText = endOfText;
    }

    public static TestSet of(ShardReader data, ClusterAssignments clusters, long maxTokens) {
        return of(data, clusters, Split.TEST, maxTokens);
    }

    /** As {@link #of(ShardReader, ClusterAssignments, long)}, over another split (validation, for calibration). */
    public static TestSet of(ShardReader data, ClusterAssignments clusters, Split split, long maxTokens) {
        if (maxTokens < 1) {
            throw new InvalidInputException("--max-tokens must be positive, got " + maxTokens);
        }
        int[] test = data.documentsOf(split);
        if (test.length == 0) {
            throw new InvalidInputException(data.dir() + " has no " + split.key() + " documents; re-run"
                    + " 'chorus prepare' with a larger corpus or a " + split.key() + " share in --split");
        }
        DocumentRecord[] records = Arrays.stream(test).mapToObj(data::document)
                .sorted(Comparator.comparing(DocumentRecord::id)).toArray(DocumentRecord[]::new);
        long total = 0;
        int taken = 0;
        while (taken < records.length && total < maxTokens) {
            total += records[taken++].length() + 1L;
        }
        int positions = (int) Math.min(total, maxTokens);
        int[] documents = new int[taken];
        int[] starts = new int[taken + 1];
        int[] inputs = new int[positions];
        int[] targets = new int[positions];
        int[] domain = new int[taken];
        int[] label = new int[taken];
        int eot = data.meta().endOfTextId();
        int at = 0;
        for (int i = 0; i < taken; i++) {
            DocumentRecord d = records[i];
            documents[i] = d.index();
            starts[i] = at;
            domain[i] = clusters.expertOf(d.index());
            if (domain[i] < 0) {
                throw new InvalidInputException("test document " + d.index() + " has no cluster in clusters/"
                        + "assignments.bin (clustered before the data changed?); re-run 'chorus cluster --force'");
            }
            label[i] = d.label();
            int[] tokens = data.tokens(d);
            int n = Math.min(tokens.length + 1, positions - at);
            for (int s = 0; s < n; s++) {
                inputs[at + s] = s == 0 ? eot : tokens[s - 1];
                targets[at + s] = s < tokens.length ? tokens[s] : eot;
            }
            at += n;
        }
        starts[taken] = at;
        return new TestSet(split, documents, starts, inputs, targets, domain, label, eot);
    }

    /** A test set from explicit documents (tests): tokens[i] without end-of-text, their domains and labels. */
    public static TestSet ofTokens(int[][] tokens, int[] domain, int[] label, int endOfText) {
        return ofTokens(Split.TEST, tokens, domain, label, endOfText);
    }

    /** As {@link #ofTokens(int[][], int[], int[], int)}, standing for documents of {@code split}. */
    public static TestSet ofTokens(Split split, int[][] tokens, int[] domain, int[] label, int endOfText) {
        int positions = Arrays.stream(tokens).mapToInt(t -> t.length + 1).sum();
        int[] starts = new int[tokens.length + 1];
        int[] inputs = new int[positions];
        int[] targets = new int[positions];
        int at = 0;
        for (int i = 0; i < tokens.length; i++) {
            starts[i] = at;
            for (int s = 0; s <= tokens[i].length; s++) {
                inputs[at + s] = s == 0 ? endOfText : tokens[i][s - 1];
                targets[at + s] = s < tokens[i].length ? tokens[i][s] : endOfText;
            }
            at += tokens[i].length + 1;
        }
        starts[tokens.length] = at;
        return new TestSet(split, IntStream.range(0, tokens.length).toArray(), starts, inputs, targets,
                domain.clone(), label.clone(), endOfText);
    }

    /** The split the documents were taken from: what a result computed on them may claim to be. */
    public Split split() {
        return split;
    }

    /** Number of documents scored. */
    public int documents() {
        return documents.length;
    }

    /** The run's index of the i-th document scored. */
    public int documentIndex(int i) {
        return documents[i];
    }

    /** Scored positions (tokens) in all. */
    public int positions() {
        return targets.length;
    }

    /** First scored position of document i; {@code start(documents())} is the end. */
    public int start(int i) {
        return starts[i];
    }

    public int end(int i) {
        return starts[i + 1];
    }

    /** Per document, its scored positions. */
    public long[] documentTokens() {
        long[] tokens = new long[documents.length];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = end(i) - start(i);
        }
        return tokens;
    }

    public int[] inputs() {
        return inputs;
    }

    public int[] targets() {
        return targets;
    }

    /** The document's cluster (its expert domain). */
    public int domain(int i) {
        return domain[i];
    }

    /** The document's label index, or -1. */
    public int label(int i) {
        return label[i];
    }

    public int endOfText() {
        return endOfText;
    }

    /**
     * The windows of length ≤ {@code seqLen}: {@code [start, length]} pairs, every document cut from its
     * first position, full windows first and the shorter ones by falling length (so a batch pads little).
     */
    public int[][] windows(int seqLen) {
        int count = 0;
        for (int i = 0; i < documents.length; i++) {
            count += (end(i) - start(i) + seqLen - 1) / seqLen;
        }
        int[][] w = new int[count][];
        int n = 0;
        for (int i = 0; i < documents.length; i++) {
            for (int s = start(i); s < end(i); s += seqLen) {
                w[n++] = new int[] {s, Math.min(seqLen, end(i) - s)};
            }
        }
        Arrays.sort(w, (a, b) -> a[1] != b[1] ? Integer.compare(b[1], a[1]) : Integer.compare(a[0], b[0]));
        return w;
    }
}
