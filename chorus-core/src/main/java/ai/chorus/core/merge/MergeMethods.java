package ai.chorus.core.merge;

import ai.chorus.engine.InvalidInputException;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The merge methods by name: the one place that knows them all. */
public final class MergeMethods {
    /** Every method name, in the order help lists them. */
    public static final List<String> NAMES = List.of(Average.NAME, TaskArithmetic.NAME, Ties.NAME, Dare.NAME,
            Slerp.NAME);

    private MergeMethods() {}

    /**
     * A method with its parameters checked.
     *
     * @param source where name and parameters came from (a recipe file, a flag), for messages
     * @param models how many models it will merge
     * @param weights the recipe's per-model weights, or null for the method's default
     * @param parameters the recipe's parameters (Number, Boolean or String values); unknown ones are refused
     * @param dataShares each model's share of the training tokens, asked for only by {@code average}'s
     *        default weighting (it may throw an InvalidInputException when the models are not a run's experts)
     */
    public static MergeMethod create(String source, String name, int models, double[] weights,
                                     Map<String, Object> parameters, Supplier<double[]> dataShares) {
        if (models < 1) {
            throw new InvalidInputException(source + ": no models to merge");
        }
        if (weights != null && weights.length != models) {
            throw new IllegalArgumentException(weights.length + " weights for " + models + " models");
        }
        MergeParameters p = new MergeParameters(source, name, parameters);
        return switch (name) {
            case Average.NAME -> Average.create(p, models, weights, dataShares);
            case TaskArithmetic.NAME -> TaskArithmetic.create(p, models, weights);
            case Ties.NAME -> Ties.create(p, models, weights);
            case Dare.NAME -> Dare.create(p, models, weights);
            case Slerp.NAME -> Slerp.create(p, models, weights);
            default -> throw new InvalidInputException(source + ": unknown merge method \"" + name + "\"; use one of "
                    + String.join(", ", NAMES));
        };
    }
}
