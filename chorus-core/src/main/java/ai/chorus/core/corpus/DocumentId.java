package ai.chorus.core.corpus;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A stable document id: the first 128 bits of SHA-256 over the document's UTF-8 text.
 * Identical texts share an id, which is how {@code prepare} drops exact duplicates.
 */
public record DocumentId(long high, long low) implements Comparable<DocumentId> {

    public static DocumentId ofText(String text) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
        byte[] d = sha.digest(text.getBytes(StandardCharsets.UTF_8));
        return new DocumentId(toLong(d, 0), toLong(d, 8));
    }

    public static DocumentId parse(String hex) {
        if (hex.length() != 32) {
            throw new IllegalArgumentException("a document id is 32 hex digits: " + hex);
        }
        return new DocumentId(Long.parseUnsignedLong(hex.substring(0, 16), 16),
                Long.parseUnsignedLong(hex.substring(16), 16));
    }

    public String hex() {
        HexFormat f = HexFormat.of();
        return f.toHexDigits(high) + f.toHexDigits(low);
    }

    @Override
    public int compareTo(DocumentId o) {
        int c = Long.compareUnsigned(high, o.high);
        return c != 0 ? c : Long.compareUnsigned(low, o.low);
    }

    @Override
    public String toString() {
        return hex();
    }

    private static long toLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }
}
