package ai.chorus.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Small vector helpers shared by the kernels: one place for the species and the loop-bound idiom. */
final class Vec {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int VL = SPECIES.length();

    private Vec() {
    }

    /** dst[dOff + i] += src[sOff + i] for i < n. */
    static void addInto(float[] dst, int dOff, float[] src, int sOff, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += VL) {
            FloatVector.fromArray(SPECIES, dst, dOff + i).add(FloatVector.fromArray(SPECIES, src, sOff + i))
                    .intoArray(dst, dOff + i);
        }
        for (; i < n; i++) {
            dst[dOff + i] += src[sOff + i];
        }
    }

    /** Σ x[i]² for i < n with four accumulators. */
    static float sumOfSquares(float[] x, int off, int n) {
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (int bound = n - 4 * VL; i <= bound; i += 4 * VL) {
            FloatVector a = FloatVector.fromArray(SPECIES, x, off + i);
            FloatVector b = FloatVector.fromArray(SPECIES, x, off + i + VL);
            FloatVector c = FloatVector.fromArray(SPECIES, x, off + i + 2 * VL);
            FloatVector d = FloatVector.fromArray(SPECIES, x, off + i + 3 * VL);
            s0 = a.fma(a, s0); s1 = b.fma(b, s1); s2 = c.fma(c, s2); s3 = d.fma(d, s3);
        }
        for (int bound = SPECIES.loopBound(n); i < bound; i += VL) {
            FloatVector a = FloatVector.fromArray(SPECIES, x, off + i);
            s0 = a.fma(a, s0);
        }
        float sum = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += x[off + i] * x[off + i];
        }
        return sum;
    }

    /** Σ a[i]·b[i] for i < n with four accumulators. */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (int bound = n - 4 * VL; i <= bound; i += 4 * VL) {
            s0 = FloatVector.fromArray(SPECIES, a, aOff + i).fma(FloatVector.fromArray(SPECIES, b, bOff + i), s0);
            s1 = FloatVector.fromArray(SPECIES, a, aOff + i + VL).fma(FloatVector.fromArray(SPECIES, b, bOff + i + VL), s1);
            s2 = FloatVector.fromArray(SPECIES, a, aOff + i + 2 * VL)
                    .fma(FloatVector.fromArray(SPECIES, b, bOff + i + 2 * VL), s2);
            s3 = FloatVector.fromArray(SPECIES, a, aOff + i + 3 * VL)
                    .fma(FloatVector.fromArray(SPECIES, b, bOff + i + 3 * VL), s3);
        }
        for (int bound = SPECIES.loopBound(n); i < bound; i += VL) {
            s0 = FloatVector.fromArray(SPECIES, a, aOff + i).fma(FloatVector.fromArray(SPECIES, b, bOff + i), s0);
        }
        float sum = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }
}
