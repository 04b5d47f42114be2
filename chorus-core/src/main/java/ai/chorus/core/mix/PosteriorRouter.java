package ai.chorus.core.mix;

/**
 * BTM's router: the posterior over experts given the context,
 * P(j | x_<t) ∝ prior_j · Π_s p_j(x_s | x_<s), i.e. softmax_j(log prior_j + Σ_s log p_j(x_s | x_<s)).
 * On an empty context it is the prior. It needs every expert's likelihood of the context, so at
 * inference every expert runs on every token even when only the top k are mixed.
 */
public final class PosteriorRouter implements Router {
    private final double[] logPrior;

    public PosteriorRouter(double[] prior) {
        Weights.requireExperts(prior.length);
        double[] p = Weights.checkedPrior(prior, prior.length);
        this.logPrior = new double[p.length];
        for (int j = 0; j < p.length; j++) {
            logPrior[j] = Math.log(p[j]);
        }
    }

    @Override
    public int experts() {
        return logPrior.length;
    }

    @Override
    public void route(RoutingContext context, double[] out) {
        for (int j = 0; j < logPrior.length; j++) {
            out[j] = logPrior[j] + context.logLikelihood(j);
        }
        Weights.softmaxInPlace(out);
    }
}
