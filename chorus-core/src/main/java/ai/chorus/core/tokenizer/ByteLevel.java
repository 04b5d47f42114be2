package ai.chorus.core.tokenizer;

/**
 * GPT-2's byte-level alphabet and the UTF-8 conversions around it.
 *
 * <p>Every byte value gets one printable character (printable Latin-1 bytes map to themselves, the
 * other 68 to U+0100..U+0143), so a token of raw bytes is written in tokenizer.json as a plain
 * string, e.g. a leading space shows as 'Ġ'. This is the mapping of Hugging Face's ByteLevel
 * pre-tokenizer and decoder.
 */
final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int ALPHABET_END = 256 + 68;
    private static final short[] CHAR_TO_BYTE = new short[ALPHABET_END];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, (short) -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = (char) (printable ? b : next++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = (short) b;
        }
    }

    private ByteLevel() {}

    static char charOf(int unsignedByte) {
        return BYTE_TO_CHAR[unsignedByte];
    }

    /** The byte a character of the alphabet stands for, or -1 if it is not in the alphabet. */
    static int byteOf(char c) {
        return c < ALPHABET_END ? CHAR_TO_BYTE[c] : -1;
    }

    static String toTokenString(byte[] bytes) {
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            chars[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(chars);
    }

    /** The bytes a token string stands for, or null if a character is outside the alphabet. */
    static byte[] fromTokenString(String token) {
        byte[] bytes = new byte[token.length()];
        for (int i = 0; i < bytes.length; i++) {
            int b = byteOf(token.charAt(i));
            if (b < 0) {
                return null;
            }
            bytes[i] = (byte) b;
        }
        return bytes;
    }

    /** The most UTF-8 bytes {@code chars} UTF-16 units can need. */
    static int maxUtf8Length(int chars) {
        return chars * 3;
    }

    /**
     * Writes the UTF-8 form of {@code text[start, end)} to {@code out} and returns the byte count.
     * An unpaired surrogate (which no UTF-8 text can hold) is written as U+FFFD.
     */
    static int encodeUtf8(String text, int start, int end, byte[] out) {
        int n = 0;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                out[n++] = (byte) c;
            } else if (c < 0x800) {
                out[n++] = (byte) (0xC0 | (c >> 6));
                out[n++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(text.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, text.charAt(++i));
                out[n++] = (byte) (0xF0 | (cp >> 18));
                out[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                out[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                out[n++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                char unit = Character.isSurrogate(c) ? '\uFFFD' : c;
                out[n++] = (byte) (0xE0 | (unit >> 12));
                out[n++] = (byte) (0x80 | ((unit >> 6) & 0x3F));
                out[n++] = (byte) (0x80 | (unit & 0x3F));
            }
        }
        return n;
    }

    /**
     * Decodes UTF-8, replacing each maximal ill-formed subsequence by one U+FFFD, as the Unicode
     * standard (§3.9, "U+FFFD substitution of maximal subparts") recommends and as Rust's
     * {@code String::from_utf8_lossy} (used by Hugging Face's decoder) does. The JDK's decoder
     * differs on encoded surrogates (ED A0 80 gives one U+FFFD there, three here).
     */
    static String decodeUtf8Lossy(byte[] bytes, int length) {
        StringBuilder sb = new StringBuilder(length);
        int i = 0;
        while (i < length) {
            int b0 = bytes[i] & 0xFF;
            if (b0 < 0x80) {
                sb.append((char) b0);
                i++;
                continue;
            }
            int need;
            int lower = 0x80;
            int upper = 0xBF;
            int cp;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                need = 1;
                cp = b0 & 0x1F;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                cp = b0 & 0x0F;
                if (b0 == 0xE0) {
                    lower = 0xA0;
                } else if (b0 == 0xED) {
                    upper = 0x9F;
                }
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                cp = b0 & 0x07;
                if (b0 == 0xF0) {
                    lower = 0x90;
                } else if (b0 == 0xF4) {
                    upper = 0x8F;
                }
            } else {
                sb.append('\uFFFD');
                i++;
                continue;
            }
            int j = i + 1;
            boolean complete = true;
            for (int k = 0; k < need; k++, j++) {
                int b = j < length ? bytes[j] & 0xFF : -1;
                // Only the second byte has a narrowed range; later ones are plain continuation bytes.
                int lo = k == 0 ? lower : 0x80;
                int hi = k == 0 ? upper : 0xBF;
                if (b < lo || b > hi) {
                    complete = false;
                    break;
                }
                cp = (cp << 6) | (b & 0x3F);
            }
            if (complete) {
                sb.appendCodePoint(cp);
            } else {
                sb.append('\uFFFD');
            }
            i = j;
        }
        return sb.toString();
    }
}
