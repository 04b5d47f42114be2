package ai.chorus.core.merge;

import java.util.Map;

/** What every merge method records the same way: its name, whether it needs the base, weights and parameters. */
abstract class AbstractMergeMethod implements MergeMethod {
    private final MergeMethodSpec spec;
    /** The weight of each model in force, in model order; subclasses read it, never write it. */
    protected final double[] weights;
    private final Map<String, Object> parameters;

    AbstractMergeMethod(MergeMethodSpec spec, double[] weights, Map<String, Object> parameters) {
        this.spec = spec;
        this.weights = weights;
        this.parameters = parameters;
    }

    @Override
    public final String name() {
        return spec.name();
    }

    @Override
    public final boolean needsBase() {
        return spec.needsBase();
    }

    @Override
    public final Map<String, Object> parameters() {
        return parameters;
    }

    @Override
    public final double[] weights() {
        return weights.clone();
    }
}
