package ai.chorus.core.merge;

import ai.chorus.engine.parallel.WorkerPool;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code ties} (Yadav et al. 2023, TIES-merging): trim each task vector to its {@code density} largest
 * entries by magnitude (per tensor), elect the sign of each parameter by the weighted sum of what is left,
 * and average only the kept entries that agree with it; θ_0 + λ · that mean. Defaults from the paper and
 * mergekit: density 0.2, λ = 1, w_i = 1. Entries tied with the k-th largest magnitude are kept too.
 */
final class Ties extends AbstractMergeMethod {
    static final MergeParameter DENSITY = MergeParameter.number("density", 0.2, MergeParameter.Range.openClosed(0, 1),
            "the share of each task vector's entries kept, by magnitude, per tensor");
    static final MergeMethodSpec SPEC = new MergeMethodSpec("ties", true,
            "trim each task vector, elect each entry's sign, average the agreeing entries (TIES-merging).",
            List.of(DENSITY, TaskArithmetic.LAMBDA), (p, models, weights, shares) -> create(p, models, weights));
    private final double density;
    private final double lambda;
    /** One histogram per thread: models' thresholds are found side by side. */
    private MagnitudeThreshold[] thresholds = {new MagnitudeThreshold()};
    private final int[] thresholdBits;
    private final TaskVectors taskVectors;
    /** Keeps the entries whose |τ| (as float bits) reaches the model's threshold. */
    private final TaskVectors.Survivors largest;

    private Ties(double[] weights, double density, double lambda, Map<String, Object> parameters) {
        super(SPEC, weights, parameters);
        this.density = density;
        this.lambda = lambda;
        this.thresholdBits = new int[weights.length];
        this.taskVectors = new TaskVectors(weights.length);
        this.largest = (model, theta, base, from, to, weight, kept) -> {
            int threshold = thresholdBits[model];
            for (int j = from; j < to; j++) {
                double delta = (double) theta[j] - base[j];
                int magnitude = Float.floatToRawIntBits((float) delta) & 0x7FFF_FFFF;
                kept[j - from] = TaskVectors.select(Double.doubleToRawLongBits(weight * delta),
                        TaskVectors.atLeast(magnitude, threshold));
            }
        };
    }

    static Ties create(MergeParameters p, int models, double[] explicit) {
        double density = p.number(DENSITY);
        double lambda = p.number(TaskArithmetic.LAMBDA);
        p.requireNoOthers();
        return new Ties(TaskVectorWeights.orOnes(explicit, models, p, true), density, lambda, p.resolved());
    }

    @Override
    public void merge(Tensor t, float[] out) {
        merge(t, out, null);
    }

    @Override
    public void merge(Tensor t, float[] out, WorkerPool pool) {
        int k = keptEntries(density, t.size());
        if (k == t.size()) {
            taskVectors.electSignAndAverage(t, weights, lambda, TaskVectors.Survivors.ALL, out, pool);
            return;
        }
        if (pool == null) {
            for (int i = 0; i < weights.length; i++) {
                thresholdBits[i] = Float.floatToRawIntBits(thresholds[0].kthLargest(t, i, k));
            }
        } else {
            if (thresholds.length < pool.threads()) {
                thresholds = new MagnitudeThreshold[pool.threads()];
                Arrays.setAll(thresholds, w -> new MagnitudeThreshold());
            }
            pool.run(weights.length, (i, worker) ->
                    thresholdBits[i] = Float.floatToRawIntBits(thresholds[worker].kthLargest(t, i, k)));
        }
        taskVectors.electSignAndAverage(t, weights, lambda, largest, out, pool);
    }

    /** How many entries of a tensor of {@code size} the density keeps: ⌊density · size⌋, at least one. */
    static int keptEntries(double density, int size) {
        return size == 0 ? 0 : Math.max(1, (int) Math.min(size, Math.floor(density * size)));
    }
}
