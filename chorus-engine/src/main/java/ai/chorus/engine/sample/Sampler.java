package ai.chorus.engine.sample;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from a row of logits: greedy, or random at a temperature, optionally restricted to
 * the top-k tokens and then to the nucleus (the smallest set of most likely tokens whose probability,
 * renormalised after top-k, reaches top-p) — the order in which transformers applies them.
 *
 * <p>Seeded, so the same seed and logits give the same tokens; ties between equal logits go to the lower
 * token id. Not thread-safe: one sampler per generation stream. After the first call for a vocabulary
 * size it allocates nothing: weights, candidate keys and the chosen set live in scratch arrays it keeps.
 */
public final class Sampler {
    /** Below this many candidates the nucleus search sorts instead of partitioning. */
    private static final int SMALL_RANGE = 32;

    private final Settings settings;
    private final SplittableRandom random;
    /** exp((logit - max) / T) by token id; only the entries of candidates are valid. */
    private double[] weights = new double[0];
    /** Candidate keys (logit, then lower id, as one sortable long). */
    private long[] keys = new long[0];
    /** The candidates to draw from, in a fixed order. */
    private int[] chosen = new int[0];

    /**
     * @param temperature 0 means greedy; otherwise logits are divided by it
     * @param topK        keep only the k most likely tokens; 0 means no limit
     * @param topP        then keep the smallest most-likely set whose probability reaches p, in (0, 1]; 1 = all
     */
    public record Settings(double temperature, int topK, double topP) {
        public static final Settings GREEDY = new Settings(0, 0, 1);

        public Settings {
            if (!(temperature >= 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
            }
            if (topK < 0) {
                throw new IllegalArgumentException("top-k must be >= 0 (0 = off), got " + topK);
            }
            if (!(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
            }
        }

        public boolean isGreedy() {
            return temperature == 0 || topK == 1;
        }
    }

    public Sampler(Settings settings, long seed) {
        this.settings = settings;
        this.random = new SplittableRandom(seed);
    }

    public Settings settings() {
        return settings;
    }

    public int sample(float[] logits) {
        return sample(logits, 0, logits.length);
    }

    /** Samples a token id in {@code [0, length)} from {@code logits[offset, offset + length)}. */
    public int sample(float[] logits, int offset, int length) {
        if (length <= 0 || offset < 0 || offset + length > logits.length) {
            throw new IllegalArgumentException("logits row [" + offset + ", " + (offset + length)
                    + ") is empty or outside an array of " + logits.length);
        }
        int best = argmax(logits, offset, length);
        float max = logits[offset + best];
        double invTemperature = 1.0 / settings.temperature;
        if (settings.isGreedy() || max == Float.POSITIVE_INFINITY || Double.isInfinite(invTemperature)) {
            return best; // an infinite logit or a vanishing temperature leave no chance to anything else
        }
        return draw(candidates(logits, offset, length, max, invTemperature));
    }

    /** Index of the largest logit, the lowest index on ties; NaN logits are refused. */
    public static int argmax(float[] logits, int offset, int length) {
        int best = -1;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < length; i++) {
            float v = logits[offset + i];
            if (v != v) {
                throw new IllegalArgumentException("logit " + i + " is NaN");
            }
            if (v > max || best < 0) {
                max = v;
                best = i;
            }
        }
        return best;
    }

    /** The token ids this sampler may draw for these logits, ascending (for tests; allocates). */
    int[] allowedTokens(float[] logits) {
        int argmax = argmax(logits, 0, logits.length);
        if (settings.isGreedy()) {
            return new int[] {argmax};
        }
        int n = candidates(logits, 0, logits.length, logits[argmax], 1.0 / settings.temperature);
        int[] allowed = Arrays.copyOf(chosen, n);
        Arrays.sort(allowed);
        return allowed;
    }

    /** Fills {@code chosen[0, n)} and their weights; returns n. */
    private int candidates(float[] logits, int offset, int length, float max, double invTemperature) {
        ensureScratch(length);
        int k = settings.topK == 0 ? length : Math.min(settings.topK, length);
        if (k < length) {
            return topK(logits, offset, length, k, max, invTemperature);
        }
        // exp((l - max) / T) in double: the largest weight is exactly 1, so the sum never under- or overflows.
        double total = 0;
        for (int i = 0; i < length; i++) {
            double w = Math.exp(((double) logits[offset + i] - max) * invTemperature);
            weights[i] = w;
            total += w;
        }
        if (settings.topP >= 1) {
            for (int i = 0; i < length; i++) {
                chosen[i] = i;
            }
            return length;
        }
        return nucleus(logits, offset, length, settings.topP * total);
    }

    /**
     * The k most likely tokens, most likely first, popped off a max-heap (O(V + k log V)); only they need
     * an exp. Top-p then keeps the shortest prefix reaching p of their mass.
     */
    private int topK(float[] logits, int offset, int length, int k, float max, double invTemperature) {
        for (int i = 0; i < length; i++) {
            keys[i] = candidateKey(logits[offset + i], i);
        }
        for (int i = length / 2 - 1; i >= 0; i--) {
            siftDown(i, length);
        }
        double mass = 0;
        int size = length;
        for (int j = 0; j < k; j++) {
            int token = tokenOf(keys[0]);
            keys[0] = keys[--size];
            siftDown(0, size);
            chosen[j] = token;
            weights[token] = Math.exp(((double) logits[offset + token] - max) * invTemperature);
            mass += weights[token];
        }
        if (settings.topP >= 1) {
            return k;
        }
        double needed = settings.topP * mass;
        double kept = 0;
        for (int j = 0; j < k; j++) {
            kept += weights[chosen[j]];
            if (kept >= needed) {
                return j + 1;
            }
        }
        return k; // rounding: the whole top-k
    }

    /**
     * The nucleus without sorting the vocabulary: partition the candidate keys around a pivot (median of
     * three), keep the upper part whole when its mass is not enough and search the lower, or search only
     * the upper part when it is. Expected O(V); small ranges are sorted and walked.
     */
    private int nucleus(float[] logits, int offset, int length, double needed) {
        for (int i = 0; i < length; i++) {
            keys[i] = candidateKey(logits[offset + i], i);
        }
        int lo = 0;
        int hi = length;
        double kept = 0;
        while (hi - lo > SMALL_RANGE) {
            long pivot = medianOfThree(keys[lo], keys[(lo + hi) >>> 1], keys[hi - 1]);
            int mid = lo;
            double upperMass = 0;
            for (int j = lo; j < hi; j++) {
                long key = keys[j];
                if (key >= pivot) {
                    keys[j] = keys[mid];
                    keys[mid++] = key;
                    upperMass += weights[tokenOf(key)];
                }
            }
            // Keys are distinct and the pivot is a median, so both parts are non-empty: the loop shrinks.
            if (kept + upperMass >= needed) {
                hi = mid;
            } else {
                kept += upperMass;
                lo = mid;
            }
        }
        Arrays.sort(keys, lo, hi);
        for (int i = lo, j = hi - 1; i < j; i++, j--) { // most likely first
            long swap = keys[i];
            keys[i] = keys[j];
            keys[j] = swap;
        }
        int n = hi; // if rounding keeps the sum just short of needed, the whole range
        for (int j = lo; j < hi; j++) {
            kept += weights[tokenOf(keys[j])];
            if (kept >= needed) {
                n = j + 1;
                break;
            }
        }
        for (int j = 0; j < n; j++) {
            chosen[j] = tokenOf(keys[j]);
        }
        return n;
    }

    /** Draws among {@code chosen[0, n)} in proportion to their weights. */
    private int draw(int n) {
        double mass = 0;
        for (int j = 0; j < n; j++) {
            mass += weights[chosen[j]];
        }
        double u = random.nextDouble() * mass; // u < mass, summed in the same order below: always found
        double cumulative = 0;
        for (int j = 0; j < n; j++) {
            cumulative += weights[chosen[j]];
            if (u < cumulative) {
                return chosen[j];
            }
        }
        throw new AssertionError("draw past the candidate mass");
    }

    /** Orders by logit, then by lower index, as one signed long (float bits made sortable). */
    private static long candidateKey(float logit, int index) {
        int bits = Float.floatToIntBits(logit + 0.0f); // -0 ties with +0, as in argmax
        int sortable = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) sortable << 32) | (~index & 0xffffffffL);
    }

    private static int tokenOf(long key) {
        return ~(int) key;
    }

    private static long medianOfThree(long a, long b, long c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }

    private void siftDown(int i, int size) {
        long key = keys[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && keys[child + 1] > keys[child]) {
                child++;
            }
            if (keys[child] <= key) {
                break;
            }
            keys[i] = keys[child];
            i = child;
        }
        keys[i] = key;
    }

    private void ensureScratch(int length) {
        if (weights.length < length) {
            weights = new double[length];
            keys = new long[length];
            chosen = new int[length];
        }
    }
}
