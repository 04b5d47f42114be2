package ai.chorus.engine.kernel;

import ai.chorus.engine.parallel.WorkerPool;

/**
 * Rotary position embedding in the Hugging Face {@code rotate_half} convention: within a head the
 * pairs are (i, i + hd/2), inv_freq_i = θ^(−2i/hd), x' = x·cos + rotate_half(x)·sin with
 * rotate_half(x) = cat(−x₂, x₁). The backward pass rotates the gradient by −angle.
 */
public final class Rope {

    private final int headDim;
    private final int maxPositions;
    private final float[] cos;
    private final float[] sin;

    /** Tables for positions [0, maxPositions), computed in double and rounded once. */
    public Rope(int headDim, int maxPositions, double theta) {
        this.headDim = headDim;
        this.maxPositions = maxPositions;
        int half = headDim / 2;
        this.cos = new float[maxPositions * half];
        this.sin = new float[maxPositions * half];
        for (int i = 0; i < half; i++) {
            // float32 inv_freq as torch computes it, then the angle in double
            float invFreq = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
            for (int t = 0; t < maxPositions; t++) {
                double angle = (double) t * invFreq;
                cos[t * half + i] = (float) Math.cos(angle);
                sin[t * half + i] = (float) Math.sin(angle);
            }
        }
    }

    public int maxPositions() {
        return maxPositions;
    }

    /**
     * Rotates {@code heads} consecutive heads of every row in place. Row r has position
     * {@code firstPos + r % seqLen}; {@code inverse} applies the backward rotation.
     */
    public void apply(WorkerPool pool, float[] x, int off, int rowStride, int rows, int seqLen, int firstPos,
                      int heads, boolean inverse) {
        final int rowsPerTask = 32;
        pool.run((rows + rowsPerTask - 1) / rowsPerTask, (task, worker) -> {
            int r1 = Math.min(rows, (task + 1) * rowsPerTask);
            for (int r = task * rowsPerTask; r < r1; r++) {
                rotateRow(x, off + r * rowStride, firstPos + r % seqLen, heads, inverse);
            }
        });
    }

    private void rotateRow(float[] x, int rowOff, int pos, int heads, boolean inverse) {
        int half = headDim / 2;
        int t = pos * half;
        for (int h = 0; h < heads; h++) {
            int base = rowOff + h * headDim;
            for (int i = 0; i < half; i++) {
                float c = cos[t + i];
                float s = inverse ? -sin[t + i] : sin[t + i];
                float x1 = x[base + i];
                float x2 = x[base + i + half];
                x[base + i] = x1 * c - x2 * s;
                x[base + i + half] = x2 * c + x1 * s;
            }
        }
    }
}
