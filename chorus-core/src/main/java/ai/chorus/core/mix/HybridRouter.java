package ai.chorus.core.mix;

import java.util.function.IntToDoubleFunction;

/**
 * Centroid selection, posterior weighting: c-BTM's centroid router picks the k experts that run, and
 * BTM's posterior over the context — with the centroid scores as its prior — weighs them:
 * w_j ∝ exp(−d_j²/τ + Σ_s log p_j(x_s | x_&lt;s)) for the k nearest experts j, 0 for the rest.
 *
 * <p>It is as sparse as the centroid router: only the k chosen experts run, and each has read the
 * context (a transformer must, to predict the next token), so its likelihood of the context is at hand.
 * It is more robust: a context of a few tokens embeds poorly and puts the wrong expert first now and
 * then, but the right one is usually second, and between two candidates the likelihood of even a few
 * tokens tells them apart. On an empty context the prior (the clusters' token shares) picks and weighs.
 * This is the "cluster prior × per-prefix posterior" combination of docs/METHODS.md §4.2.
 */
public final class HybridRouter implements SparseRouter {
    private final CentroidRouter centroid;
    private final int k;

    public HybridRouter(CentroidRouter.ExpertDistances distances, double tau, double[] prior, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("top-k needs k ≥ 1, got " + k);
        }
        this.centroid = new CentroidRouter(distances, tau, prior);
        this.k = Math.min(k, prior.length);
    }

    @Override
    public int experts() {
        return centroid.experts();
    }

    public int k() {
        return k;
    }

    @Override
    public void route(RoutingContext context, double[] out) {
        long chosen = choose(context, out); // out holds the centroid scores, then (in place) the weights
        for (int j = 0; j < out.length; j++) {
            if ((chosen & (1L << j)) == 0) {
                out[j] = Double.NEGATIVE_INFINITY;
            }
        }
        posterior(out, context::logLikelihood, out);
    }

    /** The k chosen experts: each reads the whole context, so its likelihood of it is at hand. */
    @Override
    public long running(RoutingContext context) {
        return choose(context, new double[centroid.experts()]);
    }

    /**
     * The selection half, for callers that learn the likelihoods later (a server prefilling the prompt
     * on the chosen experts only): writes every expert's centroid score −d_j²/τ (the log prior on an
     * empty context) into {@code scores[0, K)} and returns the k best as a bit set (bit j = expert j
     * runs), the lower index winning a tie ({@link Weights#topK}). Only the context's text is read.
     */
    public long choose(RoutingContext context, double[] scores) {
        int n = centroid.experts();
        centroid.scores(context, scores);
        return Weights.topK(scores, n, k); // K ≤ 64 (Weights.requireExperts)
    }

    /**
     * The weighing half: w_j = softmax_j(score_j + logLikelihood(j)), the posterior with the centroid
     * scores as its log prior. An expert scored −∞ (not chosen) gets weight 0 and its likelihood is not
     * asked for. {@code out} may be {@code scores}.
     */
    public static void posterior(double[] scores, IntToDoubleFunction logLikelihood, double[] out) {
        for (int j = 0; j < scores.length; j++) {
            out[j] = scores[j] == Double.NEGATIVE_INFINITY
                    ? Double.NEGATIVE_INFINITY : scores[j] + logLikelihood.applyAsDouble(j);
        }
        Weights.softmaxInPlace(out);
    }
}
