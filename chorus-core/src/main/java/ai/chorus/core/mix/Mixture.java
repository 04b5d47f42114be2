package ai.chorus.core.mix;

/**
 * The output-space mixture: p(x | context) = Σ_j w_j · p_j(x | context), a mixture of
 * probabilities (never a sum of logits), computed in log space as log Σ_j exp(log w_j + log p_j).
 * Experts with weight 0 are skipped: they need not run.
 */
public final class Mixture {
    private Mixture() {}

    /**
     * log Σ_j w_j p_j for one token, from the experts' log-probabilities of it:
     * {@code expertLogProbs[j][at]} = log p_j(token).
     */
    public static double logProb(double[] weights, float[][] expertLogProbs, int at) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < weights.length; j++) {
            if (weights[j] > 0) {
                max = Math.max(max, Math.log(weights[j]) + expertLogProbs[j][at]);
            }
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double sum = 0;
        for (int j = 0; j < weights.length; j++) {
            if (weights[j] > 0) {
                sum += Math.exp(Math.log(weights[j]) + expertLogProbs[j][at] - max);
            }
        }
        return max + Math.log(sum);
    }

    /**
     * The mixed next-token distribution over a whole vocabulary: out[v] = log Σ_j w_j p_j(v), from
     * each expert's log-probabilities {@code expertLogProbs[j][0, vocab)} (log-softmaxed logits).
     */
    public static void logProbs(double[] weights, float[][] expertLogProbs, int vocab, float[] out) {
        for (int v = 0; v < vocab; v++) {
            out[v] = (float) logProb(weights, expertLogProbs, v);
        }
    }
}
