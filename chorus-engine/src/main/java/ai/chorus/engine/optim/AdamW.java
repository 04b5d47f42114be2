package ai.chorus.engine.optim;

import ai.chorus.engine.FloatTensor;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.parallel.WorkerPool;

import java.util.ArrayList;
import java.util.List;

/**
 * AdamW exactly as {@code torch.optim.AdamW} (single-tensor path): decoupled decay p ← p·(1 − lr·wd)
 * on matrices only (dim ≥ 2), m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², p ← p − (lr/(1−β1ᵗ))·m /
 * (√v/√(1−β2ᵗ) + ε), t counted from 1. Also the global gradient norm and its clipping, computed over a
 * fixed partition of the buffer and combined in order, so they are identical for any thread count.
 */
public final class AdamW {

    /** Elements per parallel chunk; fixed, so the norm's partial sums never depend on threads. */
    static final int CHUNK = 1 << 15;

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final float[] m;
    private final float[] v;
    private final int[] chunkFrom;
    private final int[] chunkTo;
    private final boolean[] chunkDecays;
    private final double[] partials;
    private long step;

    /**
     * @param parameters the model's parameter views, all over one buffer of {@code bufferSize} floats
     */
    public AdamW(List<FloatTensor> parameters, int bufferSize, double beta1, double beta2, double eps,
                 double weightDecay) {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0) || weightDecay < 0) {
            throw new InvalidInputException("AdamW needs 0 <= beta1, beta2 < 1, eps > 0, weight_decay >= 0; got "
                    + beta1 + ", " + beta2 + ", " + eps + ", " + weightDecay);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.m = new float[bufferSize];
        this.v = new float[bufferSize];
        List<int[]> chunks = new ArrayList<>();
        for (FloatTensor t : parameters) {
            int decays = t.shape().length >= 2 ? 1 : 0;
            for (int from = t.offset(); from < t.offset() + t.size(); from += CHUNK) {
                chunks.add(new int[] {from, Math.min(t.offset() + t.size(), from + CHUNK), decays});
            }
        }
        int n = chunks.size();
        chunkFrom = new int[n];
        chunkTo = new int[n];
        chunkDecays = new boolean[n];
        for (int i = 0; i < n; i++) {
            chunkFrom[i] = chunks.get(i)[0];
            chunkTo[i] = chunks.get(i)[1];
            chunkDecays[i] = chunks.get(i)[2] == 1;
        }
        partials = new double[n];
    }

    /** Steps taken so far (t of the last update). */
    public long step() {
        return step;
    }

    public float[] firstMoment() {
        return m;
    }

    public float[] secondMoment() {
        return v;
    }

    /** Restores the state saved from {@link #step()}, {@link #firstMoment()}, {@link #secondMoment()}. */
    public void restore(long step, float[] firstMoment, float[] secondMoment) {
        System.arraycopy(firstMoment, 0, m, 0, m.length);
        System.arraycopy(secondMoment, 0, v, 0, v.length);
        this.step = step;
    }

    /** √(Σ g²) over all parameters, summed per fixed chunk in double, chunks combined in order. */
    public double gradientNorm(WorkerPool pool, float[] grads) {
        pool.run(partials.length, (c, worker) -> {
            double s = 0;
            for (int i = chunkFrom[c]; i < chunkTo[c]; i++) {
                s += (double) grads[i] * grads[i];
            }
            partials[c] = s;
        });
        double total = 0;
        for (double p : partials) {
            total += p;
        }
        return Math.sqrt(total);
    }

    /**
     * Scales the gradients so their global norm is at most {@code maxNorm} (torch's
     * {@code clip_grad_norm_}: coefficient maxNorm/(norm + 1e-6), applied when below 1). Returns the norm
     * before clipping.
     */
    public double clipGradients(WorkerPool pool, float[] grads, double maxNorm) {
        double norm = gradientNorm(pool, grads);
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1.0) {
            float c = (float) coef;
            pool.run(partials.length, (k, worker) -> {
                for (int i = chunkFrom[k]; i < chunkTo[k]; i++) {
                    grads[i] *= c;
                }
            });
        }
        return norm;
    }

    /** One update of every parameter with learning rate {@code lr}. */
    public void update(WorkerPool pool, float[] params, float[] grads, double lr) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        float stepSize = (float) (lr / bc1);
        float decayFactor = (float) (1 - lr * weightDecay);
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float oneMinusB1 = (float) (1 - beta1);
        float oneMinusB2 = (float) (1 - beta2);
        float bc2 = (float) bc2Sqrt;
        float epsilon = (float) eps;
        pool.run(partials.length, (k, worker) -> {
            boolean decays = chunkDecays[k] && weightDecay != 0;
            for (int i = chunkFrom[k]; i < chunkTo[k]; i++) {
                float g = grads[i];
                float p = decays ? params[i] * decayFactor : params[i];
                float mi = m[i] * b1 + g * oneMinusB1;
                float vi = v[i] * b2 + g * g * oneMinusB2;
                m[i] = mi;
                v[i] = vi;
                float denom = (float) Math.sqrt(vi) / bc2 + epsilon;
                params[i] = p - stepSize * (mi / denom);
            }
        });
    }
}
