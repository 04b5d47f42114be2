package ai.chorus.core.merge;

import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.parallel.WorkerPool;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code average}: θ = Σ_i w_i θ_i with Σ w_i = 1 (BTM's merge, a model soup; mergekit's {@code linear}).
 * Weights are the recipe's own (normalised), or by {@code weighting}: {@code data} — each expert domain's
 * share of the training tokens, which is also the routers' prior — (the default) or {@code uniform}.
 */
final class Average extends AbstractMergeMethod {
    static final MergeParameter WEIGHTING = MergeParameter.choice("weighting", "data", List.of("data", "uniform"),
            "without per-model weights: each expert's share of the training tokens (data) or equal weights");
    static final MergeMethodSpec SPEC = new MergeMethodSpec("average", false,
            "the weighted mean of the models (a model soup; mergekit's linear).", List.of(WEIGHTING), Average::create);

    private Average(double[] weights, Map<String, Object> parameters) {
        super(SPEC, weights, parameters);
    }

    static Average create(MergeParameters p, int models, double[] explicit, Supplier<double[]> dataShares) {
        double[] w;
        if (explicit != null) {
            if (p.has(WEIGHTING)) {
                throw p.refuse(WEIGHTING, "cannot be given together with per-model weights; drop one of them");
            }
            w = explicit.clone();
        } else {
            String weighting = p.choice(WEIGHTING);
            w = weighting.equals("uniform") ? uniform(models) : dataShares.get();
        }
        p.requireNoOthers();
        return new Average(normalised(w, p.source()), p.resolved());
    }

    private static double[] uniform(int n) {
        double[] w = new double[n];
        Arrays.fill(w, 1.0);
        return w;
    }

    /** Weights scaled to sum to 1; each must be finite and non-negative, and one positive. */
    static double[] normalised(double[] w, String source) {
        double sum = 0;
        for (double x : w) {
            if (!(x >= 0) || Double.isInfinite(x)) {
                throw new InvalidInputException(source + ": weights of average must be finite and non-negative, got "
                        + Arrays.toString(w));
            }
            sum += x;
        }
        if (!(sum > 0)) {
            throw new InvalidInputException(source + ": weights of average are all zero; give at least one a weight");
        }
        double[] n = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            n[i] = w[i] / sum;
        }
        return n;
    }

    @Override
    public void merge(Tensor t, float[] out) {
        mix(t.models(), out, 0, t.size());
    }

    @Override
    public void merge(Tensor t, float[] out, WorkerPool pool) {
        if (pool == null) {
            merge(t, out);
            return;
        }
        int size = t.size();
        int blocks = (size + TaskVectors.BLOCK - 1) / TaskVectors.BLOCK;
        pool.run(blocks, (b, worker) -> mix(t.models(), out, b * TaskVectors.BLOCK,
                Math.min(size, (b + 1) * TaskVectors.BLOCK)));
    }

    /** out[j] = Σ_i w_i models[i][j] for j in [from, to), each entry on its own: blocks may run in any order. */
    private void mix(float[][] models, float[] out, int from, int to) {
        for (int j = from; j < to; j++) {
            double mixed = 0;
            for (int i = 0; i < models.length; i++) {
                mixed += weights[i] * models[i][j];
            }
            out[j] = (float) mixed;
        }
    }
}
