package ai.chorus.core.merge;

import java.util.Arrays;

/**
 * TIES-merging (Yadav et al. 2023) written out from its definition, independently of {@link Ties} and
 * {@link TaskVectors}, for tests to compare against: for every model, τ_i = θ_i − θ_0 trimmed to its
 * k = max(1, ⌊density · n⌋) largest magnitudes (entries tied with the k-th kept too); per entry, the sign
 * of Σ_i τ̂_i is elected (a sum of exactly 0 elects +); the merged entry is θ_0 + λ · the mean of the
 * non-zero τ̂_i of that sign, or θ_0 where none agrees. All weights are 1. Plain loops, no sharing.
 */
final class TiesByHand {
    private TiesByHand() {}

    static float[] merge(float[][] models, float[] base, double density, double lambda) {
        int n = base.length;
        double[][] trimmed = new double[models.length][n];
        for (int i = 0; i < models.length; i++) {
            // magnitudes as the float a stored task vector would hold
            float[] magnitude = new float[n];
            for (int j = 0; j < n; j++) {
                magnitude[j] = Math.abs((float) ((double) models[i][j] - base[j]));
            }
            float[] sorted = magnitude.clone();
            Arrays.sort(sorted);
            int k = Math.max(1, (int) Math.floor(density * n));
            float threshold = sorted[n - Math.min(k, n)];
            for (int j = 0; j < n; j++) {
                trimmed[i][j] = magnitude[j] >= threshold ? (double) models[i][j] - base[j] : 0;
            }
        }
        float[] out = new float[n];
        for (int j = 0; j < n; j++) {
            double vote = 0;
            for (double[] t : trimmed) {
                vote += t[j];
            }
            boolean positive = vote >= 0;
            double sum = 0;
            int agreeing = 0;
            for (double[] t : trimmed) {
                if (t[j] != 0 && (t[j] > 0) == positive) {
                    sum += t[j];
                    agreeing++;
                }
            }
            out[j] = agreeing == 0 ? base[j] : (float) (base[j] + lambda * (sum / agreeing));
        }
        return out;
    }
}
