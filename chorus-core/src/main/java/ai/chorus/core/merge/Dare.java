package ai.chorus.core.merge;

import ai.chorus.core.util.SplitMix64;
import ai.chorus.engine.parallel.WorkerPool;
import java.util.List;
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
    static final MergeParameter DROP = MergeParameter.number("drop", 0.9, MergeParameter.Range.closedOpen(0, 1),
            "the probability p of dropping each task-vector entry; survivors are scaled by 1/(1 − p)");
    static final MergeParameter SEED = MergeParameter.integer("seed", 0, "the seed of the drops");
    static final MergeParameter TIES = MergeParameter.flag("ties", false,
            "merge the survivors by TIES's sign election (dare_ties) instead of summing them (dare_linear)");
    static final MergeMethodSpec SPEC = new MergeMethodSpec("dare", true,
            "drop task-vector entries at random and rescale the rest (drop and rescale), then sum or TIES them.",
            List.of(DROP, TaskArithmetic.LAMBDA, SEED, TIES), (p, models, weights, shares) -> create(p, models, weights));
    private final double drop;
    private final double lambda;
    private final long seed;
    private final boolean ties;
    private final TaskVectors taskVectors;

    private Dare(double[] weights, double drop, double lambda, long seed, boolean ties,
                 Map<String, Object> parameters) {
        super(SPEC, weights, parameters);
        this.drop = drop;
        this.lambda = lambda;
        this.seed = seed;
        this.ties = ties;
        this.taskVectors = new TaskVectors(weights.length);
    }

    static Dare create(MergeParameters p, int models, double[] explicit) {
        double drop = p.number(DROP);
        double lambda = p.number(TaskArithmetic.LAMBDA);
        long seed = p.integer(SEED);
        boolean ties = p.flag(TIES);
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
            long tensorSeed = SplitMix64.mix(seed ^ SplitMix64.mix(t.name().hashCode()));
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
        return SplitMix64.mix(tensorSeed + 0x9E37_79B9_7F4A_7C15L * (((long) model << 32) | (index & 0xFFFF_FFFFL))) >>> 11;
    }
}
