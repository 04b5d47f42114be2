package ai.chorus.core.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import ai.chorus.engine.parallel.WorkerPool;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The laws every merge method obeys (issue 8), checked on random tensors: identities that pin each
 * method to its definition, and independent references (a sort for TIES's threshold, the norm for SLERP).
 */
class MergeLawsTest {
    private static final String SOURCE = "test";

    private static MergeMethod method(String name, int models, double[] weights, Object... keyValues) {
        Map<String, Object> p = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put((String) keyValues[i], keyValues[i + 1]);
        }
        return MergeMethods.create(SOURCE, name, models, weights, p, () -> {
            throw new AssertionError("no data shares in these tests");
        });
    }

    private static float[] random(SplittableRandom r, int n, double scale) {
        float[] x = new float[n];
        for (int j = 0; j < n; j++) {
            x[j] = (float) (scale * (2 * r.nextDouble() - 1));
        }
        return x;
    }

    private static float[] merge(MergeMethod m, float[][] models, float[] base) {
        int n = models[0].length;
        float[] out = new float[n];
        m.merge(new MergeMethod.Tensor("model.layers.0.mlp.up_proj.weight", n, models, base), out);
        return out;
    }

    private static float[][] copies(float[] x, int n) {
        float[][] c = new float[n][];
        for (int i = 0; i < n; i++) {
            c[i] = x.clone();
        }
        return c;
    }

    @Test
    void mergingIdenticalModelsGivesThatModelUnderEveryMethod() {
        qt().withFixedSeed(42L).withExamples(100).forAll(longs().all(), integers().between(1, 6)).checkAssert((seed, n) -> {
            SplittableRandom r = new SplittableRandom(seed);
            float[] theta = random(r, 1 + r.nextInt(300), 2);
            float[][] models = copies(theta, n);
            assertThat(merge(method("average", n, null, "weighting", "uniform"), models, null)).isEqualTo(theta);
            assertThat(merge(method("task-arithmetic", n, null, "lambda", 0.3), models, theta)).isEqualTo(theta);
            assertThat(merge(method("ties", n, null, "density", 0.1 + 0.9 * r.nextDouble()), models, theta)).isEqualTo(theta);
            assertThat(merge(method("dare", n, null, "drop", 0.5, "seed", seed), models, theta)).isEqualTo(theta);
            assertThat(merge(method("dare", n, null, "drop", 0.9, "ties", true), models, theta)).isEqualTo(theta);
            assertThat(merge(method("slerp", 2, null, "t", r.nextDouble()), copies(theta, 2), null)).isEqualTo(theta);
        });
    }

    @Test
    void copiesOfAModelAwayFromTheBaseMergeBackToItWhenTheWeightsSumToOne() {
        qt().withFixedSeed(42L).withExamples(100).forAll(longs().all(), integers().between(1, 6)).checkAssert((seed, n) -> {
            SplittableRandom r = new SplittableRandom(seed);
            float[] base = random(r, 200, 1);
            float[] theta = random(r, 200, 1);
            float[][] models = copies(theta, n);
            double[] equal = new double[n];
            Arrays.fill(equal, 1.0 / n);
            assertClose(merge(method("task-arithmetic", n, equal), models, base), theta);
            assertClose(merge(method("ties", n, null, "density", 1.0), models, base), theta);
            assertClose(merge(method("average", n, equal.clone()), models, null), theta);
        });
    }

    @Test
    void averageWithOneHotWeightsReturnsThatModel() {
        qt().withFixedSeed(42L).withExamples(100).forAll(longs().all(), integers().between(1, 6)).checkAssert((seed, n) -> {
            SplittableRandom r = new SplittableRandom(seed);
            float[][] models = new float[n][];
            for (int i = 0; i < n; i++) {
                models[i] = random(r, 150, 3);
            }
            int chosen = r.nextInt(n);
            double[] oneHot = new double[n];
            oneHot[chosen] = 1 + 4 * r.nextDouble(); // normalised to 1
            assertThat(merge(method("average", n, oneHot), models, null)).isEqualTo(models[chosen]);
        });
    }

    @Test
    void taskArithmeticWithLambdaZeroReturnsTheSeed() {
        qt().withFixedSeed(42L).withExamples(100).forAll(longs().all(), integers().between(1, 6)).checkAssert((seed, n) -> {
            SplittableRandom r = new SplittableRandom(seed);
            float[] base = random(r, 150, 1);
            float[][] models = new float[n][];
            double[] weights = new double[n];
            for (int i = 0; i < n; i++) {
                models[i] = random(r, 150, 1);
                weights[i] = 4 * r.nextDouble() - 2;
            }
            assertThat(merge(method("task-arithmetic", n, weights, "lambda", 0), models, base)).isEqualTo(base);
        });
    }

    @Test
    void tiesAtDensityOneWithAgreeingSignsIsTheSeedPlusTheMeanTaskVector() {
        qt().withFixedSeed(42L).withExamples(100).forAll(longs().all(), integers().between(1, 6)).checkAssert((seed, n) -> {
            SplittableRandom r = new SplittableRandom(seed);
            int size = 120;
            float[] base = random(r, size, 1);
            float[][] models = new float[n][size];
            for (int j = 0; j < size; j++) {
                double sign = r.nextBoolean() ? 1 : -1;
                for (int i = 0; i < n; i++) {
                    models[i][j] = (float) (base[j] + sign * (0.01 + r.nextDouble()));
                }
            }
            float[] expected = new float[size];
            for (int j = 0; j < size; j++) {
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    sum += (double) models[i][j] - base[j];
                }
                expected[j] = (float) (base[j] + sum / n);
            }
            assertThat(merge(method("ties", n, null, "density", 1.0), models, base)).isEqualTo(expected);
        });
    }

    @Test
    void tiesKeepsExactlyTheLargestTaskVectorEntries() {
        qt().withFixedSeed(42L).withExamples(100).forAll(longs().all(), integers().between(1, 500)).checkAssert((seed, size) -> {
            SplittableRandom r = new SplittableRandom(seed);
            float[] base = random(r, size, 1);
            float[] model = random(r, size, 1);
            double density = 0.01 + 0.99 * r.nextDouble();
            float[] merged = merge(method("ties", 1, null, "density", density), new float[][] {model}, base);
            float[] magnitudes = new float[size];
            for (int j = 0; j < size; j++) {
                magnitudes[j] = Math.abs((float) ((double) model[j] - base[j]));
            }
            float[] sorted = magnitudes.clone();
            Arrays.sort(sorted);
            int k = Ties.keptEntries(density, size);
            float threshold = sorted[size - k];
            assertThat(new MagnitudeThreshold().kthLargest(new MergeMethod.Tensor("t", size, new float[][] {model}, base),
                    0, k)).isEqualTo(threshold);
            for (int j = 0; j < size; j++) {
                // One model: the kept entries are the model's own, the rest the base's.
                assertThat(merged[j]).as("entry %d", j).isEqualTo(magnitudes[j] >= threshold ? model[j] : base[j]);
            }
        });
    }

    @Test
    void tiesElectsTheSignAndAveragesOnlyTheAgreeingTrimmedEntriesWorkedByHand() {
        // density 0.5 keeps each task vector's two largest magnitudes (model 3: a tie at 2 keeps both)
        float[] base = {1, 1, 1, 1};
        float[][] models = {
            {1 + 4, 1 - 1, 1 + 2, 1 - 3}, // τ1 = [ 4, -1,  2, -3] → [4, 0, 0, -3]
            {1 - 2, 1 + 3, 1 - 5, 1 + 1}, // τ2 = [-2,  3, -5,  1] → [0, 3, -5, 0]
            {1 - 1, 1 - 2, 1 + 6, 1 + 2}, // τ3 = [-1, -2,  6,  2] → [0, -2, 6, 2]
        };
        // votes 4, 1, 1, -1 elect + + + −; the agreeing means are 4, 3, 6, -3 (not 0.5, 0.5, -0.5 unelected)
        assertThat(merge(method("ties", 3, null, "density", 0.5), models, base)).containsExactly(5, 4, 7, -2);
        assertThat(merge(method("ties", 3, null, "density", 0.5, "lambda", 0.5), models, base))
                .containsExactly(3, 2.5f, 4, -0.5f);
        assertThat(TiesByHand.merge(models, base, 0.5, 1)).containsExactly(5, 4, 7, -2);
    }

    @Test
    void tiesWithConflictingSignsEqualsTheFormulaWrittenOutByHand() {
        qt().withFixedSeed(42L).withExamples(200).forAll(longs().all(), integers().between(2, 5)).checkAssert((seed, n) -> {
            SplittableRandom r = new SplittableRandom(seed);
            int size = 1 + r.nextInt(3 * TaskVectors.BLOCK / 2); // a block boundary in some examples
            float[] base = random(r, size, 1);
            float[][] models = new float[n][];
            for (int i = 0; i < n; i++) {
                models[i] = random(r, size, 1); // independent signs: most entries have models that disagree
            }
            double density = r.nextBoolean() ? 1.0 : 0.05 + 0.9 * r.nextDouble();
            double lambda = r.nextBoolean() ? 1.0 : 2 * r.nextDouble();
            assertThat(merge(method("ties", n, null, "density", density, "lambda", lambda), models, base))
                    .isEqualTo(TiesByHand.merge(models, base, density, lambda));
        });
    }

    @Test
    void dareWithNothingDroppedIsTaskArithmeticOrTies() {
        qt().withFixedSeed(42L).withExamples(100).forAll(longs().all(), integers().between(1, 6)).checkAssert((seed, n) -> {
            SplittableRandom r = new SplittableRandom(seed);
            float[] base = random(r, 150, 1);
            float[][] models = new float[n][];
            double[] weights = new double[n];
            for (int i = 0; i < n; i++) {
                models[i] = random(r, 150, 1);
                weights[i] = 0.1 + r.nextDouble();
            }
            double lambda = 2 * r.nextDouble();
            assertThat(merge(method("dare", n, weights, "drop", 0, "lambda", lambda, "seed", seed), models, base))
                    .isEqualTo(merge(method("task-arithmetic", n, weights, "lambda", lambda), models, base));
            assertThat(merge(method("dare", n, weights, "drop", 0, "lambda", lambda, "ties", true), models, base))
                    .isEqualTo(merge(method("ties", n, weights, "density", 1.0, "lambda", lambda), models, base));
        });
    }

    @Test
    void dareDropsAtItsRateRescalesTheSurvivorsAndRepeatsUnderItsSeed() {
        int size = 40_000;
        float[] base = new float[size];
        float[] model = new float[size];
        Arrays.fill(model, 1f);
        double p = 0.9;
        float[] merged = merge(method("dare", 1, null, "drop", p, "seed", 3L), new float[][] {model}, base);
        int kept = 0;
        for (float v : merged) {
            assertThat(v).isIn(0f, (float) (1 / (1 - p)));
            kept += v != 0 ? 1 : 0;
        }
        double sd = Math.sqrt(size * p * (1 - p));
        assertThat((double) kept).isBetween(size * (1 - p) - 5 * sd, size * (1 - p) + 5 * sd);
        assertThat(merge(method("dare", 1, null, "drop", p, "seed", 3L), new float[][] {model}, base)).isEqualTo(merged);
        assertThat(merge(method("dare", 1, null, "drop", p, "seed", 4L), new float[][] {model}, base)).isNotEqualTo(merged);
    }

    @Test
    void slerpReturnsItsEndpointsAtZeroAndOne() {
        qt().withFixedSeed(42L).withExamples(100).forAll(longs().all(), integers().between(1, 300)).checkAssert((seed, size) -> {
            SplittableRandom r = new SplittableRandom(seed);
            float[] a = random(r, size, 1);
            float[] b = r.nextBoolean() ? random(r, size, 1) : a.clone(); // far apart, or colinear (lerp)
            float[][] both = {a, b};
            assertThat(merge(method("slerp", 2, null, "t", 0.0), both, null)).isEqualTo(a);
            assertThat(merge(method("slerp", 2, null, "t", 1.0), both, null)).isEqualTo(b);
        });
    }

    @Test
    void slerpBetweenOrthogonalTensorsOfOneNormStaysOnTheSphere() {
        qt().withFixedSeed(42L).withExamples(100).forAll(longs().all()).checkAssert(seed -> {
            SplittableRandom r = new SplittableRandom(seed);
            double angle = 2 * Math.PI * r.nextDouble();
            double radius = 0.5 + r.nextDouble();
            float[] a = {(float) (radius * Math.cos(angle)), (float) (radius * Math.sin(angle)), 0};
            float[] b = {(float) (-radius * Math.sin(angle)), (float) (radius * Math.cos(angle)), 0};
            double t = r.nextDouble();
            float[] m = merge(method("slerp", 2, null, "t", t), new float[][] {a, b}, null);
            assertThat(Math.hypot(m[0], m[1])).isCloseTo(radius, within(1e-5));
            double turned = Math.atan2(m[0] * a[1] - m[1] * a[0], m[0] * a[0] + m[1] * a[1]);
            assertThat(Math.abs(turned)).isCloseTo(t * Math.PI / 2, within(1e-5));
        });
    }

    @Test
    void splittingAMergeOverThreadsChangesNoBit() {
        try (WorkerPool pool = new WorkerPool(3)) {
            qt().withFixedSeed(42L).withExamples(20).forAll(longs().all(), integers().between(1, 4)).checkAssert((seed, n) -> {
                SplittableRandom r = new SplittableRandom(seed);
                int size = 1 + r.nextInt(3 * TaskVectors.BLOCK + 100); // several blocks and a ragged last one
                float[] base = random(r, size, 1);
                float[][] models = new float[n][];
                for (int i = 0; i < n; i++) {
                    models[i] = random(r, size, 1);
                }
                MergeMethod[] methods = {
                    method("average", n, null, "weighting", "uniform"),
                    method("task-arithmetic", n, null, "lambda", 0.7),
                    method("ties", n, null, "density", 0.3),
                    method("dare", n, null, "drop", 0.5, "seed", seed),
                    method("dare", n, null, "drop", 0.5, "ties", true),
                };
                for (MergeMethod m : methods) {
                    float[] inBase = m.needsBase() ? base : null;
                    MergeMethod.Tensor t = new MergeMethod.Tensor("model.norm.weight", size, models, inBase);
                    float[] alone = new float[size];
                    float[] split = new float[size];
                    m.merge(t, alone);
                    m.merge(t, split, pool);
                    assertThat(split).as(m.name()).isEqualTo(alone);
                }
            });
        }
    }

    @Test
    void theBranchFreeMasksAgreeWithTheComparisonsTheyReplace() {
        qt().withFixedSeed(42L).withExamples(2000).forAll(integers().allPositive(), integers().allPositive())
                .checkAssert((a, b) -> {
                    assertThat(TaskVectors.atLeast(a, b)).isEqualTo(a >= b ? -1L : 0L);
                    assertThat(TaskVectors.atLeast((long) a << 22, (long) b << 22)).isEqualTo(a >= b ? -1L : 0L);
                });
        for (int edge : new int[] {0, 1, Integer.MAX_VALUE}) {
            assertThat(TaskVectors.atLeast(edge, 0)).isEqualTo(-1L);
            assertThat(TaskVectors.atLeast(0, edge)).isEqualTo(edge == 0 ? -1L : 0L);
        }
        for (double x : new double[] {0.0, -0.0, Double.MIN_VALUE, -1.5, Double.POSITIVE_INFINITY, Double.NaN}) {
            assertThat(TaskVectors.nonZero(Double.doubleToRawLongBits(x))).as("%s", x).isEqualTo(x == 0 ? 0L : -1L);
            assertThat(TaskVectors.select(Double.doubleToRawLongBits(x), 0L)).isEqualTo(0.0);
        }
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int j = 0; j < expected.length; j++) {
            assertThat(actual[j]).as("entry %d", j).isCloseTo(expected[j],
                    within(2 * Math.ulp(Math.abs(expected[j]) + 2f)));
        }
    }
}
