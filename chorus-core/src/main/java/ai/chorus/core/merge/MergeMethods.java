package ai.chorus.core.merge;

import ai.chorus.engine.InvalidInputException;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The merge methods by name: the registry, the one place that lists them all ({@link MergeMethodSpec}). */
public final class MergeMethods {
    /** Every method, in the order help lists them. */
    public static final List<MergeMethodSpec> ALL = List.of(Average.SPEC, TaskArithmetic.SPEC, Ties.SPEC, Dare.SPEC,
            Slerp.SPEC);
    /** Every method name, in the order help lists them. */
    public static final List<String> NAMES = ALL.stream().map(MergeMethodSpec::name).toList();

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
        MergeMethodSpec spec = ALL.stream().filter(m -> m.name().equals(name)).findFirst()
                .orElseThrow(() -> new InvalidInputException(source + ": unknown merge method \"" + name
                        + "\"; use one of " + String.join(", ", NAMES)));
        return spec.factory().create(new MergeParameters(source, spec, parameters), models, weights, dataShares);
    }

    /** Every method with its parameters, ranges and defaults, one paragraph each, as help prints them. */
    public static String help() {
        return String.join("\n", ALL.stream().map(MergeMethodSpec::help).toList());
    }
}
