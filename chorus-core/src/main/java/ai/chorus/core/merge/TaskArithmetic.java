package ai.chorus.core.merge;

import ai.chorus.engine.parallel.WorkerPool;
import java.util.List;
import java.util.Map;

/**
 * {@code task-arithmetic} (Ilharco et al. 2022): θ_0 + λ Σ_i w_i τ_i with τ_i = θ_i − θ_0. Defaults as
 * mergekit's: w_i = 1, λ = 1 — so with N experts λ = 1/N is the plain average; λ is best chosen on
 * validation data (0.1–1), and a negative weight subtracts a task.
 */
final class TaskArithmetic extends AbstractMergeMethod {
    /** λ, the scale of the summed task vectors; task-arithmetic, ties and dare share it. */
    static final MergeParameter LAMBDA = MergeParameter.number("lambda", 1.0, MergeParameter.Range.closed(-10, 10),
            "the scale of the merged task vector (θ_0 + λ · it)");
    static final MergeMethodSpec SPEC = new MergeMethodSpec("task-arithmetic", true,
            "the base plus the weighted sum of the task vectors θ_i − θ_0.", List.of(LAMBDA),
            (p, models, weights, shares) -> create(p, models, weights));
    private final double lambda;
    private final TaskVectors taskVectors;

    private TaskArithmetic(double[] weights, double lambda, Map<String, Object> parameters) {
        super(SPEC, weights, parameters);
        this.lambda = lambda;
        this.taskVectors = new TaskVectors(weights.length);
    }

    static TaskArithmetic create(MergeParameters p, int models, double[] explicit) {
        double lambda = p.number(LAMBDA);
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
