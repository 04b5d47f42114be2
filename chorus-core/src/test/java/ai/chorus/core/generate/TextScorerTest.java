package ai.chorus.core.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.core.tokenizer.TokenizerFiles;
import ai.chorus.core.util.Progress;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;
import ai.chorus.engine.io.Checkpoints;
import ai.chorus.engine.model.KvCache;
import ai.chorus.engine.model.LlamaModel;
import ai.chorus.engine.model.LlamaRunner;
import ai.chorus.engine.parallel.WorkerPool;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TextScorer} against an independent route: the same folder loaded afresh and fed token by token
 * through the KV cache, each next-token distribution log-softmaxed in double.
 */
class TextScorerTest {
    private static final int CONTEXT = 24;
    private static final String TEXT = "the cat sat on the mat, the dog slept by the fire";

    @TempDir
    static Path dir;

    static Path folder;
    static TextScorer scorer;

    @BeforeAll
    static void model() throws IOException {
        BpeTokenizer tokenizer = BpeTokenizer.train(Stream.of(TEXT, "the cat and the dog", "a mat by a fire"), 290,
                Progress.NONE);
        ModelConfig config = ModelConfig.of(tokenizer.vocabSize(), 16, 2, 2, 32, CONTEXT);
        LlamaModel model = LlamaModel.initialized(config, 3);
        float[] w = model.parameterBuffer();
        for (int i = 0; i < w.length; i++) {
            w[i] *= 8; // sharper distributions than an initialisation's near-uniform ones, so a shifted target shows
        }
        folder = dir.resolve("model");
        Checkpoints.save(folder, config, model.parameters(), Map.of());
        TokenizerFiles.writeInto(folder, tokenizer, CONTEXT);
        scorer = TextScorer.open(folder, null, 2);
    }

    @AfterAll
    static void close() {
        scorer.close();
    }

    /** log p(ids[i] | ids[..i-1]) for i ≥ 1, by the KV cache and a double log-softmax. */
    private static double[] reference(int[] ids) throws IOException {
        ModelConfig config = Checkpoints.readConfig(folder).model();
        LlamaModel model = new LlamaModel(config);
        Checkpoints.loadInto(folder, config, model.parameters());
        try (WorkerPool pool = new WorkerPool(1)) {
            LlamaRunner runner = new LlamaRunner(model, pool, 1, CONTEXT);
            KvCache cache = runner.newKvCache(CONTEXT);
            double[] out = new double[ids.length - 1];
            for (int i = 0; i + 1 < ids.length; i++) {
                float[] logits = runner.forwardToken(ids[i], i, cache);
                double max = Double.NEGATIVE_INFINITY;
                for (float l : logits) {
                    max = Math.max(max, l);
                }
                double z = 0;
                for (float l : logits) {
                    z += Math.exp(l - max);
                }
                out[i] = logits[ids[i + 1]] - max - Math.log(z);
            }
            return out;
        }
    }

    @Test
    void eachLogProbIsTheNextTokensUnderItsWholePrefixAndTheySumToTheTextsLogProb() throws IOException {
        TextScorer.Score s = scorer.score(TEXT, false);
        int[] ids = scorer.tokenizer().encode(TEXT);
        assertThat(s.tokens()).isEqualTo(ids);
        assertThat(ids.length).isBetween(8, CONTEXT + 1);
        assertThat(s.logProbs()).hasSize(ids.length - 1);
        double[] ref = reference(ids);
        double refSum = 0;
        for (int i = 0; i < ref.length; i++) {
            assertThat(s.logProbs()[i]).as("logprobs[%d]", i).isCloseTo(ref[i], within(2e-4));
            refSum += ref[i];
        }
        double spread = Arrays.stream(ref).max().orElseThrow() - Arrays.stream(ref).min().orElseThrow();
        assertThat(spread).as("the reference tells tokens apart").isGreaterThan(1.0);
        assertThat(s.sum()).isCloseTo(refSum, within(1e-3));
        assertThat(s.perplexity()).isCloseTo(Math.exp(-refSum / ref.length), within(1e-3 * s.perplexity()));
    }

    @Test
    void withBosTheFirstTokenIsScoredAfterEndOfText() throws IOException {
        TextScorer.Score s = scorer.score(TEXT, true);
        int[] ids = scorer.tokenizer().encode(TEXT);
        assertThat(s.tokens()[0]).isEqualTo(scorer.tokenizer().endOfTextId());
        assertThat(Arrays.copyOfRange(s.tokens(), 1, s.tokens().length)).isEqualTo(ids);
        assertThat(s.logProbs()).hasSize(ids.length);
        double[] ref = reference(s.tokens());
        for (int i = 0; i < ref.length; i++) {
            assertThat(s.logProbs()[i]).isCloseTo(ref[i], within(2e-4));
        }
    }

    @Test
    void aPrefixScoresAsTheBeginningOfTheWhole() {
        int[] ids = scorer.tokenizer().encode(TEXT);
        TextScorer.Score whole = scorer.score(ids);
        TextScorer.Score prefix = scorer.score(Arrays.copyOf(ids, 5));
        for (int i = 0; i < 4; i++) {
            assertThat(prefix.logProbs()[i]).isCloseTo(whole.logProbs()[i], within(1e-5));
        }
    }

    @Test
    void textsThatDoNotFitTheContextOrScoreNothingAreRefused() {
        int eot = scorer.tokenizer().endOfTextId();
        int[] fits = new int[CONTEXT + 1];
        Arrays.fill(fits, eot);
        assertThat(scorer.score(fits).logProbs()).hasSize(CONTEXT);
        assertThatThrownBy(() -> scorer.score(new int[CONTEXT + 2])).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("max_position_embeddings").hasMessageContaining("at most " + (CONTEXT + 1))
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> scorer.score("t", false)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("at least 2");
        assertThat(scorer.score("t", true).logProbs()).hasSize(1);
    }
}
