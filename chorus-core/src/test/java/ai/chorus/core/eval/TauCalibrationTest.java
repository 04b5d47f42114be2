package ai.chorus.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.chorus.core.corpus.Split;
import ai.chorus.core.mix.CentroidRouter;
import ai.chorus.core.mix.RoutingContext;
import org.junit.jupiter.api.Test;

class TauCalibrationTest {
    private static final int EOT = 9;

    /** Eight documents of 40 tokens; document i belongs to domain i % 2 and consists of that token. */
    private static TestSet documents() {
        int[][] tokens = new int[8][40];
        int[] domain = new int[8];
        for (int i = 0; i < 8; i++) {
            domain[i] = i % 2;
            java.util.Arrays.fill(tokens[i], domain[i]);
        }
        return TestSet.ofTokens(Split.VALID, tokens, domain, new int[8], EOT);
    }

    /** Expert e predicts its own domain's tokens well (p = 0.9) and the other's badly (p = 0.01). */
    private static float[][] experts(TestSet test) {
        float[][] lp = new float[2][test.positions()];
        for (int i = 0; i < test.documents(); i++) {
            for (int p = test.start(i); p < test.end(i); p++) {
                for (int e = 0; e < 2; e++) {
                    lp[e][p] = (float) Math.log(e == test.domain(i) ? 0.9 : 0.01);
                }
            }
        }
        return lp;
    }

    // the context's text is its first token, which names the domain
    private static final RoutingContext.Decoder DECODER = (tokens, length) -> Integer.toString(tokens[0]);

    private static TauCalibration choose(CentroidRouter.ExpertDistances distances) {
        TestSet test = documents();
        return TauCalibration.choose(test, experts(test), distances, new double[] {0.5, 0.5}, 2, 8, 16, DECODER);
    }

    @Test
    void informativeDistancesChooseTheSharpestTemperature() {
        TauCalibration c = choose(text -> text.equals("0") ? new double[] {0, 4} : new double[] {4, 0});
        assertThat(c.tau()).isEqualTo(TauCalibration.GRID[0]);
        assertThat(c.perplexityByTau()).hasSize(TauCalibration.GRID.length);
        // perplexity falls as routing sharpens towards the right expert
        assertThat(c.perplexityByTau().get(0.01)).isLessThan(c.perplexityByTau().get(1.0));
        assertThat(c.tokens()).isEqualTo(8 * 41);
    }

    @Test
    void theTestSplitIsRefused() {
        TestSet valid = documents();
        int[][] tokens = new int[8][40];
        int[] domain = new int[8];
        TestSet test = TestSet.ofTokens(Split.TEST, tokens, domain, new int[8], EOT);
        assertThatThrownBy(() -> TauCalibration.choose(test, experts(test), text -> new double[] {0, 0},
                new double[] {0.5, 0.5}, 2, 8, 16, DECODER)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("validation");
        assertThat(TauCalibration.choose(valid, experts(valid), text -> new double[] {0, 0}, new double[] {0.5, 0.5},
                2, 8, 16, DECODER).split()).isEqualTo(Split.VALID);
    }

    @Test
    void misleadingDistancesChooseTheFlattestTemperature() {
        // the wrong expert is a little nearer: sharp routing commits to it, flat routing hedges
        TauCalibration c = choose(text -> text.equals("0") ? new double[] {0.5, 0.4} : new double[] {0.4, 0.5});
        assertThat(c.tau()).isEqualTo(TauCalibration.GRID[TauCalibration.GRID.length - 1]);
    }
}
