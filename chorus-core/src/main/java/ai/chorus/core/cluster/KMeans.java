package ai.chorus.core.cluster;

import ai.chorus.core.util.Progress;
import ai.chorus.engine.kernel.Vec;
import ai.chorus.engine.parallel.WorkerPool;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Lloyd's k-means with greedy k-means++ seeding (Arthur & Vassilvitskii 2007, with scikit-learn's
 * 2 + ⌊ln k⌋ local trials per centre) on dense row-major float vectors.
 *
 * <p>Deterministic for a seed, and identical for any thread count: rows are cut into fixed blocks
 * of {@value #BLOCK} whose partial sums are combined in block order, and centroid sums are split
 * by dimension so each sum is accumulated over rows in row order by exactly one thread. Stops after
 * {@code maxIterations} updates or when no label changes. An empty cluster is re-seeded with the row
 * farthest from its centre (lowest index on ties), as scikit-learn does.
 */
final class KMeans {
    static final int BLOCK = 256;

    /**
     * @param centroids k × d, row-major
     * @param labels the nearest centroid of every row (lowest index on ties)
     * @param inertia Σ squared distance of every row to its centroid
     * @param iterations centroid updates made
     * @param converged whether the last update changed no label
     */
    record Result(float[] centroids, int[] labels, double inertia, int iterations, boolean converged) {}

    private KMeans() {}

    static Result fit(float[] x, int n, int d, int k, int maxIterations, long seed, WorkerPool workers, Progress progress) {
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("k must be in 1.." + n + ": " + k);
        }
        float[] rowNorms = squaredNorms(x, n, d);
        float[] centroids;
        try (Progress.Task task = progress.start("k-means++ seeding", k, "centres")) {
            centroids = seedPlusPlus(x, rowNorms, n, d, k, new SplittableRandom(seed), workers, task);
        }
        int[] labels = new int[n];
        Arrays.fill(labels, -1);
        float[] distances = new float[n];
        double[] sums = new double[k * d];
        int[] counts = new int[k];
        double inertia = assign(x, rowNorms, n, d, centroids, k, labels, distances, workers)[0];
        int iterations = 0;
        boolean converged = false;
        try (Progress.Task task = progress.start("k-means", maxIterations, "iterations")) {
            while (iterations < maxIterations) {
                update(x, n, d, k, labels, distances, centroids, sums, counts, workers);
                iterations++;
                double[] r = assign(x, rowNorms, n, d, centroids, k, labels, distances, workers);
                inertia = r[0];
                task.advance(1);
                task.status(String.format("inertia %.4g, %d changed", inertia, (long) r[1]));
                if (r[1] == 0) {
                    converged = true;
                    break;
                }
            }
        }
        return new Result(centroids, labels, inertia, iterations, converged);
    }

    /**
     * Labels every row with its nearest centroid, writing the squared distance too. Returns
     * {inertia, number of labels that changed}.
     */
    static double[] assign(float[] x, float[] rowNorms, int n, int d, float[] centroids, int k,
                           int[] labels, float[] distances, WorkerPool workers) {
        float[] centroidNorms = squaredNorms(centroids, k, d);
        int blocks = (n + BLOCK - 1) / BLOCK;
        double[] blockInertia = new double[blocks];
        int[] blockChanges = new int[blocks];
        float[][] scratch = new float[workers.threads()][BLOCK * k];
        workers.run(blocks, (b, worker) -> {
            float[] dots = scratch[worker];
            int r0 = b * BLOCK;
            int rows = Math.min(BLOCK, n - r0);
            Vec.rowDots(x, r0, rows, centroids, k, d, dots, 0);
            double inertia = 0;
            int changes = 0;
            for (int r = 0; r < rows; r++) {
                int best = 0;
                float bestDistance = Float.POSITIVE_INFINITY;
                float rowNorm = rowNorms[r0 + r];
                for (int j = 0; j < k; j++) {
                    float dist = rowNorm + centroidNorms[j] - 2f * dots[r * k + j];
                    if (dist < bestDistance) {
                        bestDistance = dist;
                        best = j;
                    }
                }
                bestDistance = Math.max(bestDistance, 0f);
                if (labels[r0 + r] != best) {
                    labels[r0 + r] = best;
                    changes++;
                }
                distances[r0 + r] = bestDistance;
                inertia += bestDistance;
            }
            blockInertia[b] = inertia;
            blockChanges[b] = changes;
        });
        double inertia = 0;
        long changes = 0;
        for (int b = 0; b < blocks; b++) {
            inertia += blockInertia[b];
            changes += blockChanges[b];
        }
        return new double[] {inertia, changes};
    }

    /** Centroid = mean of its rows; empty clusters take the farthest rows. */
    private static void update(float[] x, int n, int d, int k, int[] labels, float[] distances, float[] centroids,
                               double[] sums, int[] counts, WorkerPool workers) {
        Arrays.fill(counts, 0);
        for (int i = 0; i < n; i++) {
            counts[labels[i]]++;
        }
        Arrays.fill(sums, 0);
        int slices = workers.threads();
        workers.run(slices, (s, worker) -> {
            int from = s * d / slices;
            int to = (s + 1) * d / slices;
            for (int i = 0; i < n; i++) {
                int base = labels[i] * d;
                int row = i * d;
                for (int j = from; j < to; j++) {
                    sums[base + j] += x[row + j];
                }
            }
        });
        for (int c = 0; c < k; c++) {
            if (counts[c] == 0) {
                int far = farthestRow(distances, n);
                distances[far] = -1f; // never pick the same row twice
                System.arraycopy(x, far * d, centroids, c * d, d);
                continue;
            }
            double inv = 1.0 / counts[c];
            for (int j = 0; j < d; j++) {
                centroids[c * d + j] = (float) (sums[c * d + j] * inv);
            }
        }
    }

    private static int farthestRow(float[] distances, int n) {
        int far = 0;
        for (int i = 1; i < n; i++) {
            if (distances[i] > distances[far]) {
                far = i;
            }
        }
        return far;
    }

    private static float[] seedPlusPlus(float[] x, float[] rowNorms, int n, int d, int k, SplittableRandom random,
                                        WorkerPool workers, Progress.Task task) {
        float[] centroids = new float[k * d];
        int trials = 2 + (int) Math.log(k);
        int first = random.nextInt(n);
        System.arraycopy(x, first * d, centroids, 0, d);
        float[] closest = new float[n];
        Arrays.fill(closest, Float.POSITIVE_INFINITY);
        int blocks = (n + BLOCK - 1) / BLOCK;
        distancesTo(x, rowNorms, n, d, centroids, 0, 1, closest, null, blocks, workers);
        double potential = sum(closest);
        double[] cumulative = new double[n];
        float[] candidates = new float[trials * d];
        int[] candidateRows = new int[trials];
        double[] blockPotentials = new double[blocks * trials];
        task.advance(1);
        for (int c = 1; c < k; c++) {
            double running = 0;
            for (int i = 0; i < n; i++) {
                running += closest[i];
                cumulative[i] = running;
            }
            for (int t = 0; t < trials; t++) {
                double target = random.nextDouble() * potential;
                int row = lowerBound(cumulative, target);
                candidateRows[t] = Math.min(row, n - 1);
                System.arraycopy(x, candidateRows[t] * d, candidates, t * d, d);
            }
            distancesTo(x, rowNorms, n, d, candidates, 0, trials, closest, blockPotentials, blocks, workers);
            int best = 0;
            double bestPotential = Double.POSITIVE_INFINITY;
            for (int t = 0; t < trials; t++) {
                double p = 0;
                for (int b = 0; b < blocks; b++) {
                    p += blockPotentials[b * trials + t];
                }
                if (p < bestPotential) {
                    bestPotential = p;
                    best = t;
                }
            }
            System.arraycopy(candidates, best * d, centroids, c * d, d);
            // closest := min(closest, distance to the chosen candidate)
            distancesTo(x, rowNorms, n, d, candidates, best, 1, closest, null, blocks, workers);
            potential = sum(closest);
            task.advance(1);
        }
        return centroids;
    }

    /**
     * For the {@code count} centres starting at {@code first} in {@code centres}: if
     * {@code potentials} is null, lowers {@code closest[i]} to the distance to the nearest of them;
     * otherwise leaves {@code closest} alone and writes, per block and centre,
     * Σ_i min(closest[i], dist(i, centre)) into {@code potentials[block * count + centre]}.
     */
    private static void distancesTo(float[] x, float[] rowNorms, int n, int d, float[] centres, int first, int count,
                                    float[] closest, double[] potentials, int blocks, WorkerPool workers) {
        float[] chosen = Arrays.copyOfRange(centres, first * d, (first + count) * d);
        float[] centreNorms = squaredNorms(chosen, count, d);
        float[][] scratch = new float[workers.threads()][BLOCK * count];
        workers.run(blocks, (b, worker) -> {
            float[] dots = scratch[worker];
            int r0 = b * BLOCK;
            int rows = Math.min(BLOCK, n - r0);
            Vec.rowDots(x, r0, rows, chosen, count, d, dots, 0);
            if (potentials == null) {
                for (int r = 0; r < rows; r++) {
                    float best = closest[r0 + r];
                    for (int j = 0; j < count; j++) {
                        float dist = Math.max(0f, rowNorms[r0 + r] + centreNorms[j] - 2f * dots[r * count + j]);
                        if (dist < best) {
                            best = dist;
                        }
                    }
                    closest[r0 + r] = best;
                }
            } else {
                for (int j = 0; j < count; j++) {
                    double p = 0;
                    for (int r = 0; r < rows; r++) {
                        float dist = Math.max(0f, rowNorms[r0 + r] + centreNorms[j] - 2f * dots[r * count + j]);
                        p += Math.min(dist, closest[r0 + r]);
                    }
                    potentials[b * count + j] = p;
                }
            }
        });
    }

    private static int lowerBound(double[] sorted, double target) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < target) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static double sum(float[] values) {
        double s = 0;
        for (float v : values) {
            s += v;
        }
        return s;
    }

    static float[] squaredNorms(float[] x, int n, int d) {
        float[] norms = new float[n];
        for (int i = 0; i < n; i++) {
            norms[i] = Vec.rowDot(x, i * d, x, i * d, d);
        }
        return norms;
    }
}
