package ai.chorus.engine.kernel;

import ai.chorus.engine.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static ai.chorus.engine.kernel.Vec.SPECIES;
import static ai.chorus.engine.kernel.Vec.VL;

/**
 * Causal multi-head attention over rows laid out as [q (dim) | k (dim) | v (dim)], RoPE already applied.
 *
 * <p>One task per (sequence, head) owns that head's outputs, so results do not depend on the thread
 * count. Scores are computed against a transposed copy of the keys (kᵀ, per-worker scratch), so the
 * inner loop broadcasts one query value and streams 16 keys at a time instead of reducing a dot per
 * key. The softmax probabilities are kept for the backward pass, whose softmax step is O(T) per row:
 * dS = P⊙(dP − Σ P·dP). The same {@link #attendHead} serves training (all queries at once) and
 * generation (one query against a {@code KvCache} that stores kᵀ).
 */
public final class Attention {

    private final int heads;
    private final int headDim;
    private final int maxSeq;
    private final float scale;
    private final float[][] transposed; // per worker: kᵀ (forward) or vᵀ (backward), [headDim × maxSeq]
    private final float[][] dScores;    // per worker: dS of one head, [maxSeq × maxSeq]

    public Attention(int heads, int headDim, int maxSeq, int threads) {
        this.heads = heads;
        this.headDim = headDim;
        this.maxSeq = maxSeq;
        this.scale = (float) (1.0 / Math.sqrt(headDim));
        this.transposed = new float[threads][headDim * maxSeq];
        this.dScores = new float[threads][];
        for (int w = 0; w < threads; w++) {
            dScores[w] = new float[maxSeq * maxSeq];
        }
    }

    public float scale() {
        return scale;
    }

    /**
     * out[b,t,h·hd:] = Σ_{s≤t} P[b,h,t,s]·v[b,s,h·hd:] for all sequences of length {@code seq};
     * probs[b,h,t,s] (stride seq) keeps P.
     */
    public void forward(WorkerPool pool, float[] out, int outOff, float[] probs, int probsOff,
                        float[] qkv, int qkvOff, int batch, int seq) {
        int dim = heads * headDim;
        int stride = 3 * dim;
        pool.run(batch * heads, (task, worker) -> {
            int b = task / heads;
            int h = task % heads;
            int rows = qkvOff + b * seq * stride;
            float[] kT = transposed[worker];
            transposeHead(qkv, rows + dim + h * headDim, stride, seq, kT);
            attendHead(qkv, rows + h * headDim, stride, seq, 0, kT, 0, seq,
                    qkv, rows + 2 * dim + h * headDim, stride,
                    probs, probsOff + (b * heads + h) * seq * seq, seq,
                    out, outOff + b * seq * dim + h * headDim, dim, headDim, scale);
        });
    }

    /** dqkv[b,t,:] = (dq | dk | dv), overwritten, from dout (the gradient of {@link #forward}'s out). */
    public void backward(WorkerPool pool, float[] dqkv, int dqkvOff, float[] dout, int doutOff,
                         float[] qkv, int qkvOff, float[] probs, int probsOff, int batch, int seq) {
        int dim = heads * headDim;
        int stride = 3 * dim;
        pool.run(batch * heads, (task, worker) -> {
            int b = task / heads;
            int h = task % heads;
            int rows = qkvOff + b * seq * stride;
            int dRows = dqkvOff + b * seq * stride;
            int q = rows + h * headDim;
            int k = q + dim;
            int v = k + dim;
            int dq = dRows + h * headDim;
            int dk = dq + dim;
            int dv = dk + dim;
            int dy = doutOff + b * seq * dim + h * headDim;
            int p = probsOff + (b * heads + h) * seq * seq;
            float[] vT = transposed[worker];
            float[] ds = dScores[worker];
            transposeHead(qkv, v, stride, seq, vT);
            for (int t = 0; t < seq; t++) {
                int n = t + 1;
                int dsRow = t * seq;
                int pRow = p + t * seq;
                // dP[t,s] = dy_t · v_s, then the O(T) softmax backward, scale folded in
                rowTimesTransposed(dout, dy + t * dim, vT, 0, seq, n, headDim, ds, dsRow, 1f);
                float sum = Vec.dot(probs, pRow, ds, dsRow, n);
                softmaxBackwardRow(probs, pRow, ds, dsRow, n, sum, scale);
                weightedRowSum(ds, dsRow, 1, n, qkv, k, stride, headDim, dqkv, dq + t * stride);
            }
            for (int s = 0; s < seq; s++) {
                int n = seq - s;
                weightedRowSum(ds, s * seq + s, seq, n, qkv, q + s * stride, stride, headDim, dqkv, dk + s * stride);
                weightedRowSum(probs, p + s * seq + s, seq, n, dout, dy + s * dim, dim, headDim, dqkv, dv + s * stride);
            }
        });
    }

    /**
     * The core of causal attention for one head: query r (position firstPos + r) attends keys
     * [0, firstPos + r]. Keys are given transposed (kT[c·kTStride + s]), values as rows.
     */
    public static void attendHead(float[] q, int qOff, int qStride, int nq, int firstPos,
                                  float[] kT, int kTOff, int kTStride, float[] v, int vOff, int vStride,
                                  float[] probs, int probsOff, int probsStride,
                                  float[] out, int outOff, int outStride, int headDim, float scale) {
        for (int r = 0; r < nq; r++) {
            int n = firstPos + r + 1;
            int pRow = probsOff + r * probsStride;
            rowTimesTransposed(q, qOff + r * qStride, kT, kTOff, kTStride, n, headDim, probs, pRow, scale);
            softmaxInPlace(probs, pRow, n);
            weightedRowSum(probs, pRow, 1, n, v, vOff, vStride, headDim, out, outOff + r * outStride);
        }
    }

    /** dst[c·seq + s] = src[off + s·stride + c] for c < headDim, s < seq: one head's rows as columns. */
    private void transposeHead(float[] src, int off, int stride, int seq, float[] dst) {
        for (int s = 0; s < seq; s++) {
            int row = off + s * stride;
            for (int c = 0; c < headDim; c++) {
                dst[c * seq + s] = src[row + c];
            }
        }
    }

    /** out[outOff + s] = scale·Σ_c x[xOff + c]·mT[mTOff + c·mTStride + s] for s < n. */
    static void rowTimesTransposed(float[] x, int xOff, float[] mT, int mTOff, int mTStride, int n, int headDim,
                                   float[] out, int outOff, float scale) {
        int s = 0;
        for (; s + 4 * VL <= n; s += 4 * VL) {
            FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0, a2 = a0, a3 = a0;
            int m = mTOff + s;
            for (int c = 0; c < headDim; c++, m += mTStride) {
                FloatVector xc = FloatVector.broadcast(SPECIES, x[xOff + c]);
                a0 = xc.fma(FloatVector.fromArray(SPECIES, mT, m), a0);
                a1 = xc.fma(FloatVector.fromArray(SPECIES, mT, m + VL), a1);
                a2 = xc.fma(FloatVector.fromArray(SPECIES, mT, m + 2 * VL), a2);
                a3 = xc.fma(FloatVector.fromArray(SPECIES, mT, m + 3 * VL), a3);
            }
            a0.mul(scale).intoArray(out, outOff + s);
            a1.mul(scale).intoArray(out, outOff + s + VL);
            a2.mul(scale).intoArray(out, outOff + s + 2 * VL);
            a3.mul(scale).intoArray(out, outOff + s + 3 * VL);
        }
        for (; s + VL <= n; s += VL) {
            FloatVector a0 = FloatVector.zero(SPECIES);
            int m = mTOff + s;
            for (int c = 0; c < headDim; c++, m += mTStride) {
                a0 = FloatVector.broadcast(SPECIES, x[xOff + c]).fma(FloatVector.fromArray(SPECIES, mT, m), a0);
            }
            a0.mul(scale).intoArray(out, outOff + s);
        }
        for (; s < n; s++) {
            float sum = 0f;
            int m = mTOff + s;
            for (int c = 0; c < headDim; c++, m += mTStride) {
                sum = Math.fma(x[xOff + c], mT[m], sum);
            }
            out[outOff + s] = sum * scale;
        }
    }

    /** out[c] = Σ_{i<n} w[wOff + i·wStride]·rows[rowsOff + i·rowStride + c] for c < headDim (overwrites out). */
    static void weightedRowSum(float[] w, int wOff, int wStride, int n, float[] rows, int rowsOff, int rowStride,
                               int headDim, float[] out, int outOff) {
        int c = 0;
        for (; c + VL <= headDim; c += VL) {
            // four independent chains over i hide the FMA latency
            FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0, a2 = a0, a3 = a0;
            int i = 0;
            int wi = wOff;
            int ri = rowsOff + c;
            for (; i + 4 <= n; i += 4, wi += 4 * wStride, ri += 4 * rowStride) {
                a0 = FloatVector.broadcast(SPECIES, w[wi]).fma(FloatVector.fromArray(SPECIES, rows, ri), a0);
                a1 = FloatVector.broadcast(SPECIES, w[wi + wStride])
                        .fma(FloatVector.fromArray(SPECIES, rows, ri + rowStride), a1);
                a2 = FloatVector.broadcast(SPECIES, w[wi + 2 * wStride])
                        .fma(FloatVector.fromArray(SPECIES, rows, ri + 2 * rowStride), a2);
                a3 = FloatVector.broadcast(SPECIES, w[wi + 3 * wStride])
                        .fma(FloatVector.fromArray(SPECIES, rows, ri + 3 * rowStride), a3);
            }
            for (; i < n; i++, wi += wStride, ri += rowStride) {
                a0 = FloatVector.broadcast(SPECIES, w[wi]).fma(FloatVector.fromArray(SPECIES, rows, ri), a0);
            }
            a0.add(a1).add(a2.add(a3)).intoArray(out, outOff + c);
        }
        for (; c < headDim; c++) {
            float sum = 0f;
            for (int i = 0; i < n; i++) {
                sum = Math.fma(w[wOff + i * wStride], rows[rowsOff + i * rowStride + c], sum);
            }
            out[outOff + c] = sum;
        }
    }

    /** x[off..off+n) ← softmax(x[off..off+n)). */
    static void softmaxInPlace(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        int i = 0;
        int bound = SPECIES.loopBound(n);
        if (bound > 0) {
            FloatVector mv = FloatVector.fromArray(SPECIES, x, off);
            for (i = VL; i < bound; i += VL) {
                mv = mv.max(FloatVector.fromArray(SPECIES, x, off + i));
            }
            max = mv.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        FloatVector sv = FloatVector.zero(SPECIES);
        for (i = 0; i < bound; i += VL) {
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
        float inv = 1f / sum;
        for (i = 0; i < bound; i += VL) {
            FloatVector.fromArray(SPECIES, x, off + i).mul(inv).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= inv;
        }
    }

    /** ds[s] ← P[s]·(ds[s] − sum)·scale for s < n, where ds holds dP on entry. */
    private static void softmaxBackwardRow(float[] p, int pOff, float[] ds, int dsOff, int n, float sum, float scale) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += VL) {
            FloatVector.fromArray(SPECIES, ds, dsOff + i).sub(sum).mul(FloatVector.fromArray(SPECIES, p, pOff + i))
                    .mul(scale).intoArray(ds, dsOff + i);
        }
        for (; i < n; i++) {
            ds[dsOff + i] = (ds[dsOff + i] - sum) * p[pOff + i] * scale;
        }
    }

    /** The scalar reference of {@link #forward}: dot products per key, plain softmax. */
    public static void forwardScalar(float[] out, float[] probs, float[] qkv, int batch, int seq, int heads, int headDim) {
        int dim = heads * headDim;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int t = 0; t < seq; t++) {
                    int q = (b * seq + t) * 3 * dim + h * headDim;
                    int p = ((b * heads + h) * seq + t) * seq;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int s = 0; s <= t; s++) {
                        int k = (b * seq + s) * 3 * dim + dim + h * headDim;
                        float dot = 0f;
                        for (int c = 0; c < headDim; c++) {
                            dot += qkv[q + c] * qkv[k + c];
                        }
                        probs[p + s] = dot * scale;
                        max = Math.max(max, probs[p + s]);
                    }
                    float sum = 0f;
                    for (int s = 0; s <= t; s++) {
                        probs[p + s] = (float) Math.exp(probs[p + s] - max);
                        sum += probs[p + s];
                    }
                    for (int s = 0; s <= t; s++) {
                        probs[p + s] /= sum;
                    }
                    int o = (b * seq + t) * dim + h * headDim;
                    for (int c = 0; c < headDim; c++) {
                        float acc = 0f;
                        for (int s = 0; s <= t; s++) {
                            acc += probs[p + s] * qkv[(b * seq + s) * 3 * dim + 2 * dim + h * headDim + c];
                        }
                        out[o + c] = acc;
                    }
                }
            }
        }
    }
}
