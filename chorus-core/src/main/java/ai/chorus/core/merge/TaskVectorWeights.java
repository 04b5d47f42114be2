package ai.chorus.core.merge;

import ai.chorus.engine.InvalidInputException;
import java.util.Arrays;

/** The per-model weights of the task-vector methods: the recipe's, or 1 each as mergekit's default. */
final class TaskVectorWeights {
    private TaskVectorWeights() {}

    /**
     * @param positive whether every weight must be above 0 (TIES's disjoint mean divides by their sum);
     *        otherwise any finite weight, a negative one subtracting its task
     */
    static double[] orOnes(double[] explicit, int models, MergeParameters p, boolean positive) {
        if (explicit == null) {
            double[] ones = new double[models];
            Arrays.fill(ones, 1.0);
            return ones;
        }
        for (double w : explicit) {
            if (Double.isNaN(w) || Double.isInfinite(w) || Math.abs(w) > 1e6 || (positive && !(w > 0))) {
                throw new InvalidInputException(p.source() + ": weights of " + p.method() + " must be "
                        + (positive ? "positive and finite" : "finite (|w| ≤ 1e6)") + ", got "
                        + Arrays.toString(explicit));
            }
        }
        return explicit.clone();
    }
}
