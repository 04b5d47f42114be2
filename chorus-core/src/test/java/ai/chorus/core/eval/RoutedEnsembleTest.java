package ai.chorus.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.chorus.core.eval.RoutedEnsemble.Runs;
import ai.chorus.core.mix.CentroidRouter;
import ai.chorus.core.mix.OracleRouter;
import ai.chorus.core.mix.PosteriorRouter;
import ai.chorus.core.mix.UniformRouter;
import ai.chorus.core.util.Progress;
import ai.chorus.engine.ModelConfig;
import ai.chorus.engine.model.LlamaModel;
import ai.chorus.engine.model.LlamaRunner;
import ai.chorus.engine.parallel.WorkerPool;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RoutedEnsembleTest {
    private static final int VOCAB = 50;
    private static final int EOT = VOCAB - 1;

    private static TestSet testSet(long seed, int documents) {
        SplittableRandom r = new SplittableRandom(seed);
        int[][] tokens = new int[documents][];
        int[] domain = new int[documents];
        int[] label = new int[documents];
        for (int i = 0; i < documents; i++) {
            tokens[i] = r.ints(r.nextInt(30), 0, EOT).toArray();
            domain[i] = r.nextInt(3);
            label[i] = -1;
        }
        return TestSet.ofTokens(tokens, domain, label, EOT);
    }

    @Test
    void batchedPaddedScoringEqualsScoringEachWindowAlone() {
        TestSet test = testSet(1, 12);
        ModelConfig config = ModelConfig.of(VOCAB, 16, 1, 2, 32, 8);
        LlamaModel model = LlamaModel.initialized(config, 3);
        try (WorkerPool pool = new WorkerPool(1)) {
            float[] batched = ModelScorer.score(model, test, 8, pool, Progress.NONE.start("score", -1, "tok"));
            LlamaRunner runner = new LlamaRunner(model, pool, 1, 8);
            float[] one = new float[8];
            int checked = 0;
            for (int[] w : test.windows(8)) {
                int[] in = java.util.Arrays.copyOfRange(test.inputs(), w[0], w[0] + w[1]);
                int[] out = java.util.Arrays.copyOfRange(test.targets(), w[0], w[0] + w[1]);
                runner.targetLogProbs(in, 0, out, 0, 1, w[1], one, 0);
                for (int t = 0; t < w[1]; t++) {
                    assertThat(batched[w[0] + t]).isCloseTo(one[t], within(1e-4f));
                    checked++;
                }
            }
            assertThat(checked).isEqualTo(test.positions());
        }
    }

    @Test
    void everyDocumentIsScoredOnItsTokensPlusEndOfText() {
        TestSet test = TestSet.ofTokens(new int[][] {{5, 6, 7}, {}}, new int[] {0, 1}, new int[] {-1, -1}, EOT);
        assertThat(test.positions()).isEqualTo(5);
        assertThat(test.inputs()).containsExactly(EOT, 5, 6, 7, EOT);
        assertThat(test.targets()).containsExactly(5, 6, 7, EOT, EOT);
        assertThat(test.windows(2)).isDeepEqualTo(new int[][] {{0, 2}, {2, 2}, {4, 1}});
    }

    @Test
    void decisionsDoubleFromOneTokenUpToTheRerouteIntervalThenKeepIt() {
        assertThat(java.util.stream.IntStream.range(0, 90).filter(o -> RoutedEnsemble.isDecision(o, 12)).toArray())
                .containsExactly(0, 1, 2, 4, 8, 12, 24, 36, 48, 60, 72, 84);
        assertThat(java.util.stream.IntStream.range(0, 12).filter(o -> RoutedEnsemble.isDecision(o, 5)).toArray())
                .containsExactly(0, 1, 2, 4, 5, 10);
        assertThat(java.util.stream.IntStream.range(0, 6).allMatch(o -> RoutedEnsemble.isDecision(o, 1))).isTrue();
    }

    @Test
    void identicalExpertsMakeEveryEnsembleEqualTheExpert() {
        TestSet test = testSet(2, 10);
        float[] lp = new float[test.positions()];
        SplittableRandom r = new SplittableRandom(5);
        for (int p = 0; p < lp.length; p++) {
            lp[p] = (float) (-8 * r.nextDouble());
        }
        float[][] experts = {lp, lp, lp};
        double[] prior = {0.2, 0.3, 0.5};
        CentroidRouter centroid = new CentroidRouter(text -> new double[] {1, 0.5, 2}, 0.1, prior);
        List<RoutedEnsemble.Setting> settings = List.of(
                new RoutedEnsemble.Setting("centroid_k1", centroid, 1, Runs.WEIGHTED),
                new RoutedEnsemble.Setting("centroid_k2", centroid, 2, Runs.WEIGHTED),
                new RoutedEnsemble.Setting("posterior", new PosteriorRouter(prior), 2, Runs.ALL),
                new RoutedEnsemble.Setting("uniform", new UniformRouter(3), 3, Runs.WEIGHTED),
                new RoutedEnsemble.Setting("oracle", new OracleRouter(3), 1, Runs.WEIGHTED));
        double[] single = RoutedEnsemble.documentNll(test, lp);
        for (RoutedEnsemble.Outcome o : RoutedEnsemble.score(test, experts, settings, 4, RoutedEnsemble.WHOLE_DOCUMENT,
                (t, n) -> "text")) {
            for (int i = 0; i < test.documents(); i++) {
                assertThat(o.documentNll()[i]).as(o.setting().key()).isCloseTo(single[i], within(1e-4));
            }
        }
    }

    @Test
    void oracleScoresEachDocumentWithItsOwnExpertAndCountsCost() {
        TestSet test = testSet(3, 15);
        float[][] experts = new float[3][test.positions()];
        SplittableRandom r = new SplittableRandom(9);
        for (float[] e : experts) {
            for (int p = 0; p < e.length; p++) {
                e[p] = (float) (-8 * r.nextDouble());
            }
        }
        List<RoutedEnsemble.Setting> settings = List.of(
                new RoutedEnsemble.Setting("oracle", new OracleRouter(3), 1, Runs.WEIGHTED),
                new RoutedEnsemble.Setting("uniform", new UniformRouter(3), 3, Runs.WEIGHTED),
                new RoutedEnsemble.Setting("posterior", new PosteriorRouter(new double[] {1, 1, 1}), 1, Runs.ALL));
        List<RoutedEnsemble.Outcome> out = RoutedEnsemble.score(test, experts, settings, 5, RoutedEnsemble.WHOLE_DOCUMENT, null);
        for (int i = 0; i < test.documents(); i++) {
            double own = 0;
            for (int p = test.start(i); p < test.end(i); p++) {
                own -= experts[test.domain(i)][p];
            }
            assertThat(out.get(0).documentNll()[i]).isCloseTo(own, within(1e-3));
        }
        assertThat(out.get(0).routingAccuracy()).isEqualTo(1.0);
        assertThat(out.get(0).expertsRun()).isEqualTo(test.positions());
        assertThat(out.get(1).expertsRun()).isEqualTo(3.0 * test.positions());
        // the posterior needs every expert's likelihood of the context, even when it mixes one
        assertThat(out.get(2).expertsRun()).isEqualTo(3.0 * test.positions());
    }

    /** All weight on expert 0 while the context is shorter than {@code switchAt}, then on expert 1. */
    private record SwitchAt(int switchAt) implements ai.chorus.core.mix.Router {
        @Override
        public int experts() {
            return 3;
        }

        @Override
        public void route(ai.chorus.core.mix.RoutingContext context, double[] out) {
            java.util.Arrays.fill(out, 0);
            out[context.length() < switchAt ? 0 : 1] = 1;
        }
    }

    @Test
    void anExpertSwitchedInMidWindowPaysForTheWindowsEarlierTokens() {
        // one document of 16 positions, model windows of 8; decisions at offsets 0, 1, 2, 4, 8, 12
        TestSet test = TestSet.ofTokens(new int[][] {java.util.stream.IntStream.range(0, 15).toArray()},
                new int[] {0}, new int[] {-1}, EOT);
        float[][] experts = new float[3][test.positions()];
        List<RoutedEnsemble.Setting> settings = List.of(
                new RoutedEnsemble.Setting("switch", new SwitchAt(4), 1, Runs.WEIGHTED));
        // window routing: in each window expert 0 reads offsets 0-3, expert 1 offsets 0-7 (4 of them prefill)
        RoutedEnsemble.Outcome window = RoutedEnsemble.score(test, experts, settings, 4, 8, 8, null).get(0);
        assertThat(window.expertsRun()).isEqualTo(2 * (4 + 8));
        // document memory: the router stays on expert 1 in the second window, which it reads alone; the cost
        // still restarts with the models' window
        RoutedEnsemble.Outcome document = RoutedEnsemble.score(test, experts, settings, 4, 8,
                RoutedEnsemble.WHOLE_DOCUMENT, null).get(0);
        assertThat(document.expertsRun()).isEqualTo(4 + 8 + 8);
        // an expert that drops out and comes back reads only what it missed: expert 0 runs at offsets 0-1 and
        // 4-7 of each window (8 positions), expert 1 at 2-3 (4 positions, 2 of them prefill)
        RoutedEnsemble.Setting back = new RoutedEnsemble.Setting("back", new ai.chorus.core.mix.Router() {
            @Override
            public int experts() {
                return 3;
            }

            @Override
            public void route(ai.chorus.core.mix.RoutingContext context, double[] out) {
                java.util.Arrays.fill(out, 0);
                out[context.length() == 2 ? 1 : 0] = 1;
            }
        }, 1, Runs.WEIGHTED);
        assertThat(RoutedEnsemble.score(test, experts, List.of(back), 4, 8, 8, null).get(0).expertsRun())
                .isEqualTo(2 * (8 + 4));
    }
}
