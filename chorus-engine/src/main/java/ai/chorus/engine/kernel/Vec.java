package ai.chorus.engine.kernel;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Small vector helpers shared by the kernels: one place for the species and the loop-bound idiom, and
 * the only place outside the kernels where the Vector API is used: the public array operations below
 * serve the rest of Chorus (clustering, merging), which imports no {@code jdk.incubator.vector} type.
 *
 * <p>Determinism: {@code lanewise(EXP)} and float {@code reduceLanes(ADD)} may give different bits in
 * the interpreter and in C2 (SVML, reordered reductions), so results would depend on JIT timing.
 * Everything here uses only exactly-rounded operations (+, ×, fma, conversions) in a fixed order.
 */
public final class Vec {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int VL = SPECIES.length();
    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;

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

    /** {@link #exp(FloatVector)} of {@code x[off, off + VL)} into {@code out}: for tests, which import no Vector API type. */
    static void exp(float[] x, int off, float[] out) {
        exp(FloatVector.fromArray(SPECIES, x, off)).intoArray(out, off);
    }

    /** {@link #log(FloatVector)} of {@code x[off, off + VL)} into {@code out}, for tests. */
    static void log(float[] x, int off, float[] out) {
        log(FloatVector.fromArray(SPECIES, x, off)).intoArray(out, off);
    }

    /** {@link #sumLanes(FloatVector)} of {@code x[off, off + VL)}, for tests. */
    static float sumLanes(float[] x, int off) {
        return sumLanes(FloatVector.fromArray(SPECIES, x, off));
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

    // ---------------------------------------------------------------- row dots (clustering)

    /**
     * Σ lanes in lane order, ((0 + v₀) + v₁) + …: the order HotSpot's {@code reduceLanes(ADD)} happens to use
     * on x86 in the interpreter and in C2 (checked on JDK 17; the clustering's files were made with it), here
     * written out so that it is the order on every JVM and platform. Through memory, because {@code lane(i)}
     * one by one is several times slower; {@code scratch} holds at least VL floats from {@code at}.
     */
    private static float sumLanesInOrder(FloatVector v, float[] scratch, int at) {
        v.intoArray(scratch, at);
        float sum = 0f;
        for (int i = 0; i < VL; i++) {
            sum += scratch[at + i];
        }
        return sum;
    }

    /**
     * One dot product a·b over {@code n} entries, accumulated exactly as {@link #rowDots} accumulates each of
     * its dots: one vector accumulator of fma's, its lanes summed in lane order, then the tail by scalar fma.
     * Not {@link #dot}'s order (four accumulators and a tree), so the two give different bits: this one is the
     * clustering's (embeddings, k-means), that one the kernels'.
     */
    public static float rowDot(float[] a, int aOff, float[] b, int bOff, int n) {
        return rowDot(a, aOff, b, bOff, n, new float[VL]);
    }

    /** {@link #rowDot} with the caller's scratch of at least VL floats (rowDots' loops allocate nothing per dot). */
    private static float rowDot(float[] a, int aOff, float[] b, int bOff, int n, float[] lanes) {
        int bound = SPECIES.loopBound(n);
        FloatVector acc = FloatVector.zero(SPECIES);
        int i = 0;
        for (; i < bound; i += VL) {
            acc = FloatVector.fromArray(SPECIES, a, aOff + i).fma(FloatVector.fromArray(SPECIES, b, bOff + i), acc);
        }
        return finishRowDot(acc, lanes, 0, a, aOff, b, bOff, i, n);
    }

    /**
     * Dot products between a block of rows and a set of centres, the inner loop of k-means and of the
     * embedding: for rows {@code r0 .. r0+rows} of {@code x} (row-major, {@code d} wide) and the {@code k}
     * rows of {@code c}, {@code out[o + (r - r0) * k + j] = x[r] · c[j]}, each exactly {@link #rowDot}. So a
     * result does not depend on how rows are grouped into blocks, nor on the thread count. Four rows against
     * four centres at a time (16 accumulators), so every loaded vector feeds four FMAs.
     */
    public static void rowDots(float[] x, int r0, int rows, float[] c, int k, int d, float[] out, int o) {
        float[] lanes = new float[16 * VL + 16];
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int j = 0;
            for (; j + 4 <= k; j += 4) {
                rowDots4x4(x, (r0 + r) * d, c, j * d, d, out, o + r * k + j, k, lanes);
            }
            for (; j < k; j++) {
                for (int q = 0; q < 4; q++) {
                    out[o + (r + q) * k + j] = rowDot(x, (r0 + r + q) * d, c, j * d, d, lanes);
                }
            }
        }
        for (; r < rows; r++) {
            for (int j = 0; j < k; j++) {
                out[o + r * k + j] = rowDot(x, (r0 + r) * d, c, j * d, d, lanes);
            }
        }
    }

    private static void rowDots4x4(float[] x, int xo, float[] c, int co, int d, float[] out, int oo, int k,
                                   float[] lanes) {
        int bound = SPECIES.loopBound(d);
        FloatVector a00 = FloatVector.zero(SPECIES), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int i = 0;
        for (; i < bound; i += VL) {
            FloatVector c0 = FloatVector.fromArray(SPECIES, c, co + i);
            FloatVector c1 = FloatVector.fromArray(SPECIES, c, co + d + i);
            FloatVector c2 = FloatVector.fromArray(SPECIES, c, co + 2 * d + i);
            FloatVector c3 = FloatVector.fromArray(SPECIES, c, co + 3 * d + i);
            FloatVector x0 = FloatVector.fromArray(SPECIES, x, xo + i);
            a00 = x0.fma(c0, a00);
            a01 = x0.fma(c1, a01);
            a02 = x0.fma(c2, a02);
            a03 = x0.fma(c3, a03);
            FloatVector x1 = FloatVector.fromArray(SPECIES, x, xo + d + i);
            a10 = x1.fma(c0, a10);
            a11 = x1.fma(c1, a11);
            a12 = x1.fma(c2, a12);
            a13 = x1.fma(c3, a13);
            FloatVector x2 = FloatVector.fromArray(SPECIES, x, xo + 2 * d + i);
            a20 = x2.fma(c0, a20);
            a21 = x2.fma(c1, a21);
            a22 = x2.fma(c2, a22);
            a23 = x2.fma(c3, a23);
            FloatVector x3 = FloatVector.fromArray(SPECIES, x, xo + 3 * d + i);
            a30 = x3.fma(c0, a30);
            a31 = x3.fma(c1, a31);
            a32 = x3.fma(c2, a32);
            a33 = x3.fma(c3, a33);
        }
        a00.intoArray(lanes, 0);
        a01.intoArray(lanes, VL);
        a02.intoArray(lanes, 2 * VL);
        a03.intoArray(lanes, 3 * VL);
        a10.intoArray(lanes, 4 * VL);
        a11.intoArray(lanes, 5 * VL);
        a12.intoArray(lanes, 6 * VL);
        a13.intoArray(lanes, 7 * VL);
        a20.intoArray(lanes, 8 * VL);
        a21.intoArray(lanes, 9 * VL);
        a22.intoArray(lanes, 10 * VL);
        a23.intoArray(lanes, 11 * VL);
        a30.intoArray(lanes, 12 * VL);
        a31.intoArray(lanes, 13 * VL);
        a32.intoArray(lanes, 14 * VL);
        a33.intoArray(lanes, 15 * VL);
        sumStoredLanesInOrder(lanes);
        for (int q = 0; q < 4; q++) {
            for (int j = 0; j < 4; j++) {
                float sum = lanes[16 * VL + 4 * q + j];
                for (int t = i; t < d; t++) {
                    sum = Math.fma(x[xo + q * d + t], c[co + j * d + t], sum);
                }
                out[oo + q * k + j] = sum;
            }
        }
    }

    /**
     * {@link #sumLanesInOrder} of each of sixteen vectors stored at {@code lanes[a·VL, (a + 1)·VL)}, into
     * {@code lanes[16·VL + a]}: sixteen independent scalar chains (stores plus scalar adds cost about 10% over
     * the 4×4 block's reduceLanes; a gather transposition was no faster, {@code lane(i)} several times slower).
     */
    private static void sumStoredLanesInOrder(float[] lanes) {
        for (int a = 0; a < 16; a++) {
            float sum = 0f;
            for (int j = 0; j < VL; j++) {
                sum += lanes[a * VL + j];
            }
            lanes[16 * VL + a] = sum;
        }
    }

    private static float finishRowDot(FloatVector acc, float[] lanes, int at, float[] a, int aOff, float[] b, int bOff,
                                      int from, int n) {
        float sum = sumLanesInOrder(acc, lanes, at);
        for (int i = from; i < n; i++) {
            sum = Math.fma(a[aOff + i], b[bOff + i], sum);
        }
        return sum;
    }

    // ---------------------------------------------------------------- sign election (TIES merging)

    /**
     * TIES's per-entry combine over {@code count} entries of {@code n} rows {@code rows[i][0, count)} (row i
     * holds w_i·τ̂_i, a dropped entry +0): per entry the sign of Σ_i rows[i] is elected (a sum of exactly 0
     * elects +), and over the non-zero entries that agree with it {@code agreeingWeight = Σ w_i} and
     * {@code scaledMean = λ · (Σ rows[i]) / agreeingWeight} (NaN where nothing agrees). Every lane does exactly
     * the scalar sums, in row order, so the result is bit for bit the scalar one; the tail is scalar.
     */
    public static void signElectedMean(double[][] rows, int n, int count, double[] weights, double lambda,
                                       double[] scaledMean, double[] agreeingWeight) {
        DoubleVector zero = DoubleVector.zero(DOUBLES);
        int r = 0;
        for (int bound = DOUBLES.loopBound(count); r < bound; r += DOUBLES.length()) {
            DoubleVector vote = zero;
            for (int i = 0; i < n; i++) {
                vote = vote.add(DoubleVector.fromArray(DOUBLES, rows[i], r));
            }
            LongVector elected = vote.viewAsIntegralLanes().and(Long.MIN_VALUE); // the sign bit; +0 elects +
            DoubleVector agreeing = zero;
            DoubleVector weight = zero;
            for (int i = 0; i < n; i++) {
                DoubleVector k = DoubleVector.fromArray(DOUBLES, rows[i], r);
                VectorMask<Double> agrees = k.compare(VectorOperators.NE, 0.0)
                        .and(k.viewAsIntegralLanes().lanewise(VectorOperators.XOR, elected)
                                .compare(VectorOperators.GE, 0L).cast(DOUBLES));
                agreeing = agreeing.add(zero.blend(k, agrees));
                weight = weight.add(zero.blend(weights[i], agrees));
            }
            agreeing.div(weight).mul(lambda).intoArray(scaledMean, r);
            weight.intoArray(agreeingWeight, r);
        }
        for (; r < count; r++) {
            double vote = 0;
            for (int i = 0; i < n; i++) {
                vote += rows[i][r];
            }
            long elected = Double.doubleToRawLongBits(vote) & Long.MIN_VALUE;
            double agreeing = 0;
            double weight = 0;
            for (int i = 0; i < n; i++) {
                long k = Double.doubleToRawLongBits(rows[i][r]);
                long agrees = ~((k ^ elected) >> 63) & nonZero(k);
                agreeing += Double.longBitsToDouble(k & agrees);
                weight += Double.longBitsToDouble(Double.doubleToRawLongBits(weights[i]) & agrees);
            }
            scaledMean[r] = lambda * (agreeing / weight);
            agreeingWeight[r] = weight;
        }
    }

    /** All ones unless the double with these bits is ±0 (branch-free: agreement is a coin flip). */
    private static long nonZero(long bits) {
        return -(((bits & Long.MAX_VALUE) + Long.MAX_VALUE) >>> 63);
    }
}
