package ai.chorus.core.eval;

import ai.chorus.core.corpus.Split;
import ai.chorus.core.eval.RoutedEnsemble.Runs;
import ai.chorus.core.mix.CentroidRouter;
import ai.chorus.core.mix.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Chooses the centroid router's temperature τ on held-out data rather than taking c-BTM's 0.1 on faith.
 *
 * <p>τ divides squared distances whose scale depends on the embedding (c-BTM's tf-idf + SVD differs
 * from ours), so a τ that is sharp in one space is flat in another; and a flat mixture pays dearly, since
 * p_mix ≥ w_right · p_right bounds the loss only by −log w_right. The calibration replays the centroid
 * ensemble at the headline k over the validation split for each τ of a fixed grid (the experts' log-
 * probabilities are computed once) and keeps the one with the lowest perplexity. The test split is never
 * looked at.
 */
public record TauCalibration(double tau, int k, Split split, int tokens, Map<Double, Double> perplexityByTau) {
    /** Spans flat (1.0) to nearly hard routing (0.01) for squared distances between unit vectors (0 to 4). */
    public static final double[] GRID = {0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5, 1.0};
    /** Validation tokens scored: enough for a stable choice, a fraction of the test set's cost. */
    public static final long TOKENS = 8_192;

    /**
     * @param valid the validation documents (any other split is refused: τ is a setting, chosen on validation)
     * @param expertLogProbs each expert's log-probability of every validation target
     * @param distances the centroid router's distances
     * @param prior the routers' prior
     * @param k experts mixed (the headline setting: 2)
     * @param span the routing window ({@link RoutedEnsemble#score}): the headline's, the models' window
     */
    public static TauCalibration choose(TestSet valid, float[][] expertLogProbs,
                                        CentroidRouter.ExpertDistances distances, double[] prior, int k, int reroute,
                                        int span, RoutingContext.Decoder decoder) {
        if (valid.split() != Split.VALID) {
            throw new IllegalArgumentException("tau is chosen on the validation split, not on " + valid.split().key());
        }
        CentroidRouter.ExpertDistances shared = CentroidRouter.ExpertDistances.lastOnly(distances);
        List<RoutedEnsemble.Setting> settings = new ArrayList<>();
        for (double tau : GRID) {
            CentroidRouter router = new CentroidRouter(shared, tau, prior);
            settings.add(new RoutedEnsemble.Setting("tau " + tau, router, k, Runs.WEIGHTED));
        }
        List<RoutedEnsemble.Outcome> outcomes = RoutedEnsemble.score(valid, expertLogProbs, settings, reroute, span,
                decoder);
        Map<Double, Double> perplexity = new LinkedHashMap<>();
        double best = Double.NaN;
        double bestPerplexity = Double.POSITIVE_INFINITY;
        for (int i = 0; i < GRID.length; i++) {
            double nll = 0;
            for (double d : outcomes.get(i).documentNll()) {
                nll += d;
            }
            double ppl = Math.exp(nll / valid.positions());
            perplexity.put(GRID[i], ppl);
            if (ppl < bestPerplexity) {
                bestPerplexity = ppl;
                best = GRID[i];
            }
        }
        return new TauCalibration(best, k, valid.split(), valid.positions(), perplexity);
    }
}
