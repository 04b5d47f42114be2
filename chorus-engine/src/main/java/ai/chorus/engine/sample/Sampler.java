package ai.chorus.engine.sample;

import java.util.SplittableRandom;

/**
 * Picks the next token from a row of logits: greedy, or random at a temperature, optionally restricted to
 * the top-k tokens and/or the nucleus (smallest set of most likely tokens whose probability reaches top-p).
 *
 * <p>Seeded, so the same seed and logits give the same tokens. Not thread-safe: one sampler per generation
 * stream. After the first call of a vocabulary size it allocates nothing: the probabilities and the
 * candidate heap live in scratch arrays it keeps.
 */
public final class Sampler {
    private final Settings settings;
    private final SplittableRandom random;
    private double[] weights = new double[0];
    private long[] heap = new long[0];

    /**
     * @param temperature 0 means greedy; otherwise logits are divided by it
     * @param topK        keep only the k most likely tokens; 0 means no limit
     * @param topP        keep the smallest most-likely set whose probability reaches p, in (0, 1]; 1 means all
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
        ensureScratch(length);
        // exp((l - max) / T) in double: the largest weight is exactly 1, so the sum never under- or overflows.
        double total = 0;
        for (int i = 0; i < length; i++) {
            double w = Math.exp((logits[offset + i] - max) * invTemperature);
            weights[i] = w;
            total += w;
        }
        if (settings.topK == 0 && settings.topP >= 1) {
            return drawInIndexOrder(total, length);
        }
        return drawFromNucleus(logits, offset, length, total);
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

    private int drawInIndexOrder(double total, int length) {
        double u = random.nextDouble() * total;
        double cumulative = 0;
        for (int i = 0; i < length; i++) {
            cumulative += weights[i];
            if (u < cumulative) {
                return i;
            }
        }
        return lastPositive(length); // u landed in the rounding slack at the top
    }

    /**
     * Pops candidates off a max-heap (largest logit first, lowest index on ties) until top-k are taken or
     * their probability reaches top-p, then draws among them in proportion to their weights. Heapify is
     * O(V); each pop O(log V), so a small nucleus costs little more than one pass.
     */
    private int drawFromNucleus(float[] logits, int offset, int length, double total) {
        for (int i = 0; i < length; i++) {
            heap[i] = candidateKey(logits[offset + i], i);
        }
        for (int i = length / 2 - 1; i >= 0; i--) {
            siftDown(i, length);
        }
        int limit = settings.topK == 0 ? length : Math.min(settings.topK, length);
        double needed = settings.topP * total;
        double kept = 0;
        int taken = 0;
        int size = length;
        while (taken < limit && (taken == 0 || kept < needed)) {
            int token = tokenOf(heap[0]);
            long last = heap[--size];
            heap[size] = token; // popped tokens collect at the end of the array, most likely last
            if (size > 0) {
                heap[0] = last;
                siftDown(0, size);
            }
            kept += weights[token];
            taken++;
        }
        double u = random.nextDouble() * kept;
        double cumulative = 0;
        for (int j = length - 1; j >= length - taken; j--) {
            int token = (int) heap[j];
            cumulative += weights[token];
            if (u < cumulative) {
                return token;
            }
        }
        return (int) heap[length - 1]; // rounding slack: the most likely candidate
    }

    private int lastPositive(int length) {
        for (int i = length - 1; i >= 0; i--) {
            if (weights[i] > 0) {
                return i;
            }
        }
        throw new AssertionError("the argmax always has weight 1");
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

    private void siftDown(int i, int size) {
        long key = heap[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1] > heap[child]) {
                child++;
            }
            if (heap[child] <= key) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = key;
    }

    private void ensureScratch(int length) {
        if (weights.length < length) {
            weights = new double[length];
            heap = new long[length];
        }
    }
}
