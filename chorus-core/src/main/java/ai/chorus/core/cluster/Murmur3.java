package ai.chorus.core.cluster;

/**
 * MurmurHash3 x86 32-bit (Austin Appleby's reference, public domain) over a byte range.
 *
 * <p>Chosen for term hashing because it is fixed by its specification: the same term maps to the
 * same bucket on every JVM and in Python ({@code mmh3.hash(bytes, 0, signed=False)}, which is
 * also what scikit-learn's HashingVectorizer uses), unlike {@link String#hashCode()}.
 */
final class Murmur3 {
    private Murmur3() {}

    private static final int C1 = 0xcc9e2d51;
    private static final int C2 = 0x1b873593;

    static int hash32(byte[] data, int offset, int length, int seed) {
        int h = seed;
        int end = offset + (length & ~3);
        for (int i = offset; i < end; i += 4) {
            int k = (data[i] & 0xff) | (data[i + 1] & 0xff) << 8 | (data[i + 2] & 0xff) << 16 | data[i + 3] << 24;
            h ^= mixK(k);
            h = Integer.rotateLeft(h, 13);
            h = h * 5 + 0xe6546b64;
        }
        int tail = length & 3;
        if (tail > 0) {
            int k = 0;
            if (tail == 3) {
                k ^= (data[end + 2] & 0xff) << 16;
            }
            if (tail >= 2) {
                k ^= (data[end + 1] & 0xff) << 8;
            }
            k ^= data[end] & 0xff;
            h ^= mixK(k);
        }
        h ^= length;
        return fmix(h);
    }

    private static int mixK(int k) {
        k *= C1;
        k = Integer.rotateLeft(k, 15);
        return k * C2;
    }

    private static int fmix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
