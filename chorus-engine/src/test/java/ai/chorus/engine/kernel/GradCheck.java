package ai.chorus.engine.kernel;

import java.util.Random;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** Finite differences in double precision, against which the float backward kernels are checked. */
final class GradCheck {

    private GradCheck() {
    }

    /** ∂(Σ r⊙f(x))/∂x by central differences, in double. */
    static double[] numericGradient(Function<double[], double[]> f, double[] x, double[] r) {
        double h = 1e-6;
        double[] grad = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double keep = x[i];
            x[i] = keep + h;
            double plus = dot(f.apply(x), r);
            x[i] = keep - h;
            double minus = dot(f.apply(x), r);
            x[i] = keep;
            grad[i] = (plus - minus) / (2 * h);
        }
        return grad;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** Every element within {@code tol}·max|expected| (a normwise bound that a sign or index bug breaks). */
    static void assertClose(String what, float[] actual, int off, double[] expected, double tol) {
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        assertThat(scale).as(what + ": reference gradient is all zero").isGreaterThan(0);
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(actual[off + i] - expected[i]);
            assertThat(err).as("%s[%d]: actual %s, expected %s", what, i, actual[off + i], expected[i])
                    .isLessThanOrEqualTo(tol * scale);
        }
    }

    static void assertClose(String what, float[] actual, float[] expected, double tol) {
        double[] e = new double[expected.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = expected[i];
        }
        assertClose(what, actual, 0, e, tol);
    }

    static float[] randomFloats(Random random, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextGaussian() * scale);
        }
        return x;
    }

    static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }
}
