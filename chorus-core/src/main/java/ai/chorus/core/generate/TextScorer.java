package ai.chorus.core.generate;

import ai.chorus.engine.InvalidInputException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Scores a text under one model folder ({@code chorus score}): its tokens and, for every token after the
 * first, {@code log p(tokens[i] | tokens[0..i-1])} from one forward pass over the whole sequence.
 *
 * <p>A text whose predictions do not fit the model's context (more than max_position_embeddings + 1
 * tokens) is refused rather than scored in windows: windows would condition later tokens on fewer than
 * all earlier ones, so the numbers would no longer be the log-probabilities they claim to be.
 */
public final class TextScorer extends InferenceSession {
    /**
     * @param tokens the scored ids ({@code <|endoftext|>} first when asked for)
     * @param logProbs {@code logProbs[i-1] = log p(tokens[i] | tokens[0..i-1])}, natural log; tokens.length - 1 entries
     */
    public record Score(int[] tokens, double[] logProbs) {
        /** log p(tokens[1..] | tokens[0]): the sum of the log-probabilities. */
        public double sum() {
            double s = 0;
            for (double lp : logProbs) {
                s += lp;
            }
            return s;
        }

        /** exp(-mean log-probability) over the scored tokens. */
        public double perplexity() {
            return Math.exp(-sum() / logProbs.length);
        }
    }

    private TextScorer(LoadedModel model) {
        super(model);
    }

    /** As {@link LoadedModel#open}: a model folder, its tokenizer or null for the folder's. */
    public static TextScorer open(Path modelDir, Path tokenizerJson, int threads) throws IOException {
        return new TextScorer(LoadedModel.open(modelDir, tokenizerJson, threads));
    }

    /**
     * @param startOfText put {@code <|endoftext|>} before the text (every training document follows one),
     *     so that the text's first token is scored too
     */
    public Score score(String text, boolean startOfText) {
        return score(model.encode(text, startOfText));
    }

    /** Scores given ids (each in the vocabulary); see {@link Score}. */
    public Score score(int[] ids) {
        int context = model.config.maxPositionEmbeddings();
        if (ids.length < 2) {
            throw new InvalidInputException("the text is " + ids.length + " token" + (ids.length == 1 ? "" : "s")
                    + "; scoring needs at least 2 (the first token is only context), or pass --bos to score the first");
        }
        int predictions = ids.length - 1;
        if (predictions > context) {
            throw new InvalidInputException("the text is " + ids.length + " tokens; this model's context is " + context
                    + " (max_position_embeddings), so at most " + (context + 1) + " tokens can be scored;"
                    + " shorten the text or score it in parts");
        }
        model.runner.checkTokens(ids, 0, ids.length, "token");
        float[] lp = new float[predictions];
        model.runner.targetLogProbs(ids, 0, ids, 1, 1, predictions, lp, 0);
        double[] out = new double[predictions];
        for (int i = 0; i < predictions; i++) {
            out[i] = lp[i];
        }
        return new Score(ids.clone(), out);
    }
}
