package ai.chorus.core.eval;

import ai.chorus.core.mix.Mixture;
import ai.chorus.core.mix.Router;
import ai.chorus.core.mix.RoutingContext;
import ai.chorus.core.mix.SparseRouter;
import ai.chorus.core.mix.Weights;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays routed ensembles over a {@link TestSet} from the experts' cached log-probabilities.
 *
 * <p>The routing rule: each document is cut into routing windows of {@code span} positions (the models'
 * window, so the router reads no more than the models do; {@link #WHOLE_DOCUMENT} keeps the whole document
 * — see {@link RouterContext}). The context starts empty at each routing window. A router decides at offsets
 * 0, 1, 2, 4, 8, … (doubling while below N = {@code reroute}) and then every N positions, unless it sets its
 * own schedule ({@link Router#reroute}: the adaptive router decides at every token). Before deciding at
 * offset s the router sees the window's tokens x_0 … x_{s-1}, never the tokens it is about to score; the
 * first decision therefore routes on the empty context, where every router uses its prior (centroid and
 * posterior: the clusters' token shares; uniform: 1/K; oracle: the true cluster). A decision holds until
 * the next. The doubling start keeps the prior's guess to the very first token instead of the first N, at
 * the price of log₂ N extra routing decisions per window. With {@code reroute = 1} the posterior router is
 * BTM's token-by-token update.
 *
 * <p>The cost counts every expert forward pass ({@link Outcome#expertsRun}): in each of the models' windows
 * an expert reads every position up to the last one it is needed at. An expert switched in at offset t
 * first reads (prefills) the t earlier tokens; one that drops out keeps its KV cache — a window is a few
 * hundred kilobytes per expert — so coming back it reads only what it missed.
 *
 * <p>Several settings that share a base router (e.g. centroid at k = 1, 2, K) route once per block
 * and differ only in the top-k cut.
 */
public final class RoutedEnsemble {
    /** A routing window that never ends inside a document: the router remembers the whole document so far. */
    public static final int WHOLE_DOCUMENT = Integer.MAX_VALUE;

    /**
     * One ensemble to score.
     *
     * @param key its name in results.json, e.g. "centroid_k2"
     * @param router the base router (dense weights)
     * @param k experts kept per decision (≥ K keeps all)
     * @param runs which experts must run for a token (the inference cost)
     */
    public record Setting(String key, Router router, int k, Runs runs) {}

    /** Which experts run for a token under a routing decision. */
    public enum Runs {
        /** those with a non-zero weight (centroid, uniform, oracle) */
        WEIGHTED,
        /** all K: the router needs every expert's likelihood of the context (posterior) */
        ALL,
        /**
         * the set the router itself names ({@link SparseRouter#running}), with every expert it weighs: the
         * hybrid's k chosen (they weigh themselves by their likelihood of the context), the adaptive router's survivors
         */
        ROUTER
    }

    /**
     * What a setting scored.
     *
     * <p>Routing is counted per scored token (the decision in force for it), not per decision: the
     * early one-, two- and four-token blocks would otherwise weigh as much as full ones.
     *
     * @param documentNll per document, Σ −log p_mix over its positions
     * @param positionNll per scored position, −log p_mix (aligned with {@link TestSet#targets()})
     * @param routedTokens scored tokens (each under one routing decision)
     * @param correctTokens tokens whose decision's top expert is the document's cluster
     * @param expertsRun expert forward passes, one per expert and position it reads: in each model window, an
     *        expert runs on every position up to the last one it is needed at (a prefill for those it was
     *        not running at), so an expert switched in at offset t costs t more than the tokens it scores
     * @param topChoices per document × expert: tokens whose decision's top expert it was ([doc·K + e])
     * @param running per scored position, the experts its decision needs (bit j = expert j)
     */
    public record Outcome(Setting setting, double[] documentNll, double[] positionNll, long routedTokens,
                          long correctTokens, double expertsRun, int[] topChoices, long[] running) {
        public double routingAccuracy() {
            return routedTokens == 0 ? Double.NaN : (double) correctTokens / routedTokens;
        }
    }

    private RoutedEnsemble() {}

    /** As {@link #score(TestSet, float[][], List, int, int, int, RoutingContext.Decoder)} with the models' window = the routing window. */
    public static List<Outcome> score(TestSet test, float[][] expertLogProbs, List<Setting> settings, int reroute,
                                      int span, RoutingContext.Decoder decoder) {
        return score(test, expertLogProbs, settings, reroute, span, span, decoder);
    }

    /**
     * @param expertLogProbs [expert][position]: each expert's log-probability of every target
     * @param window the models' window in positions: where an expert's KV cache starts empty (the cost)
     * @param span positions per routing window: the models' window, or {@link #WHOLE_DOCUMENT}
     * @param decoder the tokenizer, for routers that read the context's text
     */
    public static List<Outcome> score(TestSet test, float[][] expertLogProbs, List<Setting> settings, int reroute,
                                      int window, int span, RoutingContext.Decoder decoder) {
        return score(test, expertLogProbs, settings, reroute, window, span, decoder, null);
    }

    /** Sees the mixture weights in force for every scored position (tests: the routers' causality law). */
    interface WeightsSeen {
        void at(int setting, int position, double[] weights);
    }

    static List<Outcome> score(TestSet test, float[][] expertLogProbs, List<Setting> settings, int reroute,
                               int window, int span, RoutingContext.Decoder decoder, WeightsSeen seen) {
        if (reroute < 1) {
            throw new IllegalArgumentException("reroute must be at least 1, got " + reroute);
        }
        if (span < 1 || window < 1) {
            throw new IllegalArgumentException("windows must be at least 1 position, got " + window + " and " + span);
        }
        int experts = expertLogProbs.length;
        Map<Router, double[]> baseWeights = new IdentityHashMap<>();
        for (Setting s : settings) {
            if (s.router().experts() != experts) {
                throw new IllegalArgumentException(s.key() + " routes " + s.router().experts() + " experts, not "
                        + experts);
            }
            if (s.runs() == Runs.ROUTER && !(s.router() instanceof SparseRouter)) {
                throw new IllegalArgumentException(s.key() + ": only a SparseRouter says which experts run");
            }
            baseWeights.computeIfAbsent(s.router(), r -> new double[experts]);
        }
        int n = settings.size();
        int docs = test.documents();
        double[][] nll = new double[n][docs];
        double[][] positionNll = new double[n][test.positions()];
        long[][] running = new long[n][test.positions()];
        long[] routed = new long[n];
        long[] correct = new long[n];
        double[] run = new double[n];
        int[][] top = new int[n][docs * experts];
        double[][] w = new double[n][experts];
        long[] mask = new long[n];
        int[] best = new int[n];
        int[][] ran = new int[n][experts]; // per model window: the offset after the last position each expert ran at
        int[] targets = test.targets();
        RoutingContext context = new RoutingContext(experts, decoder);

        for (int i = 0; i < docs; i++) {
            for (int p = test.start(i); p < test.end(i); p++) {
                int offset = p - test.start(i);
                if (offset % window == 0) {
                    chargeWindow(ran, run);
                }
                int routingOffset = offset % span;
                if (routingOffset == 0) {
                    context.reset(test.domain(i));
                }
                for (Map.Entry<Router, double[]> e : baseWeights.entrySet()) {
                    int every = e.getKey().reroute() > 0 ? e.getKey().reroute() : reroute;
                    if (isDecision(routingOffset, every)) {
                        e.getKey().route(context, e.getValue());
                        for (int c = 0; c < n; c++) {
                            Setting s = settings.get(c);
                            if (s.router() == e.getKey()) {
                                System.arraycopy(e.getValue(), 0, w[c], 0, experts);
                                Weights.keepTopK(w[c], s.k());
                                best[c] = Weights.argmax(w[c]);
                                mask[c] = switch (s.runs()) {
                                    case WEIGHTED -> Weights.nonZeroSet(w[c]);
                                    case ALL -> Weights.allSet(experts);
                                    case ROUTER -> ((SparseRouter) s.router()).running(context) | Weights.nonZeroSet(w[c]);
                                };
                            }
                        }
                    }
                }
                int windowOffset = offset % window;
                for (int c = 0; c < n; c++) {
                    routed[c]++;
                    if (best[c] == test.domain(i)) {
                        correct[c]++;
                    }
                    top[c][i * experts + best[c]]++;
                    running[c][p] = mask[c];
                    for (long m = mask[c]; m != 0; m &= m - 1) {
                        ran[c][Long.numberOfTrailingZeros(m)] = windowOffset + 1;
                    }
                    if (seen != null) {
                        seen.at(c, p, w[c]);
                    }
                    double loss = -Mixture.logProb(w[c], expertLogProbs, p);
                    positionNll[c][p] = loss;
                    nll[c][i] += loss;
                }
                context.append(targets[p], expertLogProbs, p);
            }
            chargeWindow(ran, run);
        }
        List<Outcome> out = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            out.add(new Outcome(settings.get(c), nll[c], positionNll[c], routed[c], correct[c], run[c], top[c],
                    running[c]));
        }
        return out;
    }

    /**
     * Closes a model window: each expert that ran in it ran on every position up to the last one it was
     * needed at — the positions it was asked for, and before them the prefill of those it had not yet read
     * (an expert that drops out keeps its KV cache, so one that comes back reads only what it missed).
     */
    private static void chargeWindow(int[][] ran, double[] run) {
        for (int c = 0; c < ran.length; c++) {
            for (int j = 0; j < ran[c].length; j++) {
                run[c] += ran[c][j];
                ran[c][j] = 0;
            }
        }
    }

    /** Whether a routing window's offset starts a block: 0, 1, 2, 4, … below N, then every N. */
    static boolean isDecision(int offset, int reroute) {
        return offset == 0 || offset % reroute == 0 || (offset < reroute && Integer.bitCount(offset) == 1);
    }

    /** Per document, Σ −log p of one model's cached log-probabilities. */
    public static double[] documentNll(TestSet test, float[] logProbs) {
        double[] nll = new double[test.documents()];
        for (int i = 0; i < nll.length; i++) {
            double sum = 0;
            for (int p = test.start(i); p < test.end(i); p++) {
                sum -= logProbs[p];
            }
            nll[i] = sum;
        }
        return nll;
    }
}
