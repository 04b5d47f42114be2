package ai.chorus.core.mix;

/**
 * Adaptive sparsity: run many experts while the context is short, fewer as evidence grows, and never
 * switch a new one in. Every expert starts on the window's first token; the running experts are weighed
 * by their posterior, P(j | x_&lt;t) ∝ prior_j · Π_s p_j(x_s | x_&lt;s) renormalised over the running set
 * (BTM's posterior router, restricted to the experts whose likelihoods exist). All K run while the
 * context holds fewer than {@code warmup} tokens; from then on, before each token, only the {@code keep}
 * heaviest go on, and then an expert whose posterior weight among the running ones (renormalised over those
 * that go on) falls below {@code threshold} stops (0 disables; the heaviest never stops).
 * An expert that has stopped is never asked again, so no expert is ever switched in mid-window: the cost
 * is the tokens each expert reads, with no prefill, and the router reads only likelihoods that the running
 * experts produced. The router keeps no state: the running set at a context length is replayed from the
 * context's prefix likelihoods ({@link RoutingContext#logLikelihood(int, int)}), so it decides at every token.
 */
public final class AdaptiveRouter implements SparseRouter {
    /**
     * Eval's {@code adaptive} row: no warm-up cut, a threshold of 5·10⁻⁴. Chosen on the demo's validation
     * split as the cheapest setting within 0.5 % of the best validation perplexity at ≤ 2 experts per token
     * (docs/perf/mix.md, "Sparse routing from the first token").
     */
    public static final double DEFAULT_THRESHOLD = 5e-4;

    /** Eval's and the documentation's default: every expert starts, each stops below {@link #DEFAULT_THRESHOLD}. */
    public static AdaptiveRouter pruning(double[] prior) {
        return new AdaptiveRouter(prior, 0, prior.length, DEFAULT_THRESHOLD);
    }

    private final double[] logPrior;
    private final int warmup;
    private final int keep;
    private final double threshold;

    /**
     * @param prior P(expert) before any context
     * @param warmup context length after which only {@code keep} experts run
     * @param keep experts that run after the warm-up (≥ K keeps all)
     * @param threshold posterior weight below which a running expert stops (0: never)
     */
    public AdaptiveRouter(double[] prior, int warmup, int keep, double threshold) {
        Weights.requireExperts(prior.length);
        if (warmup < 0) {
            throw new IllegalArgumentException("warm-up must be non-negative, got " + warmup);
        }
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be at least 1, got " + keep);
        }
        if (!(threshold >= 0 && threshold < 1)) {
            throw new IllegalArgumentException("threshold must be in [0, 1), got " + threshold);
        }
        double[] p = Weights.checkedPrior(prior, prior.length);
        this.logPrior = new double[p.length];
        for (int j = 0; j < p.length; j++) {
            logPrior[j] = Math.log(p[j]);
        }
        this.warmup = warmup;
        this.keep = Math.min(keep, p.length);
        this.threshold = threshold;
    }

    @Override
    public int experts() {
        return logPrior.length;
    }

    public int warmup() {
        return warmup;
    }

    public int keep() {
        return keep;
    }

    public double threshold() {
        return threshold;
    }

    @Override
    public int reroute() {
        return 1;
    }

    @Override
    public long running(RoutingContext context) {
        return survivors(context, new double[logPrior.length]);
    }

    @Override
    public void route(RoutingContext context, double[] out) {
        long alive = survivors(context, out);
        posterior(context, context.length(), alive, out);
    }

    /** Replays the decisions at context lengths 0 … length; {@code scratch} holds K doubles. */
    private long survivors(RoutingContext context, double[] scratch) {
        int n = logPrior.length;
        long alive = Weights.allSet(n);
        for (int t = 0; t <= context.length() && Long.bitCount(alive) > 1; t++) {
            if (threshold == 0 && t > warmup) {
                break; // nothing changes after the cut
            }
            posterior(context, t, alive, scratch);
            if (t >= warmup && Long.bitCount(alive) > keep) {
                alive = topSet(scratch, alive, keep);
                // the threshold is a weight among the experts that go on, not among those just cut
                posterior(context, t, alive, scratch);
            }
            if (threshold > 0 && t >= warmup) {
                int best = Weights.argmax(scratch);
                for (long m = alive; m != 0; m &= m - 1) {
                    int j = Long.numberOfTrailingZeros(m);
                    if (j != best && scratch[j] < threshold) {
                        alive &= ~(1L << j);
                    }
                }
            }
        }
        return alive;
    }

    /** out = the posterior at context length {@code prefix} over the {@code alive} experts, 0 elsewhere. */
    private void posterior(RoutingContext context, int prefix, long alive, double[] out) {
        for (int j = 0; j < out.length; j++) {
            out[j] = (alive & (1L << j)) == 0
                    ? Double.NEGATIVE_INFINITY : logPrior[j] + context.logLikelihood(j, prefix);
        }
        Weights.softmaxInPlace(out);
    }

    /** The {@code k} heaviest of {@code alive} by {@code w}, the lower index winning a tie. */
    private static long topSet(double[] w, long alive, int k) {
        long kept = 0;
        for (int r = 0; r < k; r++) {
            int best = -1;
            for (long m = alive & ~kept; m != 0; m &= m - 1) {
                int j = Long.numberOfTrailingZeros(m);
                if (best < 0 || w[j] > w[best]) {
                    best = j;
                }
            }
            kept |= 1L << best;
        }
        return kept;
    }
}
