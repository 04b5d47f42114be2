package ai.chorus.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.chorus.core.eval.RoutedEnsemble.Runs;
import ai.chorus.core.mix.AdaptiveRouter;
import ai.chorus.core.mix.PosteriorRouter;
import ai.chorus.core.mix.RoutingContext;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The adaptive router's promises, as laws over random experts: it never switches an expert in (so its cost
 * is exactly the tokens its experts score, with no prefill), it reads only the likelihoods its running
 * experts produced, with nothing pruned it is BTM's posterior over all K, and its threshold is a weight
 * among the experts still running.
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

    /**
     * The threshold is a posterior weight among the experts that go on after the keep-cut: at each decision the
     * running set is exactly the top {@code keep} of the previous one, less those whose weight renormalised over
     * that top set is below θ (the heaviest never stops). Checked against a direct computation at every context
     * length, on random experts and thresholds where the cut often lifts a kept expert's weight from below θ to above it.
     */
    @Test
    void itsThresholdIsAWeightAmongTheExpertsLeftAfterTheKeepCut() {
        SplittableRandom r = new SplittableRandom(11);
        int k = 8;
        int lifted = 0; // decisions where an expert is below θ before the cut and at least θ after it
        for (int trial = 0; trial < 200; trial++) {
            double[] prior = r.doubles(k, 0.5, 1.5).toArray();
            double sum = Arrays.stream(prior).sum();
            for (int j = 0; j < k; j++) {
                prior[j] /= sum;
            }
            int warmup = r.nextInt(8);
            int keep = 2 + r.nextInt(3);
            double threshold = 0.02 + 0.18 * r.nextDouble();
            AdaptiveRouter router = new AdaptiveRouter(prior, warmup, keep, threshold);
            float[][] lp = new float[k][24];
            for (int j = 0; j < k; j++) {
                for (int p = 0; p < lp[j].length; p++) {
                    lp[j][p] = (float) -(1 + 0.6 * r.nextDouble());
                }
            }
            RoutingContext context = new RoutingContext(k, null);
            context.reset(-1);
            long before = (1L << k) - 1;
            for (int t = 0; t <= lp[0].length; t++) {
                if (t > 0) {
                    context.append(0, lp, t - 1);
                }
                long running = router.running(context);
                long expected = before;
                if (t >= warmup && Long.bitCount(before) > 1) {
                    long cut = Long.bitCount(before) > keep ? top(prior, context, t, before, keep) : before;
                    double[] all = weights(prior, context, t, before);
                    double[] among = weights(prior, context, t, cut);
                    int best = argmax(among);
                    expected = 0;
                    for (int j = 0; j < k; j++) {
                        if ((cut & (1L << j)) != 0 && (j == best || among[j] >= threshold)) {
                            expected |= 1L << j;
                        }
                        if ((cut & (1L << j)) != 0 && all[j] < threshold && among[j] >= threshold) {
                            lifted++;
                        }
                    }
                }
                assertThat(running).as("trial %d, context length %d, keep %d, warm-up %d", trial, t, keep, warmup)
                        .isEqualTo(expected);
                before = running;
            }
        }
        assertThat(lifted).as("decisions where the cut lifts a weight above the threshold").isGreaterThan(20);
    }

    /** prior × likelihood of the first {@code t} tokens, normalised over {@code set} (0 outside it). */
    private static double[] weights(double[] prior, RoutingContext context, int t, long set) {
        double[] w = new double[prior.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < w.length; j++) {
            w[j] = (set & (1L << j)) == 0 ? Double.NEGATIVE_INFINITY : Math.log(prior[j]) + context.logLikelihood(j, t);
            max = Math.max(max, w[j]);
        }
        double sum = 0;
        for (int j = 0; j < w.length; j++) {
            w[j] = Math.exp(w[j] - max);
            sum += w[j];
        }
        for (int j = 0; j < w.length; j++) {
            w[j] /= sum;
        }
        return w;
    }

    /** The {@code keep} members of {@code set} with the largest weights, ranked by sorting. */
    private static long top(double[] prior, RoutingContext context, int t, long set, int keep) {
        double[] w = weights(prior, context, t, set);
        Integer[] order = new Integer[w.length];
        Arrays.setAll(order, j -> j);
        Arrays.sort(order, (a, b) -> Double.compare(w[b], w[a])); // stable: the lower index first on a tie
        long kept = 0;
        for (int i = 0; i < keep; i++) {
            kept |= 1L << order[i];
        }
        return kept;
    }

    private static int argmax(double[] w) {
        int best = 0;
        for (int j = 1; j < w.length; j++) {
            if (w[j] > w[best]) {
                best = j;
            }
        }
        return best;
    }
}
