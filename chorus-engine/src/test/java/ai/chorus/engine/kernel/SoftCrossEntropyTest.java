package ai.chorus.engine.kernel;

import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.parallel.WorkerPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static ai.chorus.engine.kernel.GradCheck.assertClose;
import static ai.chorus.engine.kernel.GradCheck.numericGradient;
import static ai.chorus.engine.kernel.GradCheck.randomFloats;
import static ai.chorus.engine.kernel.GradCheck.toDouble;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The distillation loss against a double-precision reference written from the definition (the teacher
 * made dense, the remaining mass spread by hand) and central differences of it, for a full teacher
 * (probabilities and log-probabilities) and a sparse one, T ∈ {1, 2}, α ∈ {0, 0.5, 1}; its laws (α = 0 is
 * CrossEntropy bit for bit, student = teacher zeroes the soft part and its gradient, KL ≥ 0, a sparse
 * teacher with m = vocab is the full one); bit-identical results for 1, 2 and 3 threads; refusals; no
 * allocation once warm.
 */
class SoftCrossEntropyTest {

    private static final WorkerPool POOL = new WorkerPool(2);
    private static final double TOL = 1e-3;
    private final Random random = new Random(11);

    @AfterAll
    static void closePool() {
        POOL.close();
    }

    enum Layout { PROBABILITIES, LOG_PROBABILITIES, SPARSE }

    /** A batch: logits, labels and a teacher in every layout (sparse: m pairs per row, the rest spread). */
    record Batch(int rows, int vocab, float[] logits, int[] targets, float[] probs, float[] logProbs,
                 int m, int[] ids, float[] topLogProbs) {
        /** The teacher as the sparse layout means it: dense, the remaining mass spread over the others. */
        double[] denseSparseTeacher() {
            double[] p = new double[rows * vocab];
            for (int r = 0; r < rows; r++) {
                double mass = 0;
                boolean[] given = new boolean[vocab];
                for (int j = 0; j < m; j++) {
                    double q = Math.exp(topLogProbs[r * m + j]);
                    p[r * vocab + ids[r * m + j]] = q;
                    given[ids[r * m + j]] = true;
                    mass += q;
                }
                double spread = m < vocab ? Math.max(0, 1 - mass) / (vocab - m) : 0;
                for (int i = 0; i < vocab; i++) {
                    if (!given[i]) {
                        p[r * vocab + i] = spread;
                    }
                }
            }
            return p;
        }

        double[] denseTeacher(Layout layout) {
            if (layout == Layout.SPARSE) {
                return denseSparseTeacher();
            }
            double[] p = new double[rows * vocab];
            for (int i = 0; i < p.length; i++) {
                p[i] = layout == Layout.PROBABILITIES ? probs[i] : Math.exp(logProbs[i]);
            }
            return p;
        }
    }

    /** A random teacher (softmax of scaled gaussians, one zero probability per row) and its top m. */
    static Batch batch(Random random, int rows, int vocab, int m) {
        float[] logits = randomFloats(random, rows * vocab, 2);
        int[] targets = new int[rows];
        float[] probs = new float[rows * vocab];
        float[] logProbs = new float[rows * vocab];
        int[] ids = new int[rows * m];
        float[] top = new float[rows * m];
        for (int r = 0; r < rows; r++) {
            targets[r] = random.nextInt(vocab);
            double[] t = new double[vocab];
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < vocab; i++) {
                t[i] = random.nextGaussian() * 2.5;
                max = Math.max(max, t[i]);
            }
            t[(r * 7) % vocab] = Double.NEGATIVE_INFINITY; // a token the teacher rules out: p = 0, ln p = −∞
            double sum = 0;
            for (int i = 0; i < vocab; i++) {
                sum += Math.exp(t[i] - max);
            }
            for (int i = 0; i < vocab; i++) {
                double lp = t[i] - max - Math.log(sum);
                logProbs[r * vocab + i] = (float) lp;
                probs[r * vocab + i] = (float) Math.exp(lp);
            }
            Integer[] order = new Integer[vocab];
            for (int i = 0; i < vocab; i++) {
                order[i] = i;
            }
            int row = r;
            Arrays.sort(order, (x, y) -> Float.compare(logProbs[row * vocab + y], logProbs[row * vocab + x]));
            for (int j = 0; j < m; j++) {
                ids[r * m + j] = order[j];
                top[r * m + j] = logProbs[r * vocab + order[j]];
            }
        }
        return new Batch(rows, vocab, logits, targets, probs, logProbs, m, ids, top);
    }

    /** Per-row loss from the definition, in double, the teacher dense. */
    static double[] reference(double[] z, int[] targets, double[] teacher, int rows, int vocab, double alpha,
                              double temperature) {
        double[] loss = new double[rows];
        for (int r = 0; r < rows; r++) {
            int o = r * vocab;
            double lse = logSumExp(z, o, vocab, 1), lseT = logSumExp(z, o, vocab, temperature);
            double zT = 0;
            for (int i = 0; i < vocab; i++) {
                zT += Math.pow(teacher[o + i], 1 / temperature);
            }
            double kl = 0;
            for (int i = 0; i < vocab; i++) {
                double pT = Math.pow(teacher[o + i], 1 / temperature) / zT;
                if (pT > 0) {
                    kl += pT * (Math.log(pT) - (z[o + i] / temperature - lseT));
                }
            }
            double ce = lse - z[o + targets[r]];
            loss[r] = alpha * temperature * temperature * kl + (1 - alpha) * ce;
        }
        return loss;
    }

    private static double logSumExp(double[] z, int off, int n, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, z[off + i] / temperature);
        }
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += Math.exp(z[off + i] / temperature - max);
        }
        return max + Math.log(s);
    }

    /** One call of the kernel: returns the per-row losses; {@code logits} is overwritten when backward. */
    static float[] call(SoftCrossEntropy sce, WorkerPool pool, Batch b, Layout layout, float[] logits,
                                float alpha, float temperature, float scale, boolean backward) {
        float[] losses = new float[b.rows()];
        if (layout == Layout.SPARSE) {
            if (backward) {
                sce.forwardBackwardSparse(pool, logits, 0, b.targets(), 0, b.rows(), b.ids(), b.topLogProbs(), 0,
                        b.m(), alpha, temperature, losses, 0, scale);
            } else {
                sce.forwardSparse(pool, logits, 0, b.targets(), 0, b.rows(), b.ids(), b.topLogProbs(), 0, b.m(),
                        alpha, temperature, losses, 0);
            }
            return losses;
        }
        SoftCrossEntropy.Form form = layout == Layout.PROBABILITIES
                ? SoftCrossEntropy.Form.PROBABILITIES : SoftCrossEntropy.Form.LOG_PROBABILITIES;
        float[] teacher = layout == Layout.PROBABILITIES ? b.probs() : b.logProbs();
        if (backward) {
            sce.forwardBackward(pool, logits, 0, b.targets(), 0, b.rows(), teacher, 0, form, alpha, temperature,
                    losses, 0, scale);
        } else {
            sce.forward(pool, logits, 0, b.targets(), 0, b.rows(), teacher, 0, form, alpha, temperature, losses, 0);
        }
        return losses;
    }

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        for (Layout layout : Layout.values()) {
            for (float t : new float[] {1f, 2f}) {
                for (float alpha : new float[] {0f, 0.5f, 1f}) {
                    list.add(Arguments.of(layout, t, alpha));
                }
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0}, T = {1}, alpha = {2}")
    @MethodSource("cases")
    void lossMatchesTheDefinitionAndGradientMatchesFiniteDifferences(Layout layout, float temperature, float alpha) {
        int rows = 5, vocab = 45, m = 7; // 45: a vector tail; 7 of 45 given, 38 share the rest
        Batch b = batch(random, rows, vocab, m);
        SoftCrossEntropy sce = new SoftCrossEntropy(vocab);
        double[] teacher = b.denseTeacher(layout);
        double[] zd = toDouble(b.logits());
        float[] losses = call(sce, POOL, b, layout, b.logits().clone(), alpha, temperature, 0, false);
        double[] ref = reference(zd, b.targets(), teacher, rows, vocab, alpha, temperature);
        assertClose("loss", losses, 0, ref, 1e-5);

        float scale = 1f / rows;
        float[] grad = b.logits().clone();
        float[] losses2 = call(sce, POOL, b, layout, grad, alpha, temperature, scale, true);
        assertThat(losses2).as("the training form's loss is the forward's").containsExactly(losses);
        double[] weights = new double[rows];
        Arrays.fill(weights, scale);
        assertClose("dlogits", grad, 0, numericGradient(
                z -> reference(z, b.targets(), teacher, rows, vocab, alpha, temperature), zd, weights), TOL);
    }

    @Test
    void alphaZeroIsCrossEntropyBitForBit() {
        int rows = 19, vocab = 77;
        Batch b = batch(random, rows, vocab, 5);
        float scale = 1f / 64;
        float[] ceLoss = new float[rows];
        float[] ceGrad = b.logits().clone();
        CrossEntropy.forwardBackward(POOL, ceGrad, 0, b.targets(), 0, rows, vocab, ceLoss, 0, scale);
        SoftCrossEntropy sce = new SoftCrossEntropy(vocab);
        for (Layout layout : Layout.values()) {
            for (float t : new float[] {1f, 2f}) {
                float[] grad = b.logits().clone();
                float[] loss = call(sce, POOL, b, layout, grad, 0f, t, scale, true);
                assertBitIdentical(layout + " T=" + t + " loss", loss, ceLoss);
                assertBitIdentical(layout + " T=" + t + " dlogits", grad, ceGrad);
            }
        }
    }

    @Test
    void aStudentEqualToItsTeacherHasNoSoftLossAndNoSoftGradientAtAnyTemperature() {
        int rows = 6, vocab = 50;
        Batch b = batch(random, rows, vocab, 3);
        // teacher = softmax(z): then p_T = softmax(z/T) = q_T for every T
        float[] logProbs = new float[rows * vocab];
        for (int r = 0; r < rows; r++) {
            double lse = logSumExp(toDouble(b.logits()), r * vocab, vocab, 1);
            for (int i = 0; i < vocab; i++) {
                logProbs[r * vocab + i] = (float) (b.logits()[r * vocab + i] - lse);
            }
        }
        SoftCrossEntropy sce = new SoftCrossEntropy(vocab);
        for (float t : new float[] {1f, 2f, 0.5f}) {
            float[] grad = b.logits().clone();
            float[] losses = new float[rows];
            sce.forwardBackward(POOL, grad, 0, b.targets(), 0, rows, logProbs, 0,
                    SoftCrossEntropy.Form.LOG_PROBABILITIES, 1f, t, losses, 0, 1f);
            for (int r = 0; r < rows; r++) {
                assertThat(Math.abs(losses[r])).as("KL at T=%s, row %d", t, r).isLessThan(2e-6f);
            }
            for (int i = 0; i < grad.length; i++) {
                assertThat(Math.abs(grad[i])).as("soft gradient at T=%s, [%d]", t, i).isLessThan(1e-6f);
            }
        }
    }

    @Test
    void theSoftLossIsNeverNegative() {
        int rows = 40, vocab = 33;
        Batch b = batch(random, rows, vocab, 4);
        SoftCrossEntropy sce = new SoftCrossEntropy(vocab);
        for (Layout layout : Layout.values()) {
            float[] losses = call(sce, POOL, b, layout, b.logits().clone(), 1f, 2f, 0, false);
            for (int r = 0; r < rows; r++) {
                assertThat(losses[r]).as("%s KL, row %d (Gibbs)", layout, r).isGreaterThan(0f);
            }
        }
    }

    @Test
    void aSparseTeacherGivingEveryTokenIsTheFullTeacher() {
        int rows = 9, vocab = 40;
        Batch b = batch(random, rows, vocab, vocab); // m = vocab: the whole distribution, sorted by probability
        SoftCrossEntropy sce = new SoftCrossEntropy(vocab);
        for (float t : new float[] {1f, 2f}) {
            float[] full = b.logits().clone();
            float[] fullLoss = call(sce, POOL, b, Layout.LOG_PROBABILITIES, full, 0.5f, t, 0.25f, true);
            float[] sparse = b.logits().clone();
            float[] sparseLoss = call(sce, POOL, b, Layout.SPARSE, sparse, 0.5f, t, 0.25f, true);
            // the same numbers summed in another order: equal to rounding
            for (int r = 0; r < rows; r++) {
                assertThat((double) sparseLoss[r]).as("loss, row %d", r)
                        .isCloseTo(fullLoss[r], org.assertj.core.data.Offset.offset(1e-6 * Math.abs(fullLoss[r])));
            }
            assertClose("dlogits", sparse, 0, toDouble(full), 1e-6);
        }
    }

    @Test
    void bitIdenticalForOneTwoAndThreeThreads() {
        int rows = 50, vocab = 67; // several tasks of 8 rows, a vector tail
        Batch b = batch(random, rows, vocab, 6);
        for (Layout layout : Layout.values()) {
            float[] oneGrad = b.logits().clone();
            float[] oneLoss;
            try (WorkerPool pool = new WorkerPool(1)) {
                oneLoss = call(new SoftCrossEntropy(vocab), pool, b, layout, oneGrad, 0.5f, 2f, 1f / rows, true);
            }
            for (int threads : new int[] {2, 3}) {
                try (WorkerPool pool = new WorkerPool(threads)) {
                    float[] grad = b.logits().clone();
                    float[] loss = call(new SoftCrossEntropy(vocab), pool, b, layout, grad, 0.5f, 2f, 1f / rows, true);
                    assertBitIdentical(layout + " loss, " + threads + " threads", loss, oneLoss);
                    assertBitIdentical(layout + " dlogits, " + threads + " threads", grad, oneGrad);
                }
            }
        }
    }

    @Test
    void badTeachersAreRefusedNamingTheRowAndLeaveTheLogitsUntouched() {
        int rows = 12, vocab = 30, m = 4;
        SoftCrossEntropy sce = new SoftCrossEntropy(vocab);
        // sparse: mass > 1, NaN, a repeated id, an id out of range
        Batch b = batch(random, rows, vocab, m);
        assertRefused(sce, b, Layout.SPARSE, () -> b.topLogProbs()[9 * m + 1] = -0.01f, "row 9 ", "> 1");
        assertRefused(sce, batch(random, rows, vocab, m), Layout.SPARSE, null, null, null); // a fresh valid batch passes
        Batch c = batch(random, rows, vocab, m);
        assertRefused(sce, c, Layout.SPARSE, () -> c.topLogProbs()[3 * m + 2] = Float.NaN, "row 3 ", "NaN");
        Batch d = batch(random, rows, vocab, m);
        assertRefused(sce, d, Layout.SPARSE, () -> d.ids()[11 * m + 3] = d.ids()[11 * m], "row 11 ", "twice");
        Batch e = batch(random, rows, vocab, m);
        assertRefused(sce, e, Layout.SPARSE, () -> e.ids()[0] = vocab, "row 0 ", "out of range");
        // full: a negative probability, NaN, mass > 1; the lowest bad row is named
        Batch f = batch(random, rows, vocab, m);
        assertRefused(sce, f, Layout.PROBABILITIES, () -> {
            f.probs()[7 * vocab + 5] = -1e-3f;
            f.probs()[10 * vocab] = Float.NaN;
        }, "row 7 ", ">= 0");
        Batch g = batch(random, rows, vocab, m);
        assertRefused(sce, g, Layout.PROBABILITIES, () -> g.probs()[2 * vocab + 29] += 0.5f, "row 2 ", "not 1");
        Batch h = batch(random, rows, vocab, m);
        assertRefused(sce, h, Layout.LOG_PROBABILITIES, () -> h.logProbs()[4 * vocab] = Float.NaN, "row 4 ", "NaN");
    }

    private static void assertRefused(SoftCrossEntropy sce, Batch b, Layout layout, Runnable spoil, String row,
                                      String what) {
        if (spoil == null) {
            call(sce, POOL, b, layout, b.logits().clone(), 0.5f, 1f, 1f, true);
            return;
        }
        spoil.run();
        float[] logits = b.logits().clone();
        assertThatThrownBy(() -> call(sce, POOL, b, layout, logits, 0.5f, 1f, 1f, true))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining(row).hasMessageContaining(what)
                .hasMessageNotContaining("\n");
        assertBitIdentical("logits after a refusal", logits, b.logits());
    }

    @Test
    void alphaAndTemperatureOutOfRangeAreRefused() {
        Batch b = batch(random, 2, 10, 2);
        SoftCrossEntropy sce = new SoftCrossEntropy(10);
        for (float alpha : new float[] {-0.1f, 1.5f, Float.NaN}) {
            assertThatThrownBy(() -> call(sce, POOL, b, Layout.SPARSE, b.logits().clone(), alpha, 1f, 1f, true))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("alpha");
        }
        for (float t : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> call(sce, POOL, b, Layout.SPARSE, b.logits().clone(), 0.5f, t, 1f, true))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("temperature");
        }
    }

    @Test
    void steadyStateForwardBackwardAllocatesAlmostNothing() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int rows = 32, vocab = 256;
        Batch b = batch(random, rows, vocab, 16);
        SoftCrossEntropy sce = new SoftCrossEntropy(vocab);
        float[] z = new float[rows * vocab];
        float[] losses = new float[rows];
        try (WorkerPool pool = new WorkerPool(2)) {
            // the sparse form at T = 2: every student pass and the repeated-id scratch (the full form's
            // teacher side is scalar code on the caller's arrays)
            Runnable pass = () -> {
                System.arraycopy(b.logits(), 0, z, 0, z.length);
                sce.forwardBackwardSparse(pool, z, 0, b.targets(), 0, rows, b.ids(), b.topLogProbs(), 0, b.m(),
                        0.5f, 2f, losses, 0, 1f / rows);
            };
            for (int i = 0; i < 1000; i++) {
                pass.run(); // until the kernels are compiled by C2 (interpreted and C1 vector code allocates)
            }
            // the least of up to 150 windows: on a loaded machine C2 may finish late, so stop at the first
            // clean window rather than after a fixed warm-up (a kernel that allocates never has one)
            long perPass = Long.MAX_VALUE;
            for (int window = 0; window < 150 && perPass >= 2 * 1024; window++) {
                long before = allocatedByAllThreads(mx);
                for (int i = 0; i < 20; i++) {
                    pass.run();
                }
                perPass = Math.min(perPass, (allocatedByAllThreads(mx) - before) / 20);
            }
            // a 32 × 256 block of logits is 32 KiB: at most the loops' small task objects
            assertThat(perPass).as("bytes allocated per pass").isLessThan(2 * 1024);
        }
    }

    private static long allocatedByAllThreads(com.sun.management.ThreadMXBean mx) {
        long sum = 0;
        for (long bytes : mx.getThreadAllocatedBytes(mx.getAllThreadIds())) {
            sum += Math.max(0, bytes);
        }
        return sum;
    }

    static void assertBitIdentical(String what, float[] actual, float[] expected) {
        assertThat(actual.length).isEqualTo(expected.length);
        int i = 0;
        while (i < actual.length && Float.floatToRawIntBits(actual[i]) == Float.floatToRawIntBits(expected[i])) {
            i++;
        }
        assertThat(i).as("%s: first differing element", what).isEqualTo(actual.length);
    }
}
