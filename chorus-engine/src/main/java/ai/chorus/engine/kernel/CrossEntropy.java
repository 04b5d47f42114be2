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
     * (softmax − onehot)·scale while it is still in cache.
     */
    public static void forwardBackward(WorkerPool pool, float[] logits, int logitsOff, int[] targets, int tOff,
                                       int rows, int vocab, float[] losses, int lossOff, float scale) {
        pool.run((rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, (task, worker) -> {
            int m1 = Math.min(rows, (task + 1) * ROWS_PER_TASK);
            for (int m = task * ROWS_PER_TASK; m < m1; m++) {
                int row = logitsOff + m * vocab;
                int target = targets[tOff + m];
                float l = logSumExp(logits, row, vocab);
                losses[lossOff + m] = l - logits[row + target];
                int i = 0;
                for (int bound = SPECIES.loopBound(vocab); i < bound; i += VL) {
                    Vec.exp(FloatVector.fromArray(SPECIES, logits, row + i).sub(l)).mul(scale)
                            .intoArray(logits, row + i);
                }
                for (; i < vocab; i++) {
                    logits[row + i] = Vec.exp(logits[row + i] - l) * scale;
                }
                logits[row + target] -= scale;
            }
        });
    }

    /** log Σ exp(x[off..off+n)), stable: max first. */
    public static float logSumExp(float[] x, int off, int n) {
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
        FloatVector sv = FloatVector.zero(SPECIES);
        for (i = 0; i < bound; i += VL) {
            sv = sv.add(Vec.exp(FloatVector.fromArray(SPECIES, x, off + i).sub(max)));
        }
        float sum = Vec.sumLanes(sv);
        for (; i < n; i++) {
            sum += Vec.exp(x[off + i] - max);
        }
        return max + (float) Math.log(sum);
    }
}
