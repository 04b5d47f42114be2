package ai.chorus.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.chorus.core.eval.RoutedEnsemble.Runs;
import ai.chorus.core.mix.AdaptiveRouter;
import ai.chorus.core.mix.PosteriorRouter;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The adaptive router's promises, as laws over random experts: it never switches an expert in (so its cost
 * is exactly the tokens its experts score, with no prefill), it reads only the likelihoods its running
 * experts produced, and with nothing pruned it is BTM's posterior over all K.
 */
class AdaptiveRouterTest {
    private static final int VOCAB = 30;
    private static final int EOT = VOCAB - 1;
    private static final int EXPERTS = 4;
    private static final int WINDOW = 16;
    private static final double[] PRIOR = {0.4, 0.3, 0.2, 0.1};

    private static TestSet testSet(SplittableRandom r) {
        int[][] tokens = new int[8][];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.ints(3 + r.nextInt(40), 0, EOT).toArray();
        }
        int[] label = new int[tokens.length];
        Arrays.fill(label, -1);
        return TestSet.ofTokens(tokens, new int[tokens.length], label, EOT);
    }

    /** Experts of different quality, so the posterior drifts, prunes, and sometimes changes its mind. */
    private static float[][] logProbs(SplittableRandom r, int positions) {
        float[][] lp = new float[EXPERTS][positions];
        for (int j = 0; j < EXPERTS; j++) {
            for (int p = 0; p < positions; p++) {
                lp[j][p] = (float) -(0.5 + (1 + 0.3 * j) * r.nextDouble() * 3);
            }
        }
        return lp;
    }

    private static List<RoutedEnsemble.Setting> settings() {
        return List.of(
                new RoutedEnsemble.Setting("threshold", new AdaptiveRouter(PRIOR, 0, EXPERTS, 0.05), EXPERTS, Runs.ROUTER),
                new RoutedEnsemble.Setting("warmup_top2", new AdaptiveRouter(PRIOR, 3, 2, 0.1), EXPERTS, Runs.ROUTER),
                new RoutedEnsemble.Setting("warmup_top1", new AdaptiveRouter(PRIOR, 5, 1, 0), EXPERTS, Runs.ROUTER));
    }

    @Test
    void itNeverSwitchesAnExpertInSoItsCostIsTheTokensItsExpertsScore() {
        SplittableRandom r = new SplittableRandom(3);
        for (int trial = 0; trial < 20; trial++) {
            TestSet test = testSet(r);
            float[][] lp = logProbs(r, test.positions());
            for (RoutedEnsemble.Outcome o : RoutedEnsemble.score(test, lp, settings(), 4, WINDOW, WINDOW, null)) {
                long scored = 0;
                boolean pruned = false;
                for (int i = 0; i < test.documents(); i++) {
                    for (int p = test.start(i); p < test.end(i); p++) {
                        long now = o.running()[p];
                        scored += Long.bitCount(now);
                        if ((p - test.start(i)) % WINDOW == 0) {
                            assertThat(now).as("%s starts every expert", o.setting().key()).isEqualTo(15L);
                        } else {
                            assertThat(now & ~o.running()[p - 1]).as("%s switched an expert in", o.setting().key())
                                    .isZero();
                            pruned |= now != o.running()[p - 1];
                        }
                    }
                }
                assertThat(pruned).as(o.setting().key()).isTrue();
                assertThat(o.expertsRun()).as(o.setting().key()).isEqualTo((double) scored);
            }
        }
    }

    @Test
    void itReadsOnlyWhatItsRunningExpertsProduced() {
        SplittableRandom r = new SplittableRandom(5);
        int checked = 0;
        for (int trial = 0; trial < 20; trial++) {
            TestSet test = testSet(r);
            float[][] lp = logProbs(r, test.positions());
            List<RoutedEnsemble.Outcome> before = RoutedEnsemble.score(test, lp, settings(), 4, WINDOW, WINDOW, null);
            for (int c = 0; c < before.size(); c++) {
                RoutedEnsemble.Outcome o = before.get(c);
                // change every log-probability an expert would have produced where it did not run
                float[][] changed = Arrays.stream(lp).map(float[]::clone).toArray(float[][]::new);
                for (int p = 0; p < test.positions(); p++) {
                    for (int j = 0; j < EXPERTS; j++) {
                        if ((o.running()[p] & (1L << j)) == 0) {
                            changed[j][p] = (float) -(0.01 + 10 * r.nextDouble());
                            checked++;
                        }
                    }
                }
                RoutedEnsemble.Outcome after = RoutedEnsemble.score(test, changed, List.of(o.setting()), 4, WINDOW,
                        WINDOW, null).get(0);
                assertThat(after.positionNll()).as(o.setting().key()).containsExactly(o.positionNll());
                assertThat(after.running()).as(o.setting().key()).containsExactly(o.running());
            }
        }
        assertThat(checked).isGreaterThan(1000);
    }

    @Test
    void withNothingPrunedItIsThePosteriorOverAllExperts() {
        SplittableRandom r = new SplittableRandom(7);
        TestSet test = testSet(r);
        float[][] lp = logProbs(r, test.positions());
        List<RoutedEnsemble.Outcome> out = RoutedEnsemble.score(test, lp, List.of(
                new RoutedEnsemble.Setting("adaptive", new AdaptiveRouter(PRIOR, 0, EXPERTS, 0), EXPERTS, Runs.ROUTER),
                new RoutedEnsemble.Setting("posterior", new PosteriorRouter(PRIOR), EXPERTS, Runs.ALL)),
                1, WINDOW, WINDOW, null);
        for (int p = 0; p < test.positions(); p++) {
            assertThat(out.get(0).positionNll()[p]).isCloseTo(out.get(1).positionNll()[p], within(1e-9));
        }
        assertThat(out.get(0).expertsRun()).isEqualTo(out.get(1).expertsRun());
    }
}
