package ai.chorus.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Small vector helpers shared by the kernels: one place for the species and the loop-bound idiom.
 *
 * <p>Determinism: {@code lanewise(EXP)} and float {@code reduceLanes(ADD)} may give different bits in
 * the interpreter and in C2 (SVML, reordered reductions), so results would depend on JIT timing.
 * Everything here uses only exactly-rounded operations (+, ×, fma, conversions) in a fixed order.
 */
final class Vec {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int VL = SPECIES.length();

    private Vec() {
    }

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND_MAGIC = 12582912f; // 1.5·2²³: adding it rounds to an integer
    private static final float EXP_MIN = -87.3f;
    private static final float EXP_MAX = 88.0f; // n = 127 at most: 2ⁿ stays finite

    /** e^x per lane (Cephes expf polynomial, ~1 ulp); inputs clamped to [-87.3, 88]. */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_MIN).min(EXP_MAX);
        // t = x·log2e + 1.5·2²³ rounds n into t's low mantissa bits: bits(t) = 0x4B400000 + n
        FloatVector t = xc.fma(FloatVector.broadcast(SPECIES, LOG2E), FloatVector.broadcast(SPECIES, ROUND_MAGIC));
        FloatVector n = t.sub(ROUND_MAGIC);
        FloatVector r = n.fma(FloatVector.broadcast(SPECIES, -LN2_HI), xc);
        r = n.fma(FloatVector.broadcast(SPECIES, -LN2_LO), r);
        FloatVector p = r.fma(FloatVector.broadcast(SPECIES, 1.9875691500e-4f), FloatVector.broadcast(SPECIES, 1.3981999507e-3f));
        p = p.fma(r, FloatVector.broadcast(SPECIES, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(SPECIES, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(SPECIES, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(SPECIES, 5.0000001201e-1f));
        p = p.fma(r.mul(r), r).add(1f);
        IntVector bits = t.viewAsIntegralLanes().sub(0x4B400000 - 127).lanewise(VectorOperators.LSHL, 23);
        return p.mul(bits.viewAsFloatingLanes());
    }

    /** The scalar twin of {@link #exp(FloatVector)}: bit-identical per element. */
    static float exp(float x) {
        float xc = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
        float t = Math.fma(xc, LOG2E, ROUND_MAGIC);
        float n = t - ROUND_MAGIC;
        float r = Math.fma(n, -LN2_HI, xc);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, 1.9875691500e-4f, 1.3981999507e-3f);
        p = Math.fma(p, r, 8.3334519073e-3f);
        p = Math.fma(p, r, 4.1665795894e-2f);
        p = Math.fma(p, r, 1.6666665459e-1f);
        p = Math.fma(p, r, 5.0000001201e-1f);
        p = Math.fma(p, r * r, r) + 1f;
        return p * Float.intBitsToFloat((Float.floatToRawIntBits(t) - (0x4B400000 - 127)) << 23);
    }

    private static final float SQRT_HALF = 0.707106781186547524f;

    /**
     * ln x per lane for positive normal x (Cephes logf polynomial, ~1 ulp); zero, subnormal, negative
     * and non-finite inputs are the caller's to exclude. x = m·2^e with m in [√½, √2), ln x = ln m + e·ln 2.
     */
    static FloatVector log(FloatVector x) {
        IntVector bits = x.viewAsIntegralLanes();
        // m in [0.5, 1): the mantissa with the exponent of 0.5; e the matching power of two
        FloatVector m = bits.and(0x007FFFFF).or(0x3F000000).viewAsFloatingLanes();
        FloatVector e = (FloatVector) bits.lanewise(VectorOperators.LSHR, 23).sub(126).convert(VectorOperators.I2F, 0);
        var small = m.compare(VectorOperators.LT, SQRT_HALF);
        e = e.sub(FloatVector.broadcast(SPECIES, 1f), small);
        FloatVector f = m.add(m, small).sub(1f); // m < √½: 2m − 1, else m − 1
        FloatVector z = f.mul(f);
        FloatVector y = f.fma(FloatVector.broadcast(SPECIES, 7.0376836292e-2f), FloatVector.broadcast(SPECIES, -1.1514610310e-1f));
        y = y.fma(f, FloatVector.broadcast(SPECIES, 1.1676998740e-1f));
        y = y.fma(f, FloatVector.broadcast(SPECIES, -1.2420140846e-1f));
        y = y.fma(f, FloatVector.broadcast(SPECIES, 1.4249322787e-1f));
        y = y.fma(f, FloatVector.broadcast(SPECIES, -1.6668057665e-1f));
        y = y.fma(f, FloatVector.broadcast(SPECIES, 2.0000714765e-1f));
        y = y.fma(f, FloatVector.broadcast(SPECIES, -2.4999993993e-1f));
        y = y.fma(f, FloatVector.broadcast(SPECIES, 3.3333331174e-1f));
        y = y.mul(f).mul(z);
        y = e.fma(FloatVector.broadcast(SPECIES, LN2_LO), y);
        y = z.fma(FloatVector.broadcast(SPECIES, -0.5f), y);
        return e.fma(FloatVector.broadcast(SPECIES, LN2_HI), f.add(y));
    }

    /** The scalar twin of {@link #log(FloatVector)}: bit-identical per element. */
    static float log(float x) {
        int bits = Float.floatToRawIntBits(x);
        float m = Float.intBitsToFloat((bits & 0x007FFFFF) | 0x3F000000);
        float e = (bits >>> 23) - 126;
        boolean small = m < SQRT_HALF;
        if (small) {
            e -= 1f;
        }
        float f = (small ? m + m : m) - 1f;
        float z = f * f;
        float y = Math.fma(f, 7.0376836292e-2f, -1.1514610310e-1f);
        y = Math.fma(y, f, 1.1676998740e-1f);
        y = Math.fma(y, f, -1.2420140846e-1f);
        y = Math.fma(y, f, 1.4249322787e-1f);
        y = Math.fma(y, f, -1.6668057665e-1f);
        y = Math.fma(y, f, 2.0000714765e-1f);
        y = Math.fma(y, f, -2.4999993993e-1f);
        y = Math.fma(y, f, 3.3333331174e-1f);
        y = y * f * z;
        y = Math.fma(e, LN2_LO, y);
        y = Math.fma(z, -0.5f, y);
        return Math.fma(e, LN2_HI, f + y);
    }

    /** Rotations by VL/2, VL/4, …, 1 lanes: the fixed tree of {@link #sumLanes}. */
    private static final VectorShuffle<Float>[] FOLDS = folds();

    @SuppressWarnings({"unchecked", "rawtypes"}) // no generic array creation in Java
    private static VectorShuffle<Float>[] folds() {
        int steps = Integer.numberOfTrailingZeros(VL);
        VectorShuffle<Float>[] f = new VectorShuffle[steps];
        for (int k = 0, offset = VL / 2; k < steps; k++, offset /= 2) {
            int o = offset;
            f[k] = VectorShuffle.fromOp(SPECIES, i -> (i + o) % VL);
        }
        return f;
    }

    /** Σ lanes by a fixed tree of rotations (an order that, unlike {@code reduceLanes(ADD)}, never varies). */
    static float sumLanes(FloatVector v) {
        for (VectorShuffle<Float> fold : FOLDS) {
            v = v.add(v.rearrange(fold));
        }
        return v.lane(0);
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
        float sum = sumLanes(s0.add(s1).add(s2.add(s3)));
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
        float sum = sumLanes(s0.add(s1).add(s2.add(s3)));
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }
}
