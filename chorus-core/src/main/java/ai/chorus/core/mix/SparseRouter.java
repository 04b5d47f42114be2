package ai.chorus.core.mix;

/**
 * A router that names the experts that must run, apart from how it weighs them: an expert may run with
 * weight 0 because the router needs its likelihood of the context (and a weight may round to 0 while the
 * expert still runs). The cost of a decision is exactly this set.
 */
public interface SparseRouter extends Router {

    /**
     * The experts that run on the next token under the decision {@link #route} makes on the same context,
     * as a bit set (bit j = expert j): every expert {@code route} weighs, and every expert whose likelihood
     * of that token a later decision reads.
     */
    long running(RoutingContext context);
}
