package ai.chorus.core.mix;

import java.util.Arrays;

/**
 * All weight on the document's true cluster (the clustering's assignment). It reads the answer, so it
 * is for analysis only: the bound a router on the same experts can approach.
 */
public final class OracleRouter implements Router {
    private final int experts;

    public OracleRouter(int experts) {
        Weights.requireExperts(experts);
        this.experts = experts;
    }

    @Override
    public int experts() {
        return experts;
    }

    @Override
    public void route(RoutingContext context, double[] out) {
        int truth = context.oracleExpert();
        if (truth < 0 || truth >= experts) {
            throw new IllegalStateException("the oracle router needs the document's cluster, got " + truth);
        }
        Arrays.fill(out, 0, experts, 0);
        out[truth] = 1;
    }
}
