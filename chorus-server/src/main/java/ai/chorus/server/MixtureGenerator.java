package ai.chorus.server;

import ai.chorus.core.mix.Mixture;
import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.engine.kernel.CrossEntropy;
import ai.chorus.engine.model.KvCache;
import ai.chorus.engine.sample.Sampler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;

/**
 * Continues a prompt with a routed mixture: only the chosen experts run, token by token, each with its
 * own KV cache; their next-token distributions are mixed as p = Σ w_j p_j ({@link Mixture}) and the
 * next token is sampled from the mixture ({@link Sampler}, seeded). The experts are chosen once per
 * request, on the prompt: re-routing mid-way would need the new experts to read the whole context first.
 * An expert whose weight the prompt's likelihood sets to 0 (the adaptive router's dropped ones) reads the
 * prompt and then stops: the set never grows during generation.
 *
 * <p>Stops at {@code <|endoftext|>}, at a stop sequence, at {@code max_tokens}, or at the end of the
 * smallest context among the chosen experts. Stateless: one instance serves every request.
 */
public final class MixtureGenerator {

    /** Receives each settled piece of the completion, in order. */
    @FunctionalInterface
    public interface TextSink {
        void accept(String piece);
    }

    /** Polled before every token: true stops the generation with a {@link CancellationException}. */
    @FunctionalInterface
    public interface StopSignal {
        boolean stopRequested();
    }

    /**
     * @param maxTokens at most this many new tokens
     * @param stop stop sequences (non-empty strings); the completion ends before the first one
     * @param logprobs how many most likely alternatives to report per token; -1 reports nothing
     */
    public record Params(int maxTokens, Sampler.Settings sampling, long seed, List<String> stop, int logprobs) {}

    /** One generated token as the mixture saw it: its text, log p_mix, the most likely alternatives. */
    public record TokenLogprob(String token, double logprob, Map<String, Double> top, int textOffset) {}

    /**
     * @param finishReason OpenAI's: {@code stop} (end of text or a stop sequence) or {@code length}
     * @param logprobs per generated token, or null when not asked for
     * @param experts the experts mixed and their weights, heaviest first
     * @param expertForwards token forward passes run, summed over the experts (prefill included): the routing's cost
     */
    public record Result(String text, int promptTokens, int completionTokens, String finishReason,
                         List<TokenLogprob> logprobs, List<ExpertSet.Choice> experts, long expertForwards) {}

    private final BpeTokenizer tokenizer;

    public MixtureGenerator(BpeTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    public int[] encode(String prompt) {
        return tokenizer.encode(prompt);
    }

    /**
     * @param routing the experts and weights to mix (non-empty, weights summing to 1); when it awaits
     *     the likelihoods ({@code hybrid}), the experts' log-likelihoods of the prompt, summed while
     *     reading it, set the weights
     * @throws ApiException when the prompt does not fit the experts' context
     */
    public Result generate(int[] promptTokens, ExpertSet.Routing routing, Params params, StopSignal signal,
                           TextSink sink) {
        List<ExpertSet.Choice> choices = routing.choices();
        int k = choices.size();
        int vocab = tokenizer.vocabSize();
        int context = Integer.MAX_VALUE;
        for (ExpertSet.Choice c : choices) {
            context = Math.min(context, c.expert().config().maxPositionEmbeddings());
        }
        // An empty prompt starts from the document separator, as every training document is preceded by one.
        int[] fed = promptTokens.length == 0 ? new int[] {tokenizer.endOfTextId()} : promptTokens;
        if (fed.length >= context) {
            throw ApiException.invalid("prompt", "context_length_exceeded", "the prompt is " + fed.length
                    + " tokens; the experts' context is " + context + " tokens, leaving no room to generate");
        }
        KvCache[] caches = new KvCache[k];
        float[][] logProbs = new float[k][vocab];
        for (int j = 0; j < k; j++) {
            caches[j] = choices.get(j).expert().newKvCache(context);
        }
        float[] mixed = k == 1 ? logProbs[0] : new float[vocab];
        // Σ over the prompt tokens after the first of log p_j(token | the ones before): the hybrid's evidence
        double[] promptLogLikelihood = routing.awaitsLikelihood() ? new double[k] : null;
        long forwards = 0;
        for (int i = 0; i < fed.length; i++) {
            if (signal.stopRequested()) {
                throw new CancellationException("stopped while reading the prompt");
            }
            int scored = promptLogLikelihood != null && i + 1 < fed.length ? fed[i + 1] : -1;
            forwards += forwardAll(choices, fed[i], i, caches, logProbs, i == fed.length - 1, scored,
                    promptLogLikelihood, null);
        }
        if (promptLogLikelihood != null) {
            routing = routing.weighed(promptLogLikelihood); // heaviest first; the caches keep the feeding order
        }
        double[] weights = new double[k];
        for (int j = 0; j < k; j++) {
            weights[j] = weightOf(choices.get(j).expert(), routing.choices());
        }

        Sampler sampler = new Sampler(params.sampling(), params.seed());
        StopTracker text = new StopTracker(params.stop(), sink);
        List<TokenLogprob> logprobs = params.logprobs() >= 0 ? new ArrayList<>() : null;
        int[] out = new int[Math.min(params.maxTokens(), context - fed.length)];
        int n = 0;
        String finish = "length";
        boolean cut = false;
        String decoded = "";
        while (n < out.length) {
            if (signal.stopRequested()) {
                throw new CancellationException("stopped after " + n + " tokens");
            }
            if (k > 1) {
                Mixture.logProbs(weights, logProbs, vocab, mixed);
            }
            int next = sampler.sample(mixed);
            if (next == tokenizer.endOfTextId()) {
                finish = "stop";
                break;
            }
            if (logprobs != null) {
                logprobs.add(new TokenLogprob(tokenizer.decode(new int[] {next}), mixed[next],
                        topLogprobs(mixed, params.logprobs()), decoded.length()));
            }
            out[n++] = next;
            decoded = tokenizer.decode(Arrays.copyOf(out, n));
            if (text.update(decoded)) {
                finish = "stop";
                cut = true;
                break;
            }
            if (n < out.length) {
                forwards += forwardAll(choices, next, fed.length + n - 1, caches, logProbs, true, -1, null, weights);
            }
        }
        if (!cut) {
            text.finish(decoded);
        }
        return new Result(decoded.substring(0, text.emittedLength()), promptTokens.length, n, finish, logprobs,
                routing.choices(), forwards);
    }

    /** The expert's weight; 0 (it stops running) when the prompt's likelihood dropped it from the routing. */
    private static double weightOf(Expert expert, List<ExpertSet.Choice> weighed) {
        for (ExpertSet.Choice c : weighed) {
            if (c.expert() == expert) {
                return c.weight();
            }
        }
        return 0;
    }

    /**
     * Feeds one token to every chosen expert; with {@code keep}, stores each one's next-token log-probs;
     * with {@code scored} ≥ 0, adds each one's log p(scored) to {@code logLikelihood}. With
     * {@code weights}, an expert of weight 0 is skipped: the prompt's likelihood can rule one out
     * entirely (or the adaptive router drop it), and the mixture never reads it. Returns the forward passes run.
     */
    private static int forwardAll(List<ExpertSet.Choice> choices, int token, int position, KvCache[] caches,
                                   float[][] logProbs, boolean keep, int scored, double[] logLikelihood,
                                   double[] weights) {
        int run = 0;
        for (int j = 0; j < caches.length; j++) {
            if (weights != null && weights[j] == 0) {
                continue;
            }
            run++;
            float[] logits = choices.get(j).expert().forwardToken(token, position, caches[j]);
            if (keep || scored >= 0) {
                float logZ = CrossEntropy.logSumExp(logits, 0, logits.length);
                if (scored >= 0) {
                    logLikelihood[j] += logits[scored] - logZ;
                }
                if (keep) {
                    float[] lp = logProbs[j];
                    for (int v = 0; v < lp.length; v++) {
                        lp[v] = logits[v] - logZ;
                    }
                }
            }
        }
        return run;
    }

    /** The {@code count} most likely tokens of {@code logProbs}, most likely first (count is small). */
    private Map<String, Double> topLogprobs(float[] logProbs, int count) {
        Map<String, Double> top = new LinkedHashMap<>();
        int[] taken = new int[count];
        for (int r = 0; r < count; r++) {
            int best = -1;
            for (int v = 0; v < logProbs.length; v++) {
                if ((best < 0 || logProbs[v] > logProbs[best]) && !contains(taken, r, v)) {
                    best = v;
                }
            }
            taken[r] = best;
            top.putIfAbsent(tokenizer.decode(new int[] {best}), (double) logProbs[best]);
        }
        return top;
    }

    private static boolean contains(int[] a, int n, int v) {
        for (int i = 0; i < n; i++) {
            if (a[i] == v) {
                return true;
            }
        }
        return false;
    }
}
