package ai.chorus.engine.kernel;

import ai.chorus.engine.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;

import static ai.chorus.engine.kernel.Vec.SPECIES;
import static ai.chorus.engine.kernel.Vec.VL;

/**
 * RMSNorm as Llama computes it in fp32: y = (x·r)·w with r = 1/√(mean x² + eps) (weight w, not 1+w).
 *
 * <p>Backward: dx = r·(w⊙dy) − (r³/C)·x·Σ(w⊙dy⊙x) and dw += Σ_rows dy⊙x·r. Rows are independent;
 * dw is summed by column tasks over all rows in row order, so it does not depend on the thread count.
 */
public final class RmsNorm {

    private static final int ROWS_PER_TASK = 16;

    private RmsNorm() {
    }

    /** out[m,:] = inp[m,:]·rinv[m]·w; rinv[m] is stored for the backward pass. */
    public static void forward(WorkerPool pool, float[] out, int outOff, float[] inp, int inpOff,
                               float[] w, int wOff, float[] rinv, int rinvOff, int rows, int dim, float eps) {
        pool.run((rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, (task, worker) -> {
            int m1 = Math.min(rows, (task + 1) * ROWS_PER_TASK);
            for (int m = task * ROWS_PER_TASK; m < m1; m++) {
                int x = inpOff + m * dim;
                int y = outOff + m * dim;
                float r = (float) (1.0 / Math.sqrt(Vec.sumOfSquares(inp, x, dim) / dim + eps));
                rinv[rinvOff + m] = r;
                int i = 0;
                for (int bound = SPECIES.loopBound(dim); i < bound; i += VL) {
                    FloatVector.fromArray(SPECIES, inp, x + i).mul(r).mul(FloatVector.fromArray(SPECIES, w, wOff + i))
                            .intoArray(out, y + i);
                }
                for (; i < dim; i++) {
                    out[y + i] = inp[x + i] * r * w[wOff + i];
                }
            }
        });
    }

    /** dinp += dx (accumulates into the residual stream's gradient) and dw += Σ_rows dy⊙x·r. */
    public static void backward(WorkerPool pool, float[] dinp, int dinpOff, float[] dw, int dwOff,
                                float[] dout, int doutOff, float[] inp, int inpOff, float[] w, int wOff,
                                float[] rinv, int rinvOff, int rows, int dim) {
        pool.run((rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, (task, worker) -> {
            int m1 = Math.min(rows, (task + 1) * ROWS_PER_TASK);
            for (int m = task * ROWS_PER_TASK; m < m1; m++) {
                int x = inpOff + m * dim;
                int dy = doutOff + m * dim;
                int dx = dinpOff + m * dim;
                float r = rinv[rinvOff + m];
                // Σ w⊙dy⊙x
                FloatVector acc = FloatVector.zero(SPECIES);
                int i = 0;
                int bound = SPECIES.loopBound(dim);
                for (; i < bound; i += VL) {
                    acc = FloatVector.fromArray(SPECIES, w, wOff + i).mul(FloatVector.fromArray(SPECIES, dout, dy + i))
                            .fma(FloatVector.fromArray(SPECIES, inp, x + i), acc);
                }
                float dot = Vec.sumLanes(acc);
                for (; i < dim; i++) {
                    dot += w[wOff + i] * dout[dy + i] * inp[x + i];
                }
                float coef = r * r * r * dot / dim;
                for (i = 0; i < bound; i += VL) {
                    FloatVector wdy = FloatVector.fromArray(SPECIES, w, wOff + i).mul(FloatVector.fromArray(SPECIES, dout, dy + i));
                    FloatVector g = wdy.mul(r).sub(FloatVector.fromArray(SPECIES, inp, x + i).mul(coef));
                    FloatVector.fromArray(SPECIES, dinp, dx + i).add(g).intoArray(dinp, dx + i);
                }
                for (; i < dim; i++) {
                    dinp[dx + i] += w[wOff + i] * dout[dy + i] * r - inp[x + i] * coef;
                }
            }
        });
        int colTasks = (dim + VL - 1) / VL;
        pool.run(colTasks, (task, worker) -> {
            int c0 = task * VL;
            if (c0 + VL <= dim) {
                FloatVector acc = FloatVector.fromArray(SPECIES, dw, dwOff + c0);
                for (int m = 0; m < rows; m++) {
                    acc = FloatVector.fromArray(SPECIES, dout, doutOff + m * dim + c0)
                            .mul(FloatVector.fromArray(SPECIES, inp, inpOff + m * dim + c0))
                            .fma(FloatVector.broadcast(SPECIES, rinv[rinvOff + m]), acc);
                }
                acc.intoArray(dw, dwOff + c0);
            } else {
                for (int c = c0; c < dim; c++) {
                    float acc = dw[dwOff + c];
                    for (int m = 0; m < rows; m++) {
                        acc = Math.fma(dout[doutOff + m * dim + c] * inp[inpOff + m * dim + c], rinv[rinvOff + m], acc);
                    }
                    dw[dwOff + c] = acc;
                }
            }
        });
    }
}
