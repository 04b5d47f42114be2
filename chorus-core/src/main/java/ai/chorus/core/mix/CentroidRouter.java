package ai.chorus.core.mix;

/**
 * c-BTM's router: w_j = softmax_j(−d_j² / τ), where d_j² is the squared Euclidean distance from the
 * context's embedding to expert j's (unit) centroid. On an empty context there is nothing to embed,
 * so the weights are the prior (each expert's share of the training tokens).
 */
public final class CentroidRouter implements Router {

    /** Squared distances from a text to every expert centroid ({@code ClusterModel::expertDistances}). */
    @FunctionalInterface
    public interface ExpertDistances {
        double[] of(String text);

        /**
         * The same distances, the last answer kept: routers that share one embedder (several τ, or k) ask for
         * the same context's distances in turn, and the embedding is the costly part (a routing context hands
         * out one String per context length, so identity is the test).
         */
        static ExpertDistances lastOnly(ExpertDistances distances) {
            return new ExpertDistances() {
                private String lastText;
                private double[] last;

                @Override
                public double[] of(String text) {
                    if (text != lastText) {
                        last = distances.of(text);
                        lastText = text;
                    }
                    return last.clone();
                }
            };
        }
    }

    private final ExpertDistances distances;
    private final double tau;
    private final double[] prior;

    public CentroidRouter(ExpertDistances distances, double tau, double[] prior) {
        if (!(tau > 0) || Double.isInfinite(tau)) {
            throw new IllegalArgumentException("tau must be positive and finite, got " + tau);
        }
        Weights.requireExperts(prior.length);
        this.distances = distances;
        this.tau = tau;
        this.prior = Weights.checkedPrior(prior, prior.length);
    }

    @Override
    public int experts() {
        return prior.length;
    }

    public double tau() {
        return tau;
    }

    @Override
    public void route(RoutingContext context, double[] out) {
        if (context.isEmpty()) {
            System.arraycopy(prior, 0, out, 0, prior.length);
            return;
        }
        scores(context, out);
        Weights.softmaxInPlace(out);
    }

    /**
     * The router's log-space scores, whose softmax is {@link #route}'s weights: −d_j²/τ, or on an empty
     * context log prior_j. The hybrid router adds the experts' likelihoods to these.
     */
    public void scores(RoutingContext context, double[] out) {
        if (context.isEmpty()) {
            for (int j = 0; j < prior.length; j++) {
                out[j] = Math.log(prior[j]);
            }
            return;
        }
        double[] d = distances.of(context.text());
        if (d.length != prior.length) {
            throw new IllegalStateException("centroid distances for " + d.length + " experts, router has "
                    + prior.length);
        }
        for (int j = 0; j < d.length; j++) {
            out[j] = -d[j] / tau;
        }
    }
}
