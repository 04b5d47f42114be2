package ai.chorus.core.mix;

import java.util.Arrays;

/** Every expert weighs 1/K whatever the context: the baseline any useful router must beat. */
public final class UniformRouter implements Router {
    private final int experts;

    public UniformRouter(int experts) {
        Weights.requireExperts(experts);
        this.experts = experts;
    }

    @Override
    public int experts() {
        return experts;
    }

    @Override
    public void route(RoutingContext context, double[] out) {
        Arrays.fill(out, 0, experts, 1.0 / experts);
    }
}
