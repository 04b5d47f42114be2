package ai.chorus.core.cluster;

import ai.chorus.engine.kernel.Vec;
import ai.chorus.engine.parallel.WorkerPool;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The leading eigenvectors of the (uncentred) second-moment matrix of a sample of sketched
 * documents — a truncated SVD of the sample, as c-BTM reduces its TF-IDF vectors. Block subspace
 * iteration with {@value #OVERSAMPLE} extra vectors and {@value #POWER_ITERATIONS} power steps
 * (Halko, Martinsson & Tropp 2011), then Rayleigh–Ritz with cyclic Jacobi on the small projected
 * matrix. Deterministic for a seed and any thread count.
 */
final class SketchPca {
    static final int OVERSAMPLE = 16;
    static final int POWER_ITERATIONS = 4;
    private static final int ROW_CHUNK = 16;

    private SketchPca() {}

    /**
     * @param z the sample, {@code rows × width}, row-major
     * @return {@code k × width}, row-major: orthonormal directions by decreasing variance
     */
    static float[] topDirections(float[] z, int rows, int width, int k, long seed, WorkerPool workers) {
        float[] zt = transpose(z, rows, width);
        float[] moment = new float[width * width];
        multiplyTransposed(zt, width, moment, zt, width, rows, workers);
        int l = Math.min(width, k + OVERSAMPLE);
        float[] q = new float[l * width];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) random.nextGaussian();
        }
        orthonormaliseRows(q, l, width);
        float[] y = new float[l * width];
        for (int it = 0; it < POWER_ITERATIONS; it++) {
            multiplyTransposed(q, l, y, moment, width, width, workers); // (M Q)ᵀ = Qᵀ M, M symmetric
            System.arraycopy(y, 0, q, 0, q.length);
            orthonormaliseRows(q, l, width);
        }
        multiplyTransposed(q, l, y, moment, width, width, workers);
        float[] small = new float[l * l];
        multiplyTransposed(y, l, small, q, l, width, workers); // Qᵀ M Q
        double[] t = new double[l * l];
        for (int i = 0; i < l; i++) {
            for (int j = 0; j < l; j++) {
                t[i * l + j] = 0.5 * ((double) small[i * l + j] + small[j * l + i]);
            }
        }
        double[] vectors = new double[l * l];
        double[] values = jacobi(t, l, vectors);
        Integer[] order = new Integer[l];
        for (int i = 0; i < l; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> values[a] != values[b] ? Double.compare(values[b], values[a])
                : Integer.compare(a, b));
        float[] out = new float[k * width];
        for (int r = 0; r < Math.min(k, l); r++) {
            int e = order[r];
            double[] v = new double[width];
            for (int j = 0; j < l; j++) {
                double u = vectors[j * l + e];
                for (int c = 0; c < width; c++) {
                    v[c] += u * q[j * width + c];
                }
            }
            int largest = 0;
            for (int c = 1; c < width; c++) {
                if (Math.abs(v[c]) > Math.abs(v[largest])) {
                    largest = c;
                }
            }
            double sign = v[largest] < 0 ? -1 : 1; // a fixed sign makes the basis reproducible across tools
            for (int c = 0; c < width; c++) {
                out[r * width + c] = (float) (sign * v[c]);
            }
        }
        return out;
    }

    /** out (aRows × bRows) = A Bᵀ for row-major A (aRows × inner) and B (bRows × inner). */
    private static void multiplyTransposed(float[] a, int aRows, float[] out, float[] b, int bRows, int inner,
                                           WorkerPool workers) {
        int chunks = (aRows + ROW_CHUNK - 1) / ROW_CHUNK;
        float[][] scratch = new float[workers.threads()][ROW_CHUNK * bRows];
        workers.run(chunks, (c, worker) -> {
            int r0 = c * ROW_CHUNK;
            int rows = Math.min(ROW_CHUNK, aRows - r0);
            float[] part = scratch[worker];
            Vec.rowDots(a, r0, rows, b, bRows, inner, part, 0);
            System.arraycopy(part, 0, out, r0 * bRows, rows * bRows);
        });
    }

    private static float[] transpose(float[] x, int rows, int cols) {
        float[] t = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = x[i * cols + j];
            }
        }
        return t;
    }

    /** Modified Gram–Schmidt over rows, twice for stability; a vanishing row becomes zero. */
    static void orthonormaliseRows(float[] q, int rows, int width) {
        double[] row = new double[width];
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < width; c++) {
                row[c] = q[i * width + c];
            }
            for (int pass = 0; pass < 2; pass++) {
                for (int j = 0; j < i; j++) {
                    double dot = 0;
                    for (int c = 0; c < width; c++) {
                        dot += row[c] * q[j * width + c];
                    }
                    for (int c = 0; c < width; c++) {
                        row[c] -= dot * q[j * width + c];
                    }
                }
            }
            double norm = 0;
            for (double v : row) {
                norm += v * v;
            }
            double scale = norm > 1e-30 ? 1 / Math.sqrt(norm) : 0;
            for (int c = 0; c < width; c++) {
                q[i * width + c] = (float) (row[c] * scale);
            }
        }
    }

    /**
     * Cyclic Jacobi eigen-decomposition of the symmetric n × n matrix {@code a} (destroyed).
     * Returns the eigenvalues; column e of {@code vectors} is the eigenvector of value e.
     */
    static double[] jacobi(double[] a, int n, double[] vectors) {
        Arrays.fill(vectors, 0);
        for (int i = 0; i < n; i++) {
            vectors[i * n + i] = 1;
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            double diag = 0;
            for (int i = 0; i < n; i++) {
                diag += a[i * n + i] * a[i * n + i];
                for (int j = i + 1; j < n; j++) {
                    off += a[i * n + j] * a[i * n + j];
                }
            }
            if (off <= 1e-22 * diag || off == 0) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int r = p + 1; r < n; r++) {
                    double apr = a[p * n + r];
                    if (Math.abs(apr) < 1e-300) {
                        continue;
                    }
                    double theta = (a[r * n + r] - a[p * n + p]) / (2 * apr);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int i = 0; i < n; i++) { // columns p, r
                        double aip = a[i * n + p];
                        double air = a[i * n + r];
                        a[i * n + p] = c * aip - s * air;
                        a[i * n + r] = s * aip + c * air;
                    }
                    for (int i = 0; i < n; i++) { // rows p, r
                        double api = a[p * n + i];
                        double ari = a[r * n + i];
                        a[p * n + i] = c * api - s * ari;
                        a[r * n + i] = s * api + c * ari;
                    }
                    for (int i = 0; i < n; i++) {
                        double vip = vectors[i * n + p];
                        double vir = vectors[i * n + r];
                        vectors[i * n + p] = c * vip - s * vir;
                        vectors[i * n + r] = s * vip + c * vir;
                    }
                }
            }
        }
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = a[i * n + i];
        }
        return values;
    }
}
