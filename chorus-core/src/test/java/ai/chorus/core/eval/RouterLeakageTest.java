package ai.chorus.core.eval;

import static org.assertj.core.api.Assertions.assertThat;

import ai.chorus.core.eval.RoutedEnsemble.Runs;
import ai.chorus.core.mix.AdaptiveRouter;
import ai.chorus.core.mix.CentroidRouter;
import ai.chorus.core.mix.HybridRouter;
import ai.chorus.core.mix.OracleRouter;
import ai.chorus.core.mix.PosteriorRouter;
import ai.chorus.core.mix.RoutingContext;
import ai.chorus.core.mix.UniformRouter;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The routers never read what they are scored on, and with window routing never read outside the window
 * the models see. Checked as a causal law, whatever the router: change one scored token (and every
 * expert's log-probability of it) and no mixture log-probability before it may change; with window
 * routing, none outside its window either. A router that reads the block it is about to score, or a
 * context that survives a window boundary, breaks the law.
 */
class RouterLeakageTest {
    private static final int VOCAB = 40;
    private static final int EOT = VOCAB - 1;
    private static final int EXPERTS = 3;
    private static final int WINDOW = 8;

    private record Case(TestSet test, float[][] logProbs) {}

    private static int[][] documents(SplittableRandom r) {
        int[][] tokens = new int[6][];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.ints(5 + r.nextInt(30), 0, EOT).toArray();
        }
        return tokens;
    }

    private static Case build(int[][] tokens, float[][] logProbs) {
        int[] domain = new int[tokens.length];
        for (int i = 0; i < domain.length; i++) {
            domain[i] = i % EXPERTS;
        }
        int[] label = new int[tokens.length];
        Arrays.fill(label, -1);
        return new Case(TestSet.ofTokens(tokens, domain, label, EOT), logProbs);
    }

    /** Every router eval uses, over distances and likelihoods that depend on every context token. */
    private static List<RoutedEnsemble.Setting> settings() {
        double[] prior = {0.5, 0.3, 0.2};
        // distances from the context's text: any token the router reads moves them
        CentroidRouter.ExpertDistances distances = text -> {
            SplittableRandom r = new SplittableRandom(text.hashCode());
            return new double[] {r.nextDouble(4), r.nextDouble(4), r.nextDouble(4)};
        };
        CentroidRouter centroid = new CentroidRouter(distances, 0.3, prior);
        PosteriorRouter posterior = new PosteriorRouter(prior);
        return List.of(
                new RoutedEnsemble.Setting("centroid_k1", centroid, 1, Runs.WEIGHTED),
                new RoutedEnsemble.Setting("centroid_k2", centroid, 2, Runs.WEIGHTED),
                new RoutedEnsemble.Setting("hybrid", new HybridRouter(distances, 0.3, prior, 2), 2, Runs.ROUTER),
                new RoutedEnsemble.Setting("posterior", posterior, 2, Runs.ALL),
                new RoutedEnsemble.Setting("adaptive", new AdaptiveRouter(prior, 0, EXPERTS, 0.05), EXPERTS,
                        Runs.ROUTER),
                new RoutedEnsemble.Setting("adaptive_cut", new AdaptiveRouter(prior, 3, 1, 0), EXPERTS, Runs.ROUTER),
                new RoutedEnsemble.Setting("uniform", new UniformRouter(EXPERTS), EXPERTS, Runs.WEIGHTED),
                new RoutedEnsemble.Setting("oracle", new OracleRouter(EXPERTS), 1, Runs.WEIGHTED));
    }

    private static final RoutingContext.Decoder DECODER = (tokens, length) ->
            Arrays.toString(Arrays.copyOf(tokens, length));

    private static List<RoutedEnsemble.Outcome> score(Case c, int span) {
        return RoutedEnsemble.score(c.test(), c.logProbs(), settings(), 2, span, DECODER);
    }

    /** The mixture weights in force at every position, per setting: [setting][position][expert]. */
    private static double[][][] weights(Case c, int span) {
        double[][][] w = new double[settings().size()][c.test().positions()][];
        RoutedEnsemble.score(c.test(), c.logProbs(), settings(), 2, span, span, DECODER,
                (setting, position, weights) -> w[setting][position] = weights.clone());
        return w;
    }

    @Test
    void changingAScoredTokenChangesNothingBeforeItNorOutsideItsWindow() {
        SplittableRandom r = new SplittableRandom(13);
        int checked = 0;
        for (int trial = 0; trial < 60; trial++) {
            int[][] tokens = documents(r);
            Case base = build(tokens, null);
            int positions = base.test().positions();
            float[][] lp = new float[EXPERTS][positions];
            for (float[] e : lp) {
                for (int p = 0; p < positions; p++) {
                    e[p] = (float) -(0.1 + 6 * r.nextDouble());
                }
            }
            base = build(tokens, lp);
            // perturb one scored token of document d at offset s, and every expert's log-probability of it
            int d = r.nextInt(tokens.length);
            int s = r.nextInt(tokens[d].length);
            int[][] changed = Arrays.stream(tokens).map(int[]::clone).toArray(int[][]::new);
            changed[d][s] = (changed[d][s] + 1 + r.nextInt(EOT - 1)) % EOT;
            float[][] lp2 = Arrays.stream(lp).map(float[]::clone).toArray(float[][]::new);
            int at = base.test().start(d) + s;
            for (float[] e : lp2) {
                e[at] = (float) -(0.1 + 6 * r.nextDouble());
            }
            Case perturbed = build(changed, lp2);
            int windowStart = base.test().start(d) + (s / WINDOW) * WINDOW;
            int windowEnd = Math.min(windowStart + WINDOW, base.test().end(d));

            for (int span : new int[] {WINDOW, RoutedEnsemble.WHOLE_DOCUMENT}) {
                List<RoutedEnsemble.Outcome> before = score(base, span);
                List<RoutedEnsemble.Outcome> after = score(perturbed, span);
                double[][][] weightsBefore = weights(base, span);
                double[][][] weightsAfter = weights(perturbed, span);
                int affectedEnd = span == WINDOW ? windowEnd : base.test().end(d);
                for (int k = 0; k < before.size(); k++) {
                    String key = before.get(k).setting().key() + (span == WINDOW ? " (window)" : " (document)");
                    double[] x = before.get(k).positionNll();
                    double[] y = after.get(k).positionNll();
                    for (int p = 0; p < positions; p++) {
                        if (p < at || p >= affectedEnd) {
                            assertThat(y[p]).as("%s: position %d after a change at %d (window %d–%d)", key, p, at,
                                    windowStart, windowEnd).isEqualTo(x[p]);
                            checked++;
                        }
                        // the weights that score position `at` were decided before its token was seen
                        if (p <= at || p >= affectedEnd) {
                            assertThat(weightsAfter[k][p]).as("%s: weights at %d after a change at %d", key, p, at)
                                    .containsExactly(weightsBefore[k][p]);
                        }
                    }
                }
            }
        }
        assertThat(checked).isGreaterThan(10_000);
    }

    @Test
    void windowRoutingRestartsFromThePriorAtEveryWindow() {
        // one long document whose windows all see the same text: each window's first token is routed on
        // the empty context, exactly as the document's first token is
        int[][] tokens = {new int[4 * WINDOW - 1]};
        Arrays.fill(tokens[0], 7);
        Case c = build(tokens, null);
        float[][] lp = new float[EXPERTS][c.test().positions()];
        for (int e = 0; e < EXPERTS; e++) {
            Arrays.fill(lp[e], (float) -(1 + e));
        }
        c = build(tokens, lp);
        for (RoutedEnsemble.Outcome o : score(c, WINDOW)) {
            for (int w = 1; w < 4; w++) {
                for (int t = 0; t < WINDOW; t++) {
                    assertThat(o.positionNll()[w * WINDOW + t]).as(o.setting().key()).isEqualTo(o.positionNll()[t]);
                }
            }
        }
    }
}
