package ai.chorus.core.mix;

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
 * This is the "cluster prior × per-prefix posterior" combination of RESEARCH.md §4.
 */
public final class HybridRouter implements Router {
    private final CentroidRouter.ExpertDistances distances;
    private final double tau;
    private final double[] logPrior;
    private final int k;

    public HybridRouter(CentroidRouter.ExpertDistances distances, double tau, double[] prior, int k) {
        if (!(tau > 0) || Double.isInfinite(tau)) {
            throw new IllegalArgumentException("tau must be positive and finite, got " + tau);
        }
        if (k < 1) {
            throw new IllegalArgumentException("top-k needs k ≥ 1, got " + k);
        }
        Weights.requireExperts(prior.length);
        double[] p = Weights.checkedPrior(prior, prior.length);
        this.distances = distances;
        this.tau = tau;
        this.logPrior = new double[p.length];
        for (int j = 0; j < p.length; j++) {
            logPrior[j] = Math.log(p[j]);
        }
        this.k = Math.min(k, p.length);
    }

    @Override
    public int experts() {
        return logPrior.length;
    }

    public int k() {
        return k;
    }

    @Override
    public void route(RoutingContext context, double[] out) {
        int n = logPrior.length;
        double[] score = out; // the centroid scores first, then (in place) the weights
        if (context.isEmpty()) {
            System.arraycopy(logPrior, 0, score, 0, n);
        } else {
            double[] d = distances.of(context.text());
            if (d.length != n) {
                throw new IllegalStateException("centroid distances for " + d.length + " experts, router has " + n);
            }
            for (int j = 0; j < n; j++) {
                score[j] = -d[j] / tau;
            }
        }
        // selection: the k best centroid scores, the lower index winning a tie (as Weights.keepTopK)
        long chosen = 0; // bit j = expert j runs; K ≤ 64 (Weights.requireExperts)
        for (int r = 0; r < k; r++) {
            int best = -1;
            for (int j = 0; j < n; j++) {
                if ((chosen & (1L << j)) == 0 && (best < 0 || score[j] > score[best])) {
                    best = j;
                }
            }
            chosen |= 1L << best;
        }
        for (int j = 0; j < n; j++) {
            score[j] = (chosen & (1L << j)) != 0 ? score[j] + context.logLikelihood(j) : Double.NEGATIVE_INFINITY;
        }
        Weights.softmaxInPlace(out);
    }
}
