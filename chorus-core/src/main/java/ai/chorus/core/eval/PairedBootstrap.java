package ai.chorus.core.eval;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A 95 % interval for a model's percent change of perplexity against a reference (the dense model):
 * the paired bootstrap over test documents.
 *
 * <p>Documents, not tokens, are the unit drawn: tokens of a document share its topic and style, so
 * resampling tokens would treat them as independent and give intervals far too narrow. Each resample draws
 * n documents with replacement; the model and the reference are scored on the <em>same</em> draw (paired),
 * so what varies between documents for both — how hard a document is — cancels in the change. For each
 * resample the change is 100 · (exp((Σ NLL − Σ NLL_ref) / Σ tokens) − 1), the perplexities' ratio over the
 * drawn documents; the interval is the 2.5th and 97.5th percentiles of those changes.
 *
 * <p>{@value #RESAMPLES} resamples: each tail then holds 50 of them, and the endpoints move by a small
 * fraction of the interval's width from one seed to another, while the whole bootstrap of every row of an
 * evaluation costs milliseconds. The seed is fixed, so the same scores always give the same interval, and
 * every row is resampled with the same draws.
 */
public final class PairedBootstrap {
    public static final int RESAMPLES = 2_000;
    public static final long SEED = 20_240_613L;

    /** A closed interval of percent change against the reference. */
    public record Interval(double low, double high) {
        /** What the interval lets one claim: only an interval wholly below 0 beats the reference. */
        public Verdict verdict() {
            return high < 0 ? Verdict.BEATS : low > 0 ? Verdict.WORSE : Verdict.NOT_DISTINGUISHABLE;
        }

        public boolean contains(double change) {
            return low <= change && change <= high;
        }
    }

    /** The claim against dense that an interval allows. */
    public enum Verdict {
        BEATS("beats dense"),
        NOT_DISTINGUISHABLE("not distinguishable from dense"),
        WORSE("worse than dense");

        private final String phrase;

        Verdict(String phrase) {
            this.phrase = phrase;
        }

        public String phrase() {
            return phrase;
        }
    }

    private final int resamples;
    private final long seed;

    public PairedBootstrap(int resamples, long seed) {
        if (resamples < 1) {
            throw new IllegalArgumentException("resamples must be at least 1, got " + resamples);
        }
        this.resamples = resamples;
        this.seed = seed;
    }

    /** The evaluation's bootstrap: {@value #RESAMPLES} resamples, seed {@value #SEED}. */
    public static PairedBootstrap standard() {
        return new PairedBootstrap(RESAMPLES, SEED);
    }

    /** Percent change of perplexity over all documents: 100 · (exp((Σ NLL − Σ NLL_ref) / Σ tokens) − 1). */
    public static double percentChange(double[] nll, double[] referenceNll, long[] tokens) {
        check(nll, referenceNll, tokens);
        double diff = 0;
        long count = 0;
        for (int i = 0; i < nll.length; i++) {
            diff += nll[i] - referenceNll[i];
            count += tokens[i];
        }
        return 100 * Math.expm1(diff / count);
    }

    /**
     * The 95 % percentile interval of {@link #percentChange} over resampled documents.
     *
     * @param nll per document, the model's Σ −log p over its scored tokens
     * @param referenceNll per document, the reference's, over the same tokens
     * @param tokens per document, its scored tokens
     */
    public Interval interval(double[] nll, double[] referenceNll, long[] tokens) {
        check(nll, referenceNll, tokens);
        int n = nll.length;
        SplittableRandom random = new SplittableRandom(seed);
        double[] changes = new double[resamples];
        for (int r = 0; r < resamples; r++) {
            double diff = 0;
            long count = 0;
            for (int j = 0; j < n; j++) {
                int i = random.nextInt(n);
                diff += nll[i] - referenceNll[i];
                count += tokens[i];
            }
            changes[r] = count == 0 ? 0 : 100 * Math.expm1(diff / count);
        }
        Arrays.sort(changes);
        return new Interval(quantile(changes, 0.025), quantile(changes, 0.975));
    }

    /** The q-quantile of sorted values, interpolating linearly between order statistics (numpy's default). */
    static double quantile(double[] sorted, double q) {
        double at = q * (sorted.length - 1);
        int below = (int) Math.floor(at);
        int above = Math.min(below + 1, sorted.length - 1);
        return sorted[below] + (at - below) * (sorted[above] - sorted[below]);
    }

    private static void check(double[] nll, double[] referenceNll, long[] tokens) {
        if (nll.length != referenceNll.length || nll.length != tokens.length) {
            throw new IllegalArgumentException("documents differ: " + nll.length + " NLLs, " + referenceNll.length
                    + " reference NLLs, " + tokens.length + " token counts");
        }
        if (nll.length == 0) {
            throw new IllegalArgumentException("no documents to resample");
        }
    }
}
