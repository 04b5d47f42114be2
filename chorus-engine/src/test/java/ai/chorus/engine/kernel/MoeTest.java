package ai.chorus.engine.kernel;

import ai.chorus.engine.parallel.WorkerPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;

import static ai.chorus.engine.kernel.GradCheck.assertClose;
import static ai.chorus.engine.kernel.GradCheck.numericGradient;
import static ai.chorus.engine.kernel.GradCheck.randomFloats;
import static ai.chorus.engine.kernel.GradCheck.toDouble;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sparse MoE block against its double-precision scalar reference ({@link MoeReference}) and central
 * finite differences of it, for every input and weight gradient and the load-balancing term; bit-identical
 * results for 1, 2 and 3 threads; routing laws; no allocation once warm.
 */
class MoeTest {

    private static final WorkerPool POOL = new WorkerPool(2);
    private static final double TOL = 1e-3;
    private final Random random = new Random(7);

    @AfterAll
    static void closePool() {
        POOL.close();
    }

    /** One forward and backward pass of a block: its outputs and gradients. */
    private record Pass(float[] y, float[] dx, float[] grad, float balance, Moe.Activations acts) {
    }

    private static Pass run(WorkerPool pool, Moe moe, Moe.Activations a, float[] w, float[] x, int rows,
                            float[] dout, float auxCoef) {
        float[] wT = new float[(int) moe.transposedFloats()];
        moe.transpose(pool, w, 0, wT, 0);
        float[] y = new float[rows * moe.dim()];
        moe.forward(pool, a, y, 0, x, 0, rows, wT, 0);
        float[] dx = new float[rows * moe.dim()];
        float[] grad = new float[(int) moe.parameterFloats()];
        moe.backward(pool, a, dx, 0, dout, 0, x, 0, w, 0, grad, 0, auxCoef);
        return new Pass(y, dx, grad, a.balance(), a);
    }

    private float[] weights(Moe moe, double scale) {
        return randomFloats(random, (int) moe.parameterFloats(), scale);
    }

    @ParameterizedTest(name = "top-{0} of 5")
    @ValueSource(ints = {1, 2, 5})
    void forwardMatchesReferenceAndBackwardMatchesFiniteDifferences(int k) {
        // dims that leave vector tails; 23 tokens over 5 experts
        Moe moe = new Moe(13, 11, 5, k);
        int rows = 23;
        checkAgainstReference(moe, weights(moe, 0.5), randomFloats(random, rows * 13, 1), rows, 0.7f);
    }

    @Test
    void anExpertNoTokenReachesGetsNoGradientButItsRouterRowDoes() {
        Moe moe = new Moe(8, 6, 4, 2);
        int rows = 17;
        float[] w = weights(moe, 0.5);
        float[] x = randomFloats(random, rows * 8, 1);
        for (int n = 0; n < rows; n++) {
            x[n * 8] = 1 + Math.abs(x[n * 8]); // x₀ ≥ 1 and the last router row −5·x₀: expert 3 is never chosen
        }
        int last = moe.routerOffset() + 3 * 8;
        Arrays.fill(w, last, last + 8, 0f);
        w[last] = -5f;
        Pass pass = checkAgainstReference(moe, w, x, rows, 0.7f);
        assertThat(pass.acts().tokenShare(3)).isZero();
        for (int i = moe.gateUpOffset(3); i < moe.parameterFloats(); i++) {
            assertThat(pass.grad()[i]).as("gradient of expert 3 at %d", i).isZero();
        }
        float rowNorm = 0;
        for (int i = last; i < last + 8; i++) {
            rowNorm += Math.abs(pass.grad()[i]);
        }
        assertThat(rowNorm).as("the unused expert's router row still learns through the softmax").isPositive();
    }

    /**
     * y and the balance term against the reference; dx and the whole gradient block against central
     * differences of Σ r⊙y + α·balance; then the balance term's gradient alone (dout = 0, coefficient 1),
     * so that an error in it cannot hide under the main loss's gradient.
     */
    private Pass checkAgainstReference(Moe moe, float[] w, float[] x, int rows, float alpha) {
        int dim = moe.dim();
        float[] r = randomFloats(random, rows * dim, 1);
        Pass pass = run(POOL, moe, moe.newActivations(rows), w, x, rows, r, alpha);
        double[] wd = toDouble(w);
        double[] xd = toDouble(x);
        double[] ref = MoeReference.forward(moe, wd, xd, rows);
        assertClose("y", pass.y(), 0, Arrays.copyOf(ref, rows * dim), 1e-5);
        assertThat((double) pass.balance()).as("balance").isCloseTo(ref[rows * dim], org.assertj.core.data.Offset.offset(1e-6));
        double shares = 0;
        for (int e = 0; e < moe.experts(); e++) {
            shares += pass.acts().tokenShare(e);
        }
        assertThat(shares).as("Σ f_e").isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));

        double[] weightsOfOutputs = Arrays.copyOf(toDouble(r), rows * dim + 1);
        weightsOfOutputs[rows * dim] = alpha;
        assertClose("dx", pass.dx(), 0,
                numericGradient(xv -> MoeReference.forward(moe, wd, xv, rows), xd, weightsOfOutputs), TOL);
        assertClose("dW", pass.grad(), 0,
                numericGradient(wv -> MoeReference.forward(moe, wv, xd, rows), wd, weightsOfOutputs), TOL);

        Pass aux = run(POOL, moe, moe.newActivations(rows), w, x, rows, new float[rows * dim], 1f);
        if (moe.topK() == moe.experts()) { // every f_e = 1/E: balance = Σ P_e = 1 whatever the weights
            for (float g : aux.dx()) {
                assertThat(Math.abs(g)).as("dx of a constant balance term").isLessThan(1e-6f);
            }
            return pass;
        }
        double[] balanceOnly = new double[rows * dim + 1];
        balanceOnly[rows * dim] = 1;
        assertClose("dx of the balance term", aux.dx(), 0,
                numericGradient(xv -> MoeReference.forward(moe, wd, xv, rows), xd, balanceOnly), TOL);
        int routerFloats = moe.experts() * dim;
        double[] routerGrad = Arrays.copyOf(
                numericGradient(wv -> MoeReference.forward(moe, wv, xd, rows), wd, balanceOnly), routerFloats);
        assertClose("dW_g of the balance term", aux.grad(), moe.routerOffset(), routerGrad, TOL);
        for (int i = routerFloats; i < aux.grad().length; i++) {
            assertThat(aux.grad()[i]).as("expert weights do not move the balance term").isZero();
        }
        return pass;
    }

    @Test
    void bitIdenticalForOneTwoAndThreeThreadsAndWithReusedActivations() {
        // 150 tokens: several tasks per loop, and matmuls of uneven expert blocks; three slots per token,
        // because a sum of two floats is the same in either order and would hide an order that varies
        Moe moe = new Moe(20, 36, 6, 3);
        int rows = 150;
        float[] w = weights(moe, 0.3);
        float[] x = randomFloats(random, rows * 20, 1);
        float[] dout = randomFloats(random, rows * 20, 1);
        Pass one;
        try (WorkerPool pool = new WorkerPool(1)) {
            one = run(pool, moe, moe.newActivations(rows), w, x, rows, dout, 0.01f);
        }
        for (int threads : new int[] {2, 3}) {
            try (WorkerPool pool = new WorkerPool(threads)) {
                Moe fresh = new Moe(20, 36, 6, 3);
                Moe.Activations reused = fresh.newActivations(rows);
                // an earlier pass of other, fewer tokens through the same buffers must leave no trace
                int fewer = 77;
                run(pool, fresh, reused, weights(fresh, 0.3), randomFloats(random, fewer * 20, 1), fewer,
                        randomFloats(random, fewer * 20, 1), 0.5f);
                Pass p = run(pool, fresh, reused, w, x, rows, dout, 0.01f);
                assertBitIdentical("y, " + threads + " threads", p.y(), one.y());
                assertBitIdentical("dx, " + threads + " threads", p.dx(), one.dx());
                assertBitIdentical("gradients, " + threads + " threads", p.grad(), one.grad());
                assertThat(p.balance()).isEqualTo(one.balance());
            }
        }
    }

    private static void assertBitIdentical(String what, float[] actual, float[] expected) {
        assertThat(actual.length).isEqualTo(expected.length);
        int i = 0;
        while (i < actual.length && Float.floatToRawIntBits(actual[i]) == Float.floatToRawIntBits(expected[i])) {
            i++;
        }
        assertThat(i).as("%s: first differing element", what).isEqualTo(actual.length);
    }

    @Test
    void equalRouterProbabilitiesGoToTheLowerIndexAndWeighEqually() {
        Moe moe = new Moe(6, 4, 4, 2);
        int rows = 9;
        float[] w = weights(moe, 0.1f);
        float[] x = randomFloats(random, rows * 6, 1);
        for (int n = 0; n < rows; n++) {
            x[n * 6] = 1 + Math.abs(x[n * 6]);
        }
        // rows 1 and 3 of W_g equal and dominant: equal logits, equal probabilities, on top
        for (int e : new int[] {1, 3}) {
            Arrays.fill(w, moe.routerOffset() + e * 6, moe.routerOffset() + e * 6 + 6, 0f);
            w[moe.routerOffset() + e * 6] = 4f;
        }
        Pass p = run(POOL, moe, moe.newActivations(rows), w, x, rows, new float[rows * 6], 0f);
        for (int n = 0; n < rows; n++) {
            assertThat(new int[] {p.acts().expert(n, 0), p.acts().expert(n, 1)}).as("token %d", n).containsExactly(1, 3);
            assertThat(p.acts().weight(n, 0)).isEqualTo(0.5f).isEqualTo(p.acts().weight(n, 1));
        }
    }

    @Test
    void steadyStateForwardBackwardAllocatesAlmostNothing() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Moe moe = new Moe(32, 48, 4, 2);
        int rows = 256; // one gathered activation buffer alone is 64 KiB
        float[] w = weights(moe, 0.3);
        float[] wT = new float[(int) moe.transposedFloats()];
        float[] x = randomFloats(random, rows * 32, 1);
        float[] dout = randomFloats(random, rows * 32, 1);
        float[] y = new float[rows * 32];
        float[] dx = new float[rows * 32];
        float[] grad = new float[(int) moe.parameterFloats()];
        Moe.Activations a = moe.newActivations(rows);
        try (WorkerPool pool = new WorkerPool(2)) {
            moe.transpose(pool, w, 0, wT, 0);
            Runnable pass = () -> {
                moe.forward(pool, a, y, 0, x, 0, rows, wT, 0);
                moe.backward(pool, a, dx, 0, dout, 0, x, 0, w, 0, grad, 0, 0.01f);
            };
            for (int i = 0; i < 300; i++) {
                pass.run(); // until the kernels are compiled (interpreted vector code allocates)
            }
            long perPass = Long.MAX_VALUE;
            for (int window = 0; window < 10; window++) { // the least of several windows, as TrainerTest
                long before = allocatedByAllThreads(mx);
                for (int i = 0; i < 20; i++) {
                    pass.run();
                }
                perPass = Math.min(perPass, (allocatedByAllThreads(mx) - before) / 20);
            }
            // at most the parallel loops' small task objects
            assertThat(perPass).as("bytes allocated per forward + backward").isLessThan(16 * 1024);
        }
    }

    private static long allocatedByAllThreads(com.sun.management.ThreadMXBean mx) {
        long sum = 0;
        for (long b : mx.getThreadAllocatedBytes(mx.getAllThreadIds())) {
            sum += Math.max(0, b);
        }
        return sum;
    }
}
