package ai.chorus.core.eval;

import ai.chorus.core.corpus.Split;
import ai.chorus.core.mix.ClusterDistances;
import ai.chorus.engine.InvalidInputException;
import java.util.OptionalDouble;

/**
 * What {@code chorus eval} was asked.
 *
 * @param tau the centroid router's temperature; empty: choose it on the validation split ({@link TauCalibration})
 * @param reroute scored tokens between routing decisions
 * @param maxTokens cap on the scored test tokens (a fixed pseudo-random subset of whole documents)
 * @param threads worker threads of the forward passes
 * @param centroids what the centroid router measures distance to ({@link ClusterDistances#KINDS})
 * @param split the documents scored: test, or validation (to choose settings, such as merge parameters,
 *        without looking at the test set)
 * @param routerContext what the routers read: every ensemble routes on the models' window (the headline);
 *        {@link RouterContext#DOCUMENT} also replays the routed ensembles with document memory, as rows of
 *        their own ({@value EvalStep#DOCUMENT_MEMORY_SUFFIX})
 */
public record EvalOptions(OptionalDouble tau, int reroute, long maxTokens, int threads, String centroids,
                          Split split, RouterContext routerContext) {
    public static final int DEFAULT_REROUTE = 32;
    public static final String DEFAULT_CENTROIDS = ClusterDistances.DEFAULT;
    /** Sized for the demo: ~10 models over 32k tokens is well under a minute on 2 cores. */
    public static final long DEFAULT_MAX_TOKENS = 32_768;

    public EvalOptions {
        if (routerContext == null) {
            throw new IllegalArgumentException("routerContext is required");
        }
        if (tau.isPresent() && (!(tau.getAsDouble() > 0) || Double.isInfinite(tau.getAsDouble()))) {
            throw new InvalidInputException("--tau must be 'auto' or a positive number, got " + tau.getAsDouble());
        }
        if (reroute < 1) {
            throw new InvalidInputException("--reroute must be at least 1 token, got " + reroute);
        }
        if (maxTokens < 1) {
            throw new InvalidInputException("--max-tokens must be positive, got " + maxTokens);
        }
        if (!ClusterDistances.KINDS.contains(centroids)) {
            throw new InvalidInputException("--centroids must be one of " + String.join(", ", ClusterDistances.KINDS)
                    + ", got '" + centroids + "'");
        }
        if (threads < 1) {
            throw new InvalidInputException("--threads must be at least 1, got " + threads);
        }
        if (split == Split.TRAIN) {
            throw new InvalidInputException("--split must be test or valid; scoring the training documents says"
                    + " nothing about generalisation");
        }
    }

    /** Routing on the window only, the default. */
    public EvalOptions(OptionalDouble tau, int reroute, long maxTokens, int threads, String centroids, Split split) {
        this(tau, reroute, maxTokens, threads, centroids, split, RouterContext.WINDOW);
    }

    public static EvalOptions defaults() {
        return new EvalOptions(OptionalDouble.empty(), DEFAULT_REROUTE, DEFAULT_MAX_TOKENS,
                Runtime.getRuntime().availableProcessors(), DEFAULT_CENTROIDS, Split.TEST);
    }

    public EvalOptions withThreads(int threads) {
        return new EvalOptions(tau, reroute, maxTokens, threads, centroids, split, routerContext);
    }
}
