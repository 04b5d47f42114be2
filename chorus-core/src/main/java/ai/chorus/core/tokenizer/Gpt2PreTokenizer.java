package ai.chorus.core.tokenizer;

/**
 * Splits text into the pieces GPT-2's regular expression finds, without a regex engine.
 *
 * <p>The pattern ({@link #GPT2_PATTERN}, the one Hugging Face's ByteLevel pre-tokenizer runs with
 * Oniguruma) is: a contraction ('s 't 're 've 'm 'll 'd), else an optional space and a run of
 * letters, of numbers, or of anything else that is not whitespace; else a run of whitespace, less
 * its last character when non-whitespace follows (so that a final space can join the next word).
 * Scanning by hand gives the same pieces several times faster than {@code java.util.regex}; the
 * tests check both agree. Classes follow Unicode as Oniguruma does: letters are category L, numbers
 * category N, whitespace the White_Space property (which Java's regex matches only with
 * {@code UNICODE_CHARACTER_CLASS}; {@code Character.isWhitespace} differs, e.g. on NBSP and U+001C).
 * Category data comes from the running JDK (Unicode 13 on Java 17), so characters assigned in later
 * Unicode versions may split differently from Hugging Face's build.
 */
final class Gpt2PreTokenizer {
    /** The reference pattern; run it with {@code Pattern.UNICODE_CHARACTER_CLASS}. */
    static final String GPT2_PATTERN =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    static final int LETTER = 0;
    static final int NUMBER = 1;
    static final int SPACE = 2;
    static final int OTHER = 3;

    private static final byte[] ASCII_CLASS = new byte[128];

    static {
        for (int c = 0; c < 128; c++) {
            ASCII_CLASS[c] = (byte) classOfNonAscii(c);
        }
    }

    private Gpt2PreTokenizer() {}

    /** The class of a code point: {@link #LETTER}, {@link #NUMBER}, {@link #SPACE} or {@link #OTHER}. */
    static int classOf(int codePoint) {
        return codePoint < 128 ? ASCII_CLASS[codePoint] : classOfNonAscii(codePoint);
    }

    private static int classOfNonAscii(int cp) {
        if (isWhiteSpace(cp)) {
            return SPACE;
        }
        switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER:
            case Character.LOWERCASE_LETTER:
            case Character.TITLECASE_LETTER:
            case Character.MODIFIER_LETTER:
            case Character.OTHER_LETTER:
                return LETTER;
            case Character.DECIMAL_DIGIT_NUMBER:
            case Character.LETTER_NUMBER:
            case Character.OTHER_NUMBER:
                return NUMBER;
            default:
                return OTHER;
        }
    }

    /** Unicode's White_Space property (stable since Unicode 6.3). */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    /**
     * The end (exclusive) of the piece that starts at {@code pos}; call again from there until the
     * end of the text. Every character belongs to exactly one piece.
     */
    static int nextPieceEnd(String text, int pos) {
        int end = text.length();
        char c = text.charAt(pos);
        if (c == '\'' && pos + 1 < end) {
            char c1 = text.charAt(pos + 1);
            if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') {
                return pos + 2;
            }
            if (pos + 2 < end) {
                char c2 = text.charAt(pos + 2);
                if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
                    return pos + 3;
                }
            }
        }
        int runClass = classOf(text.codePointAt(pos));
        int runStart = pos;
        if (c == ' ' && pos + 1 < end) {
            int nextClass = classOf(text.codePointAt(pos + 1));
            if (nextClass != SPACE) {
                runClass = nextClass;
                runStart = pos + 1;
            }
        }
        if (runClass != SPACE) {
            int q = runStart;
            while (q < end) {
                int cp = text.codePointAt(q);
                if (classOf(cp) != runClass) {
                    break;
                }
                q += Character.charCount(cp);
            }
            return q;
        }
        // Whitespace (always one UTF-16 unit): all of it at the end of the text or when it is a single
        // character; otherwise all but the last, which then leads the next piece or stands alone.
        int q = pos + 1;
        while (q < end && classOf(text.charAt(q)) == SPACE) {
            q++;
        }
        return q == end || q == pos + 1 ? q : q - 1;
    }
}
