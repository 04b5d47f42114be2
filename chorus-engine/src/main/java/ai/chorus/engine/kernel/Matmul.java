package ai.chorus.engine.kernel;

import ai.chorus.engine.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The one matrix multiply of the engine, in the three shapes a linear layer {@code y = x·Wᵀ} needs.
 *
 * <p>All three are the same kernel {@code C[i,j] (+)= Σ_p A(i,p)·B[p,j]} with B row-major and A read
 * through two strides, which lets the weight gradient read {@code doutᵀ} without a transpose. An
 * 8-row × 3-vector register tile keeps 24 accumulators, each step loading three vectors of B and
 * broadcasting eight scalars of A. The work is blocked so that a KC-deep slice of three B vectors stays
 * in L1 while the row tiles stream past it; the backward forms first pack that slice into contiguous
 * panels, as BLAS does, because their B rows are a power of two apart (see {@link #block}).
 *
 * <p>Parallel tasks own disjoint tiles of C and always sum p in ascending order, so results do not
 * depend on the thread count (nor on the block sizes).
 */
public final class Matmul {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int VL = SPECIES.length();
    /** Rows of A (and C) per task: sixteen 8-row tiles share each B panel slice in L1. */
    static final int MC = 128;
    /** Columns of C per task: four 3-vector tiles (192 floats with 512-bit vectors). */
    static final int NC = 12 * VL;
    /** Depth of one pass over a B panel: KC × 3 vectors of B stay in L1 (24 KiB). */
    static final int KC = 128;
    /**
     * A product with fewer than two MC × NC tiles per thread is cut into smaller row blocks (down to
     * MIN_MC rows) so that every thread gets work. This may depend on the thread count because a C
     * element's sum is the same whichever task computes it: the block size never changes a result.
     */
    private static final int MIN_MC = 32;

    private Matmul() {
    }

    /**
     * out[M,N] = inp[M,K]·Wᵀ, with the weight given transposed as weightT[K,N], rows {@code ldT} ≥ N
     * floats apart (see {@link #paddedStride}).
     */
    public static void forward(WorkerPool pool, float[] out, int outOff, float[] inp, int inpOff,
                               float[] weightT, int weightTOff, int ldT, int m, int k, int n) {
        gemm(pool, m, n, k, inp, inpOff, k, 1, weightT, weightTOff, ldT, out, outOff, n, false, false);
    }

    /**
     * A row stride for an N-wide matrix that the matmul streams as B: N rounded up to whole vectors
     * plus one cache line, because rows a multiple of 4 KiB apart all fall into one L1 set and a
     * KC-row panel would evict itself (measured: lm_head of L ran at half speed).
     */
    public static int paddedStride(int n) {
        int vectors = (n + VL - 1) / VL * VL;
        return vectors + 16;
    }

    /**
     * dinp[M,K] (+)= dout[M,N]·W[N,K]. B is the weight as stored (rows K floats apart, unpadded), so
     * its panels are packed.
     */
    public static void backwardInput(WorkerPool pool, float[] dinp, int dinpOff, float[] dout, int doutOff,
                                     float[] weight, int weightOff, int m, int k, int n, boolean accumulate) {
        gemm(pool, m, k, n, dout, doutOff, n, 1, weight, weightOff, k, dinp, dinpOff, k, accumulate, true);
    }

    /**
     * dW[N,K] += dout[M,N]ᵀ·inp[M,K]: each weight row sums over all M rows, in order. B is the layer's
     * input activations (rows K floats apart, unpadded), so its panels are packed.
     */
    public static void backwardWeight(WorkerPool pool, float[] dweight, int dweightOff, float[] dout, int doutOff,
                                      float[] inp, int inpOff, int m, int k, int n) {
        gemm(pool, n, k, m, dout, doutOff, 1, n, inp, inpOff, k, dweight, dweightOff, k, true, true);
    }

    /**
     * dst[K,N] = src[N,K]ᵀ, dst rows {@code ldDst} ≥ N floats apart. Blocks of 64 rows × 8 columns: the
     * eight destination rows being filled may be a power of two apart, and more at once would collide
     * in one L1 set.
     */
    public static void transpose(WorkerPool pool, float[] src, int srcOff, float[] dst, int dstOff, int n, int k,
                                 int ldDst) {
        int blocks = (n + 63) / 64;
        pool.run(blocks, (block, worker) -> {
            int r0 = block * 64;
            int r1 = Math.min(n, r0 + 64);
            int c = 0;
            for (; c + 8 <= k; c += 8) {
                int d = dstOff + c * ldDst;
                for (int r = r0; r < r1; r++) {
                    int s = srcOff + r * k + c;
                    dst[d + r] = src[s];
                    dst[d + ldDst + r] = src[s + 1];
                    dst[d + 2 * ldDst + r] = src[s + 2];
                    dst[d + 3 * ldDst + r] = src[s + 3];
                    dst[d + 4 * ldDst + r] = src[s + 4];
                    dst[d + 5 * ldDst + r] = src[s + 5];
                    dst[d + 6 * ldDst + r] = src[s + 6];
                    dst[d + 7 * ldDst + r] = src[s + 7];
                }
            }
            for (; c < k; c++) {
                for (int r = r0; r < r1; r++) {
                    dst[dstOff + c * ldDst + r] = src[srcOff + r * k + c];
                }
            }
        });
    }

    /**
     * C[i,j] (+)= Σ_p A(i,p)·B[p,j] for i < rows, j < cols, p < depth, where
     * A(i,p) = a[aOff + i·aRowStride + p·aColStride], B[p,j] = b[bOff + p·ldb + j], C[i,j] = c[cOff + i·ldc + j].
     * With {@code packB}, each KC × NC slice of B is first copied into contiguous panels (see
     * {@link #block}); without, B is read in place, which is as fast when its rows are padded
     * ({@link #paddedStride}).
     */
    public static void gemm(WorkerPool pool, int rows, int cols, int depth,
                            float[] a, int aOff, int aRowStride, int aColStride,
                            float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc, boolean accumulate, boolean packB) {
        int colBlocks = (cols + NC - 1) / NC;
        int mc = MC; // fewer rows per task where the product is small (dW of the o projection: one MC × NC tile)
        while (mc > MIN_MC && ((rows + mc - 1) / mc) * colBlocks < 2 * pool.threads()) {
            mc /= 2;
        }
        int rowsPerTask = mc;
        int rowBlocks = (rows + mc - 1) / mc;
        float[] packed = null;
        if (packB) { // every B slice once, for all row tasks to share
            float[] bp = packed = PACKED_B.get().ensure(depth * cols);
            int pBlocks = (depth + KC - 1) / KC;
            pool.run(colBlocks * pBlocks, (task, worker) -> {
                int jc = (task / pBlocks) * NC;
                int p0 = (task % pBlocks) * KC;
                packB(b, bOff, ldb, p0, Math.min(KC, depth - p0), jc, vectorEnd(jc, Math.min(cols, jc + NC)), depth, bp);
            });
        }
        float[] bPacked = packed;
        pool.run(rowBlocks * colBlocks, (task, worker) -> {
            int i0 = (task / colBlocks) * rowsPerTask;
            int j0 = (task % colBlocks) * NC;
            block(i0, Math.min(rows, i0 + rowsPerTask), j0, Math.min(cols, j0 + NC), 0, depth,
                    a, aOff, aRowStride, aColStride, b, bOff, ldb, c, cOff, ldc, accumulate, bPacked);
        });
    }

    /**
     * The serial core, for callers that already run inside a parallel task (attention): C[i,j] (+)=
     * Σ_{p in [pStart, pEnd)} A(i,p)·B[p,j] for i in [i0, i1), j in [j0, j1), same addressing as
     * {@link #gemm}, B read in place.
     */
    static void block(int i0, int i1, int j0, int j1, int pStart, int pEnd,
                      float[] a, int aOff, int ars, int acs, float[] b, int bOff, int ldb,
                      float[] c, int cOff, int ldc, boolean accumulate) {
        block(i0, i1, j0, j1, pStart, pEnd, a, aOff, ars, acs, b, bOff, ldb, c, cOff, ldc, accumulate, null);
    }

    /**
     * The serial core. For each NC-column chunk and KC-deep slice, the register tiles sweep the rows
     * of A once per column group, so one group's slice of B (KC × 3 vectors = 24 KiB) is reused by
     * every 8-row tile and should stay in L1.
     *
     * <p>Why packed B: the backward passes read B = W or the activations with rows 512 B–6 KiB apart,
     * a power of two, so the KC rows of one slice fold into a few L1 sets and evict each other before
     * the next row tile comes back to them. {@link #gemm} therefore copies B once, as BLAS does, into
     * contiguous micro-panels (layout in {@link #packB}) and the tile reads them sequentially; here
     * {@code packed} is that copy of the whole B, or null to read B in place. (Packing A as well, into
     * [p][8] row panels, was measured slower: A rows are read in place as eight streams, and the
     * transposed A of dW costs one cache line per step either way.)
     *
     * <p>Every C element still sums p in ascending order, KC at a time through C, exactly as without
     * packing: packing changes where B is read from, never the arithmetic, so results are
     * bit-identical either way. Columns that do not fill a vector are read in place. With
     * {@code packed}, [j0, j1) must be one NC chunk of the packed columns and [pStart, pEnd) all of B's
     * rows, as in gemm's tasks.
     */
    private static void block(int i0, int i1, int j0, int j1, int pStart, int pEnd,
                              float[] a, int aOff, int ars, int acs, float[] b, int bOff, int ldb,
                              float[] c, int cOff, int ldc, boolean accumulate, float[] packed) {
        if (pEnd <= pStart) {
            if (!accumulate) {
                for (int i = i0; i < i1; i++) {
                    Arrays.fill(c, cOff + i * ldc + j0, cOff + i * ldc + j1, 0f);
                }
            }
            return;
        }
        boolean isPacked = packed != null;
        for (int jc = j0; jc < j1; jc += NC) {
            int jcEnd = Math.min(j1, jc + NC);
            int vectorEnd = vectorEnd(jc, jcEnd); // columns [vectorEnd, jcEnd) are scalar
            for (int p0 = pStart; p0 < pEnd; p0 += KC) {
                int p1 = Math.min(pEnd, p0 + KC);
                int kc = p1 - p0;
                boolean load = accumulate || p0 > pStart;
                int slice = isPacked ? sliceOffset(jc, vectorEnd, p0, pEnd) : 0;
                int j = jc;
                for (int w; (w = Math.min(3 * VL, vectorEnd - j)) > 0; j += w) {
                    // this column group's B: its packed micro-panel [p][w], or B itself
                    float[] tb = isPacked ? packed : b;
                    int bi = isPacked ? slice + (j - jc) * kc : bOff + p0 * ldb + j;
                    int bStep = isPacked ? w : ldb;
                    int i = i0;
                    for (; i + 8 <= i1; i += 8) {
                        int ai = aOff + i * ars + p0 * acs;
                        int ci = cOff + i * ldc + j;
                        if (w == 3 * VL) {
                            tile8x3(kc, a, ai, ars, acs, tb, bi, bStep, c, ci, ldc, load);
                        } else if (w == 2 * VL) {
                            tile8x2(kc, a, ai, ars, acs, tb, bi, bStep, c, ci, ldc, load);
                        } else {
                            tile8x1(kc, a, ai, ars, acs, tb, bi, bStep, c, ci, ldc, load);
                        }
                    }
                    for (; i < i1; i++) {
                        if (w == 3 * VL) {
                            tile1x3(i, j, p0, p1, a, aOff, ars, acs, b, bOff, ldb, c, cOff, ldc, load);
                        } else if (w == 2 * VL) {
                            tile1x2(i, j, p0, p1, a, aOff, ars, acs, b, bOff, ldb, c, cOff, ldc, load);
                        } else {
                            tile1x1(i, j, p0, p1, a, aOff, ars, acs, b, bOff, ldb, c, cOff, ldc, load);
                        }
                    }
                }
                for (; j < jcEnd; j++) {
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
    }

    /** End of the whole vectors of the column chunk [jc, jcEnd). */
    private static int vectorEnd(int jc, int jcEnd) {
        return jc + (jcEnd - jc) / VL * VL;
    }

    /**
     * Where the packed slice of column chunk jc and depth p0 starts, for a B of {@code depth} rows:
     * chunks are stored one after another, each as its KC-deep slices one after another. Every chunk
     * before jc is NC columns of whole vectors and every slice before p0 is KC deep.
     */
    private static int sliceOffset(int jc, int vectorEnd, int p0, int depth) {
        return jc * depth + p0 * (vectorEnd - jc);
    }

    /**
     * Copies B[p0, p0+kc) × [jc, vectorEnd) into its slice of bp (see {@link #sliceOffset}) as
     * consecutive micro-panels, one per register-tile column group of 3, 2 or 1 vectors (as
     * {@link #block} walks them), each [p][width]: the group starting at column j begins (j − jc)·kc
     * into the slice.
     */
    private static void packB(float[] b, int bOff, int ldb, int p0, int kc, int jc, int vectorEnd, int depth,
                              float[] bp) {
        int slice = sliceOffset(jc, vectorEnd, p0, depth);
        int j = jc;
        for (int w; (w = Math.min(3 * VL, vectorEnd - j)) > 0; j += w) {
            int dst = slice + (j - jc) * kc;
            int src = bOff + p0 * ldb + j;
            for (int q = 0; q < kc; q++, src += ldb, dst += w) {
                for (int v = 0; v < w; v += VL) {
                    FloatVector.fromArray(SPECIES, b, src + v).intoArray(bp, dst + v);
                }
            }
        }
    }

    /**
     * The packed copy of B, one per thread that calls {@link #gemm} (the workers only read it while
     * that call runs); it grows to the largest B seen — in training, the first step — and is then reused.
     */
    private static final class PackedB {
        private float[] buffer = new float[0];

        float[] ensure(int floats) {
            if (buffer.length < floats) {
                buffer = new float[floats];
            }
            return buffer;
        }
    }

    private static final ThreadLocal<PackedB> PACKED_B = ThreadLocal.withInitial(PackedB::new);

    // Register tiles, generated by tools/GenMatmulTiles.java: 8 rows × 3, 2 or 1 vectors of accumulators;
    // per step p, one load per vector of B (row p, bStep floats after row p−1: ldb in place, the width
    // when packed) and eight broadcasts of A. 8×3 = 24 accumulators + 3 B vectors + 1 broadcast fit the 32 vector registers
    // of AVX-512 (measured faster than 4×4, 6×4, 5×4, 4×5: see docs/perf/engine.md).

    // BEGIN GENERATED by tools/GenMatmulTiles.java (java tools/GenMatmulTiles.java --write); do not edit by hand
    private static void tile8x3(int kc, float[] a, int ai, int ars, int acs, float[] b, int bi, int bStep,
                                float[] c, int ci, int ldc, boolean load) {
        int c0 = ci + 0 * ldc;
        int c1 = ci + 1 * ldc;
        int c2 = ci + 2 * ldc;
        int c3 = ci + 3 * ldc;
        int c4 = ci + 4 * ldc;
        int c5 = ci + 5 * ldc;
        int c6 = ci + 6 * ldc;
        int c7 = ci + 7 * ldc;
        int a0 = ai + 0 * ars;
        int a1 = ai + 1 * ars;
        int a2 = ai + 2 * ars;
        int a3 = ai + 3 * ars;
        int a4 = ai + 4 * ars;
        int a5 = ai + 5 * ars;
        int a6 = ai + 6 * ars;
        int a7 = ai + 7 * ars;
        FloatVector s00, s01, s02, s10, s11, s12, s20, s21, s22, s30, s31, s32, s40, s41, s42, s50, s51, s52, s60, s61, s62, s70, s71, s72;
        if (load) {
            s00 = FloatVector.fromArray(SPECIES, c, c0);
            s01 = FloatVector.fromArray(SPECIES, c, c0 + 1 * VL);
            s02 = FloatVector.fromArray(SPECIES, c, c0 + 2 * VL);
            s10 = FloatVector.fromArray(SPECIES, c, c1);
            s11 = FloatVector.fromArray(SPECIES, c, c1 + 1 * VL);
            s12 = FloatVector.fromArray(SPECIES, c, c1 + 2 * VL);
            s20 = FloatVector.fromArray(SPECIES, c, c2);
            s21 = FloatVector.fromArray(SPECIES, c, c2 + 1 * VL);
            s22 = FloatVector.fromArray(SPECIES, c, c2 + 2 * VL);
            s30 = FloatVector.fromArray(SPECIES, c, c3);
            s31 = FloatVector.fromArray(SPECIES, c, c3 + 1 * VL);
            s32 = FloatVector.fromArray(SPECIES, c, c3 + 2 * VL);
            s40 = FloatVector.fromArray(SPECIES, c, c4);
            s41 = FloatVector.fromArray(SPECIES, c, c4 + 1 * VL);
            s42 = FloatVector.fromArray(SPECIES, c, c4 + 2 * VL);
            s50 = FloatVector.fromArray(SPECIES, c, c5);
            s51 = FloatVector.fromArray(SPECIES, c, c5 + 1 * VL);
            s52 = FloatVector.fromArray(SPECIES, c, c5 + 2 * VL);
            s60 = FloatVector.fromArray(SPECIES, c, c6);
            s61 = FloatVector.fromArray(SPECIES, c, c6 + 1 * VL);
            s62 = FloatVector.fromArray(SPECIES, c, c6 + 2 * VL);
            s70 = FloatVector.fromArray(SPECIES, c, c7);
            s71 = FloatVector.fromArray(SPECIES, c, c7 + 1 * VL);
            s72 = FloatVector.fromArray(SPECIES, c, c7 + 2 * VL);
        } else {
            FloatVector z = FloatVector.zero(SPECIES);
            s00 = z; s01 = z; s02 = z; s10 = z; s11 = z; s12 = z; s20 = z; s21 = z; s22 = z; s30 = z; s31 = z; s32 = z; s40 = z; s41 = z; s42 = z; s50 = z; s51 = z; s52 = z; s60 = z; s61 = z; s62 = z; s70 = z; s71 = z; s72 = z;
        }
        for (int q = 0; q < kc; q++, bi += bStep) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bi + 1 * VL);
            FloatVector b2 = FloatVector.fromArray(SPECIES, b, bi + 2 * VL);
            FloatVector x0 = FloatVector.broadcast(SPECIES, a[a0]);
            s00 = x0.fma(b0, s00); s01 = x0.fma(b1, s01); s02 = x0.fma(b2, s02);
            a0 += acs;
            FloatVector x1 = FloatVector.broadcast(SPECIES, a[a1]);
            s10 = x1.fma(b0, s10); s11 = x1.fma(b1, s11); s12 = x1.fma(b2, s12);
            a1 += acs;
            FloatVector x2 = FloatVector.broadcast(SPECIES, a[a2]);
            s20 = x2.fma(b0, s20); s21 = x2.fma(b1, s21); s22 = x2.fma(b2, s22);
            a2 += acs;
            FloatVector x3 = FloatVector.broadcast(SPECIES, a[a3]);
            s30 = x3.fma(b0, s30); s31 = x3.fma(b1, s31); s32 = x3.fma(b2, s32);
            a3 += acs;
            FloatVector x4 = FloatVector.broadcast(SPECIES, a[a4]);
            s40 = x4.fma(b0, s40); s41 = x4.fma(b1, s41); s42 = x4.fma(b2, s42);
            a4 += acs;
            FloatVector x5 = FloatVector.broadcast(SPECIES, a[a5]);
            s50 = x5.fma(b0, s50); s51 = x5.fma(b1, s51); s52 = x5.fma(b2, s52);
            a5 += acs;
            FloatVector x6 = FloatVector.broadcast(SPECIES, a[a6]);
            s60 = x6.fma(b0, s60); s61 = x6.fma(b1, s61); s62 = x6.fma(b2, s62);
            a6 += acs;
            FloatVector x7 = FloatVector.broadcast(SPECIES, a[a7]);
            s70 = x7.fma(b0, s70); s71 = x7.fma(b1, s71); s72 = x7.fma(b2, s72);
            a7 += acs;
        }
        s00.intoArray(c, c0);
        s01.intoArray(c, c0 + 1 * VL);
        s02.intoArray(c, c0 + 2 * VL);
        s10.intoArray(c, c1);
        s11.intoArray(c, c1 + 1 * VL);
        s12.intoArray(c, c1 + 2 * VL);
        s20.intoArray(c, c2);
        s21.intoArray(c, c2 + 1 * VL);
        s22.intoArray(c, c2 + 2 * VL);
        s30.intoArray(c, c3);
        s31.intoArray(c, c3 + 1 * VL);
        s32.intoArray(c, c3 + 2 * VL);
        s40.intoArray(c, c4);
        s41.intoArray(c, c4 + 1 * VL);
        s42.intoArray(c, c4 + 2 * VL);
        s50.intoArray(c, c5);
        s51.intoArray(c, c5 + 1 * VL);
        s52.intoArray(c, c5 + 2 * VL);
        s60.intoArray(c, c6);
        s61.intoArray(c, c6 + 1 * VL);
        s62.intoArray(c, c6 + 2 * VL);
        s70.intoArray(c, c7);
        s71.intoArray(c, c7 + 1 * VL);
        s72.intoArray(c, c7 + 2 * VL);
    }

    private static void tile8x2(int kc, float[] a, int ai, int ars, int acs, float[] b, int bi, int bStep,
                                float[] c, int ci, int ldc, boolean load) {
        int c0 = ci + 0 * ldc;
        int c1 = ci + 1 * ldc;
        int c2 = ci + 2 * ldc;
        int c3 = ci + 3 * ldc;
        int c4 = ci + 4 * ldc;
        int c5 = ci + 5 * ldc;
        int c6 = ci + 6 * ldc;
        int c7 = ci + 7 * ldc;
        int a0 = ai + 0 * ars;
        int a1 = ai + 1 * ars;
        int a2 = ai + 2 * ars;
        int a3 = ai + 3 * ars;
        int a4 = ai + 4 * ars;
        int a5 = ai + 5 * ars;
        int a6 = ai + 6 * ars;
        int a7 = ai + 7 * ars;
        FloatVector s00, s01, s10, s11, s20, s21, s30, s31, s40, s41, s50, s51, s60, s61, s70, s71;
        if (load) {
            s00 = FloatVector.fromArray(SPECIES, c, c0);
            s01 = FloatVector.fromArray(SPECIES, c, c0 + 1 * VL);
            s10 = FloatVector.fromArray(SPECIES, c, c1);
            s11 = FloatVector.fromArray(SPECIES, c, c1 + 1 * VL);
            s20 = FloatVector.fromArray(SPECIES, c, c2);
            s21 = FloatVector.fromArray(SPECIES, c, c2 + 1 * VL);
            s30 = FloatVector.fromArray(SPECIES, c, c3);
            s31 = FloatVector.fromArray(SPECIES, c, c3 + 1 * VL);
            s40 = FloatVector.fromArray(SPECIES, c, c4);
            s41 = FloatVector.fromArray(SPECIES, c, c4 + 1 * VL);
            s50 = FloatVector.fromArray(SPECIES, c, c5);
            s51 = FloatVector.fromArray(SPECIES, c, c5 + 1 * VL);
            s60 = FloatVector.fromArray(SPECIES, c, c6);
            s61 = FloatVector.fromArray(SPECIES, c, c6 + 1 * VL);
            s70 = FloatVector.fromArray(SPECIES, c, c7);
            s71 = FloatVector.fromArray(SPECIES, c, c7 + 1 * VL);
        } else {
            FloatVector z = FloatVector.zero(SPECIES);
            s00 = z; s01 = z; s10 = z; s11 = z; s20 = z; s21 = z; s30 = z; s31 = z; s40 = z; s41 = z; s50 = z; s51 = z; s60 = z; s61 = z; s70 = z; s71 = z;
        }
        for (int q = 0; q < kc; q++, bi += bStep) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bi + 1 * VL);
            FloatVector x0 = FloatVector.broadcast(SPECIES, a[a0]);
            s00 = x0.fma(b0, s00); s01 = x0.fma(b1, s01);
            a0 += acs;
            FloatVector x1 = FloatVector.broadcast(SPECIES, a[a1]);
            s10 = x1.fma(b0, s10); s11 = x1.fma(b1, s11);
            a1 += acs;
            FloatVector x2 = FloatVector.broadcast(SPECIES, a[a2]);
            s20 = x2.fma(b0, s20); s21 = x2.fma(b1, s21);
            a2 += acs;
            FloatVector x3 = FloatVector.broadcast(SPECIES, a[a3]);
            s30 = x3.fma(b0, s30); s31 = x3.fma(b1, s31);
            a3 += acs;
            FloatVector x4 = FloatVector.broadcast(SPECIES, a[a4]);
            s40 = x4.fma(b0, s40); s41 = x4.fma(b1, s41);
            a4 += acs;
            FloatVector x5 = FloatVector.broadcast(SPECIES, a[a5]);
            s50 = x5.fma(b0, s50); s51 = x5.fma(b1, s51);
            a5 += acs;
            FloatVector x6 = FloatVector.broadcast(SPECIES, a[a6]);
            s60 = x6.fma(b0, s60); s61 = x6.fma(b1, s61);
            a6 += acs;
            FloatVector x7 = FloatVector.broadcast(SPECIES, a[a7]);
            s70 = x7.fma(b0, s70); s71 = x7.fma(b1, s71);
            a7 += acs;
        }
        s00.intoArray(c, c0);
        s01.intoArray(c, c0 + 1 * VL);
        s10.intoArray(c, c1);
        s11.intoArray(c, c1 + 1 * VL);
        s20.intoArray(c, c2);
        s21.intoArray(c, c2 + 1 * VL);
        s30.intoArray(c, c3);
        s31.intoArray(c, c3 + 1 * VL);
        s40.intoArray(c, c4);
        s41.intoArray(c, c4 + 1 * VL);
        s50.intoArray(c, c5);
        s51.intoArray(c, c5 + 1 * VL);
        s60.intoArray(c, c6);
        s61.intoArray(c, c6 + 1 * VL);
        s70.intoArray(c, c7);
        s71.intoArray(c, c7 + 1 * VL);
    }

    private static void tile8x1(int kc, float[] a, int ai, int ars, int acs, float[] b, int bi, int bStep,
                                float[] c, int ci, int ldc, boolean load) {
        int c0 = ci + 0 * ldc;
        int c1 = ci + 1 * ldc;
        int c2 = ci + 2 * ldc;
        int c3 = ci + 3 * ldc;
        int c4 = ci + 4 * ldc;
        int c5 = ci + 5 * ldc;
        int c6 = ci + 6 * ldc;
        int c7 = ci + 7 * ldc;
        int a0 = ai + 0 * ars;
        int a1 = ai + 1 * ars;
        int a2 = ai + 2 * ars;
        int a3 = ai + 3 * ars;
        int a4 = ai + 4 * ars;
        int a5 = ai + 5 * ars;
        int a6 = ai + 6 * ars;
        int a7 = ai + 7 * ars;
        FloatVector s00, s10, s20, s30, s40, s50, s60, s70;
        if (load) {
            s00 = FloatVector.fromArray(SPECIES, c, c0);
            s10 = FloatVector.fromArray(SPECIES, c, c1);
            s20 = FloatVector.fromArray(SPECIES, c, c2);
            s30 = FloatVector.fromArray(SPECIES, c, c3);
            s40 = FloatVector.fromArray(SPECIES, c, c4);
            s50 = FloatVector.fromArray(SPECIES, c, c5);
            s60 = FloatVector.fromArray(SPECIES, c, c6);
            s70 = FloatVector.fromArray(SPECIES, c, c7);
        } else {
            FloatVector z = FloatVector.zero(SPECIES);
            s00 = z; s10 = z; s20 = z; s30 = z; s40 = z; s50 = z; s60 = z; s70 = z;
        }
        for (int q = 0; q < kc; q++, bi += bStep) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
            FloatVector x0 = FloatVector.broadcast(SPECIES, a[a0]);
            s00 = x0.fma(b0, s00);
            a0 += acs;
            FloatVector x1 = FloatVector.broadcast(SPECIES, a[a1]);
            s10 = x1.fma(b0, s10);
            a1 += acs;
            FloatVector x2 = FloatVector.broadcast(SPECIES, a[a2]);
            s20 = x2.fma(b0, s20);
            a2 += acs;
            FloatVector x3 = FloatVector.broadcast(SPECIES, a[a3]);
            s30 = x3.fma(b0, s30);
            a3 += acs;
            FloatVector x4 = FloatVector.broadcast(SPECIES, a[a4]);
            s40 = x4.fma(b0, s40);
            a4 += acs;
            FloatVector x5 = FloatVector.broadcast(SPECIES, a[a5]);
            s50 = x5.fma(b0, s50);
            a5 += acs;
            FloatVector x6 = FloatVector.broadcast(SPECIES, a[a6]);
            s60 = x6.fma(b0, s60);
            a6 += acs;
            FloatVector x7 = FloatVector.broadcast(SPECIES, a[a7]);
            s70 = x7.fma(b0, s70);
            a7 += acs;
        }
        s00.intoArray(c, c0);
        s10.intoArray(c, c1);
        s20.intoArray(c, c2);
        s30.intoArray(c, c3);
        s40.intoArray(c, c4);
        s50.intoArray(c, c5);
        s60.intoArray(c, c6);
        s70.intoArray(c, c7);
    }

    // Single-row tiles for the rows that do not fill an 8-row tile, B read in place.

    private static void tile1x3(int i, int j, int p0, int p1, float[] a, int aOff, int ars, int acs,
                                float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean load) {
        int c0 = cOff + (i + 0) * ldc + j;
        int a0 = aOff + (i + 0) * ars + p0 * acs;
        FloatVector s00, s01, s02;
        if (load) {
            s00 = FloatVector.fromArray(SPECIES, c, c0);
            s01 = FloatVector.fromArray(SPECIES, c, c0 + 1 * VL);
            s02 = FloatVector.fromArray(SPECIES, c, c0 + 2 * VL);
        } else {
            FloatVector z = FloatVector.zero(SPECIES);
            s00 = z; s01 = z; s02 = z;
        }
        int bi = bOff + p0 * ldb + j;
        for (int p = p0; p < p1; p++, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bi + 1 * VL);
            FloatVector b2 = FloatVector.fromArray(SPECIES, b, bi + 2 * VL);
            FloatVector x0 = FloatVector.broadcast(SPECIES, a[a0]);
            s00 = x0.fma(b0, s00); s01 = x0.fma(b1, s01); s02 = x0.fma(b2, s02);
            a0 += acs;
        }
        s00.intoArray(c, c0);
        s01.intoArray(c, c0 + 1 * VL);
        s02.intoArray(c, c0 + 2 * VL);
    }

    private static void tile1x2(int i, int j, int p0, int p1, float[] a, int aOff, int ars, int acs,
                                float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean load) {
        int c0 = cOff + (i + 0) * ldc + j;
        int a0 = aOff + (i + 0) * ars + p0 * acs;
        FloatVector s00, s01;
        if (load) {
            s00 = FloatVector.fromArray(SPECIES, c, c0);
            s01 = FloatVector.fromArray(SPECIES, c, c0 + 1 * VL);
        } else {
            FloatVector z = FloatVector.zero(SPECIES);
            s00 = z; s01 = z;
        }
        int bi = bOff + p0 * ldb + j;
        for (int p = p0; p < p1; p++, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bi + 1 * VL);
            FloatVector x0 = FloatVector.broadcast(SPECIES, a[a0]);
            s00 = x0.fma(b0, s00); s01 = x0.fma(b1, s01);
            a0 += acs;
        }
        s00.intoArray(c, c0);
        s01.intoArray(c, c0 + 1 * VL);
    }

    private static void tile1x1(int i, int j, int p0, int p1, float[] a, int aOff, int ars, int acs,
                                float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean load) {
        int c0 = cOff + (i + 0) * ldc + j;
        int a0 = aOff + (i + 0) * ars + p0 * acs;
        FloatVector s00;
        if (load) {
            s00 = FloatVector.fromArray(SPECIES, c, c0);
        } else {
            FloatVector z = FloatVector.zero(SPECIES);
            s00 = z;
        }
        int bi = bOff + p0 * ldb + j;
        for (int p = p0; p < p1; p++, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
            FloatVector x0 = FloatVector.broadcast(SPECIES, a[a0]);
            s00 = x0.fma(b0, s00);
            a0 += acs;
        }
        s00.intoArray(c, c0);
    }
    // END GENERATED by tools/GenMatmulTiles.java
}
