package ai.chorus.engine.kernel;

import ai.chorus.engine.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;

import static ai.chorus.engine.kernel.Vec.SPECIES;
import static ai.chorus.engine.kernel.Vec.VL;

/**
 * The SwiGLU gate of the Llama MLP: h = silu(g)⊙u, where each row of the fused projection holds
 * [g (ffn) | u (ffn)]. Backward: dg = dh⊙u⊙σ(g)(1 + g(1−σ(g))), du = dh⊙silu(g).
 */
public final class SwiGlu {

    private static final int ROWS_PER_TASK = 16;

    private SwiGlu() {
    }

    /** h[m,:] = silu(gu[m, :ffn])⊙gu[m, ffn:]. */
    public static void forward(WorkerPool pool, float[] h, int hOff, float[] gu, int guOff, int rows, int ffn) {
        pool.run((rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, (task, worker) -> {
            int m1 = Math.min(rows, (task + 1) * ROWS_PER_TASK);
            for (int m = task * ROWS_PER_TASK; m < m1; m++) {
                int g = guOff + m * 2 * ffn;
                int u = g + ffn;
                int o = hOff + m * ffn;
                int i = 0;
                for (int bound = SPECIES.loopBound(ffn); i < bound; i += VL) {
                    FloatVector gv = FloatVector.fromArray(SPECIES, gu, g + i);
                    FloatVector sig = sigmoid(gv);
                    gv.mul(sig).mul(FloatVector.fromArray(SPECIES, gu, u + i)).intoArray(h, o + i);
                }
                for (; i < ffn; i++) {
                    float gi = gu[g + i];
                    h[o + i] = gi * sigmoid(gi) * gu[u + i];
                }
            }
        });
    }

    /** dgu[m,:] = (dg | du) from dh and the stored projection gu. */
    public static void backward(WorkerPool pool, float[] dgu, int dguOff, float[] dh, int dhOff, float[] gu, int guOff,
                                int rows, int ffn) {
        pool.run((rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, (task, worker) -> {
            int m1 = Math.min(rows, (task + 1) * ROWS_PER_TASK);
            for (int m = task * ROWS_PER_TASK; m < m1; m++) {
                int g = guOff + m * 2 * ffn;
                int u = g + ffn;
                int dg = dguOff + m * 2 * ffn;
                int du = dg + ffn;
                int d = dhOff + m * ffn;
                int i = 0;
                for (int bound = SPECIES.loopBound(ffn); i < bound; i += VL) {
                    FloatVector gv = FloatVector.fromArray(SPECIES, gu, g + i);
                    FloatVector uv = FloatVector.fromArray(SPECIES, gu, u + i);
                    FloatVector dhv = FloatVector.fromArray(SPECIES, dh, d + i);
                    FloatVector sig = sigmoid(gv);
                    FloatVector silu = gv.mul(sig);
                    // σ(g)(1 + g(1−σ(g))) = σ(g) + silu(g)(1−σ(g))
                    FloatVector dsilu = sig.add(silu.mul(sig.neg().add(1f)));
                    dhv.mul(uv).mul(dsilu).intoArray(dgu, dg + i);
                    dhv.mul(silu).intoArray(dgu, du + i);
                }
                for (; i < ffn; i++) {
                    float gi = gu[g + i];
                    float sig = sigmoid(gi);
                    float silu = gi * sig;
                    dgu[dg + i] = dh[d + i] * gu[u + i] * (sig + silu * (1f - sig));
                    dgu[du + i] = dh[d + i] * silu;
                }
            }
        });
    }

    private static FloatVector sigmoid(FloatVector x) {
        return FloatVector.broadcast(SPECIES, 1f).div(Vec.exp(x.neg()).add(1f));
    }

    static float sigmoid(float x) {
        return 1f / (1f + Vec.exp(-x));
    }
}
