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
        double[] d = distances.of(context.text());
        if (d.length != prior.length) {
            throw new IllegalStateException("centroid distances for " + d.length + " experts, router has "
                    + prior.length);
        }
        for (int j = 0; j < d.length; j++) {
            out[j] = -d[j] / tau;
        }
        Weights.softmaxInPlace(out);
    }
}
