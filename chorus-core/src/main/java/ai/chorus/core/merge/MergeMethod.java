package ai.chorus.core.merge;

import ai.chorus.engine.parallel.WorkerPool;
import java.util.Map;

/**
 * One way of mixing models in parameter space, applied tensor by tensor. Each method is one small class
 * chosen by name in {@link MergeMethods} (as mergekit does it); the {@link MergeStep} streams the tensors
 * through it, so a method sees one tensor of every model at a time and never the whole models.
 */
public interface MergeMethod {

    /** Its name in recipes and on the command line, e.g. {@code ties}. */
    String name();

    /** True when it works on task vectors τ_i = θ_i − θ_0 and so needs the base model θ_0 (the seed). */
    boolean needsBase();

    /** Every parameter with the value in force (defaults filled in), as provenance records it. */
    Map<String, Object> parameters();

    /** The weight of each model in force (explicit, defaulted or derived), in model order. */
    double[] weights();

    /**
     * Merges one tensor of every model into {@code out[0, size)}. Reads {@code models} and {@code base},
     * never writes them; the arrays may be longer than {@code size}.
     */
    void merge(Tensor tensor, float[] out);

    /**
     * As {@link #merge(Tensor, float[])}, with the work split over {@code pool}'s threads where the method
     * allows it; the result is the same, bit for bit, whatever the number of threads. Methods whose work
     * does not split (slerp's norms) keep this default.
     */
    default void merge(Tensor tensor, float[] out, WorkerPool pool) {
        merge(tensor, out);
    }

    /**
     * One tensor of every input model: {@code models[i][0, size)} is model i's, {@code base} the base model's
     * (null for methods that need none). The name lets seeded methods draw the same numbers whatever order
     * the tensors come in.
     */
    record Tensor(String name, int size, float[][] models, float[] base) {}
}
