package ai.chorus.core.mix;

import ai.chorus.engine.InvalidInputException;
import java.util.List;

/** Routers by name: {@code centroid}, {@code hybrid}, {@code posterior}, {@code uniform}, {@code oracle}. */
public final class Routers {
    public static final List<String> NAMES = List.of("centroid", "hybrid", "posterior", "uniform", "oracle");
    public static final double DEFAULT_TAU = 0.1;

    /**
     * What a router may be built from.
     *
     * @param prior P(expert) before any context (the clusters' shares of the training tokens)
     * @param distances squared distances to the expert centroids (null when the experts have no centroids)
     * @param tau the centroid router's temperature
     */
    public record Inputs(double[] prior, CentroidRouter.ExpertDistances distances, double tau) {
        public int experts() {
            return prior.length;
        }
    }

    private Routers() {}

    /**
     * The router {@code name} keeping its top {@code k} experts (k ≥ K keeps all). {@code uniform}
     * always mixes all K and {@code oracle} always one, whatever k.
     */
    public static Router create(String name, int k, Inputs inputs) {
        return switch (name) {
            case "centroid" -> {
                if (inputs.distances() == null) {
                    throw new InvalidInputException("the centroid router needs expert centroids (run 'chorus cluster')");
                }
                yield new TopKRouter(new CentroidRouter(inputs.distances(), inputs.tau(), inputs.prior()), k);
            }
            case "hybrid" -> {
                if (inputs.distances() == null) {
                    throw new InvalidInputException("the hybrid router needs expert centroids (run 'chorus cluster')");
                }
                yield new HybridRouter(inputs.distances(), inputs.tau(), inputs.prior(), k);
            }
            case "posterior" -> new TopKRouter(new PosteriorRouter(inputs.prior()), k);
            case "uniform" -> new UniformRouter(inputs.experts());
            case "oracle" -> new OracleRouter(inputs.experts());
            default -> throw new InvalidInputException("unknown router '" + name + "'; choose one of "
                    + String.join(", ", NAMES));
        };
    }
}
