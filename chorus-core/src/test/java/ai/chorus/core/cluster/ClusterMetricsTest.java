package ai.chorus.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ClusterMetricsTest {
    /**
     * Manning, Raghavan & Schütze, Introduction to IR, Fig. 16.4: three clusters of 17 documents,
     * cluster 1 = 5 x + 1 o, cluster 2 = 1 x + 4 o + 1 ◇, cluster 3 = 2 x + 3 ◇. The book gives
     * purity 12/17 ≈ 0.71 and NMI ≈ 0.36; scikit-learn 1.2.1 gives NMI 0.36456177185718996.
     */
    private static final int[] CLUSTERS = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2};
    private static final int[] LABELS = {0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 2, 0, 0, 2, 2, 2};

    @Test
    void textbookExample() {
        assertThat(ClusterMetrics.purity(CLUSTERS, LABELS)).isCloseTo(12.0 / 17, within(1e-12));
        assertThat(ClusterMetrics.nmi(CLUSTERS, LABELS)).isCloseTo(0.36456177185718996, within(1e-12));
    }

    @Test
    void handComputedTwoByTwo() {
        // clusters {a,a,b}, {b}: n = [[2,1],[0,1]]; I = 1/2 ln(4/3) + 1/4 ln(2/3) + 1/4 ln 2
        int[] c = {0, 0, 0, 1};
        int[] l = {0, 0, 1, 1};
        double mutual = 0.5 * Math.log(4.0 / 3) + 0.25 * Math.log(2.0 / 3) + 0.25 * Math.log(2);
        double hc = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
        double hl = Math.log(2);
        assertThat(ClusterMetrics.nmi(c, l)).isCloseTo(mutual / ((hc + hl) / 2), within(1e-12));
        assertThat(ClusterMetrics.purity(c, l)).isEqualTo(0.75);
    }

    @Test
    void identicalPartitionsUpToRenamingScoreOneAndIndependentOnesZero() {
        assertThat(ClusterMetrics.nmi(new int[] {0, 0, 1, 2}, new int[] {5, 5, 3, 9})).isCloseTo(1.0, within(1e-12));
        assertThat(ClusterMetrics.nmi(new int[] {0, 0, 0}, new int[] {1, 1, 1})).isEqualTo(1.0);
        assertThat(ClusterMetrics.nmi(new int[] {0, 1, 0, 1}, new int[] {0, 0, 1, 1})).isCloseTo(0.0, within(1e-12));
        assertThat(ClusterMetrics.nmi(new int[] {0, 0, 0, 0}, new int[] {0, 0, 1, 1})).isEqualTo(0.0);
    }
}
