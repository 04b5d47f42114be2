package ai.chorus.core.cluster;

import ai.chorus.engine.InvalidInputException;

/**
 * What {@link ClusterStep} is asked to do. Field names follow the CLI flags they come from.
 *
 * @param experts K, the number of expert domains ({@code --experts})
 * @param fine M, the number of fine k-means clusters ({@code --fine}; 16 × experts by default)
 * @param seed seeds the projection, k-means++ and the coarse grouping ({@code --seed})
 * @param minShare lower bound on an expert's train-token share, as a fraction of the fair share 1/K ({@code --min-share})
 * @param maxShare upper bound, as a multiple of the fair share ({@code --max-share})
 * @param dims dense embedding width after the random projection
 * @param buckets hash buckets for word uni/bigrams
 * @param maxIterations Lloyd iterations at most for the fine k-means
 * @param threads worker threads; results do not depend on it
 */
public record ClusterOptions(int experts, int fine, long seed, double minShare, double maxShare, int dims,
                             int buckets, int maxIterations, int threads) {
    public static final double DEFAULT_MIN_SHARE = 0.5;
    public static final double DEFAULT_MAX_SHARE = 2.0;
    public static final int DEFAULT_MAX_ITERATIONS = 100;
    public static final int FINE_PER_EXPERT = 16;

    public ClusterOptions {
        if (experts < 1) {
            throw new InvalidInputException("--experts must be at least 1, got " + experts);
        }
        if (fine < experts) {
            throw new InvalidInputException("--fine " + fine + " is below --experts " + experts
                    + "; every expert needs at least one fine cluster, raise --fine (16 × experts is a good default)");
        }
        if (!(minShare >= 0 && minShare <= 1)) {
            throw new InvalidInputException("--min-share must be between 0 and 1 (a fraction of the fair share), got "
                    + minShare);
        }
        if (!(maxShare >= 1) || Double.isInfinite(maxShare)) {
            throw new InvalidInputException("--max-share must be a finite number of at least 1 (a multiple of the"
                    + " fair share), got " + maxShare);
        }
        if (dims < 1 || dims > 65536) {
            throw new InvalidInputException("the embedding width (dims) must be between 1 and 65536, got " + dims);
        }
        if (buckets < 1 || buckets > (1 << 26)) {
            throw new InvalidInputException("the hash bucket count must be between 1 and 2^26, got " + buckets);
        }
        if (maxIterations < 1) {
            throw new InvalidInputException("the k-means iteration limit must be at least 1, got " + maxIterations);
        }
        if (threads < 1) {
            throw new InvalidInputException("threads must be at least 1, got " + threads);
        }
    }

    /** The defaults for K experts: 16 × K fine clusters, seed 0, shares 0.5–2, 256 dims, 2^18 buckets. */
    public static ClusterOptions defaults(int experts) {
        return new ClusterOptions(experts, FINE_PER_EXPERT * Math.max(experts, 1), 0L, DEFAULT_MIN_SHARE,
                DEFAULT_MAX_SHARE, HashedTfIdf.DEFAULT_DIMS, HashedTfIdf.DEFAULT_BUCKETS, DEFAULT_MAX_ITERATIONS,
                Runtime.getRuntime().availableProcessors());
    }

    public ClusterOptions withFine(int newFine) {
        return new ClusterOptions(experts, newFine, seed, minShare, maxShare, dims, buckets, maxIterations, threads);
    }

    public ClusterOptions withSeed(long newSeed) {
        return new ClusterOptions(experts, fine, newSeed, minShare, maxShare, dims, buckets, maxIterations, threads);
    }

    public ClusterOptions withShares(double newMinShare, double newMaxShare) {
        return new ClusterOptions(experts, fine, seed, newMinShare, newMaxShare, dims, buckets, maxIterations, threads);
    }

    public ClusterOptions withDims(int newDims) {
        return new ClusterOptions(experts, fine, seed, minShare, maxShare, newDims, buckets, maxIterations, threads);
    }

    public ClusterOptions withBuckets(int newBuckets) {
        return new ClusterOptions(experts, fine, seed, minShare, maxShare, dims, newBuckets, maxIterations, threads);
    }

    public ClusterOptions withMaxIterations(int newMaxIterations) {
        return new ClusterOptions(experts, fine, seed, minShare, maxShare, dims, buckets, newMaxIterations, threads);
    }

    public ClusterOptions withThreads(int newThreads) {
        return new ClusterOptions(experts, fine, seed, minShare, maxShare, dims, buckets, maxIterations, newThreads);
    }
}
