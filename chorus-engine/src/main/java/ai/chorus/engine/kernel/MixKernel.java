package ai.chorus.engine.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * A mixture of next-token distributions in probability space, in floats: out[v] = log Σ_j w_j p_j(v),
 * from each expert's log-probabilities (log-softmaxed logits, so p_j(v) = exp(lp_j(v)) ≤ 1 and no
 * per-expert max is needed). One vector pass per expert accumulates w_j · exp(lp_j) into {@code out},
 * then one vector pass takes the log. Deterministic like the other kernels: {@link Vec#exp} and
 * {@link Vec#log} use only exactly-rounded operations, so the interpreter and C2 agree bit for bit.
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
            Arrays.fill(out, 0, n, Float.NEGATIVE_INFINITY);
            return;
        }
        int v = 0;
        for (int bound = Vec.SPECIES.loopBound(n); v < bound; v += Vec.VL) {
            FloatVector p = FloatVector.fromArray(Vec.SPECIES, out, v);
            Vec.log(p).intoArray(out, v);
            VectorMask<Float> tiny = p.compare(VectorOperators.LT, TINY);
            if (tiny.anyTrue()) {
                for (int lane = 0; lane < Vec.VL; lane++) {
                    if (tiny.laneIsSet(lane)) {
                        out[v + lane] = (float) exactLogMix(weights, logProbs, v + lane);
                    }
                }
            }
        }
        for (; v < n; v++) {
            float p = out[v];
            out[v] = p >= TINY ? Vec.log(p) : (float) exactLogMix(weights, logProbs, v);
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
