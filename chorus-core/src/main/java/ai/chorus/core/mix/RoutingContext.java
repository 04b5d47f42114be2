package ai.chorus.core.mix;

import java.util.Arrays;

/**
 * What a router may look at before the next tokens: the document's tokens seen so far, the running
 * log-likelihood of those tokens under each expert (for the posterior router), the decoded text
 * (for the centroid router, decoded lazily and only when asked) and — for analysis only — the
 * document's true cluster. Reused across documents: {@link #reset} then {@link #append} per token,
 * so nothing is allocated per token.
 */
public final class RoutingContext {

    /** Turns token ids back into text (the run's tokenizer). */
    @FunctionalInterface
    public interface Decoder {
        String decode(int[] tokens, int length);
    }

    private final int experts;
    private final Decoder decoder;
    private final double[] logLikelihood;
    /** [t·K + j]: Σ_{s<t} log p_j(x_s | x_<s), the likelihood of each prefix (for routers that decide on its history) */
    private double[] prefixLogLikelihood;
    private int[] tokens = new int[256];
    private int length;
    private int oracleExpert = -1;
    private String text;
    private int textLength = -1;

    public RoutingContext(int experts, Decoder decoder) {
        Weights.requireExperts(experts);
        this.experts = experts;
        this.decoder = decoder;
        this.logLikelihood = new double[experts];
        this.prefixLogLikelihood = new double[(tokens.length + 1) * experts];
    }

    /** Starts a new document whose true cluster is {@code oracleExpert} (-1 when unknown). */
    public void reset(int oracleExpert) {
        this.oracleExpert = oracleExpert;
        this.length = 0;
        this.textLength = -1;
        this.text = null;
        Arrays.fill(logLikelihood, 0);
    }

    /**
     * Adds one token to the context with log p_j(token | earlier context) for every expert j
     * ({@code expertLogProbs[j][at]}); pass null when no router needs the likelihoods.
     */
    public void append(int token, float[][] expertLogProbs, int at) {
        if (length == tokens.length) {
            tokens = Arrays.copyOf(tokens, 2 * length);
            prefixLogLikelihood = Arrays.copyOf(prefixLogLikelihood, (2 * length + 1) * experts);
        }
        tokens[length++] = token;
        if (expertLogProbs != null) {
            for (int j = 0; j < experts; j++) {
                logLikelihood[j] += expertLogProbs[j][at];
            }
        }
        System.arraycopy(logLikelihood, 0, prefixLogLikelihood, length * experts, experts);
    }

    public int experts() {
        return experts;
    }

    /** Tokens seen so far in this document. */
    public int length() {
        return length;
    }

    public boolean isEmpty() {
        return length == 0;
    }

    public int token(int i) {
        return tokens[i];
    }

    /** Σ over the context of log p_j(x_s | x_<s), for expert j. */
    public double logLikelihood(int expert) {
        return logLikelihood[expert];
    }

    /**
     * Σ over the context's first {@code prefix} tokens of log p_j(x_s | x_<s), for expert j: what the
     * posterior was when the context was that long.
     */
    public double logLikelihood(int expert, int prefix) {
        if (prefix < 0 || prefix > length) {
            throw new IndexOutOfBoundsException("prefix " + prefix + " of a context of " + length + " tokens");
        }
        return prefixLogLikelihood[prefix * experts + expert];
    }

    /** The document's true cluster, or -1. */
    public int oracleExpert() {
        return oracleExpert;
    }

    /** The context decoded to text; decoded once per context length. */
    public String text() {
        if (textLength != length) {
            if (decoder == null) {
                throw new IllegalStateException("this routing context has no decoder; the centroid router needs one");
            }
            text = decoder.decode(tokens, length);
            textLength = length;
        }
        return text;
    }
}
