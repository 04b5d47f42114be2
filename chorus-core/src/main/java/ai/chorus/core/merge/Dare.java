package ai.chorus.core.merge;

import ai.chorus.engine.parallel.WorkerPool;
import java.util.Map;

/**
 * {@code dare} (Yu et al. 2023, "drop and rescale"): each task-vector entry is dropped with probability
 * {@code drop} = p and the survivors scaled by 1/(1 − p); the results are then summed as in task
 * arithmetic (θ_0 + λ Σ w_i τ̃_i, mergekit's {@code dare_linear}) or, with {@code ties: true}, merged by
 * TIES's sign election and disjoint mean (mergekit's {@code dare_ties}). Defaults: p = 0.9, λ = 1,
 * w_i = 1, seed 0, no TIES.
 *
 * <p>The drops are seeded and counter-based: entry j of model i in tensor "name" is kept by a hash of
 * (seed, name, i, j) alone, so a merge is repeatable whatever the order or chunking of the tensors.
 */
final class Dare extends AbstractMergeMethod {
    static final String NAME = "dare";
    private final double drop;
    private final double lambda;
    private final long seed;
    private final boolean ties;
    private final TaskVectors taskVectors;

    private Dare(double[] weights, double drop, double lambda, long seed, boolean ties,
                 Map<String, Object> parameters) {
        super(NAME, true, weights, parameters);
        this.drop = drop;
        this.lambda = lambda;
        this.seed = seed;
        this.ties = ties;
        this.taskVectors = new TaskVectors(weights.length);
    }

    static Dare create(MergeParameters p, int models, double[] explicit) {
        double drop = p.number("drop", 0.9, 0, true, 1, false);
        double lambda = p.number("lambda", 1.0, -10, true, 10, true);
        long seed = p.integer("seed", 0);
        boolean ties = p.flag("ties", false);
        p.requireNoOthers();
        return new Dare(TaskVectorWeights.orOnes(explicit, models, p, ties), drop, lambda, seed, ties, p.resolved());
    }

    @Override
    public void merge(Tensor t, float[] out) {
        merge(t, out, null);
    }

    @Override
    public void merge(Tensor t, float[] out, WorkerPool pool) {
        TaskVectors.Survivors kept = TaskVectors.Survivors.ALL;
        if (drop > 0) {
            long tensorSeed = mix(seed ^ mix(t.name().hashCode()));
            double rescale = 1 / (1 - drop);
            long keepFrom = (long) Math.ceil(drop * 0x1.0p53); // uniform(...) >= drop, on the 53-bit integers
            kept = (model, theta, base, from, to, weight, row) -> {
                double scaled = weight * rescale;
                for (int j = from; j < to; j++) {
                    double delta = scaled * ((double) theta[j] - base[j]);
                    row[j - from] = TaskVectors.select(Double.doubleToRawLongBits(delta),
                            TaskVectors.atLeast(draw(tensorSeed, model, j), keepFrom));
                }
            };
        }
        if (ties) {
            taskVectors.electSignAndAverage(t, weights, lambda, kept, out, pool);
        } else {
            taskVectors.sum(t, weights, lambda, kept, out, pool);
        }
    }

    /** A uniform integer in [0, 2^53) from (tensor seed, model, index): SplitMix64's finaliser over a counter. */
    static long draw(long tensorSeed, int model, int index) {
        return mix(tensorSeed + 0x9E37_79B9_7F4A_7C15L * (((long) model << 32) | (index & 0xFFFF_FFFFL))) >>> 11;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }
}
