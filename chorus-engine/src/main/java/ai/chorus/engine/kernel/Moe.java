package ai.chorus.engine.kernel;

import ai.chorus.engine.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;

import static ai.chorus.engine.kernel.Vec.SPECIES;
import static ai.chorus.engine.kernel.Vec.VL;

/**
 * Mixtral's sparse mixture-of-experts feed-forward block, forward and backward:
 * router logits = W_g·x over E experts; p = softmax over all E; the top k (ties to the lower index)
 * renormalised, c_j = p_{e_j} / Σ_top p; y = Σ_j c_j·SwiGLU_{e_j}(x) with SwiGLU_e(x) = W2_e(silu(W1_e x)⊙W3_e x).
 *
 * <p><b>Dropless and grouped.</b> Every token reaches its k experts. The (token, slot) pairs are
 * grouped per expert, tokens ascending, and gathered into one contiguous block per expert, so each
 * expert runs as one {@link Matmul} per projection; the outputs come back by a per-token sum over the
 * slots in slot order (highest probability first). Nothing is summed across tasks, and every
 * reduction has a fixed order, so results are bit-identical for any thread count.
 *
 * <p><b>Load balancing</b> (Switch): balance = E·Σ_e f_e·P_e with f_e the fraction of the N·k
 * token-slots routed to e and P_e the mean router probability of e over the N tokens (1 when perfectly
 * balanced); the aux loss is α·balance. Its gradient reaches W_g through P_e only: f_e counts a
 * discrete choice and is a constant, as in Switch and Mixtral. (HF's {@code load_balancing_loss_func}
 * computes k·balance for one layer, and pools the tokens of all layers before the product.)
 *
 * <p><b>Parameters</b> of one layer form one block of {@link #parameterFloats()} floats: the router
 * [E, dim], then per expert its [2·ffn, dim] gate-and-up matrix (HF {@code w1} rows, then {@code w3}
 * rows, as the dense MLP fuses gate_proj and up_proj) and its [dim, ffn] down matrix ({@code w2}). The
 * forward matmuls read them transposed ({@link #transpose}); gradients use the same layout as the
 * parameters.
 *
 * <p>What the backward pass needs is kept in an {@link Activations} (one per layer and micro-batch);
 * the backward scratch lives in this object, shared by the layers that use it one at a time (so two
 * runners working at once, as the trainer's data-parallel shards do, need a Moe each).
 */
public final class Moe {

    /** Mixtral's experts per token. */
    public static final int DEFAULT_TOP_K = 2;
    /** α of the load-balancing loss (Switch, BTX). */
    public static final float DEFAULT_AUX_COEF = 0.01f;

    private static final int ROWS_PER_TASK = 16;

    private final int dim;
    private final int ffn;
    private final int experts;
    private final int topK;
    private final int ldRouter;
    private final int ldGateUp;
    private final int ldDim;

    // backward scratch, grown to the largest Activations seen
    private float[] dSlots = new float[0];    // dY of the gathered rows [N·k, dim], then dX of them
    private float[] dHidden = new float[0];   // [N·k, ffn]
    private float[] dGateUp = new float[0];   // [N·k, 2·ffn]
    private float[] dLogits = new float[0];   // [N, E]

    public Moe(int dim, int ffn, int experts, int topK) {
        if (dim < 1 || ffn < 1 || experts < 1 || topK < 1 || topK > experts) {
            throw new IllegalArgumentException("MoE shape: dim " + dim + ", ffn " + ffn + ", experts " + experts
                    + ", top-k " + topK + " (need all >= 1 and top-k <= experts)");
        }
        this.dim = dim;
        this.ffn = ffn;
        this.experts = experts;
        this.topK = topK;
        this.ldRouter = Matmul.paddedStride(experts);
        this.ldGateUp = Matmul.paddedStride(2 * ffn);
        this.ldDim = Matmul.paddedStride(dim);
    }

    public int dim() {
        return dim;
    }

    public int ffn() {
        return ffn;
    }

    public int experts() {
        return experts;
    }

    public int topK() {
        return topK;
    }

    // ---- parameter layout of one layer

    /** Floats of one layer's parameters (and of its gradients). */
    public long parameterFloats() {
        return (long) experts * dim + (long) experts * 3 * ffn * dim;
    }

    /** Offset of the router W_g [E, dim] in the block. */
    public int routerOffset() {
        return 0;
    }

    /** Offset of expert e's [2·ffn, dim] gate-and-up matrix: W1_e rows, then W3_e rows. */
    public int gateUpOffset(int e) {
        return experts * dim + e * 3 * ffn * dim;
    }

    /** Offset of expert e's W2_e [dim, ffn]. */
    public int downOffset(int e) {
        return gateUpOffset(e) + 2 * ffn * dim;
    }

    /** Floats of the transposed block the forward pass reads. */
    public long transposedFloats() {
        return (long) dim * ldRouter + (long) experts * ((long) dim * ldGateUp + (long) ffn * ldDim);
    }

    private int gateUpT(int e) {
        return dim * ldRouter + e * (dim * ldGateUp + ffn * ldDim);
    }

    private int downT(int e) {
        return gateUpT(e) + dim * ldGateUp;
    }

    /** Writes the transposed block wT[wTOff..] from the parameter block w[wOff..]; rerun whenever w changes. */
    public void transpose(WorkerPool pool, float[] w, int wOff, float[] wT, int wTOff) {
        Matmul.transpose(pool, w, wOff + routerOffset(), wT, wTOff, experts, dim, ldRouter);
        for (int e = 0; e < experts; e++) {
            Matmul.transpose(pool, w, wOff + gateUpOffset(e), wT, wTOff + gateUpT(e), 2 * ffn, dim, ldGateUp);
            Matmul.transpose(pool, w, wOff + downOffset(e), wT, wTOff + downT(e), dim, ffn, ldDim);
        }
    }

    /** Saved state for up to {@code maxRows} tokens. */
    public Activations newActivations(int maxRows) {
        return new Activations(maxRows);
    }

    // ---- forward

    /**
     * out[n,:] = MoE(x[n,:]) for n < rows (out must not alias x); keeps in {@code a} what
     * {@link #backward} needs, the routing and the balance term. Reads only the transposed block.
     */
    public void forward(WorkerPool pool, Activations a, float[] out, int outOff, float[] x, int xOff, int rows,
                        float[] wT, int wTOff) {
        if (rows > a.maxRows) {
            throw new IllegalArgumentException(rows + " rows, activations hold " + a.maxRows);
        }
        a.rows = rows;
        if (rows == 0) {
            return;
        }
        float[] probs = a.probs;
        Matmul.forward(pool, probs, 0, x, xOff, wT, wTOff, ldRouter, rows, dim, experts);
        route(pool, a, rows);
        group(a, rows);
        int slots = rows * topK;
        float[] xg = a.xg;
        int[] rowToken = a.rowToken;
        pool.run((slots + 4 * ROWS_PER_TASK - 1) / (4 * ROWS_PER_TASK), (task, worker) -> {
            int r1 = Math.min(slots, (task + 1) * 4 * ROWS_PER_TASK);
            for (int r = task * 4 * ROWS_PER_TASK; r < r1; r++) {
                System.arraycopy(x, xOff + rowToken[r] * dim, xg, r * dim, dim);
            }
        });
        for (int e = 0; e < experts; e++) {
            int s = a.expertStart[e];
            int c = a.expertStart[e + 1] - s;
            if (c > 0) {
                Matmul.forward(pool, a.gateUp, s * 2 * ffn, xg, s * dim, wT, wTOff + gateUpT(e), ldGateUp,
                        c, dim, 2 * ffn);
            }
        }
        SwiGlu.forward(pool, a.hidden, 0, a.gateUp, 0, slots, ffn);
        for (int e = 0; e < experts; e++) {
            int s = a.expertStart[e];
            int c = a.expertStart[e + 1] - s;
            if (c > 0) {
                Matmul.forward(pool, a.yg, s * dim, a.hidden, s * ffn, wT, wTOff + downT(e), ldDim, c, ffn, dim);
            }
        }
        combine(pool, a, out, outOff, a.yg, rows);
    }

    /** Per token: softmax of its logits in place, its top k (ties to the lower index), renormalised weights. */
    private void route(WorkerPool pool, Activations a, int rows) {
        float[] p = a.probs;
        int[] topIdx = a.topIdx;
        float[] topW = a.topW;
        pool.run((rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, (task, worker) -> {
            int n1 = Math.min(rows, (task + 1) * ROWS_PER_TASK);
            for (int n = task * ROWS_PER_TASK; n < n1; n++) {
                int row = n * experts;
                float max = p[row];
                for (int e = 1; e < experts; e++) {
                    max = Math.max(max, p[row + e]);
                }
                float sum = 0f;
                for (int e = 0; e < experts; e++) {
                    float v = Vec.exp(p[row + e] - max);
                    p[row + e] = v;
                    sum += v;
                }
                for (int e = 0; e < experts; e++) {
                    p[row + e] /= sum;
                }
                float top = 0f;
                for (int j = 0; j < topK; j++) {
                    int best = -1;
                    for (int e = 0; e < experts; e++) {
                        if (!chosen(topIdx, n * topK, j, e) && (best < 0 || p[row + e] > p[row + best])) {
                            best = e;
                        }
                    }
                    topIdx[n * topK + j] = best;
                    top += p[row + best];
                }
                for (int j = 0; j < topK; j++) {
                    topW[n * topK + j] = p[row + topIdx[n * topK + j]] / top;
                }
            }
        });
    }

    private static boolean chosen(int[] topIdx, int off, int count, int e) {
        for (int j = 0; j < count; j++) {
            if (topIdx[off + j] == e) {
                return true;
            }
        }
        return false;
    }

    /**
     * Serial (N·k steps): each expert's block of gathered rows, tokens ascending; the gathered row of
     * every (token, slot); f_e, P_e and the balance term.
     */
    private void group(Activations a, int rows) {
        int[] start = a.expertStart;
        int[] fill = a.fill;
        java.util.Arrays.fill(fill, 0);
        int slots = rows * topK;
        for (int i = 0; i < slots; i++) {
            fill[a.topIdx[i]]++;
        }
        start[0] = 0;
        for (int e = 0; e < experts; e++) {
            a.tokenShare[e] = (float) fill[e] / slots;
            start[e + 1] = start[e] + fill[e];
            fill[e] = start[e];
        }
        for (int i = 0; i < slots; i++) {
            int r = fill[a.topIdx[i]]++;
            a.slotRow[i] = r;
            a.rowToken[r] = i / topK;
        }
        double balance = 0;
        for (int e = 0; e < experts; e++) {
            double sum = 0;
            for (int n = 0; n < rows; n++) {
                sum += a.probs[n * experts + e];
            }
            a.meanProb[e] = (float) (sum / rows);
            balance += a.tokenShare[e] * (sum / rows);
        }
        a.balance = (float) (experts * balance);
    }

    /** out[n,:] = Σ_j w_j·src[slotRow(n,j),:], j ascending; each task owns its tokens' rows. */
    private void combine(WorkerPool pool, Activations a, float[] out, int outOff, float[] src, int rows) {
        int[] slotRow = a.slotRow;
        float[] topW = a.topW;
        pool.run((rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, (task, worker) -> {
            int n1 = Math.min(rows, (task + 1) * ROWS_PER_TASK);
            for (int n = task * ROWS_PER_TASK; n < n1; n++) {
                int o = outOff + n * dim;
                int s0 = slotRow[n * topK] * dim;
                float w0 = topW[n * topK];
                int i = 0;
                for (int bound = SPECIES.loopBound(dim); i < bound; i += VL) {
                    FloatVector.fromArray(SPECIES, src, s0 + i).mul(w0).intoArray(out, o + i);
                }
                for (; i < dim; i++) {
                    out[o + i] = src[s0 + i] * w0;
                }
                for (int j = 1; j < topK; j++) {
                    int s = slotRow[n * topK + j] * dim;
                    float wj = topW[n * topK + j];
                    i = 0;
                    for (int bound = SPECIES.loopBound(dim); i < bound; i += VL) {
                        FloatVector.fromArray(SPECIES, out, o + i)
                                .add(FloatVector.fromArray(SPECIES, src, s + i).mul(wj)).intoArray(out, o + i);
                    }
                    for (; i < dim; i++) {
                        out[o + i] += src[s + i] * wj;
                    }
                }
            }
        });
    }

    // ---- backward

    /**
     * From dout = ∂L/∂out of the last {@link #forward} with {@code a}: dx[n,:] = ∂L/∂x (overwritten) and,
     * accumulated into the gradient block grad[gradOff..] (the parameter layout), ∂L/∂W_g and ∂L/∂W1,2,3
     * of every expert — all for L + auxCoef·balance (pass α, scaled as the caller scales the main loss).
     * Reads x (the forward's input) and the parameter block w[wOff..] as stored.
     */
    public void backward(WorkerPool pool, Activations a, float[] dx, int dxOff, float[] dout, int doutOff,
                         float[] x, int xOff, float[] w, int wOff, float[] grad, int gradOff, float auxCoef) {
        int rows = a.rows;
        if (rows == 0) {
            return;
        }
        int slots = rows * topK;
        ensureScratch(a.maxRows);
        float[] dY = dSlots;
        routerGradient(pool, a, dout, doutOff, dY, rows, auxCoef);
        for (int e = 0; e < experts; e++) {
            int s = a.expertStart[e];
            int c = a.expertStart[e + 1] - s;
            if (c > 0) {
                Matmul.backwardInput(pool, dHidden, s * ffn, dY, s * dim, w, wOff + downOffset(e), c, ffn, dim, false);
                Matmul.backwardWeight(pool, grad, gradOff + downOffset(e), dY, s * dim, a.hidden, s * ffn, c, ffn, dim);
            }
        }
        SwiGlu.backward(pool, dGateUp, 0, dHidden, 0, a.gateUp, 0, slots, ffn);
        float[] dXg = dSlots; // dY is spent: the gathered rows' dx goes where it was
        for (int e = 0; e < experts; e++) {
            int s = a.expertStart[e];
            int c = a.expertStart[e + 1] - s;
            if (c > 0) {
                Matmul.backwardInput(pool, dXg, s * dim, dGateUp, s * 2 * ffn, w, wOff + gateUpOffset(e), c, dim,
                        2 * ffn, false);
                Matmul.backwardWeight(pool, grad, gradOff + gateUpOffset(e), dGateUp, s * 2 * ffn, a.xg, s * dim, c,
                        dim, 2 * ffn);
            }
        }
        Matmul.backwardWeight(pool, grad, gradOff + routerOffset(), dLogits, 0, x, xOff, rows, dim, experts);
        Matmul.backwardInput(pool, dx, dxOff, dLogits, 0, w, wOff + routerOffset(), rows, dim, experts, false);
        scatterAdd(pool, a, dx, dxOff, dXg, rows);
    }

    /**
     * Per token: dY of each of its gathered rows (c_j·dout), and the router logits' gradient through the
     * renormalised top-k weights and the balance term: dc_j = dout·Y_j; dp_{e_j} = (dc_j − Σ_i c_i·dc_i)/S
     * with S = Σ_top p; dp_e += auxCoef·E·f_e/N for every e; dlogit = p⊙(dp − Σ p·dp).
     */
    private void routerGradient(WorkerPool pool, Activations a, float[] dout, int doutOff, float[] dY, int rows,
                                float auxCoef) {
        float[] p = a.probs;
        float[] yg = a.yg;
        float[] topW = a.topW;
        int[] topIdx = a.topIdx;
        int[] slotRow = a.slotRow;
        float[] share = a.tokenShare;
        float[] dl = dLogits;
        float auxPerShare = auxCoef * experts / rows;
        pool.run((rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, (task, worker) -> {
            int n1 = Math.min(rows, (task + 1) * ROWS_PER_TASK);
            for (int n = task * ROWS_PER_TASK; n < n1; n++) {
                int d = doutOff + n * dim;
                int row = n * experts;
                for (int e = 0; e < experts; e++) {
                    dl[row + e] = auxPerShare * share[e];
                }
                float top = 0f;
                float cdc = 0f; // Σ_i c_i·dc_i
                for (int j = 0; j < topK; j++) {
                    top += p[row + topIdx[n * topK + j]];
                }
                for (int j = 0; j < topK; j++) {
                    int r = slotRow[n * topK + j] * dim;
                    float c = topW[n * topK + j];
                    float dc = Vec.dot(dout, d, yg, r, dim);
                    cdc += c * dc;
                    int i = 0;
                    for (int bound = SPECIES.loopBound(dim); i < bound; i += VL) {
                        FloatVector.fromArray(SPECIES, dout, d + i).mul(c).intoArray(dY, r + i);
                    }
                    for (; i < dim; i++) {
                        dY[r + i] = dout[d + i] * c;
                    }
                    dl[row + topIdx[n * topK + j]] += dc / top; // the −Σc·dc/S part below
                }
                for (int j = 0; j < topK; j++) {
                    dl[row + topIdx[n * topK + j]] -= cdc / top;
                }
                float pdp = 0f;
                for (int e = 0; e < experts; e++) {
                    pdp += p[row + e] * dl[row + e];
                }
                for (int e = 0; e < experts; e++) {
                    dl[row + e] = p[row + e] * (dl[row + e] - pdp);
                }
            }
        });
    }

    /** dx[n,:] += Σ_j src[slotRow(n,j),:], j ascending; each task owns its tokens' rows. */
    private void scatterAdd(WorkerPool pool, Activations a, float[] dx, int dxOff, float[] src, int rows) {
        int[] slotRow = a.slotRow;
        pool.run((rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, (task, worker) -> {
            int n1 = Math.min(rows, (task + 1) * ROWS_PER_TASK);
            for (int n = task * ROWS_PER_TASK; n < n1; n++) {
                for (int j = 0; j < topK; j++) {
                    Vec.addInto(dx, dxOff + n * dim, src, slotRow[n * topK + j] * dim, dim);
                }
            }
        });
    }

    private void ensureScratch(int maxRows) {
        int slots = maxRows * topK;
        if (dLogits.length < maxRows * experts) {
            dLogits = new float[maxRows * experts];
        }
        if (dSlots.length < slots * dim) {
            dSlots = new float[slots * dim];
            dHidden = new float[slots * ffn];
            dGateUp = new float[slots * 2 * ffn];
        }
    }

    /**
     * One layer's routing and expert activations from a forward pass, for its backward pass and for
     * reporting (balance term, token shares). Gathered rows are grouped by expert, tokens ascending.
     */
    public final class Activations {
        private final int maxRows;
        private int rows;
        private final float[] probs;       // [N, E] router probabilities (logits before the softmax)
        private final int[] topIdx;        // [N, k] chosen experts, highest probability first
        private final float[] topW;        // [N, k] their renormalised weights
        private final int[] slotRow;       // [N, k] gathered row of each (token, slot)
        private final int[] rowToken;      // [N·k] token of each gathered row
        private final int[] expertStart;   // [E + 1] first gathered row of each expert
        private final int[] fill;          // [E] grouping scratch
        private final float[] tokenShare;  // [E] f_e
        private final float[] meanProb;    // [E] P_e
        private float balance;
        private final float[] xg;          // [N·k, dim] gathered inputs
        private final float[] gateUp;      // [N·k, 2·ffn]
        private final float[] hidden;      // [N·k, ffn]
        private final float[] yg;          // [N·k, dim] expert outputs before weighting

        private Activations(int maxRows) {
            if (maxRows < 0) {
                throw new IllegalArgumentException("maxRows " + maxRows);
            }
            this.maxRows = maxRows;
            int slots = maxRows * topK;
            probs = new float[maxRows * experts];
            topIdx = new int[slots];
            topW = new float[slots];
            slotRow = new int[slots];
            rowToken = new int[slots];
            expertStart = new int[experts + 1];
            fill = new int[experts];
            tokenShare = new float[experts];
            meanProb = new float[experts];
            xg = new float[slots * dim];
            gateUp = new float[slots * 2 * ffn];
            hidden = new float[slots * ffn];
            yg = new float[slots * dim];
        }

        public int maxRows() {
            return maxRows;
        }

        /** E·Σ_e f_e·P_e of the last forward pass (1 when perfectly balanced); the aux loss is α times this. */
        public float balance() {
            return balance;
        }

        /** f_e: the fraction of the last forward pass's token-slots routed to expert e. */
        public float tokenShare(int e) {
            return tokenShare[e];
        }

        /** P_e: the mean router probability of expert e over the last forward pass's tokens. */
        public float meanProb(int e) {
            return meanProb[e];
        }

        /** The j-th expert (highest probability first) chosen for token n. */
        public int expert(int n, int j) {
            return topIdx[n * topK + j];
        }

        /** Its renormalised weight p_e / Σ_top p. */
        public float weight(int n, int j) {
            return topW[n * topK + j];
        }
    }
}
