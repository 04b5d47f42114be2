package ai.chorus.engine.kernel;

import ai.chorus.engine.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static ai.chorus.engine.kernel.Vec.SPECIES;
import static ai.chorus.engine.kernel.Vec.VL;

/**
 * Softmax cross-entropy per row: loss[m] = logsumexp(logits[m,:]) − logits[m, target[m]].
 * The caller averages the per-row losses in a fixed order. Backward: dlogits = (softmax − onehot)·scale,
 * with scale = 1/(rows of the whole step) for a mean loss.
 */
public final class CrossEntropy {

    private static final int ROWS_PER_TASK = 8;

    private CrossEntropy() {
    }

    /** Per-row loss and log-sum-exp; logits are left unchanged. */
    public static void forward(WorkerPool pool, float[] logits, int logitsOff, int[] targets, int tOff, int rows,
                               int vocab, float[] losses, int lossOff, float[] lse, int lseOff) {
        pool.run((rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, (task, worker) -> {
            int m1 = Math.min(rows, (task + 1) * ROWS_PER_TASK);
            for (int m = task * ROWS_PER_TASK; m < m1; m++) {
                int row = logitsOff + m * vocab;
                float l = logSumExp(logits, row, vocab);
                lse[lseOff + m] = l;
                losses[lossOff + m] = l - logits[row + targets[tOff + m]];
            }
        });
    }

    /**
     * The training form: per-row loss, then the row is overwritten in place by its gradient
     * (softmax − onehot)·scale while it is still in cache. Three passes over the row and one exp per
     * logit: the max; e = exp(x − max), stored in place and summed; e·(scale / Σe). The loss is the
     * same float as {@link #forward}'s (same max, same exps, same summation order).
     */
    public static void forwardBackward(WorkerPool pool, float[] logits, int logitsOff, int[] targets, int tOff,
                                       int rows, int vocab, float[] losses, int lossOff, float scale) {
        pool.run((rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, (task, worker) -> {
            int m1 = Math.min(rows, (task + 1) * ROWS_PER_TASK);
            for (int m = task * ROWS_PER_TASK; m < m1; m++) {
                int row = logitsOff + m * vocab;
                int target = targets[tOff + m];
                float targetLogit = logits[row + target];
                float max = max(logits, row, vocab);
                float sum = expInPlace(logits, row, vocab, max);
                losses[lossOff + m] = max + (float) Math.log(sum) - targetLogit;
                float k = scale / sum;
                int i = 0;
                for (int bound = SPECIES.loopBound(vocab); i < bound; i += VL) {
                    FloatVector.fromArray(SPECIES, logits, row + i).mul(k).intoArray(logits, row + i);
                }
                for (; i < vocab; i++) {
                    logits[row + i] *= k;
                }
                logits[row + target] -= scale;
            }
        });
    }

    /** max of x[off..off+n) (the softmaxes of this package share it, so their shifts agree bit for bit). */
    static float max(float[] x, int off, int n) {
        FloatVector mv = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        int i = 0;
        int bound = SPECIES.loopBound(n);
        for (; i < bound; i += VL) {
            mv = mv.max(FloatVector.fromArray(SPECIES, x, off + i));
        }
        float max = mv.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        return max;
    }

    /** x[i] = exp(x[i] − max) for i in [off, off+n); returns their sum (vector lanes, then the tail). */
    private static float expInPlace(float[] x, int off, int n, float max) {
        FloatVector sv = FloatVector.zero(SPECIES);
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += VL) {
            FloatVector e = Vec.exp(FloatVector.fromArray(SPECIES, x, off + i).sub(max));
            e.intoArray(x, off + i);
            sv = sv.add(e);
        }
        float sum = Vec.sumLanes(sv);
        for (; i < n; i++) {
            float e = Vec.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        return sum;
    }

    /** log Σ exp(x[off..off+n)), stable: max first. */
    public static float logSumExp(float[] x, int off, int n) {
        float max = max(x, off, n);
        FloatVector sv = FloatVector.zero(SPECIES);
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += VL) {
            sv = sv.add(Vec.exp(FloatVector.fromArray(SPECIES, x, off + i).sub(max)));
        }
        float sum = Vec.sumLanes(sv);
        for (; i < n; i++) {
            sum += Vec.exp(x[off + i] - max);
        }
        return max + (float) Math.log(sum);
    }
}
