package ai.chorus.core.cluster;

import ai.chorus.core.util.Progress;
import ai.chorus.engine.parallel.WorkerPool;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class KMeansTest {

    /** n points around k well separated centres in d dims; returns the points, row-major. */
    private static float[] blobs(int n, int d, int k, long seed, int[] truth) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] centres = new float[k * d];
        for (int i = 0; i < centres.length; i++) {
            centres[i] = (float) (r.nextGaussian() * 10);
        }
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) {
            int c = i % k;
            truth[i] = c;
            for (int j = 0; j < d; j++) {
                x[i * d + j] = centres[c * d + j] + (float) r.nextGaussian();
            }
        }
        return x;
    }

    private static KMeans.Result fit(float[] x, int n, int d, int k, int iterations, long seed, int threads) {
        try (WorkerPool w = new WorkerPool(threads)) {
            return KMeans.fit(x, n, d, k, iterations, seed, w, Progress.NONE);
        }
    }

    @Test
    void findsSeparatedBlobsExactly() {
        int n = 2000;
        int d = 37; // not a multiple of the vector width: exercises the scalar tails
        int[] truth = new int[n];
        float[] x = blobs(n, d, 6, 1, truth);
        KMeans.Result r = fit(x, n, d, 6, 100, 5, 2);
        assertThat(r.converged()).isTrue();
        assertThat(ClusterMetrics.nmi(r.labels(), truth)).isEqualTo(1.0, Offset.offset(1e-12));
    }

    @Test
    void resultsAreBitIdenticalForOneAndTwoThreads() {
        int n = 3001;
        int d = 64;
        int[] truth = new int[n];
        float[] x = blobs(n, d, 20, 2, truth);
        KMeans.Result one = fit(x, n, d, 24, 15, 9, 1);
        KMeans.Result two = fit(x, n, d, 24, 15, 9, 2);
        assertThat(two.centroids()).containsExactly(one.centroids());
        assertThat(two.labels()).containsExactly(one.labels());
        assertThat(two.inertia()).isEqualTo(one.inertia());
    }

    @Test
    void inertiaNeverIncreasesWithMoreIterations() {
        int n = 1500;
        int d = 16;
        int[] truth = new int[n];
        float[] x = blobs(n, d, 30, 3, truth);
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < x.length; i++) {
            x[i] += (float) (r.nextGaussian() * 8); // blur the blobs so Lloyd needs many steps
        }
        double previous = Double.POSITIVE_INFINITY;
        for (int it = 1; it <= 8; it++) {
            double inertia = fit(x, n, d, 12, it, 11, 2).inertia();
            assertThat(inertia).isLessThanOrEqualTo(previous * (1 + 1e-6));
            previous = inertia;
        }
    }

    @Test
    void emptyClustersAreReseededDeterministically() {
        // 200 points with only 3 distinct values and k = 5: duplicates force empty clusters
        int n = 200;
        int d = 8;
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) {
            x[i * d + (i % 3)] = 1f;
        }
        KMeans.Result a = fit(x, n, d, 5, 20, 1, 2);
        KMeans.Result b = fit(x, n, d, 5, 20, 1, 1);
        assertThat(a.labels()).containsExactly(b.labels());
        assertThat(a.centroids()).containsExactly(b.centroids());
        assertThat(a.inertia()).isEqualTo(0.0);
        assertThat(Arrays.stream(a.labels()).distinct().count()).isEqualTo(3);
    }
}
