package ai.chorus.core.mix;

/**
 * Chooses how much each expert contributes to the next tokens, given the context seen so far.
 * Implementations are small and stateless between calls (all state lives in the {@link RoutingContext}),
 * so one router serves any number of documents.
 */
public interface Router {

    /** The number of experts K the router weighs. */
    int experts();

    /**
     * Writes the weights of the K experts into {@code out[0, K)}: non-negative, summing to 1. On an
     * empty context every router falls back to its prior (see the implementations).
     */
    void route(RoutingContext context, double[] out);

    /**
     * Tokens between this router's decisions, when it sets its own schedule; 0 (the default) leaves it to
     * the caller (eval's {@code --reroute}). A router that prunes experts on their likelihoods decides at
     * every token: its decision is arithmetic on numbers the running experts produce anyway.
     */
    default int reroute() {
        return 0;
    }
}
