package ai.chorus.engine.kernel;

import jdk.incubator.vector.FloatVector;

/**
 * A mixture of next-token distributions in probability space, in floats: out[v] = log Σ_j w_j p_j(v),
 * from each expert's log-probabilities (log-softmaxed logits, so p_j(v) = exp(lp_j(v)) ≤ 1 and no
 * per-expert max is needed). One vector pass per expert accumulates w_j · exp(lp_j) into {@code out},
 * then one pass takes the log. Deterministic like the other kernels: {@link Vec#exp} uses only
 * exactly-rounded operations, and the log is {@link Math#log} per element.
 *
 * <p>Vec.exp clamps its input at −87.3, so a mixed probability below {@link #TINY} (every expert gives
 * the token less than e^−69) would be inaccurate in floats; those rare entries are recomputed exactly,
 * by a log-sum-exp in double.
 */
public final class MixKernel {
    /** Below this mixed probability the float sum is not trusted (far above the clamp's e^−87.3 floor). */
    static final float TINY = 1e-30f;

    private MixKernel() {
    }

    /**
     * @param weights w_j ≥ 0, summing to 1; experts of weight 0 are skipped
     * @param logProbs {@code logProbs[j][0, n)} = log p_j
     */
    public static void logMix(double[] weights, float[][] logProbs, int n, float[] out) {
        boolean first = true;
        for (int j = 0; j < weights.length; j++) {
            if (weights[j] > 0) {
                accumulate((float) weights[j], logProbs[j], n, out, first);
                first = false;
            }
        }
        if (first) {
            java.util.Arrays.fill(out, 0, n, Float.NEGATIVE_INFINITY);
            return;
        }
        for (int v = 0; v < n; v++) {
            float p = out[v];
            out[v] = p >= TINY ? (float) Math.log(p) : (float) exactLogMix(weights, logProbs, v);
        }
    }

    /** out[0, n) = w · exp(lp) (first expert) or out += w · exp(lp). */
    private static void accumulate(float w, float[] lp, int n, float[] out, boolean first) {
        int v = 0;
        for (int bound = Vec.SPECIES.loopBound(n); v < bound; v += Vec.VL) {
            FloatVector p = Vec.exp(FloatVector.fromArray(Vec.SPECIES, lp, v)).mul(w);
            (first ? p : p.add(FloatVector.fromArray(Vec.SPECIES, out, v))).intoArray(out, v);
        }
        for (; v < n; v++) {
            float p = Vec.exp(lp[v]) * w;
            out[v] = first ? p : out[v] + p;
        }
    }

    /** log Σ_j w_j exp(lp_j[v]) in double, the max subtracted first: exact where floats underflow. */
    public static double exactLogMix(double[] weights, float[][] logProbs, int v) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < weights.length; j++) {
            if (weights[j] > 0) {
                max = Math.max(max, Math.log(weights[j]) + logProbs[j][v]);
            }
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double sum = 0;
        for (int j = 0; j < weights.length; j++) {
            if (weights[j] > 0) {
                sum += Math.exp(Math.log(weights[j]) + logProbs[j][v] - max);
            }
        }
        return max + Math.log(sum);
    }
}
