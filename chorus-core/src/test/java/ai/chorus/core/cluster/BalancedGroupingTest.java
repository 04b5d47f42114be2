package ai.chorus.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import ai.chorus.engine.InvalidInputException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BalancedGroupingTest {
    private static final int D = 8;

    private static float[] points(int m, SplittableRandom r) {
        float[] p = new float[m * D];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) r.nextGaussian();
        }
        return p;
    }

    /** Token loads per expert must lie within [min, max] × fair share. */
    private static void assertBalanced(int[] expertOf, double[] w, int k, double minShare, double maxShare) {
        double[] load = new double[k];
        double total = 0;
        for (int i = 0; i < w.length; i++) {
            load[expertOf[i]] += w[i];
            total += w[i];
        }
        double fair = total / k;
        for (int e = 0; e < k; e++) {
            assertThat(load[e]).as("expert %d of %d", e, k)
                    .isBetween(minShare * fair * (1 - 1e-9), maxShare * fair * (1 + 1e-9));
        }
    }

    @Test
    void boundsHoldWheneverFineClustersAreSmallerThanTheSlack() {
        // items no larger than the slack on either side of the fair share: a balanced split always exists
        qt().withFixedSeed(42L).withExamples(150).forAll(integers().between(1, 24), integers().between(2, 12),
                longs().all()).checkAssert((k, perExpert, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    int m = k * perExpert;
                    double[] w = new double[m];
                    for (int i = 0; i < m; i++) {
                        w[i] = 1 + 9 * r.nextDouble() * r.nextDouble(); // skewed, heaviest 10× the lightest
                    }
                    double fair = java.util.Arrays.stream(w).sum() / k;
                    double heaviest = java.util.Arrays.stream(w).max().orElseThrow();
                    double minShare = Math.max(0, Math.min(0.5, 1 - heaviest / fair));
                    double maxShare = Math.max(2.0, 1 + heaviest / fair);
                    BalancedGrouping.Result g = BalancedGrouping.group(points(m, r), m, D, w, k, minShare, maxShare, seed);
                    assertBalanced(g.expertOfFine(), w, k, minShare, maxShare);
                });
    }

    @Test
    void anyWeightsEitherMeetTheBoundsOrFailNamingAFlag() {
        qt().withFixedSeed(42L).withExamples(200).forAll(integers().between(1, 16), integers().between(1, 20),
                longs().all()).checkAssert((k, perExpert, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    int m = k * perExpert;
                    double[] w = new double[m];
                    for (int i = 0; i < m; i++) {
                        w[i] = Math.exp(3 * r.nextGaussian()); // heavy tailed, zeros allowed below
                        if (r.nextInt(10) == 0) {
                            w[i] = 0;
                        }
                    }
                    w[0] += 1;
                    try {
                        BalancedGrouping.Result g = BalancedGrouping.group(points(m, r), m, D, w, k, 0.5, 2.0, seed);
                        assertBalanced(g.expertOfFine(), w, k, 0.5, 2.0);
                    } catch (InvalidInputException e) {
                        assertThat(e.getMessage()).containsAnyOf("--fine", "--max-share", "--min-share", "--experts");
                    }
                });
    }

    @Test
    void separatedGroupsOfEqualWeightAreFoundExactly() {
        // 4 tight groups of 5 fine clusters each: balanced grouping must keep groups whole
        int k = 4;
        int m = 20;
        float[] p = new float[m * D];
        for (int i = 0; i < m; i++) {
            p[i * D + (i / 5)] = 10f;
            p[i * D + 4 + (i % 4)] = 0.1f * (i % 5);
        }
        double[] w = new double[m];
        java.util.Arrays.fill(w, 1.0);
        int[] expertOf = BalancedGrouping.group(p, m, D, w, k, 0.5, 2.0, 3).expertOfFine();
        for (int i = 0; i < m; i++) {
            assertThat(expertOf[i]).isEqualTo(expertOf[(i / 5) * 5]);
        }
        assertThat(java.util.Arrays.stream(expertOf).distinct().count()).isEqualTo(4);
    }

    @Test
    void infeasibleBoundsNameTheFlagToChange() {
        SplittableRandom r = new SplittableRandom(1);
        double[] oneGiant = {100, 1, 1, 1, 1, 1, 1, 1};
        assertThatThrownBy(() -> BalancedGrouping.group(points(8, r), 8, D, oneGiant, 4, 0.5, 2.0, 1))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--max-share")
                .hasMessageContaining("--fine");
        assertThatThrownBy(() -> BalancedGrouping.group(points(3, r), 3, D, new double[] {1, 1, 1}, 4, 0.5, 2.0, 1))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--fine");
        // three equal clusters cannot make two experts within [0.9, 1.1] × fair share
        assertThatThrownBy(() -> BalancedGrouping.group(points(3, r), 3, D, new double[] {1, 1, 1}, 2, 0.9, 1.1, 1))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--min-share");
        assertThatThrownBy(() -> BalancedGrouping.group(points(4, r), 4, D, new double[] {1, 0, 0, 0}, 2, 0.5, 2, 1))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--experts");
    }
}
