package ai.chorus.engine.kernel;

import ai.chorus.engine.parallel.WorkerPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static ai.chorus.engine.kernel.GradCheck.assertClose;
import static ai.chorus.engine.kernel.GradCheck.randomFloats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

/**
 * Every kernel with a Vector API path against its plain scalar reference ({@link ScalarKernels}), on
 * sizes that are not a multiple of the vector length so the lane loops and their scalar tails both run
 * (and, for the matmul, the 8-row and 3/2/1-vector tiles and the scalar columns: see KernelGradientTest).
 */
class VectorKernelsMatchScalarTest {

    private static final WorkerPool POOL = new WorkerPool(2);
    /** Normwise: every element within TOL·max|reference|; float sums in another order differ by a few ulps. */
    private static final double TOL = 1e-5;
    /** Widths: a vector and a tail, two vectors and a tail, less than one vector. */
    private static final int[] WIDTHS = {Vec.VL + 5, 2 * Vec.VL + 3, Vec.VL - 3};
    private final Random random = new Random(7);

    @AfterAll
    static void closePool() {
        POOL.close();
    }

    @Test
    void rmsNormForwardAndBackward() {
        for (int dim : WIDTHS) {
            int rows = 19; // > one task of 16 rows
            float eps = 1e-5f;
            float[] x = randomFloats(random, rows * dim, 1);
            float[] w = randomFloats(random, dim, 1);
            float[] y = new float[rows * dim], yRef = new float[rows * dim];
            float[] rinv = new float[rows], rinvRef = new float[rows];
            RmsNorm.forward(POOL, y, 0, x, 0, w, 0, rinv, 0, rows, dim, eps);
            ScalarKernels.rmsNormForward(yRef, x, w, rinvRef, rows, dim, eps);
            assertClose("rmsnorm y, dim " + dim, y, yRef, TOL);
            assertClose("rmsnorm rinv, dim " + dim, rinv, rinvRef, TOL);
            float[] dy = randomFloats(random, rows * dim, 1);
            float[] dx = randomFloats(random, rows * dim, 1), dxRef = dx.clone(); // backward accumulates
            float[] dw = randomFloats(random, dim, 1), dwRef = dw.clone();
            RmsNorm.backward(POOL, dx, 0, dw, 0, dy, 0, x, 0, w, 0, rinv, 0, rows, dim);
            ScalarKernels.rmsNormBackward(dxRef, dwRef, dy, x, w, rinvRef, rows, dim);
            assertClose("rmsnorm dx, dim " + dim, dx, dxRef, TOL);
            assertClose("rmsnorm dw, dim " + dim, dw, dwRef, TOL);
        }
    }

    @Test
    void attentionForwardAndBackward() {
        int batch = 2, seq = 37, heads = 2; // two query blocks, the second a partial one
        for (int headDim : new int[] {8, 2 * Vec.VL + 2}) {
            int dim = heads * headDim;
            float[] qkv = randomFloats(random, batch * seq * 3 * dim, 1);
            Attention attention = new Attention(heads, headDim, seq, POOL.threads());
            float[] out = new float[batch * seq * dim], outRef = new float[out.length];
            float[] probs = new float[batch * heads * seq * seq], probsRef = new float[probs.length];
            attention.forward(POOL, out, 0, probs, 0, qkv, 0, batch, seq);
            ScalarKernels.attentionForward(outRef, probsRef, qkv, batch, seq, heads, headDim);
            assertClose("attention out, headDim " + headDim, out, outRef, TOL);
            assertClose("attention probs, headDim " + headDim, probs, probsRef, TOL);
            float[] dout = randomFloats(random, out.length, 1);
            float[] dqkv = new float[qkv.length], dqkvRef = new float[qkv.length];
            attention.backward(POOL, dqkv, 0, dout, 0, qkv, 0, probs, 0, batch, seq);
            ScalarKernels.attentionBackward(dqkvRef, dout, qkv, probsRef, batch, seq, heads, headDim);
            assertClose("attention dqkv, headDim " + headDim, dqkv, dqkvRef, TOL);
        }
    }

    @Test
    void swiGluForwardAndBackward() {
        for (int ffn : WIDTHS) {
            int rows = 17;
            float[] gu = randomFloats(random, rows * 2 * ffn, 2);
            float[] h = new float[rows * ffn], hRef = new float[h.length];
            SwiGlu.forward(POOL, h, 0, gu, 0, rows, ffn);
            ScalarKernels.swiGluForward(hRef, gu, rows, ffn);
            assertClose("swiglu h, ffn " + ffn, h, hRef, TOL);
            float[] dh = randomFloats(random, h.length, 1);
            float[] dgu = new float[gu.length], dguRef = new float[gu.length];
            SwiGlu.backward(POOL, dgu, 0, dh, 0, gu, 0, rows, ffn);
            ScalarKernels.swiGluBackward(dguRef, dh, gu, rows, ffn);
            assertClose("swiglu dgu, ffn " + ffn, dgu, dguRef, TOL);
        }
    }

    @Test
    void crossEntropyForwardAndBackward() {
        for (int vocab : new int[] {Vec.VL + 5, 7 * Vec.VL + 11}) {
            int rows = 11;
            float[] logits = randomFloats(random, rows * vocab, 3);
            int[] targets = new int[rows];
            for (int m = 0; m < rows; m++) {
                targets[m] = random.nextInt(vocab);
            }
            targets[0] = vocab - 1; // a target in the scalar tail
            float[] losses = new float[rows], lse = new float[rows], lossesRef = new float[rows], lseRef = new float[rows];
            CrossEntropy.forward(POOL, logits, 0, targets, 0, rows, vocab, losses, 0, lse, 0);
            ScalarKernels.crossEntropyForward(logits, targets, rows, vocab, lossesRef, lseRef);
            assertClose("cross-entropy loss, vocab " + vocab, losses, lossesRef, TOL);
            assertClose("cross-entropy lse, vocab " + vocab, lse, lseRef, TOL);
            float scale = 1f / 64;
            float[] grad = logits.clone(), gradRef = logits.clone();
            float[] losses2 = new float[rows];
            CrossEntropy.forwardBackward(POOL, grad, 0, targets, 0, rows, vocab, losses2, 0, scale);
            ScalarKernels.crossEntropyBackward(gradRef, targets, rows, vocab, scale);
            assertClose("cross-entropy dlogits, vocab " + vocab, grad, gradRef, TOL);
            assertClose("cross-entropy training loss, vocab " + vocab, losses2, lossesRef, TOL);
            float[] row = Arrays.copyOf(logits, vocab);
            assertThat(CrossEntropy.logSumExp(row, 0, vocab))
                    .isCloseTo(ScalarKernels.logSumExp(row, 0, vocab), offset(1e-5f));
        }
    }

    @Test
    void residualForwardAndBackward() {
        int n = 3 * Vec.VL + 7;
        float[] a = randomFloats(random, n, 1), b = randomFloats(random, n, 1);
        float[] out = new float[n], outRef = new float[n];
        Residual.forward(POOL, out, 0, a, 0, b, 0, n);
        ScalarKernels.residualForward(outRef, a, b, n);
        assertThat(out).as("residual out").containsExactly(outRef); // one rounding per element either way
        float[] inPlace = a.clone();
        Residual.forward(POOL, inPlace, 0, inPlace, 0, b, 0, n);
        assertThat(inPlace).as("residual out aliasing a").containsExactly(outRef);
        float[] dinp = randomFloats(random, n, 1), dinpRef = new float[n];
        ScalarKernels.residualForward(dinpRef, dinp, b, n);
        Residual.backward(POOL, dinp, 0, b, 0, n);
        assertThat(dinp).as("residual dinp += dout").containsExactly(dinpRef);
    }

    @Test
    void embeddingForwardAndBackward() {
        int vocab = 6, dim = 2 * Vec.VL + 3;
        int[] tokens = {4, 1, 4, 0, 5, 4};
        float[] table = randomFloats(random, vocab * dim, 1);
        float[] out = new float[tokens.length * dim], outRef = new float[out.length];
        Embedding.forward(out, 0, tokens, 0, tokens.length, table, 0, dim);
        ScalarKernels.embeddingForward(outRef, tokens, table, dim);
        assertThat(out).as("embedding out").containsExactly(outRef);
        float[] dout = randomFloats(random, out.length, 1);
        float[] dtable = randomFloats(random, table.length, 1), dtableRef = dtable.clone();
        Embedding.backward(dtable, 0, dout, 0, tokens, 0, tokens.length, dim);
        ScalarKernels.embeddingBackward(dtableRef, dout, tokens, dim);
        assertThat(dtable).as("embedding dtable, rows added in order").containsExactly(dtableRef);
    }
}
