package ai.chorus.core.merge;

/**
 * The k-th largest |τ[j]| of one task vector, exactly, in two streaming passes and no copy of the tensor:
 * a radix select on the bits of non-negative floats, whose order as integers is their order as numbers
 * (NaN sorts above infinity). TIES keeps the entries at or above it.
 */
final class MagnitudeThreshold {
    private static final int BUCKETS = 1 << 16;
    private final int[] counts = new int[BUCKETS];

    /** The k-th largest (1-based) |fl(models[model][j] − base[j])| over j in [0, size); 1 ≤ k ≤ size. */
    float kthLargest(MergeMethod.Tensor t, int model, int k) {
        float[] m = t.models()[model];
        float[] base = t.base();
        int size = t.size();
        if (k < 1 || k > size) {
            throw new IllegalArgumentException("k " + k + " outside [1, " + size + "]");
        }
        java.util.Arrays.fill(counts, 0);
        for (int j = 0; j < size; j++) {
            counts[magnitudeBits(m[j], base[j]) >>> 16]++;
        }
        int high = BUCKETS - 1;
        int above = 0;
        while (above + counts[high] < k) {
            above += counts[high--];
        }
        java.util.Arrays.fill(counts, 0);
        for (int j = 0; j < size; j++) {
            int bits = magnitudeBits(m[j], base[j]);
            if (bits >>> 16 == high) {
                counts[bits & 0xFFFF]++;
            }
        }
        int low = BUCKETS - 1;
        while (above + counts[low] < k) {
            above += counts[low--];
        }
        return Float.intBitsToFloat(high << 16 | low);
    }

    /** The same float the merge compares against the threshold: |fl(θ_i − θ_0)| as raw bits. */
    static int magnitudeBits(float model, float base) {
        return Float.floatToRawIntBits((float) ((double) model - base)) & 0x7FFF_FFFF;
    }
}
