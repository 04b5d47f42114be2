package ai.chorus.core.merge;

/**
 * The two ways task-vector methods combine what survives of each τ_i = θ_i − θ_0: a plain weighted sum
 * (task arithmetic, DARE) or TIES's sign election with a disjoint mean (TIES, DARE + TIES).
 *
 * <p>τ is never stored: each entry is computed when needed, in double, where the difference of two floats
 * is exact, so merging leaves every input untouched and costs no extra tensor of memory.
 */
final class TaskVectors {
    private TaskVectors() {}

    /** Which entries of a task vector survive sparsification, and how they are scaled. */
    @FunctionalInterface
    interface Survivors {
        /** The multiplier of τ_model[index] (whose float value is {@code delta}): 0 drops it. */
        double scale(int model, int index, float delta);

        Survivors ALL = (model, index, delta) -> 1.0;
    }

    /** θ_0 + λ Σ_i w_i s_i τ_i. */
    static void sum(MergeMethod.Tensor t, double[] weights, double lambda, Survivors survivors, float[] out) {
        float[][] models = t.models();
        float[] base = t.base();
        for (int j = 0; j < t.size(); j++) {
            double b = base[j];
            double mixed = 0;
            for (int i = 0; i < models.length; i++) {
                double delta = models[i][j] - b;
                mixed += weights[i] * survivors.scale(i, j, (float) delta) * delta;
            }
            out[j] = (float) (b + lambda * mixed);
        }
    }

    /**
     * TIES's merge of the surviving entries: per parameter, the sign of Σ_i w_i τ̂_i is elected, and the
     * weighted mean is taken over the non-zero τ̂_i that agree with it; θ_0 + λ · that mean. As mergekit
     * does: a sum of exactly 0 elects +.
     *
     * @param scratch at least one slot per model
     */
    static void electSignAndAverage(MergeMethod.Tensor t, double[] weights, double lambda, Survivors survivors,
                                    double[] scratch, float[] out) {
        float[][] models = t.models();
        float[] base = t.base();
        for (int j = 0; j < t.size(); j++) {
            double b = base[j];
            double vote = 0;
            for (int i = 0; i < models.length; i++) {
                double delta = models[i][j] - b;
                double kept = weights[i] * survivors.scale(i, j, (float) delta) * delta;
                scratch[i] = kept;
                vote += kept;
            }
            boolean positive = vote >= 0;
            double agreeing = 0;
            double weight = 0;
            for (int i = 0; i < models.length; i++) {
                double kept = scratch[i];
                if (kept != 0 && (kept > 0) == positive) {
                    agreeing += kept;
                    weight += weights[i];
                }
            }
            out[j] = weight == 0 ? (float) b : (float) (b + lambda * (agreeing / weight));
        }
    }
}
