package ai.chorus.engine.kernel;

import ai.chorus.engine.parallel.WorkerPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static ai.chorus.engine.kernel.GradCheck.assertClose;
import static ai.chorus.engine.kernel.GradCheck.numericGradient;
import static ai.chorus.engine.kernel.GradCheck.randomFloats;
import static ai.chorus.engine.kernel.GradCheck.toDouble;
import static org.assertj.core.api.Assertions.assertThat;

/** Each backward kernel against central finite differences of a double-precision forward. */
class KernelGradientTest {

    private static final WorkerPool POOL = new WorkerPool(2);
    private static final double TOL = 1e-3;
    private final Random random = new Random(42);

    @AfterAll
    static void closePool() {
        POOL.close();
    }

    @Test
    void matmulBackwardMatchesFiniteDifferences() {
        int m = 7, k = 37, n = 70; // tails in every direction of the 4x4 vector tile
        float[] x = randomFloats(random, m * k, 1);
        float[] w = randomFloats(random, n * k, 1);
        float[] r = randomFloats(random, m * n, 1);
        double[] wd = toDouble(w);
        double[] xd = toDouble(x);
        double[] rd = toDouble(r);
        float[] dx = new float[m * k];
        Matmul.backwardInput(POOL, dx, 0, r, 0, w, 0, m, k, n, false);
        assertClose("dx", dx, 0, numericGradient(xv -> linear(xv, wd, m, k, n), xd, rd), TOL);
        float[] dw = new float[n * k];
        Matmul.backwardWeight(POOL, dw, 0, r, 0, x, 0, m, k, n);
        assertClose("dW", dw, 0, numericGradient(wv -> linear(xd, wv, m, k, n), wd, rd), TOL);
    }

    @Test
    void matmulForwardVectorMatchesScalarAndBackwardWeightAccumulates() {
        // > KC deep, > NC wide; 131 = 2·48 + 32 + 3 and 70 = 48 + 16 + 6 columns reach every tile width
        matmulMatchesScalar(67, 300, 131);
        matmulMatchesScalar(67, 300, 70);
    }

    @Test
    void packingBPanelsChangesNoBitAndBackwardFormsMatchScalar() {
        // depth 300 = 2 KC slices + 44, 2 NC chunks + 3 scalar columns, 8-row tiles + 3 tail rows
        int rows = 139, cols = 2 * Matmul.NC + 2 * Matmul.SPECIES.length() + 3, depth = 300;
        float[] a = randomFloats(random, rows * depth, 1);
        float[] aT = new float[depth * rows]; // the same A stored transposed, as dW reads dout
        for (int i = 0; i < rows; i++) {
            for (int p = 0; p < depth; p++) {
                aT[p * rows + i] = a[i * depth + p];
            }
        }
        float[] b = randomFloats(random, depth * cols, 1);
        float[] start = randomFloats(random, rows * cols, 1);
        for (boolean transposedA : new boolean[] {false, true}) {
            float[] av = transposedA ? aT : a;
            int ars = transposedA ? 1 : depth;
            int acs = transposedA ? rows : 1;
            for (boolean accumulate : new boolean[] {false, true}) {
                float[] inPlace = start.clone();
                float[] packed = start.clone();
                float[] ref = start.clone();
                Matmul.gemm(POOL, rows, cols, depth, av, 0, ars, acs, b, 0, cols, inPlace, 0, cols, accumulate, false);
                Matmul.gemm(POOL, rows, cols, depth, av, 0, ars, acs, b, 0, cols, packed, 0, cols, accumulate, true);
                ScalarKernels.gemm(rows, cols, depth, av, 0, ars, acs, b, 0, cols, ref, 0, cols, accumulate);
                assertThat(packed).as("packed B, transposed A %s, accumulate %s", transposedA, accumulate)
                        .isEqualTo(inPlace);
                assertClose("packed B vs scalar", packed, ref, 1e-5);
            }
        }
    }

    private void matmulMatchesScalar(int m, int k, int n) {
        float[] x = randomFloats(random, m * k, 1);
        float[] w = randomFloats(random, n * k, 1);
        int ld = Matmul.paddedStride(n);
        float[] wT = new float[k * ld];
        Matmul.transpose(POOL, w, 0, wT, 0, n, k, ld);
        float[] y = new float[m * n];
        Matmul.forward(POOL, y, 0, x, 0, wT, 0, ld, m, k, n);
        float[] ref = new float[m * n];
        ScalarKernels.gemm(m, n, k, x, 0, k, 1, wT, 0, ld, ref, 0, n, false);
        assertClose("y", y, ref, 1e-5);
        float[] dw = randomFloats(random, n * k, 1);
        float[] dwRef = dw.clone();
        Matmul.backwardWeight(POOL, dw, 0, y, 0, x, 0, m, k, n);
        ScalarKernels.gemm(n, k, m, y, 0, 1, n, x, 0, k, dwRef, 0, k, true);
        assertClose("dW accumulated", dw, dwRef, 1e-5);
    }

    @Test
    void rmsNormBackwardMatchesFiniteDifferences() {
        int rows = 5, dim = 37;
        float eps = 1e-5f;
        float[] x = randomFloats(random, rows * dim, 1);
        float[] w = randomFloats(random, dim, 1);
        float[] r = randomFloats(random, rows * dim, 1);
        float[] y = new float[rows * dim];
        float[] rinv = new float[rows];
        RmsNorm.forward(POOL, y, 0, x, 0, w, 0, rinv, 0, rows, dim, eps);
        double[] xd = toDouble(x);
        double[] wd = toDouble(w);
        assertClose("y", y, 0, rmsNorm(xd, wd, rows, dim, eps), 1e-5);
        float[] dx = new float[rows * dim];
        float[] dw = new float[dim];
        RmsNorm.backward(POOL, dx, 0, dw, 0, r, 0, x, 0, w, 0, rinv, 0, rows, dim);
        double[] rd = toDouble(r);
        assertClose("dx", dx, 0, numericGradient(xv -> rmsNorm(xv, wd, rows, dim, eps), xd, rd), TOL);
        assertClose("dw", dw, 0, numericGradient(wv -> rmsNorm(xd, wv, rows, dim, eps), wd, rd), TOL);
    }

    @Test
    void ropeBackwardMatchesFiniteDifferencesAndUsesRotateHalfPairs() {
        int rows = 6, seq = 3, heads = 2, headDim = 8;
        double theta = 10000;
        Rope rope = new Rope(headDim, 16, theta);
        float[] x = randomFloats(random, rows * heads * headDim, 1);
        float[] y = x.clone();
        rope.apply(POOL, y, 0, heads * headDim, rows, seq, 2, heads, false);
        double[] xd = toDouble(x);
        assertClose("rope", y, 0, rope(xd, rows, seq, 2, heads, headDim, theta), 1e-5);
        float[] r = randomFloats(random, x.length, 1);
        float[] dx = r.clone();
        rope.apply(POOL, dx, 0, heads * headDim, rows, seq, 2, heads, true);
        assertClose("drope", dx, 0,
                numericGradient(xv -> rope(xv, rows, seq, 2, heads, headDim, theta), xd, toDouble(r)), TOL);
    }

    @Test
    void attentionBackwardMatchesFiniteDifferences() {
        int batch = 2, seq = 34, heads = 2, headDim = 16; // two query blocks, vector and scalar tails
        int dim = heads * headDim;
        float[] qkv = randomFloats(random, batch * seq * 3 * dim, 1);
        float[] out = new float[batch * seq * dim];
        float[] probs = new float[batch * heads * seq * seq];
        Attention attention = new Attention(heads, headDim, seq, POOL.threads());
        attention.forward(POOL, out, 0, probs, 0, qkv, 0, batch, seq);
        double[] qd = toDouble(qkv);
        assertClose("out", out, 0, attention(qd, batch, seq, heads, headDim), 1e-5);
        float[] r = randomFloats(random, out.length, 1);
        float[] dqkv = new float[qkv.length];
        attention.backward(POOL, dqkv, 0, r, 0, qkv, 0, probs, 0, batch, seq);
        assertClose("dqkv", dqkv, 0,
                numericGradient(q -> attention(q, batch, seq, heads, headDim), qd, toDouble(r)), TOL);
    }

    @Test
    void attentionVectorPathMatchesScalarReference() {
        int batch = 1, seq = 83, heads = 2, headDim = 32; // > 4 vectors of keys, tails
        int dim = heads * headDim;
        float[] qkv = randomFloats(random, batch * seq * 3 * dim, 1);
        float[] out = new float[batch * seq * dim];
        float[] probs = new float[batch * heads * seq * seq];
        new Attention(heads, headDim, seq, POOL.threads()).forward(POOL, out, 0, probs, 0, qkv, 0, batch, seq);
        float[] outRef = new float[out.length];
        float[] probsRef = new float[probs.length];
        ScalarKernels.attentionForward(outRef, probsRef, qkv, batch, seq, heads, headDim);
        assertClose("out", out, outRef, 1e-5);
        assertClose("probs", probs, probsRef, 1e-5);
    }

    @Test
    void swiGluBackwardMatchesFiniteDifferences() {
        int rows = 3, ffn = 37;
        float[] gu = randomFloats(random, rows * 2 * ffn, 2);
        float[] h = new float[rows * ffn];
        SwiGlu.forward(POOL, h, 0, gu, 0, rows, ffn);
        double[] gd = toDouble(gu);
        assertClose("h", h, 0, swiGlu(gd, rows, ffn), 1e-5);
        float[] r = randomFloats(random, h.length, 1);
        float[] dgu = new float[gu.length];
        SwiGlu.backward(POOL, dgu, 0, r, 0, gu, 0, rows, ffn);
        assertClose("dgu", dgu, 0, numericGradient(g -> swiGlu(g, rows, ffn), gd, toDouble(r)), TOL);
    }

    @Test
    void crossEntropyBackwardMatchesFiniteDifferences() {
        int rows = 4, vocab = 45;
        float[] logits = randomFloats(random, rows * vocab, 3);
        int[] targets = {0, 44, 17, 17};
        float scale = 1f / rows;
        float[] losses = new float[rows];
        float[] lse = new float[rows];
        CrossEntropy.forward(POOL, logits, 0, targets, 0, rows, vocab, losses, 0, lse, 0);
        double[] ld = toDouble(logits);
        double[] lossRef = crossEntropy(ld, targets, rows, vocab);
        assertClose("loss", losses, 0, lossRef, 1e-5);
        float[] grad = logits.clone();
        float[] losses2 = new float[rows];
        CrossEntropy.forwardBackward(POOL, grad, 0, targets, 0, rows, vocab, losses2, 0, scale);
        assertThat(losses2).containsExactly(losses);
        double[] weights = new double[rows];
        Arrays.fill(weights, scale);
        assertClose("dlogits", grad, 0, numericGradient(l -> crossEntropy(l, targets, rows, vocab), ld, weights), TOL);
    }

    @Test
    void embeddingBackwardScatterAddsRepeatedTokens() {
        int vocab = 5, dim = 19;
        int[] tokens = {3, 1, 3, 0};
        float[] table = randomFloats(random, vocab * dim, 1);
        float[] out = new float[tokens.length * dim];
        Embedding.forward(out, 0, tokens, 0, tokens.length, table, 0, dim);
        float[] r = randomFloats(random, out.length, 1);
        float[] dtable = new float[table.length];
        Embedding.backward(dtable, 0, r, 0, tokens, 0, tokens.length, dim);
        assertClose("dtable", dtable, 0, numericGradient(t -> {
            double[] y = new double[tokens.length * dim];
            for (int m = 0; m < tokens.length; m++) {
                System.arraycopy(t, tokens[m] * dim, y, m * dim, dim);
            }
            return y;
        }, toDouble(table), toDouble(r)), TOL);
    }

    // ---- double-precision references ----

    static double[] linear(double[] x, double[] w, int m, int k, int n) {
        double[] y = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += x[i * k + p] * w[j * k + p];
                }
                y[i * n + j] = s;
            }
        }
        return y;
    }

    static double[] rmsNorm(double[] x, double[] w, int rows, int dim, double eps) {
        double[] y = new double[rows * dim];
        for (int m = 0; m < rows; m++) {
            double ss = 0;
            for (int c = 0; c < dim; c++) {
                ss += x[m * dim + c] * x[m * dim + c];
            }
            double r = 1 / Math.sqrt(ss / dim + eps);
            for (int c = 0; c < dim; c++) {
                y[m * dim + c] = x[m * dim + c] * r * w[c];
            }
        }
        return y;
    }

    static double[] rope(double[] x, int rows, int seq, int firstPos, int heads, int headDim, double theta) {
        double[] y = new double[x.length];
        int half = headDim / 2;
        for (int m = 0; m < rows; m++) {
            int pos = firstPos + m % seq;
            for (int h = 0; h < heads; h++) {
                int base = (m * heads + h) * headDim;
                for (int i = 0; i < headDim; i++) {
                    double freq = 1 / Math.pow(theta, (2.0 * (i % half)) / headDim); // cat(freqs, freqs)
                    double rotated = i < half ? -x[base + i + half] : x[base + i - half]; // rotate_half
                    y[base + i] = x[base + i] * Math.cos(pos * freq) + rotated * Math.sin(pos * freq);
                }
            }
        }
        return y;
    }

    static double[] attention(double[] qkv, int batch, int seq, int heads, int headDim) {
        int dim = heads * headDim;
        double[] out = new double[batch * seq * dim];
        double scale = 1 / Math.sqrt(headDim);
        double[] p = new double[seq];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int t = 0; t < seq; t++) {
                    int q = (b * seq + t) * 3 * dim + h * headDim;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s <= t; s++) {
                        int k = (b * seq + s) * 3 * dim + dim + h * headDim;
                        double dot = 0;
                        for (int c = 0; c < headDim; c++) {
                            dot += qkv[q + c] * qkv[k + c];
                        }
                        p[s] = dot * scale;
                        max = Math.max(max, p[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s <= t; s++) {
                        p[s] = Math.exp(p[s] - max);
                        sum += p[s];
                    }
                    for (int c = 0; c < headDim; c++) {
                        double acc = 0;
                        for (int s = 0; s <= t; s++) {
                            acc += p[s] / sum * qkv[(b * seq + s) * 3 * dim + 2 * dim + h * headDim + c];
                        }
                        out[(b * seq + t) * dim + h * headDim + c] = acc;
                    }
                }
            }
        }
        return out;
    }

    static double[] swiGlu(double[] gu, int rows, int ffn) {
        double[] h = new double[rows * ffn];
        for (int m = 0; m < rows; m++) {
            for (int i = 0; i < ffn; i++) {
                double g = gu[m * 2 * ffn + i];
                h[m * ffn + i] = g / (1 + Math.exp(-g)) * gu[m * 2 * ffn + ffn + i];
            }
        }
        return h;
    }

    static double[] crossEntropy(double[] logits, int[] targets, int rows, int vocab) {
        double[] loss = new double[rows];
        for (int m = 0; m < rows; m++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) {
                max = Math.max(max, logits[m * vocab + v]);
            }
            double sum = 0;
            for (int v = 0; v < vocab; v++) {
                sum += Math.exp(logits[m * vocab + v] - max);
            }
            loss[m] = max + Math.log(sum) - logits[m * vocab + targets[m]];
        }
        return loss;
    }
}
