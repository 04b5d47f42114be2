package ai.chorus.core.mix;

import ai.chorus.engine.kernel.MixKernel;

/**
 * The output-space mixture: p(x | context) = Σ_j w_j · p_j(x | context), a mixture of
 * probabilities (never a sum of logits). Experts with weight 0 are skipped: they need not run.
 * Two paths: {@link #logProb} for one token in double (eval scores every target with it), and
 * {@link #logProbs} for a whole vocabulary in floats (serving samples from it every token).
 */
public final class Mixture {
    private Mixture() {}

    /**
     * log Σ_j w_j p_j for one token, from the experts' log-probabilities of it:
     * {@code expertLogProbs[j][at]} = log p_j(token). A log-sum-exp in double.
     */
    public static double logProb(double[] weights, float[][] expertLogProbs, int at) {
        return MixKernel.exactLogMix(weights, expertLogProbs, at);
    }

    /**
     * The mixed next-token distribution over a whole vocabulary: out[v] = log Σ_j w_j p_j(v), from
     * each expert's log-probabilities {@code expertLogProbs[j][0, vocab)} (log-softmaxed logits).
     * Vectorised in probability space, in floats (within ~1e-6 of {@link #logProbsExact}); allocates nothing.
     */
    public static void logProbs(double[] weights, float[][] expertLogProbs, int vocab, float[] out) {
        MixKernel.logMix(weights, expertLogProbs, vocab, out);
    }

    /** The reference for {@link #logProbs}: {@link #logProb} per token id, in double. */
    public static void logProbsExact(double[] weights, float[][] expertLogProbs, int vocab, float[] out) {
        for (int v = 0; v < vocab; v++) {
            out[v] = (float) logProb(weights, expertLogProbs, v);
        }
    }
}
