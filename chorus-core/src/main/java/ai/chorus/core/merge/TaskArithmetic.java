package ai.chorus.core.merge;

import ai.chorus.engine.parallel.WorkerPool;
import java.util.Map;

/**
 * {@code task-arithmetic} (Ilharco et al. 2022): θ_0 + λ Σ_i w_i τ_i with τ_i = θ_i − θ_0. Defaults as
 * mergekit's: w_i = 1, λ = 1 — so with N experts λ = 1/N is the plain average; λ is best chosen on
 * validation data (0.1–1), and a negative weight subtracts a task.
 */
final class TaskArithmetic extends AbstractMergeMethod {
    static final String NAME = "task-arithmetic";
    private final double lambda;
    private final TaskVectors taskVectors;

    private TaskArithmetic(double[] weights, double lambda, Map<String, Object> parameters) {
        super(NAME, true, weights, parameters);
        this.lambda = lambda;
        this.taskVectors = new TaskVectors(weights.length);
    }

    static TaskArithmetic create(MergeParameters p, int models, double[] explicit) {
        double lambda = p.number("lambda", 1.0, -10, true, 10, true);
        p.requireNoOthers();
        return new TaskArithmetic(TaskVectorWeights.orOnes(explicit, models, p, false), lambda, p.resolved());
    }

    @Override
    public void merge(Tensor t, float[] out) {
        merge(t, out, null);
    }

    @Override
    public void merge(Tensor t, float[] out, WorkerPool pool) {
        taskVectors.sum(t, weights, lambda, TaskVectors.Survivors.ALL, out, pool);
    }
}
