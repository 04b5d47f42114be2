package ai.chorus.engine.kernel;

import java.util.Arrays;

/**
 * The plain scalar reference of every kernel with a Vector API path: the textbook loop in float32, one
 * element at a time, no tiles, no blocking, no lanes, {@link Math#exp} instead of {@link Vec#exp}. The
 * vector kernels must agree with these to a few ulps of the result's scale on any size, tails included
 * ({@code VectorKernelsMatchScalarTest}). Rope and AdamW have no vector path; their references are
 * the double-precision forward in {@code KernelGradientTest} and PyTorch in {@code TorchReferenceTest}.
 */
final class ScalarKernels {

    private ScalarKernels() {
    }

    /** C[i,j] (+)= Σ_p A(i,p)·B[p,j], p ascending, with {@link Matmul#gemm}'s addressing. */
    static void gemm(int rows, int cols, int depth, float[] a, int aOff, int aRowStride, int aColStride,
                     float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                float sum = accumulate ? c[cOff + i * ldc + j] : 0f;
                for (int p = 0; p < depth; p++) {
                    sum += a[aOff + i * aRowStride + p * aColStride] * b[bOff + p * ldb + j];
                }
                c[cOff + i * ldc + j] = sum;
            }
        }
    }

    /** y = x·r·w, r = 1/√(mean x² + eps) per row, stored in rinv. */
    static void rmsNormForward(float[] y, float[] x, float[] w, float[] rinv, int rows, int dim, float eps) {
        for (int m = 0; m < rows; m++) {
            float ss = 0f;
            for (int c = 0; c < dim; c++) {
                ss += x[m * dim + c] * x[m * dim + c];
            }
            float r = (float) (1.0 / Math.sqrt(ss / dim + eps));
            rinv[m] = r;
            for (int c = 0; c < dim; c++) {
                y[m * dim + c] = x[m * dim + c] * r * w[c];
            }
        }
    }

    /** dx += r·(w⊙dy) − (r³/C)·x·Σ(w⊙dy⊙x); dw += Σ_rows dy⊙x·r. */
    static void rmsNormBackward(float[] dx, float[] dw, float[] dy, float[] x, float[] w, float[] rinv,
                                int rows, int dim) {
        for (int m = 0; m < rows; m++) {
            float r = rinv[m];
            float dot = 0f;
            for (int c = 0; c < dim; c++) {
                dot += w[c] * dy[m * dim + c] * x[m * dim + c];
            }
            float coef = r * r * r * dot / dim;
            for (int c = 0; c < dim; c++) {
                dx[m * dim + c] += w[c] * dy[m * dim + c] * r - x[m * dim + c] * coef;
                dw[c] += dy[m * dim + c] * x[m * dim + c] * r;
            }
        }
    }

    /** Causal softmax attention over rows [q | k | v]; probs[b,h,t,s] keeps P (zero right of t). */
    static void attentionForward(float[] out, float[] probs, float[] qkv, int batch, int seq, int heads, int headDim) {
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

    /**
     * dqkv (overwritten) from dout, with P from the forward: dv = Pᵀ·dy, dP = dy·vᵀ,
     * dS = P⊙(dP − Σ P·dP)·scale, dq = dS·k, dk = dSᵀ·q.
     */
    static void attentionBackward(float[] dqkv, float[] dout, float[] qkv, float[] probs, int batch, int seq,
                                  int heads, int headDim) {
        int dim = heads * headDim;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        Arrays.fill(dqkv, 0f);
        float[] ds = new float[seq];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int t = 0; t < seq; t++) {
                    int p = ((b * heads + h) * seq + t) * seq;
                    int dy = (b * seq + t) * dim + h * headDim;
                    float sum = 0f;
                    for (int s = 0; s <= t; s++) {
                        int v = (b * seq + s) * 3 * dim + 2 * dim + h * headDim;
                        float dp = 0f;
                        for (int c = 0; c < headDim; c++) {
                            dp += dout[dy + c] * qkv[v + c];
                        }
                        ds[s] = dp;
                        sum += probs[p + s] * dp;
                    }
                    int q = (b * seq + t) * 3 * dim + h * headDim;
                    for (int s = 0; s <= t; s++) {
                        float dS = probs[p + s] * (ds[s] - sum) * scale;
                        int k = (b * seq + s) * 3 * dim + dim + h * headDim;
                        for (int c = 0; c < headDim; c++) {
                            dqkv[q + c] += dS * qkv[k + c];                       // dq_t
                            dqkv[k + c] += dS * qkv[q + c];                       // dk_s
                            dqkv[k + dim + c] += probs[p + s] * dout[dy + c];     // dv_s
                        }
                    }
                }
            }
        }
    }

    /** h = silu(g)⊙u per row of [g | u]. */
    static void swiGluForward(float[] h, float[] gu, int rows, int ffn) {
        for (int m = 0; m < rows; m++) {
            for (int i = 0; i < ffn; i++) {
                float g = gu[m * 2 * ffn + i];
                h[m * ffn + i] = g * sigmoid(g) * gu[m * 2 * ffn + ffn + i];
            }
        }
    }

    /** dg = dh⊙u⊙σ(g)(1 + g(1−σ(g))), du = dh⊙silu(g). */
    static void swiGluBackward(float[] dgu, float[] dh, float[] gu, int rows, int ffn) {
        for (int m = 0; m < rows; m++) {
            for (int i = 0; i < ffn; i++) {
                float g = gu[m * 2 * ffn + i];
                float u = gu[m * 2 * ffn + ffn + i];
                float sig = sigmoid(g);
                dgu[m * 2 * ffn + i] = dh[m * ffn + i] * u * sig * (1f + g * (1f - sig));
                dgu[m * 2 * ffn + ffn + i] = dh[m * ffn + i] * g * sig;
            }
        }
    }

    private static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }

    /** loss[m] = logsumexp(row) − row[target]; lse[m] = logsumexp(row). */
    static void crossEntropyForward(float[] logits, int[] targets, int rows, int vocab, float[] losses, float[] lse) {
        for (int m = 0; m < rows; m++) {
            lse[m] = logSumExp(logits, m * vocab, vocab);
            losses[m] = lse[m] - logits[m * vocab + targets[m]];
        }
    }

    /** logits[m,:] ← (softmax − onehot(target))·scale, in place. */
    static void crossEntropyBackward(float[] logits, int[] targets, int rows, int vocab, float scale) {
        for (int m = 0; m < rows; m++) {
            float l = logSumExp(logits, m * vocab, vocab);
            for (int i = 0; i < vocab; i++) {
                logits[m * vocab + i] = (float) Math.exp(logits[m * vocab + i] - l) * scale;
            }
            logits[m * vocab + targets[m]] -= scale;
        }
    }

    static float logSumExp(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += (float) Math.exp(x[off + i] - max);
        }
        return max + (float) Math.log(sum);
    }

    /** out = a + b. */
    static void residualForward(float[] out, float[] a, float[] b, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = a[i] + b[i];
        }
    }

    /** out[m,:] = table[tokens[m],:]. */
    static void embeddingForward(float[] out, int[] tokens, float[] table, int dim) {
        for (int m = 0; m < tokens.length; m++) {
            for (int c = 0; c < dim; c++) {
                out[m * dim + c] = table[tokens[m] * dim + c];
            }
        }
    }

    /** dtable[tokens[m],:] += dout[m,:], rows in order. */
    static void embeddingBackward(float[] dtable, float[] dout, int[] tokens, int dim) {
        for (int m = 0; m < tokens.length; m++) {
            for (int c = 0; c < dim; c++) {
                dtable[tokens[m] * dim + c] += dout[m * dim + c];
            }
        }
    }
}
