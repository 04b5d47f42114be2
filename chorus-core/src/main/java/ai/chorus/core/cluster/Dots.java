package ai.chorus.core.cluster;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dot products between a block of row vectors and a set of centres, the inner loop of k-means.
 * Four rows against four centres at a time (16 accumulators) so every loaded vector feeds four
 * FMAs. The result for a (row, centre) pair does not depend on how rows are grouped into blocks:
 * each dot is accumulated lane-wise in the same order and reduced the same way, so it is identical
 * on any thread count.
 */
final class Dots {
    private Dots() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /**
     * For rows {@code r0 .. r0+rows} of {@code x} (row-major, {@code d} wide) and the {@code k}
     * centres in {@code c}: {@code out[(r - r0) * k + j] = x[r] · c[j]}.
     */
    static void dots(float[] x, int r0, int rows, float[] c, int k, int d, float[] out) {
        dots(x, r0, rows, c, k, d, out, 0);
    }

    /** As {@link #dots(float[], int, int, float[], int, int, float[])}, writing from {@code out[o]} on. */
    static void dots(float[] x, int r0, int rows, float[] c, int k, int d, float[] out, int o) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int j = 0;
            for (; j + 4 <= k; j += 4) {
                dot4x4(x, (r0 + r) * d, c, j * d, d, out, o + r * k + j, k);
            }
            for (; j < k; j++) {
                for (int q = 0; q < 4; q++) {
                    out[o + (r + q) * k + j] = dot(x, (r0 + r + q) * d, c, j * d, d);
                }
            }
        }
        for (; r < rows; r++) {
            for (int j = 0; j < k; j++) {
                out[o + r * k + j] = dot(x, (r0 + r) * d, c, j * d, d);
            }
        }
    }

    /** One dot product, accumulated exactly as {@link #dot4x4} accumulates each of its sixteen. */
    static float dot(float[] a, int ao, float[] b, int bo, int d) {
        int bound = S.loopBound(d);
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i < bound; i += S.length()) {
            acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < d; i++) {
            sum = Math.fma(a[ao + i], b[bo + i], sum);
        }
        return sum;
    }

    private static void dot4x4(float[] x, int xo, float[] c, int co, int d, float[] out, int oo, int k) {
        int bound = S.loopBound(d);
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int i = 0;
        for (; i < bound; i += S.length()) {
            FloatVector c0 = FloatVector.fromArray(S, c, co + i);
            FloatVector c1 = FloatVector.fromArray(S, c, co + d + i);
            FloatVector c2 = FloatVector.fromArray(S, c, co + 2 * d + i);
            FloatVector c3 = FloatVector.fromArray(S, c, co + 3 * d + i);
            FloatVector x0 = FloatVector.fromArray(S, x, xo + i);
            a00 = x0.fma(c0, a00);
            a01 = x0.fma(c1, a01);
            a02 = x0.fma(c2, a02);
            a03 = x0.fma(c3, a03);
            FloatVector x1 = FloatVector.fromArray(S, x, xo + d + i);
            a10 = x1.fma(c0, a10);
            a11 = x1.fma(c1, a11);
            a12 = x1.fma(c2, a12);
            a13 = x1.fma(c3, a13);
            FloatVector x2 = FloatVector.fromArray(S, x, xo + 2 * d + i);
            a20 = x2.fma(c0, a20);
            a21 = x2.fma(c1, a21);
            a22 = x2.fma(c2, a22);
            a23 = x2.fma(c3, a23);
            FloatVector x3 = FloatVector.fromArray(S, x, xo + 3 * d + i);
            a30 = x3.fma(c0, a30);
            a31 = x3.fma(c1, a31);
            a32 = x3.fma(c2, a32);
            a33 = x3.fma(c3, a33);
        }
        out[oo] = finish(a00, x, xo, c, co, i, d);
        out[oo + 1] = finish(a01, x, xo, c, co + d, i, d);
        out[oo + 2] = finish(a02, x, xo, c, co + 2 * d, i, d);
        out[oo + 3] = finish(a03, x, xo, c, co + 3 * d, i, d);
        out[oo + k] = finish(a10, x, xo + d, c, co, i, d);
        out[oo + k + 1] = finish(a11, x, xo + d, c, co + d, i, d);
        out[oo + k + 2] = finish(a12, x, xo + d, c, co + 2 * d, i, d);
        out[oo + k + 3] = finish(a13, x, xo + d, c, co + 3 * d, i, d);
        out[oo + 2 * k] = finish(a20, x, xo + 2 * d, c, co, i, d);
        out[oo + 2 * k + 1] = finish(a21, x, xo + 2 * d, c, co + d, i, d);
        out[oo + 2 * k + 2] = finish(a22, x, xo + 2 * d, c, co + 2 * d, i, d);
        out[oo + 2 * k + 3] = finish(a23, x, xo + 2 * d, c, co + 3 * d, i, d);
        out[oo + 3 * k] = finish(a30, x, xo + 3 * d, c, co, i, d);
        out[oo + 3 * k + 1] = finish(a31, x, xo + 3 * d, c, co + d, i, d);
        out[oo + 3 * k + 2] = finish(a32, x, xo + 3 * d, c, co + 2 * d, i, d);
        out[oo + 3 * k + 3] = finish(a33, x, xo + 3 * d, c, co + 3 * d, i, d);
    }

    private static float finish(FloatVector acc, float[] a, int ao, float[] b, int bo, int from, int d) {
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (int i = from; i < d; i++) {
            sum = Math.fma(a[ao + i], b[bo + i], sum);
        }
        return sum;
    }
}
