package ai.chorus.core.generate;

import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.model.KvCache;
import ai.chorus.engine.model.LlamaRunner;
import ai.chorus.engine.sample.Sampler;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Continues a prompt with one model folder (an expert, the seed, the dense model): encodes the
 * prompt, feeds it through the KV cache, then samples token by token until {@code <|endoftext|>},
 * the token limit, or the end of the model's context.
 */
public final class TextGenerator extends InferenceSession {
    /** What a generation produced. */
    public record Result(String text, int promptTokens, int generatedTokens, String stopReason, double seconds) {}

    private TextGenerator(LoadedModel model) {
        super(model);
    }

    /** As {@link LoadedModel#open}: a model folder, its tokenizer or null for the folder's. */
    public static TextGenerator open(Path modelDir, Path tokenizerJson, int threads) throws IOException {
        return new TextGenerator(LoadedModel.open(modelDir, tokenizerJson, threads));
    }

    /**
     * @param onText receives each new piece of text as soon as it decodes to whole characters
     */
    public Result generate(String prompt, int maxTokens, Sampler.Settings settings, long seed, Consumer<String> onText) {
        long t0 = System.nanoTime();
        BpeTokenizer tokenizer = model.tokenizer;
        LlamaRunner runner = model.runner;
        int[] promptIds = model.encode(prompt, false);
        int context = model.config.maxPositionEmbeddings();
        // An empty prompt starts from the document separator, as every training document is preceded by one.
        int[] ids = promptIds.length == 0 ? new int[] {tokenizer.endOfTextId()} : promptIds;
        if (ids.length >= context) {
            throw new InvalidInputException("the prompt is " + ids.length + " tokens; this model's context is "
                    + context + " (max_position_embeddings); shorten the prompt");
        }
        KvCache cache = runner.newKvCache(context);
        float[] logits = null;
        for (int i = 0; i < ids.length; i++) {
            logits = runner.forwardToken(ids[i], i, cache);
        }
        Sampler sampler = new Sampler(settings, seed);
        int[] out = new int[Math.min(maxTokens, context - ids.length)];
        int n = 0;
        String stop = maxTokens <= context - ids.length ? "max_tokens" : "context";
        String emitted = "";
        while (n < out.length) {
            int next = sampler.sample(logits);
            if (next == tokenizer.endOfTextId()) {
                stop = "end_of_text";
                break;
            }
            out[n++] = next;
            String text = tokenizer.decode(Arrays.copyOf(out, n));
            // Hold back a trailing replacement character: it may be the first bytes of a longer character.
            int stable = text.endsWith("\uFFFD") ? text.length() - 1 : text.length();
            if (stable > emitted.length()) {
                onText.accept(text.substring(emitted.length(), stable));
                emitted = text.substring(0, stable);
            }
            if (n < out.length) {
                logits = runner.forwardToken(next, ids.length + n - 1, cache);
            }
        }
        String text = tokenizer.decode(Arrays.copyOf(out, n));
        if (text.length() > emitted.length()) {
            onText.accept(text.substring(emitted.length()));
        }
        return new Result(text, promptIds.length, n, stop, (System.nanoTime() - t0) / 1e9);
    }
}
