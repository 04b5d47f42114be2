package ai.chorus.engine.kernel;

/**
 * The scalar reference of {@link Moe} in double precision, written from the definition (no grouping,
 * no gathering): per token, softmax over the router logits, the top k (ties to the lower index),
 * renormalised, the weighted sum of the chosen experts' SwiGLU; plus the balance term E·Σ f_e·P_e.
 * Parameters in Moe's block layout.
 */
final class MoeReference {

    private MoeReference() {
    }

    /** [y (rows·dim) | balance]: y then the balance term as the last element. */
    static double[] forward(Moe moe, double[] w, double[] x, int rows) {
        int dim = moe.dim(), ffn = moe.ffn(), experts = moe.experts(), k = moe.topK();
        double[] out = new double[rows * dim + 1];
        int[] counts = new int[experts];
        double[] probSum = new double[experts];
        for (int n = 0; n < rows; n++) {
            double[] p = new double[experts];
            double max = Double.NEGATIVE_INFINITY;
            for (int e = 0; e < experts; e++) {
                double logit = 0;
                for (int i = 0; i < dim; i++) {
                    logit += w[moe.routerOffset() + e * dim + i] * x[n * dim + i];
                }
                p[e] = logit;
                max = Math.max(max, logit);
            }
            double sum = 0;
            for (int e = 0; e < experts; e++) {
                p[e] = Math.exp(p[e] - max);
                sum += p[e];
            }
            for (int e = 0; e < experts; e++) {
                p[e] /= sum;
                probSum[e] += p[e];
            }
            int[] top = topK(p, k);
            double topSum = 0;
            for (int e : top) {
                topSum += p[e];
                counts[e]++;
            }
            for (int e : top) {
                double[] y = expert(moe, w, e, x, n * dim);
                for (int i = 0; i < dim; i++) {
                    out[n * dim + i] += p[e] / topSum * y[i];
                }
            }
        }
        double balance = 0;
        for (int e = 0; e < experts; e++) {
            balance += (double) counts[e] / (rows * k) * (probSum[e] / rows);
        }
        out[rows * dim] = experts * balance;
        return out;
    }

    /** The k largest of p, largest first, ties to the lower index. */
    static int[] topK(double[] p, int k) {
        int[] top = new int[k];
        boolean[] taken = new boolean[p.length];
        for (int j = 0; j < k; j++) {
            int best = -1;
            for (int e = 0; e < p.length; e++) {
                if (!taken[e] && (best < 0 || p[e] > p[best])) {
                    best = e;
                }
            }
            taken[best] = true;
            top[j] = best;
        }
        return top;
    }

    /** W2_e(silu(W1_e x)⊙W3_e x) for the row x[off..off+dim). */
    static double[] expert(Moe moe, double[] w, int e, double[] x, int off) {
        int dim = moe.dim(), ffn = moe.ffn();
        int gu = moe.gateUpOffset(e);
        double[] h = new double[ffn];
        for (int j = 0; j < ffn; j++) {
            double g = 0, u = 0;
            for (int i = 0; i < dim; i++) {
                g += w[gu + j * dim + i] * x[off + i];
                u += w[gu + (ffn + j) * dim + i] * x[off + i];
            }
            h[j] = g / (1 + Math.exp(-g)) * u;
        }
        double[] y = new double[dim];
        int down = moe.downOffset(e);
        for (int i = 0; i < dim; i++) {
            double s = 0;
            for (int j = 0; j < ffn; j++) {
                s += w[down + i * ffn + j] * h[j];
            }
            y[i] = s;
        }
        return y;
    }
}
