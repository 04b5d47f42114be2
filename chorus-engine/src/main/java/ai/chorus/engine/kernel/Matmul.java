package ai.chorus.engine.kernel;

import ai.chorus.engine.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one matrix multiply of the engine, in the three shapes a linear layer {@code y = x·Wᵀ} needs.
 *
 * <p>All three are the same kernel {@code C[i,j] (+)= Σ_p A(i,p)·B[p,j]} with B row-major, so the
 * innermost loop always streams contiguous rows of B and C: a 4-row × 4-vector register tile keeps
 * 16 accumulators, each step broadcasts four scalars of A and does 16 FMAs. A(i,p) is read through
 * two strides, which lets the weight gradient read {@code doutᵀ} without a transpose. B is blocked
 * by {@link #KC} rows and 4 vectors of columns so its panel stays in L1 while the row tiles stream.
 *
 * <p>Parallel tasks own disjoint tiles of C and always sum p in ascending order, so results do not
 * depend on the thread count.
 */
public final class Matmul {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int VL = SPECIES.length();
    private static final int TILE_COLS = 4 * VL;
    /** Rows of A (and C) per task. */
    static final int MC = 64;
    /** Columns of C per task (a multiple of every tile width). */
    static final int NC = 256;
    /** Depth of one pass over a B panel. */
    static final int KC = 256;

    private Matmul() {
    }

    /** out[M,N] = inp[M,K]·Wᵀ, with the weight given transposed as weightT[K,N] (row-major). */
    public static void forward(WorkerPool pool, float[] out, int outOff, float[] inp, int inpOff,
                               float[] weightT, int weightTOff, int m, int k, int n) {
        gemm(pool, m, n, k, inp, inpOff, k, 1, weightT, weightTOff, n, out, outOff, n, false);
    }

    /** dinp[M,K] (+)= dout[M,N]·W[N,K]. */
    public static void backwardInput(WorkerPool pool, float[] dinp, int dinpOff, float[] dout, int doutOff,
                                     float[] weight, int weightOff, int m, int k, int n, boolean accumulate) {
        gemm(pool, m, k, n, dout, doutOff, n, 1, weight, weightOff, k, dinp, dinpOff, k, accumulate);
    }

    /** dW[N,K] += dout[M,N]ᵀ·inp[M,K]: each weight row sums over all M rows, in order. */
    public static void backwardWeight(WorkerPool pool, float[] dweight, int dweightOff, float[] dout, int doutOff,
                                      float[] inp, int inpOff, int m, int k, int n) {
        gemm(pool, n, k, m, dout, doutOff, 1, n, inp, inpOff, k, dweight, dweightOff, k, true);
    }

    /** dst[K,N] = src[N,K]ᵀ. */
    public static void transpose(WorkerPool pool, float[] src, int srcOff, float[] dst, int dstOff, int n, int k) {
        int blocks = (n + 63) / 64;
        pool.run(blocks, (block, worker) -> {
            int r0 = block * 64;
            int r1 = Math.min(n, r0 + 64);
            for (int c0 = 0; c0 < k; c0 += 64) {
                int c1 = Math.min(k, c0 + 64);
                for (int r = r0; r < r1; r++) {
                    int s = srcOff + r * k;
                    for (int c = c0; c < c1; c++) {
                        dst[dstOff + c * n + r] = src[s + c];
                    }
                }
            }
        });
    }

    /**
     * C[i,j] (+)= Σ_p A(i,p)·B[p,j] for i < rows, j < cols, p < depth, where
     * A(i,p) = a[aOff + i·aRowStride + p·aColStride], B[p,j] = b[bOff + p·ldb + j], C[i,j] = c[cOff + i·ldc + j].
     */
    public static void gemm(WorkerPool pool, int rows, int cols, int depth,
                            float[] a, int aOff, int aRowStride, int aColStride,
                            float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc, boolean accumulate) {
        int rowBlocks = (rows + MC - 1) / MC;
        int colBlocks = (cols + NC - 1) / NC;
        pool.run(rowBlocks * colBlocks, (task, worker) -> {
            int i0 = (task / colBlocks) * MC;
            int j0 = (task % colBlocks) * NC;
            gemmBlock(i0, Math.min(rows, i0 + MC), j0, Math.min(cols, j0 + NC), depth,
                    a, aOff, aRowStride, aColStride, b, bOff, ldb, c, cOff, ldc, accumulate);
        });
    }

    private static void gemmBlock(int i0, int i1, int j0, int j1, int depth,
                                  float[] a, int aOff, int ars, int acs, float[] b, int bOff, int ldb,
                                  float[] c, int cOff, int ldc, boolean accumulate) {
        if (depth == 0) {
            if (!accumulate) {
                for (int i = i0; i < i1; i++) {
                    java.util.Arrays.fill(c, cOff + i * ldc + j0, cOff + i * ldc + j1, 0f);
                }
            }
            return;
        }
        for (int p0 = 0; p0 < depth; p0 += KC) {
            int p1 = Math.min(depth, p0 + KC);
            boolean load = accumulate || p0 > 0;
            int j = j0;
            for (; j + TILE_COLS <= j1; j += TILE_COLS) {
                int i = i0;
                for (; i + 4 <= i1; i += 4) {
                    tile4x4(i, j, p0, p1, a, aOff, ars, acs, b, bOff, ldb, c, cOff, ldc, load);
                }
                for (; i < i1; i++) {
                    tile1x4(i, j, p0, p1, a, aOff, ars, acs, b, bOff, ldb, c, cOff, ldc, load);
                }
            }
            for (; j + VL <= j1; j += VL) {
                int i = i0;
                for (; i + 4 <= i1; i += 4) {
                    tile4x1(i, j, p0, p1, a, aOff, ars, acs, b, bOff, ldb, c, cOff, ldc, load);
                }
                for (; i < i1; i++) {
                    tile1x1(i, j, p0, p1, a, aOff, ars, acs, b, bOff, ldb, c, cOff, ldc, load);
                }
            }
            for (; j < j1; j++) {
                for (int i = i0; i < i1; i++) {
                    int ci = cOff + i * ldc + j;
                    float sum = load ? c[ci] : 0f;
                    int ai = aOff + i * ars + p0 * acs;
                    int bi = bOff + p0 * ldb + j;
                    for (int p = p0; p < p1; p++, ai += acs, bi += ldb) {
                        sum = Math.fma(a[ai], b[bi], sum);
                    }
                    c[ci] = sum;
                }
            }
        }
    }

    private static void tile4x4(int i, int j, int p0, int p1, float[] a, int aOff, int ars, int acs,
                                float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean load) {
        int c0 = cOff + i * ldc + j;
        int c1 = c0 + ldc;
        int c2 = c1 + ldc;
        int c3 = c2 + ldc;
        FloatVector s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33;
        if (load) {
            s00 = FloatVector.fromArray(SPECIES, c, c0);
            s01 = FloatVector.fromArray(SPECIES, c, c0 + VL);
            s02 = FloatVector.fromArray(SPECIES, c, c0 + 2 * VL);
            s03 = FloatVector.fromArray(SPECIES, c, c0 + 3 * VL);
            s10 = FloatVector.fromArray(SPECIES, c, c1);
            s11 = FloatVector.fromArray(SPECIES, c, c1 + VL);
            s12 = FloatVector.fromArray(SPECIES, c, c1 + 2 * VL);
            s13 = FloatVector.fromArray(SPECIES, c, c1 + 3 * VL);
            s20 = FloatVector.fromArray(SPECIES, c, c2);
            s21 = FloatVector.fromArray(SPECIES, c, c2 + VL);
            s22 = FloatVector.fromArray(SPECIES, c, c2 + 2 * VL);
            s23 = FloatVector.fromArray(SPECIES, c, c2 + 3 * VL);
            s30 = FloatVector.fromArray(SPECIES, c, c3);
            s31 = FloatVector.fromArray(SPECIES, c, c3 + VL);
            s32 = FloatVector.fromArray(SPECIES, c, c3 + 2 * VL);
            s33 = FloatVector.fromArray(SPECIES, c, c3 + 3 * VL);
        } else {
            FloatVector z = FloatVector.zero(SPECIES);
            s00 = z; s01 = z; s02 = z; s03 = z; s10 = z; s11 = z; s12 = z; s13 = z;
            s20 = z; s21 = z; s22 = z; s23 = z; s30 = z; s31 = z; s32 = z; s33 = z;
        }
        int a0 = aOff + i * ars + p0 * acs;
        int a1 = a0 + ars;
        int a2 = a1 + ars;
        int a3 = a2 + ars;
        int bi = bOff + p0 * ldb + j;
        for (int p = p0; p < p1; p++, a0 += acs, a1 += acs, a2 += acs, a3 += acs, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bi + VL);
            FloatVector b2 = FloatVector.fromArray(SPECIES, b, bi + 2 * VL);
            FloatVector b3 = FloatVector.fromArray(SPECIES, b, bi + 3 * VL);
            FloatVector x = FloatVector.broadcast(SPECIES, a[a0]);
            s00 = x.fma(b0, s00); s01 = x.fma(b1, s01); s02 = x.fma(b2, s02); s03 = x.fma(b3, s03);
            x = FloatVector.broadcast(SPECIES, a[a1]);
            s10 = x.fma(b0, s10); s11 = x.fma(b1, s11); s12 = x.fma(b2, s12); s13 = x.fma(b3, s13);
            x = FloatVector.broadcast(SPECIES, a[a2]);
            s20 = x.fma(b0, s20); s21 = x.fma(b1, s21); s22 = x.fma(b2, s22); s23 = x.fma(b3, s23);
            x = FloatVector.broadcast(SPECIES, a[a3]);
            s30 = x.fma(b0, s30); s31 = x.fma(b1, s31); s32 = x.fma(b2, s32); s33 = x.fma(b3, s33);
        }
        s00.intoArray(c, c0); s01.intoArray(c, c0 + VL); s02.intoArray(c, c0 + 2 * VL); s03.intoArray(c, c0 + 3 * VL);
        s10.intoArray(c, c1); s11.intoArray(c, c1 + VL); s12.intoArray(c, c1 + 2 * VL); s13.intoArray(c, c1 + 3 * VL);
        s20.intoArray(c, c2); s21.intoArray(c, c2 + VL); s22.intoArray(c, c2 + 2 * VL); s23.intoArray(c, c2 + 3 * VL);
        s30.intoArray(c, c3); s31.intoArray(c, c3 + VL); s32.intoArray(c, c3 + 2 * VL); s33.intoArray(c, c3 + 3 * VL);
    }

    private static void tile1x4(int i, int j, int p0, int p1, float[] a, int aOff, int ars, int acs,
                                float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean load) {
        int c0 = cOff + i * ldc + j;
        FloatVector s0, s1, s2, s3;
        if (load) {
            s0 = FloatVector.fromArray(SPECIES, c, c0);
            s1 = FloatVector.fromArray(SPECIES, c, c0 + VL);
            s2 = FloatVector.fromArray(SPECIES, c, c0 + 2 * VL);
            s3 = FloatVector.fromArray(SPECIES, c, c0 + 3 * VL);
        } else {
            s0 = FloatVector.zero(SPECIES); s1 = s0; s2 = s0; s3 = s0;
        }
        int ai = aOff + i * ars + p0 * acs;
        int bi = bOff + p0 * ldb + j;
        for (int p = p0; p < p1; p++, ai += acs, bi += ldb) {
            FloatVector x = FloatVector.broadcast(SPECIES, a[ai]);
            s0 = x.fma(FloatVector.fromArray(SPECIES, b, bi), s0);
            s1 = x.fma(FloatVector.fromArray(SPECIES, b, bi + VL), s1);
            s2 = x.fma(FloatVector.fromArray(SPECIES, b, bi + 2 * VL), s2);
            s3 = x.fma(FloatVector.fromArray(SPECIES, b, bi + 3 * VL), s3);
        }
        s0.intoArray(c, c0); s1.intoArray(c, c0 + VL); s2.intoArray(c, c0 + 2 * VL); s3.intoArray(c, c0 + 3 * VL);
    }

    private static void tile4x1(int i, int j, int p0, int p1, float[] a, int aOff, int ars, int acs,
                                float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean load) {
        int c0 = cOff + i * ldc + j;
        int c1 = c0 + ldc;
        int c2 = c1 + ldc;
        int c3 = c2 + ldc;
        FloatVector s0, s1, s2, s3;
        if (load) {
            s0 = FloatVector.fromArray(SPECIES, c, c0);
            s1 = FloatVector.fromArray(SPECIES, c, c1);
            s2 = FloatVector.fromArray(SPECIES, c, c2);
            s3 = FloatVector.fromArray(SPECIES, c, c3);
        } else {
            s0 = FloatVector.zero(SPECIES); s1 = s0; s2 = s0; s3 = s0;
        }
        int a0 = aOff + i * ars + p0 * acs;
        int bi = bOff + p0 * ldb + j;
        for (int p = p0; p < p1; p++, a0 += acs, bi += ldb) {
            FloatVector bv = FloatVector.fromArray(SPECIES, b, bi);
            s0 = FloatVector.broadcast(SPECIES, a[a0]).fma(bv, s0);
            s1 = FloatVector.broadcast(SPECIES, a[a0 + ars]).fma(bv, s1);
            s2 = FloatVector.broadcast(SPECIES, a[a0 + 2 * ars]).fma(bv, s2);
            s3 = FloatVector.broadcast(SPECIES, a[a0 + 3 * ars]).fma(bv, s3);
        }
        s0.intoArray(c, c0); s1.intoArray(c, c1); s2.intoArray(c, c2); s3.intoArray(c, c3);
    }

    private static void tile1x1(int i, int j, int p0, int p1, float[] a, int aOff, int ars, int acs,
                                float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean load) {
        int c0 = cOff + i * ldc + j;
        FloatVector s = load ? FloatVector.fromArray(SPECIES, c, c0) : FloatVector.zero(SPECIES);
        int ai = aOff + i * ars + p0 * acs;
        int bi = bOff + p0 * ldb + j;
        for (int p = p0; p < p1; p++, ai += acs, bi += ldb) {
            s = FloatVector.broadcast(SPECIES, a[ai]).fma(FloatVector.fromArray(SPECIES, b, bi), s);
        }
        s.intoArray(c, c0);
    }

    /** The scalar reference of {@link #gemm}: plain triple loop, float accumulation, p ascending. */
    public static void gemmScalar(int rows, int cols, int depth, float[] a, int aOff, int aRowStride, int aColStride,
                                  float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                float sum = accumulate ? c[cOff + i * ldc + j] : 0f;
                for (int p = 0; p < depth; p++) {
                    sum += a[aOff + i * aRowStride + p * aColStride] * b[bOff + p * ldb + j];
                }
                c[cOff + i * ldc + j] = sum;
            }
        }
    }
}
