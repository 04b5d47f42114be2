package ai.chorus.core.cluster;

import ai.chorus.engine.kernel.Vec;
import ai.chorus.engine.parallel.WorkerPool;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SketchPcaTest {

    @Test
    void jacobiDiagonalisesASymmetricMatrix() {
        int n = 23;
        SplittableRandom r = new SplittableRandom(5);
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                a[i * n + j] = a[j * n + i] = r.nextGaussian();
            }
        }
        double[] original = a.clone();
        double[] v = new double[n * n];
        double[] values = SketchPca.jacobi(a, n, v);
        for (int e = 0; e < n; e++) { // A v_e = λ_e v_e, ‖v_e‖ = 1
            double norm = 0;
            for (int i = 0; i < n; i++) {
                double av = 0;
                for (int j = 0; j < n; j++) {
                    av += original[i * n + j] * v[j * n + e];
                }
                assertThat(av).isCloseTo(values[e] * v[i * n + e], within(1e-9));
                norm += v[i * n + e] * v[i * n + e];
            }
            assertThat(norm).isCloseTo(1.0, within(1e-9));
        }
    }

    @Test
    void findsThePlantedDirectionsInOrder() {
        // rows = 5·s1·u1 + 2·s2·u2 + small noise: the top two directions are ±u1, ±u2
        int rows = 3000;
        int width = 64;
        SplittableRandom r = new SplittableRandom(9);
        float[] u1 = new float[width];
        float[] u2 = new float[width];
        u1[3] = 0.6f;
        u1[10] = 0.8f;
        u2[20] = 1f;
        float[] z = new float[rows * width];
        for (int i = 0; i < rows; i++) {
            double s1 = r.nextGaussian() * 5;
            double s2 = r.nextGaussian() * 2;
            for (int j = 0; j < width; j++) {
                z[i * width + j] = (float) (s1 * u1[j] + s2 * u2[j] + 0.05 * r.nextGaussian());
            }
        }
        float[] top;
        try (WorkerPool w = new WorkerPool(2)) {
            top = SketchPca.topDirections(z, rows, width, 4, 1, w);
        }
        assertThat(Math.abs(Vec.rowDot(top, 0, u1, 0, width))).isCloseTo(1f, within(1e-3f));
        assertThat(Math.abs(Vec.rowDot(top, width, u2, 0, width))).isCloseTo(1f, within(1e-3f));
        for (int a = 0; a < 4; a++) {
            for (int b = 0; b < 4; b++) {
                assertThat(Vec.rowDot(top, a * width, top, b * width, width)).isCloseTo(a == b ? 1f : 0f, within(1e-4f));
            }
        }
    }
}
