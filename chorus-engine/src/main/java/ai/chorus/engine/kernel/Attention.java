package ai.chorus.engine.kernel;

import ai.chorus.engine.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.util.Arrays;

import static ai.chorus.engine.kernel.Vec.SPECIES;
import static ai.chorus.engine.kernel.Vec.VL;

/**
 * Causal multi-head attention over rows laid out as [q (dim) | k (dim) | v (dim)], RoPE already applied.
 *
 * <p>One task per (sequence, head) owns that head's outputs, so results do not depend on the thread
 * count. Every product (Q·Kᵀ, P·V and the five of the backward pass) runs on the engine's one matmul
 * ({@link Matmul#block}), block-causal: a block of 32 queries only meets the keys up to its last
 * query. Keys are transposed once per head into per-worker scratch so the matmul streams them. The
 * softmax probabilities are kept for the backward pass, whose softmax step is O(T) per row:
 * dS = P⊙(dP − Σ P·dP). The same {@link #attendHead} serves training (blocks of queries) and
 * generation (one query against a {@code KvCache} that stores kᵀ).
 */
public final class Attention {

    private final int heads;
    private final int headDim;
    private final int maxSeq;
    private final float scale;
    /** Queries per block: keys right of a block's last query are skipped, so causal work is ~(1 + 1/blocks)/2 of full. */
    static final int QUERY_BLOCK = 32;
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
     * probs[b,h,t,s] (stride seq) keeps P, with zeros right of the diagonal inside each query block.
     */
    public void forward(WorkerPool pool, float[] out, int outOff, float[] probs, int probsOff,
                        float[] qkv, int qkvOff, int batch, int seq) {
        int dim = heads * headDim;
        int stride = 3 * dim;
        pool.run(batch * heads, (task, worker) -> { // task = b·heads + h
            int q = headStart(qkvOff, task, seq, stride);
            int p = probsOff + task * seq * seq;
            int o = headStart(outOff, task, seq, dim);
            float[] kT = transposed[worker];
            transposeHead(qkv, q + dim, stride, seq, kT);
            for (int t0 = 0; t0 < seq; t0 += QUERY_BLOCK) {
                int nq = Math.min(QUERY_BLOCK, seq - t0);
                attendHead(qkv, q + t0 * stride, stride, nq, t0, kT, 0, seq, qkv, q + 2 * dim, stride,
                        probs, p + t0 * seq, seq, out, o + t0 * dim, dim, headDim, scale);
            }
        });
    }

    /** dqkv[b,t,:] = (dq | dk | dv), overwritten, from dout (the gradient of {@link #forward}'s out). */
    public void backward(WorkerPool pool, float[] dqkv, int dqkvOff, float[] dout, int doutOff,
                         float[] qkv, int qkvOff, float[] probs, int probsOff, int batch, int seq) {
        int dim = heads * headDim;
        int stride = 3 * dim;
        pool.run(batch * heads, (task, worker) -> { // task = b·heads + h
            int q = headStart(qkvOff, task, seq, stride);
            int k = q + dim;
            int v = k + dim;
            int dq = headStart(dqkvOff, task, seq, stride);
            int dk = dq + dim;
            int dv = dk + dim;
            int dy = headStart(doutOff, task, seq, dim);
            int p = probsOff + task * seq * seq;
            float[] vT = transposed[worker];
            float[] ds = dScores[worker];
            transposeHead(qkv, v, stride, seq, vT);
            for (int t0 = 0; t0 < seq; t0 += QUERY_BLOCK) {
                int t1 = Math.min(seq, t0 + QUERY_BLOCK);
                // dP[t,s] = dy_t·v_s for the block's keys, then dS = P⊙(dP − Σ P·dP)·scale, O(T) per row
                Matmul.block(t0, t1, 0, t1, 0, headDim, dout, dy, dim, 1, vT, 0, seq, ds, 0, seq, false);
                for (int t = t0; t < t1; t++) {
                    float sum = Vec.dot(probs, p + t * seq, ds, t * seq, t + 1);
                    softmaxBackwardRow(probs, p + t * seq, ds, t * seq, t1, sum, scale);
                }
                // dq_t = Σ_s dS[t,s]·k_s
                Matmul.block(t0, t1, 0, headDim, 0, t1, ds, 0, seq, 1, qkv, k, stride, dqkv, dq, stride, false);
            }
            for (int s0 = 0; s0 < seq; s0 += QUERY_BLOCK) {
                int s1 = Math.min(seq, s0 + QUERY_BLOCK);
                // dk_s = Σ_{t≥s} dS[t,s]·q_t and dv_s = Σ_{t≥s} P[t,s]·dy_t: dSᵀ and Pᵀ read through strides
                Matmul.block(s0, s1, 0, headDim, s0, seq, ds, 0, 1, seq, qkv, q, stride, dqkv, dk, stride, false);
                Matmul.block(s0, s1, 0, headDim, s0, seq, probs, p, 1, seq, dout, dy, dim, dqkv, dv, stride, false);
            }
        });
    }

    /**
     * The core of causal attention for one head, on the engine's matmul: queries r in [0, nq) at
     * positions firstPos + r attend keys [0, firstPos + r]. Keys come transposed (kT[c·kTStride + s]),
     * values as rows. Probabilities right of a query's position (up to firstPos + nq) are written as 0.
     */
    public static void attendHead(float[] q, int qOff, int qStride, int nq, int firstPos,
                                  float[] kT, int kTOff, int kTStride, float[] v, int vOff, int vStride,
                                  float[] probs, int probsOff, int probsStride,
                                  float[] out, int outOff, int outStride, int headDim, float scale) {
        int keys = firstPos + nq;
        Matmul.block(0, nq, 0, keys, 0, headDim, q, qOff, qStride, 1, kT, kTOff, kTStride,
                probs, probsOff, probsStride, false);
        for (int r = 0; r < nq; r++) {
            int row = probsOff + r * probsStride;
            int n = firstPos + r + 1;
            softmaxInPlace(probs, row, n, scale);
            Arrays.fill(probs, row + n, row + keys, 0f);
        }
        Matmul.block(0, nq, 0, headDim, 0, keys, probs, probsOff, probsStride, 1, v, vOff, vStride,
                out, outOff, outStride, false);
    }

    /** Where head h of sequence b starts (task = b·heads + h) in rows {@code stride} floats apart from {@code off}. */
    private int headStart(int off, int task, int seq, int stride) {
        return off + (task / heads) * seq * stride + (task % heads) * headDim;
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

    /** x[off..off+n) ← softmax(scale·x[off..off+n)). */
    static void softmaxInPlace(float[] x, int off, int n, float scale) {
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
            FloatVector e = Vec.exp(FloatVector.fromArray(SPECIES, x, off + i).sub(max).mul(scale));
            e.intoArray(x, off + i);
            sv = sv.add(e);
        }
        float sum = Vec.sumLanes(sv);
        for (; i < n; i++) {
            float e = Vec.exp((x[off + i] - max) * scale);
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
}
