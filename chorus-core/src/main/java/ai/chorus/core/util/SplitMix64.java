package ai.chorus.core.util;

/** SplitMix64's finaliser (Steele, Lea, Flood 2014): the one 64-bit mixer behind Chorus's counter-based draws. */
public final class SplitMix64 {
    private SplitMix64() {}

    /** A bijective, well-mixed image of {@code z}; applied to seed + golden-ratio × counter it is SplitMix64. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
