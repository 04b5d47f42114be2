package ai.chorus.engine.sample;

import com.sun.management.ThreadMXBean;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

class SamplerTest {
    private static final float[] LOGITS = {1.0f, 2.5f, -0.5f, 2.0f, 0.0f, -3.0f, 1.5f, 0.7f};

    @Test
    void greedyIsArgmaxWithTheLowestIndexOnTies() {
        Sampler greedy = new Sampler(Sampler.Settings.GREEDY, 1);
        qt().withFixedSeed(42L).withExamples(200).forAll(longs().all()).checkAssert(seed -> {
            float[] logits = randomLogits(new Random(seed), 50);
            assertThat(greedy.sample(logits)).isEqualTo(referenceArgmax(logits));
        });
        assertThat(greedy.sample(new float[] {0f, 3f, 1f, 3f})).isEqualTo(1);
        assertThat(greedy.sample(new float[] {-0.0f, 0.0f})).isEqualTo(0);
    }

    @Test
    void topKOneAndTinyTopPAreGreedy() {
        qt().withFixedSeed(42L).withExamples(200).forAll(longs().all()).checkAssert(seed -> {
            float[] logits = randomLogits(new Random(seed), 50);
            int argmax = referenceArgmax(logits);
            assertThat(new Sampler(new Sampler.Settings(1.0, 1, 1.0), seed).sample(logits)).isEqualTo(argmax);
            assertThat(new Sampler(new Sampler.Settings(1.0, 0, 1e-9), seed).sample(logits)).isEqualTo(argmax);
            assertThat(new Sampler(new Sampler.Settings(2.0, 5, 1e-9), seed).sample(logits)).isEqualTo(argmax);
        });
    }

    @Test
    void frequenciesAtTemperatureOneMatchSoftmax() {
        assertFrequenciesMatch(new Sampler.Settings(1.0, 0, 1.0), softmax(LOGITS, 1.0));
    }

    @Test
    void frequenciesAtAnotherTemperatureMatchTheScaledSoftmax() {
        assertFrequenciesMatch(new Sampler.Settings(0.5, 0, 1.0), softmax(LOGITS, 0.5));
        assertFrequenciesMatch(new Sampler.Settings(3.0, 0, 1.0), softmax(LOGITS, 3.0));
    }

    @Test
    void topKKeepsTheKMostLikelyRenormalised() {
        double[] p = softmax(LOGITS, 1.0);
        double[] expected = new double[p.length];
        int[] top3 = {1, 3, 6}; // logits 2.5, 2.0, 1.5
        double mass = p[1] + p[3] + p[6];
        for (int i : top3) {
            expected[i] = p[i] / mass;
        }
        assertFrequenciesMatch(new Sampler.Settings(1.0, 3, 1.0), expected);
    }

    @Test
    void topPKeepsTheSmallestNucleusReachingP() {
        double[] p = softmax(LOGITS, 1.0); // sorted: 1 (.400), 3 (.243), 6 (.147), 0 (.089), ...
        double nucleus = p[1] + p[3] + p[6];
        assertThat(p[1] + p[3]).isLessThan(0.7);
        assertThat(nucleus).isGreaterThan(0.7);
        double[] expected = new double[p.length];
        for (int i : new int[] {1, 3, 6}) {
            expected[i] = p[i] / nucleus;
        }
        assertFrequenciesMatch(new Sampler.Settings(1.0, 0, 0.7), expected);
        assertFrequenciesMatch(new Sampler.Settings(1.0, 2, 0.7), renormalised(p, 1, 3)); // k binds first
        // As transformers does: top-p applies to the probabilities renormalised over the top-k.
        assertFrequenciesMatch(new Sampler.Settings(1.0, 3, 0.7), renormalised(p, 1, 3));
    }

    /** The candidate set equals a sort-everything reference for random logits, sizes and settings. */
    @Test
    void candidateSetMatchesASortingReference() {
        qt().withFixedSeed(42L).withExamples(300).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            float[] logits = randomLogits(r, 1 + r.nextInt(r.nextBoolean() ? 40 : 3000));
            double temperature = 0.3 + 2 * r.nextDouble();
            int topK = r.nextInt(3) == 0 ? 0 : 2 + r.nextInt(logits.length + 5);
            double topP = r.nextInt(3) == 0 ? 1.0 : 0.05 + 0.94 * r.nextDouble();
            Sampler sampler = new Sampler(new Sampler.Settings(temperature, topK, topP), seed);
            assertThat(sampler.allowedTokens(logits)).containsExactly(referenceAllowed(logits, temperature, topK, topP));
        });
    }

    @Test
    void theSameSeedGivesTheSameSequence() {
        Sampler.Settings settings = new Sampler.Settings(0.8, 40, 0.95);
        float[] logits = randomLogits(new Random(3), 1000);
        int[] a = draw(new Sampler(settings, 7), logits, 200);
        int[] b = draw(new Sampler(settings, 7), logits, 200);
        int[] c = draw(new Sampler(settings, 8), logits, 200);
        assertThat(a).containsExactly(b);
        assertThat(a).isNotEqualTo(c);
    }

    @Test
    void samplesARowOfALargerBuffer() {
        float[] rows = new float[3 * 4];
        rows[4 + 2] = 50f; // row 1 strongly prefers token 2
        Sampler sampler = new Sampler(new Sampler.Settings(1.0, 0, 1.0), 1);
        assertThat(sampler.sample(rows, 4, 4)).isEqualTo(2);
        assertThatThrownBy(() -> sampler.sample(rows, 10, 4)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void handlesInfiniteLogitsAndRefusesNaN() {
        Sampler sampler = new Sampler(new Sampler.Settings(1.0, 0, 0.9), 1);
        float ninf = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < 100; i++) {
            assertThat(sampler.sample(new float[] {ninf, 0f, ninf, 0f})).isIn(1, 3); // masked tokens never drawn
        }
        assertThat(sampler.sample(new float[] {0f, Float.POSITIVE_INFINITY, 5f})).isEqualTo(1);
        assertThatThrownBy(() -> sampler.sample(new float[] {0f, Float.NaN})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("logit 1 is NaN");
        assertThat(new Sampler(new Sampler.Settings(Double.MIN_VALUE, 0, 1), 1).sample(LOGITS)).isEqualTo(1);
    }

    @Test
    void settingsRefuseNonsense() {
        assertThatThrownBy(() -> new Sampler.Settings(-1, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Sampler.Settings(Double.NaN, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Sampler.Settings(1, -1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Sampler.Settings(1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Sampler.Settings(1, 0, 1.5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void allocatesNothingPerCallOnceWarm() {
        ThreadMXBean threads =
                (ThreadMXBean) ManagementFactory.getThreadMXBean();
        float[] logits = randomLogits(new Random(1), 4096);
        Sampler sampler = new Sampler(new Sampler.Settings(0.9, 50, 0.9), 1);
        Sampler plain = new Sampler(new Sampler.Settings(0.9, 0, 1.0), 1);
        int sink = 0;
        for (int i = 0; i < 200; i++) {
            sink += sampler.sample(logits) + plain.sample(logits);
        }
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        for (int i = 0; i < 2000; i++) {
            sink += sampler.sample(logits) + plain.sample(logits);
        }
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        assertThat(sink).isNotNegative();
        assertThat(allocated).as("bytes over 4000 calls").isLessThan(16_384);
    }

    // ---------------------------------------------------------------- helpers

    private static final int DRAWS = 40_000;
    /** χ² critical value for 7 degrees of freedom at p = 0.001; with a fixed seed the test is deterministic. */
    private static final double CHI_SQUARE_LIMIT = 24.32;

    private static void assertFrequenciesMatch(Sampler.Settings settings, double[] expected) {
        Sampler sampler = new Sampler(settings, 12345);
        int[] counts = new int[expected.length];
        for (int i = 0; i < DRAWS; i++) {
            counts[sampler.sample(LOGITS)]++;
        }
        double chiSquare = 0;
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] == 0) {
                assertThat(counts[i]).as("token %d is outside the allowed set", i).isZero();
                continue;
            }
            double e = expected[i] * DRAWS;
            chiSquare += (counts[i] - e) * (counts[i] - e) / e;
        }
        assertThat(chiSquare).as("chi-square of %s", Arrays.toString(counts)).isLessThan(CHI_SQUARE_LIMIT);
    }

    private static int[] referenceAllowed(float[] logits, double temperature, int topK, double topP) {
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : a - b);
        int k = topK == 0 ? logits.length : Math.min(topK, logits.length);
        double max = logits[order[0]];
        double mass = 0;
        for (int j = 0; j < k; j++) {
            mass += Math.exp((logits[order[j]] - max) / temperature);
        }
        int n = k;
        double kept = 0;
        for (int j = 0; j < k && topP < 1; j++) {
            kept += Math.exp((logits[order[j]] - max) / temperature);
            if (kept >= topP * mass) {
                n = j + 1;
                break;
            }
        }
        return Arrays.stream(order, 0, n).mapToInt(Integer::intValue).sorted().toArray();
    }

    private static double[] softmax(float[] logits, double temperature) {
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp(logits[i] / temperature);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static double[] renormalised(double[] p, int... keep) {
        double[] q = new double[p.length];
        double mass = 0;
        for (int i : keep) {
            mass += p[i];
        }
        for (int i : keep) {
            q[i] = p[i] / mass;
        }
        return q;
    }

    private static int[] draw(Sampler sampler, float[] logits, int n) {
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = sampler.sample(logits);
        }
        return tokens;
    }

    private static float[] randomLogits(Random r, int n) {
        float[] logits = new float[n];
        for (int i = 0; i < n; i++) {
            logits[i] = r.nextInt(10) == 0 ? 1.25f : (float) (3 * r.nextGaussian()); // some exact ties
        }
        return logits;
    }

    private static int referenceArgmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
