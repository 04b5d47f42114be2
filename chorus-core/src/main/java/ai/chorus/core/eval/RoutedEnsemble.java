package ai.chorus.core.eval;

import ai.chorus.core.mix.Mixture;
import ai.chorus.core.mix.Router;
import ai.chorus.core.mix.RoutingContext;
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
 * — see {@link RouterContext}). The context starts empty at each routing window, which is cut into blocks
 * that start at offsets 0, 1, 2, 4, 8, … (doubling while below N = {@code reroute}) and then every N
 * positions. Before a block starting at offset s the router sees the window's tokens x_0 … x_{s-1}, never
 * the tokens it is about to score; the first block (one token) therefore routes on the empty context,
 * where every router uses its prior (centroid and posterior: the clusters' token shares; uniform: 1/K;
 * oracle: the true cluster). The weights hold for the whole block, then the block's tokens join the
 * context. The doubling start keeps the prior's guess to the very first token instead of the first N, at
 * the price of log₂ N extra routing decisions per window. With {@code reroute = 1} the posterior router is
 * BTM's token-by-token update.
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
        /** the k chosen, whatever their weights: they weigh themselves by their likelihood of the context (hybrid) */
        TOP_K,
        /** all K: the router needs every expert's likelihood of the context (posterior) */
        ALL
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
     * @param expertsRun Σ over positions of the experts that run for it
     * @param topChoices per document × expert: tokens whose decision's top expert it was ([doc·K + e])
     */
    public record Outcome(Setting setting, double[] documentNll, double[] positionNll, long routedTokens,
                          long correctTokens, double expertsRun, int[] topChoices) {
        public double routingAccuracy() {
            return routedTokens == 0 ? Double.NaN : (double) correctTokens / routedTokens;
        }
    }

    private RoutedEnsemble() {}

    /**
     * @param expertLogProbs [expert][position]: each expert's log-probability of every target
     * @param span positions per routing window: the models' window, or {@link #WHOLE_DOCUMENT}
     * @param decoder the tokenizer, for routers that read the context's text
     */
    public static List<Outcome> score(TestSet test, float[][] expertLogProbs, List<Setting> settings, int reroute,
                                      int span, RoutingContext.Decoder decoder) {
        if (reroute < 1) {
            throw new IllegalArgumentException("reroute must be at least 1, got " + reroute);
        }
        if (span < 1) {
            throw new IllegalArgumentException("routing window must be at least 1, got " + span);
        }
        int experts = expertLogProbs.length;
        Map<Router, double[]> baseWeights = new IdentityHashMap<>();
        for (Setting s : settings) {
            if (s.router().experts() != experts) {
                throw new IllegalArgumentException(s.key() + " routes " + s.router().experts() + " experts, not "
                        + experts);
            }
            baseWeights.computeIfAbsent(s.router(), r -> new double[experts]);
        }
        int docs = test.documents();
        double[][] nll = new double[settings.size()][docs];
        double[][] positionNll = new double[settings.size()][test.positions()];
        long[] routed = new long[settings.size()];
        long[] correct = new long[settings.size()];
        double[] run = new double[settings.size()];
        int[][] top = new int[settings.size()][docs * experts];
        double[] w = new double[experts];
        int[] targets = test.targets();
        RoutingContext context = new RoutingContext(experts, decoder);

        for (int i = 0; i < docs; i++) {
            for (int from = test.start(i); from < test.end(i); ) {
                int windowEnd = (int) Math.min((long) from + span, test.end(i));
                context.reset(test.domain(i));
                for (int block = from; block < windowEnd; ) {
                    int blockEnd = Math.min(from + nextBoundary(block - from, reroute), windowEnd);
                    for (Map.Entry<Router, double[]> e : baseWeights.entrySet()) {
                        e.getKey().route(context, e.getValue());
                    }
                    for (int c = 0; c < settings.size(); c++) {
                        Setting s = settings.get(c);
                        System.arraycopy(baseWeights.get(s.router()), 0, w, 0, experts);
                        Weights.keepTopK(w, s.k());
                        int best = Weights.argmax(w);
                        int tokens = blockEnd - block;
                        routed[c] += tokens;
                        if (best == test.domain(i)) {
                            correct[c] += tokens;
                        }
                        top[c][i * experts + best] += tokens;
                        int running = switch (s.runs()) {
                            case WEIGHTED -> Weights.nonZero(w);
                            case TOP_K -> Math.min(s.k(), experts);
                            case ALL -> experts;
                        };
                        run[c] += (double) running * tokens;
                        double sum = 0;
                        for (int p = block; p < blockEnd; p++) {
                            double loss = -Mixture.logProb(w, expertLogProbs, p);
                            positionNll[c][p] = loss;
                            sum += loss;
                        }
                        nll[c][i] += sum;
                    }
                    for (int p = block; p < blockEnd; p++) {
                        context.append(targets[p], expertLogProbs, p);
                    }
                    block = blockEnd;
                }
                from = windowEnd;
            }
        }
        List<Outcome> out = new ArrayList<>();
        for (int c = 0; c < settings.size(); c++) {
            out.add(new Outcome(settings.get(c), nll[c], positionNll[c], routed[c], correct[c], run[c], top[c]));
        }
        return out;
    }

    /** Where the block starting at {@code offset} (within its document) ends: 1, 2, 4, … below N, then every N. */
    static int nextBoundary(int offset, int reroute) {
        if (offset == 0) {
            return 1;
        }
        return offset < reroute ? Math.min(2 * offset, reroute) : offset + reroute;
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
