package ai.chorus.core.merge;

import java.util.List;
import java.util.function.Supplier;

/**
 * Everything about one merge method in one place: its name, whether it needs a base, what it does in one
 * sentence, its parameters and its factory. {@link MergeMethods} lists them; names, the factory switch,
 * parameter checks, help and errors are all derived from these.
 */
public record MergeMethodSpec(String name, boolean needsBase, String summary, List<MergeParameter> parameters,
                              Factory factory) {
    /** Builds the method from checked parameters. */
    @FunctionalInterface
    interface Factory {
        /**
         * @param weights the recipe's per-model weights, or null for the method's default
         * @param dataShares each model's share of the training tokens, asked for only by methods that weight by it
         */
        MergeMethod create(MergeParameters p, int models, double[] weights, Supplier<double[]> dataShares);
    }

    public MergeMethodSpec {
        parameters = List.copyOf(parameters);
    }

    /** Help's paragraph on this method: its line, then one indented line per parameter. */
    public String help() {
        StringBuilder b = new StringBuilder(name).append(needsBase ? " (needs a base: the seed by default)" : "")
                .append(": ").append(summary);
        for (MergeParameter p : parameters) {
            b.append("\n    ").append(p.help());
        }
        return b.toString();
    }
}
