package ai.chorus.core.mix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The vectorised float mixture against the double reference, and the laws a mixture obeys. */
class MixtureLawsTest {

    @Test
    void theVectorMixtureIsTheDoubleReference() {
        qt().withFixedSeed(42L).withExamples(200)
                .forAll(integers().between(1, 5), integers().between(1, 300), longs().all())
                .checkAssert((experts, vocab, seed) -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    float[][] lp = logSoftmaxedRows(random, experts, vocab, 30);
                    double[] w = randomWeights(random, experts, true);
                    float[] fast = new float[vocab];
                    float[] exact = new float[vocab];
                    Mixture.logProbs(w, lp, vocab, fast);
                    Mixture.logProbsExact(w, lp, vocab, exact);
                    for (int v = 0; v < vocab; v++) {
                        assertThat(fast[v]).as("v=%d", v).isCloseTo(exact[v], within(1e-5f));
                    }
                });
    }

    @Test
    void tokensEveryExpertFindsAlmostImpossibleAreStillExact() {
        // log-probabilities far below float exp's range: the kernel falls back to the double path there
        float[][] lp = {{0f, -120f, -300f, -80f}, {-1e-3f, -95f, -500f, Float.NEGATIVE_INFINITY}};
        double[] w = {0.3, 0.7};
        float[] fast = new float[4];
        float[] exact = new float[4];
        Mixture.logProbs(w, lp, 4, fast);
        Mixture.logProbsExact(w, lp, 4, exact);
        for (int v = 0; v < 4; v++) {
            assertThat(fast[v]).as("v=%d", v).isCloseTo(exact[v], within(1e-5f));
        }
    }

    @Test
    void aMixtureOfIdenticalExpertsIsEachOfThem() {
        qt().withFixedSeed(42L).withExamples(100)
                .forAll(integers().between(1, 5), integers().between(1, 300), longs().all())
                .checkAssert((experts, vocab, seed) -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    float[] row = logSoftmaxedRows(random, 1, vocab, 20)[0];
                    float[][] lp = new float[experts][];
                    java.util.Arrays.fill(lp, row);
                    float[] out = new float[vocab];
                    Mixture.logProbs(randomWeights(random, experts, false), lp, vocab, out);
                    for (int v = 0; v < vocab; v++) {
                        assertThat(out[v]).as("v=%d", v).isCloseTo(row[v], within(1e-5f));
                    }
                });
    }

    @Test
    void weightsSummingToOneGiveADistribution() {
        qt().withFixedSeed(42L).withExamples(100)
                .forAll(integers().between(1, 5), integers().between(2, 4096), longs().all())
                .checkAssert((experts, vocab, seed) -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    float[][] lp = logSoftmaxedRows(random, experts, vocab, 15);
                    float[] out = new float[vocab];
                    Mixture.logProbs(randomWeights(random, experts, true), lp, vocab, out);
                    double total = 0;
                    for (int v = 0; v < vocab; v++) {
                        total += Math.exp(out[v]);
                    }
                    assertThat(total).isCloseTo(1.0, within(1e-5));
                });
    }

    /** Rows of random logits with spread {@code scale}, log-softmaxed in double. */
    private static float[][] logSoftmaxedRows(SplittableRandom random, int rows, int vocab, double scale) {
        float[][] lp = new float[rows][vocab];
        for (float[] row : lp) {
            double[] logits = new double[vocab];
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) {
                logits[v] = scale * random.nextGaussian();
                max = Math.max(max, logits[v]);
            }
            double sum = 0;
            for (double x : logits) {
                sum += Math.exp(x - max);
            }
            double logZ = max + Math.log(sum);
            for (int v = 0; v < vocab; v++) {
                row[v] = (float) (logits[v] - logZ);
            }
        }
        return lp;
    }

    /** Random weights summing to 1; with {@code sparse}, some are 0 (never all). */
    private static double[] randomWeights(SplittableRandom random, int experts, boolean sparse) {
        double[] w = new double[experts];
        double sum = 0;
        for (int j = 0; j < experts; j++) {
            w[j] = sparse && j > 0 && random.nextInt(3) == 0 ? 0 : random.nextDouble(0.01, 1);
            sum += w[j];
        }
        for (int j = 0; j < experts; j++) {
            w[j] /= sum;
        }
        return w;
    }
}
