package ai.chorus.server;

import ai.chorus.core.mix.AdaptiveRouter;
import ai.chorus.core.mix.CentroidRouter;
import ai.chorus.core.mix.HybridRouter;
import ai.chorus.core.mix.Router;
import ai.chorus.core.mix.Routers;
import ai.chorus.core.mix.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The experts loaded at one moment and the router over exactly them: an immutable snapshot. A request
 * takes the current snapshot when it starts and keeps it to the end, so adding or removing an expert
 * never changes a request already running.
 *
 * <p>Each expert is routed to through its cluster of the run's clustering: its distance to a prompt is
 * the cluster's distance, its prior is the cluster's share of the training tokens (renormalised over
 * the loaded experts).
 */
public final class ExpertSet {
    /** Eval's adaptive router ({@link AdaptiveRouter#pruning}): every expert reads the prompt, the unlikely stop. */
    public static final String ADAPTIVE = "adaptive";

    /** One expert chosen for a request and its mixture weight. */
    public record Choice(Expert expert, double weight) {}

    /**
     * The experts chosen for a prompt. With {@code hybrid} and {@code adaptive} their weights wait for
     * the prompt's log-likelihood under each of them, which only running them on the prompt gives:
     * {@code logPrior} (aligned with {@code choices}, whose weights meanwhile are the prior's renormalised
     * over the chosen) is then non-null — the hybrid's centroid scores, the adaptive router's log prior —
     * and {@link #weighed} sets the weights. With a {@code threshold} &gt; 0 ({@code adaptive}: every
     * expert reads the prompt), an expert whose posterior weight falls below it is dropped after the
     * prompt, the heaviest never, and the rest renormalised: its weight becomes 0 and it stops running.
     */
    public record Routing(List<Choice> choices, double[] logPrior, double threshold) {
        public Routing(List<Choice> choices, double[] logPrior) {
            this(choices, logPrior, 0);
        }

        public boolean awaitsLikelihood() {
            return logPrior != null;
        }

        /**
         * The final routing: the posterior weights given {@code promptLogLikelihood[i]} =
         * Σ log p_i(prompt token | the ones before) for {@code choices[i]}, pruned at the threshold,
         * heaviest first; a dropped expert is left out.
         */
        public Routing weighed(double[] promptLogLikelihood) {
            if (logPrior == null) {
                return this;
            }
            double[] w = new double[choices.size()];
            HybridRouter.posterior(logPrior, i -> promptLogLikelihood[i], w);
            if (threshold > 0) {
                // AdaptiveRouter's stopping rule, applied once at the end of the prompt.
                int best = 0;
                for (int i = 1; i < w.length; i++) {
                    best = w[i] > w[best] ? i : best;
                }
                double kept = 0;
                for (int i = 0; i < w.length; i++) {
                    if (i != best && w[i] < threshold) {
                        w[i] = 0;
                    }
                    kept += w[i];
                }
                for (int i = 0; i < w.length; i++) {
                    w[i] /= kept;
                }
            }
            List<Choice> out = new ArrayList<>();
            for (int i = 0; i < w.length; i++) {
                if (threshold == 0 || w[i] > 0) {
                    out.add(new Choice(choices.get(i).expert(), w[i]));
                }
            }
            return new Routing(heaviestFirst(out), null);
        }
    }

    private final List<Expert> experts;
    private final Router router;
    private final double[] prior;

    /**
     * @param clusterDistances squared distances from a text to every cluster of the run
     * @param clusterShares every cluster's share of the training tokens
     */
    ExpertSet(List<Expert> experts, String routerName, int topK, double tau,
              CentroidRouter.ExpertDistances clusterDistances, double[] clusterShares) {
        this.experts = List.copyOf(experts);
        if (this.experts.isEmpty()) {
            this.router = null;
            this.prior = new double[0];
            return;
        }
        int n = this.experts.size();
        int[] clusters = new int[n];
        double[] prior = new double[n];
        for (int i = 0; i < n; i++) {
            clusters[i] = this.experts.get(i).cluster();
            prior[i] = clusterShares[clusters[i]];
        }
        CentroidRouter.ExpertDistances distances = text -> {
            double[] byCluster = clusterDistances.of(text);
            double[] byExpert = new double[n];
            for (int i = 0; i < n; i++) {
                byExpert[i] = byCluster[clusters[i]];
            }
            return byExpert;
        };
        double mass = java.util.Arrays.stream(prior).sum();
        this.prior = java.util.Arrays.stream(prior).map(p -> p / mass).toArray(); // over the loaded experts
        this.router = routerName.equals(ADAPTIVE) ? AdaptiveRouter.pruning(this.prior)
                : Routers.create(routerName, topK, new Routers.Inputs(prior, distances, tau));
    }

    public List<Expert> experts() {
        return experts;
    }

    public boolean isEmpty() {
        return experts.isEmpty();
    }

    public Optional<Expert> byId(String id) {
        return experts.stream().filter(e -> e.id().equals(id)).findFirst();
    }

    /**
     * The experts to mix for a prompt, heaviest first (weights sum to 1). The router sees the prompt
     * only; an empty prompt gets the prior. With {@code hybrid} the weights are provisional until
     * {@link Routing#weighed} (in expert order then, so the scores line up).
     */
    public Routing route(String prompt, int[] promptTokens) {
        if (router == null) {
            throw new IllegalStateException("no experts loaded");
        }
        RoutingContext context = new RoutingContext(experts.size(), (tokens, length) -> prompt);
        context.reset(-1);
        for (int token : promptTokens) {
            context.append(token, null, 0);
        }
        double[] w = new double[experts.size()];
        if (router instanceof HybridRouter hybrid) {
            long chosen = hybrid.choose(context, w);
            List<Expert> picked = new ArrayList<>();
            double[] scores = new double[Long.bitCount(chosen)];
            for (int i = 0; i < w.length; i++) {
                if ((chosen & (1L << i)) != 0) {
                    scores[picked.size()] = w[i];
                    picked.add(experts.get(i));
                }
            }
            double[] centroid = new double[scores.length]; // the weights until the likelihoods come
            HybridRouter.posterior(scores, i -> 0, centroid);
            List<Choice> provisional = new ArrayList<>();
            for (int i = 0; i < scores.length; i++) {
                provisional.add(new Choice(picked.get(i), centroid[i]));
            }
            return new Routing(List.copyOf(provisional), scores);
        }
        if (router instanceof AdaptiveRouter adaptive) {
            // Every expert prefills the prompt; its likelihood, with the prior, decides who goes on.
            double[] logPrior = new double[prior.length];
            List<Choice> all = new ArrayList<>();
            for (int i = 0; i < prior.length; i++) {
                logPrior[i] = Math.log(prior[i]);
                all.add(new Choice(experts.get(i), prior[i]));
            }
            return new Routing(List.copyOf(all), logPrior, adaptive.threshold());
        }
        router.route(context, w);
        List<Choice> chosen = new ArrayList<>();
        for (int i = 0; i < w.length; i++) {
            if (w[i] > 0) {
                chosen.add(new Choice(experts.get(i), w[i]));
            }
        }
        return new Routing(heaviestFirst(chosen), null);
    }

    private static List<Choice> heaviestFirst(List<Choice> choices) {
        choices.sort((a, b) -> Double.compare(b.weight(), a.weight()));
        return List.copyOf(choices);
    }
}
