package ai.chorus.server;

import ai.chorus.core.mix.CentroidRouter;
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
    /** One expert chosen for a request and its mixture weight. */
    public record Choice(Expert expert, double weight) {}

    private final List<Expert> experts;
    private final Router router;

    /**
     * @param clusterDistances squared distances from a text to every cluster of the run
     * @param clusterShares every cluster's share of the training tokens
     */
    ExpertSet(List<Expert> experts, String routerName, int topK, double tau,
              CentroidRouter.ExpertDistances clusterDistances, double[] clusterShares) {
        this.experts = List.copyOf(experts);
        if (this.experts.isEmpty()) {
            this.router = null;
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
        this.router = Routers.create(routerName, topK, new Routers.Inputs(prior, distances, tau));
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
     * only; an empty prompt gets the prior.
     */
    public List<Choice> route(String prompt, int[] promptTokens) {
        if (router == null) {
            throw new IllegalStateException("no experts loaded");
        }
        RoutingContext context = new RoutingContext(experts.size(), (tokens, length) -> prompt);
        context.reset(-1);
        for (int token : promptTokens) {
            context.append(token, null, 0);
        }
        double[] w = new double[experts.size()];
        router.route(context, w);
        List<Choice> chosen = new ArrayList<>();
        for (int i = 0; i < w.length; i++) {
            if (w[i] > 0) {
                chosen.add(new Choice(experts.get(i), w[i]));
            }
        }
        chosen.sort((a, b) -> Double.compare(b.weight(), a.weight()));
        return List.copyOf(chosen);
    }
}
