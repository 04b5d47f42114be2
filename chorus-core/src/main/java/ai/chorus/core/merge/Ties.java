package ai.chorus.core.merge;

import java.util.Map;

/**
 * {@code ties} (Yadav et al. 2023, TIES-merging): trim each task vector to its {@code density} largest
 * entries by magnitude (per tensor), elect the sign of each parameter by the weighted sum of what is left,
 * and average only the kept entries that agree with it; θ_0 + λ · that mean. Defaults from the paper and
 * mergekit: density 0.2, λ = 1, w_i = 1. Entries tied with the k-th largest magnitude are kept too.
 */
final class Ties implements MergeMethod {
    static final String NAME = "ties";
    private final double[] weights;
    private final double density;
    private final double lambda;
    private final Map<String, Object> parameters;
    private final MagnitudeThreshold threshold = new MagnitudeThreshold();
    private final int[] thresholdBits;
    private final double[] scratch;

    private Ties(double[] weights, double density, double lambda, Map<String, Object> parameters) {
        this.weights = weights;
        this.density = density;
        this.lambda = lambda;
        this.parameters = parameters;
        this.thresholdBits = new int[weights.length];
        this.scratch = new double[weights.length];
    }

    static Ties create(MergeParameters p, int models, double[] explicit) {
        double density = p.number("density", 0.2, 0, false, 1, true);
        double lambda = p.number("lambda", 1.0, -10, true, 10, true);
        p.requireNoOthers();
        return new Ties(TaskVectorWeights.orOnes(explicit, models, p, true), density, lambda, p.resolved());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean needsBase() {
        return true;
    }

    @Override
    public Map<String, Object> parameters() {
        return parameters;
    }

    @Override
    public double[] weights() {
        return weights.clone();
    }

    @Override
    public void merge(Tensor t, float[] out) {
        TaskVectors.Survivors kept = TaskVectors.Survivors.ALL;
        int k = keptEntries(density, t.size());
        if (k < t.size()) {
            for (int i = 0; i < weights.length; i++) {
                thresholdBits[i] = Float.floatToRawIntBits(threshold.kthLargest(t, i, k));
            }
            kept = (model, index, delta) ->
                    (Float.floatToRawIntBits(delta) & 0x7FFF_FFFF) >= thresholdBits[model] ? 1.0 : 0.0;
        }
        TaskVectors.electSignAndAverage(t, weights, lambda, kept, scratch, out);
    }

    /** How many entries of a tensor of {@code size} the density keeps: ⌊density · size⌋, at least one. */
    static int keptEntries(double density, int size) {
        return size == 0 ? 0 : Math.max(1, (int) Math.min(size, Math.floor(density * size)));
    }
}
