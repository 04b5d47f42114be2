package ai.chorus.core.merge;

import ai.chorus.engine.kernel.Vec;
import ai.chorus.engine.parallel.WorkerPool;

/**
 * The two ways task-vector methods combine what survives of each τ_i = θ_i − θ_0: a plain weighted sum
 * (task arithmetic, DARE) or TIES's sign election with a disjoint mean (TIES, DARE + TIES).
 *
 * <p>τ is never stored whole: a tensor is merged in blocks of {@value #BLOCK} entries, for which each
 * model's surviving, weighted entries w_i · s · τ_i are first computed into a small scratch row (a tight
 * loop of the method's own {@link Survivors}), then combined. Entries are computed in double, where the
 * difference of two floats is exact, so merging leaves every input untouched. Blocks are independent, so
 * with a {@link WorkerPool} they run on its threads, each with scratch rows of its own; every entry is
 * computed the same way whichever thread takes its block.
 */
final class TaskVectors {
    static final int BLOCK = 2048;
    private final int models;
    /**
     * Scratch rows per thread: kept[worker][model][j − from], then two rows for TIES's combine: λ · the
     * agreeing mean, and the agreeing weight.
     */
    private double[][][] kept;

    /** Scratch for {@code models} models; one instance per method, used by one merge at a time. */
    TaskVectors(int models) {
        this.models = models;
        this.kept = new double[1][models + 2][BLOCK];
    }

    /** One block [from, to) of a tensor, merged with one thread's scratch rows. */
    @FunctionalInterface
    private interface Block {
        void merge(int from, int to, double[][] kept);
    }

    /**
     * Runs {@code block} over the tensor's blocks, each after the models' surviving, weighted entries of the
     * block are in {@code kept[0, models)}: in order on this thread without a pool, else on the pool.
     */
    private void forEachKeptBlock(MergeMethod.Tensor t, double[] weights, Survivors survivors, WorkerPool pool,
                                  Block block) {
        float[][] thetas = t.models();
        float[] base = t.base();
        int size = t.size();
        Block keepThenMerge = (from, to, rows) -> {
            for (int i = 0; i < thetas.length; i++) {
                survivors.keep(i, thetas[i], base, from, to, weights[i], rows[i]);
            }
            block.merge(from, to, rows);
        };
        int blocks = (size + BLOCK - 1) / BLOCK;
        if (pool == null) {
            for (int b = 0; b < blocks; b++) {
                keepThenMerge.merge(b * BLOCK, Math.min(size, (b + 1) * BLOCK), kept[0]);
            }
            return;
        }
        if (kept.length < pool.threads()) {
            kept = new double[pool.threads()][models + 2][BLOCK];
        }
        double[][][] scratch = kept;
        pool.run(blocks, (b, worker) -> keepThenMerge.merge(b * BLOCK, Math.min(size, (b + 1) * BLOCK), scratch[worker]));
    }

    /** Which entries of a task vector survive sparsification, and how they are scaled. */
    @FunctionalInterface
    interface Survivors {
        /**
         * Writes w · s_j · (θ[j] − θ_0[j]) into {@code kept[j − from]} for j in [from, to), s_j being the
         * scale of entry j of model {@code model} (0 when dropped).
         */
        void keep(int model, float[] theta, float[] base, int from, int to, double weight, double[] kept);

        /** No sparsification: every entry at scale 1. */
        Survivors ALL = (model, theta, base, from, to, weight, kept) -> {
            for (int j = from; j < to; j++) {
                kept[j - from] = weight * ((double) theta[j] - base[j]);
            }
        };
    }

    // Branch-free selection: keep decisions and signs are coin flips, which a branch predictor loses (TIES
    // ran three times slower with branches). A mask is all ones to keep a value, zero to drop it.

    /** All ones when {@code a >= b}, else zero; for non-negative ints. */
    static long atLeast(int a, int b) {
        return (b - 1 - a) >> 31;
    }

    /** All ones when {@code a >= b}, else zero; for non-negative longs. */
    static long atLeast(long a, long b) {
        return (b - 1 - a) >> 63;
    }

    /** All ones unless the double with these bits is ±0. */
    static long nonZero(long bits) {
        return -(((bits & Long.MAX_VALUE) + Long.MAX_VALUE) >>> 63);
    }

    /** The double with these bits where the mask is all ones, else +0. */
    static double select(long bits, long mask) {
        return Double.longBitsToDouble(bits & mask);
    }

    /** θ_0 + λ Σ_i w_i s_i τ_i. */
    void sum(MergeMethod.Tensor t, double[] weights, double lambda, Survivors survivors, float[] out,
             WorkerPool pool) {
        float[] base = t.base();
        int n = t.models().length;
        forEachKeptBlock(t, weights, survivors, pool, (from, to, kept) -> {
            for (int j = from; j < to; j++) {
                double mixed = 0;
                for (int i = 0; i < n; i++) {
                    mixed += kept[i][j - from];
                }
                out[j] = (float) (base[j] + lambda * mixed);
            }
        });
    }

    /**
     * TIES's merge of the surviving entries: per parameter, the sign of Σ_i w_i τ̂_i is elected, and the
     * weighted mean is taken over the non-zero τ̂_i that agree with it; θ_0 + λ · that mean. As mergekit
     * does: a sum of exactly 0 elects +.
     */
    void electSignAndAverage(MergeMethod.Tensor t, double[] weights, double lambda, Survivors survivors, float[] out,
                             WorkerPool pool) {
        float[] base = t.base();
        int n = t.models().length;
        forEachKeptBlock(t, weights, survivors, pool, (from, to, kept) -> {
            double[] scaledMean = kept[n];
            double[] agreeingWeight = kept[n + 1];
            Vec.signElectedMean(kept, n, to - from, weights, lambda, scaledMean, agreeingWeight);
            for (int j = from; j < to; j++) {
                // base[j] where nothing agrees (about half the entries at TIES's density: a coin flip, so no branch)
                int merged = Float.floatToRawIntBits((float) (base[j] + scaledMean[j - from]));
                int mask = (int) nonZero(Double.doubleToRawLongBits(agreeingWeight[j - from]));
                out[j] = Float.intBitsToFloat(merged & mask | Float.floatToRawIntBits(base[j]) & ~mask);
            }
        });
    }
}
