package ai.chorus.core.mix;

/** Any router restricted to its k largest weights, renormalised: only those k experts run. */
public final class TopKRouter implements Router {
    private final Router base;
    private final int k;

    public TopKRouter(Router base, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("top-k needs k ≥ 1, got " + k);
        }
        this.base = base;
        this.k = Math.min(k, base.experts());
    }

    @Override
    public int experts() {
        return base.experts();
    }

    public int k() {
        return k;
    }

    public Router base() {
        return base;
    }

    @Override
    public void route(RoutingContext context, double[] out) {
        base.route(context, out);
        Weights.keepTopK(out, k);
    }
}
