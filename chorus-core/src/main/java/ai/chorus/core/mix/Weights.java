package ai.chorus.core.mix;

/** The arithmetic routers share: a stable softmax and top-k with renormalisation. */
public final class Weights {
    private Weights() {}

    /** Replaces scores by softmax(scores) in place, subtracting the max first so nothing overflows. */
    public static void softmaxInPlace(double[] scores) {
        double max = Double.NEGATIVE_INFINITY;
        for (double s : scores) {
            max = Math.max(max, s);
        }
        double sum = 0;
        for (int j = 0; j < scores.length; j++) {
            scores[j] = Math.exp(scores[j] - max);
            sum += scores[j];
        }
        for (int j = 0; j < scores.length; j++) {
            scores[j] /= sum;
        }
    }

    /**
     * The {@code k} largest of {@code w[0, n)} as a bit set (bit j = index j), the lower index winning a tie;
     * K ≤ 64 is enforced by the routers. K is small (a handful of experts): selection by k passes beats
     * sorting and allocates nothing.
     */
    public static long topK(double[] w, int n, int k) {
        long chosen = 0;
        for (int r = 0; r < k; r++) {
            int best = -1;
            for (int j = 0; j < n; j++) {
                if ((chosen & (1L << j)) == 0 && (best < 0 || w[j] > w[best])) {
                    best = j;
                }
            }
            chosen |= 1L << best;
        }
        return chosen;
    }

    /**
     * Keeps the {@code k} largest weights (the lower index wins a tie, so the choice is deterministic),
     * zeroes the rest and renormalises the kept ones to sum 1. Exactly min(k, K) weights stay non-zero
     * when the inputs are positive; if the kept ones sum to 0 they become uniform over the kept set.
     */
    public static void keepTopK(double[] w, int k) {
        int n = w.length;
        if (k >= n) {
            normalise(w, n);
            return;
        }
        long kept = topK(w, n, k);
        double sum = 0;
        for (int j = 0; j < n; j++) {
            if ((kept & (1L << j)) == 0) {
                w[j] = 0;
            } else {
                sum += w[j];
            }
        }
        if (sum > 0) {
            for (int j = 0; j < n; j++) {
                w[j] /= sum;
            }
        } else {
            for (int j = 0; j < n; j++) {
                w[j] = (kept & (1L << j)) != 0 ? 1.0 / k : 0;
            }
        }
    }

    /** The index of the largest weight, the lower index on ties. */
    public static int argmax(double[] w) {
        int best = 0;
        for (int j = 1; j < w.length; j++) {
            if (w[j] > w[best]) {
                best = j;
            }
        }
        return best;
    }

    /** Number of strictly positive weights: the experts that must run. */
    public static int nonZero(double[] w) {
        int n = 0;
        for (double x : w) {
            if (x > 0) {
                n++;
            }
        }
        return n;
    }

    /** The strictly positive weights as a bit set (bit j = expert j): the experts that must run. */
    public static long nonZeroSet(double[] w) {
        long set = 0;
        for (int j = 0; j < w.length; j++) {
            if (w[j] > 0) {
                set |= 1L << j;
            }
        }
        return set;
    }

    /** All of {@code experts} experts as a bit set. */
    public static long allSet(int experts) {
        return experts == 64 ? -1L : (1L << experts) - 1;
    }

    private static void normalise(double[] w, int n) {
        double sum = 0;
        for (int j = 0; j < n; j++) {
            sum += w[j];
        }
        for (int j = 0; j < n; j++) {
            w[j] = sum > 0 ? w[j] / sum : 1.0 / n;
        }
    }

    static void requireExperts(int experts) {
        if (experts < 1 || experts > 64) {
            throw new IllegalArgumentException("a router weighs 1 to 64 experts, got " + experts);
        }
    }

    /** A copy of {@code prior} checked to be a distribution over {@code experts}. */
    static double[] checkedPrior(double[] prior, int experts) {
        if (prior.length != experts) {
            throw new IllegalArgumentException("prior has " + prior.length + " entries for " + experts + " experts");
        }
        double sum = 0;
        for (double p : prior) {
            if (!(p >= 0) || Double.isInfinite(p)) {
                throw new IllegalArgumentException("prior entries must be finite and non-negative");
            }
            sum += p;
        }
        if (!(sum > 0)) {
            throw new IllegalArgumentException("prior must have positive mass");
        }
        double[] out = prior.clone();
        for (int j = 0; j < out.length; j++) {
            out[j] /= sum;
        }
        return out;
    }
}
