package ai.chorus.core.cluster;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Splits text into lower-cased word unigrams and bigrams, as UTF-8 bytes, without allocating per
 * token. A word is a maximal run of Unicode letters, digits and combining marks (so Devanagari or
 * accented words stay whole); a word that starts with a digit becomes {@value #NUMBER}, as in c-BTM,
 * so numbers do not flood the vocabulary. A bigram is "previous word" + ' ' + "word".
 *
 * <p>Not thread-safe: one instance per thread.
 */
final class WordTerms {
    static final String NUMBER = "#NUMBER";
    private static final byte[] NUMBER_BYTES = NUMBER.getBytes(StandardCharsets.UTF_8);

    /** Receives each term; the bytes are only valid during the call. */
    interface Sink {
        void term(byte[] utf8, int length);
    }

    private byte[] word = new byte[64];
    private int wordLength;
    private byte[] previous = new byte[64];
    private int previousLength;
    private byte[] bigram = new byte[129];

    void forEach(String text, Sink sink) {
        boolean havePrevious = false;
        int n = text.length();
        int i = 0;
        while (i < n) {
            int cp = text.codePointAt(i);
            if (!isWordChar(cp)) {
                i += Character.charCount(cp);
                continue;
            }
            boolean number = Character.isDigit(cp);
            wordLength = 0;
            while (i < n) {
                cp = text.codePointAt(i);
                if (!isWordChar(cp)) {
                    break;
                }
                if (!number) {
                    appendUtf8(Character.toLowerCase(cp));
                }
                i += Character.charCount(cp);
            }
            if (number) {
                ensureWord(NUMBER_BYTES.length);
                System.arraycopy(NUMBER_BYTES, 0, word, 0, NUMBER_BYTES.length);
                wordLength = NUMBER_BYTES.length;
            }
            sink.term(word, wordLength);
            if (havePrevious) {
                int length = previousLength + 1 + wordLength;
                if (bigram.length < length) {
                    bigram = new byte[Math.max(length, 2 * bigram.length)];
                }
                System.arraycopy(previous, 0, bigram, 0, previousLength);
                bigram[previousLength] = ' ';
                System.arraycopy(word, 0, bigram, previousLength + 1, wordLength);
                sink.term(bigram, length);
            }
            byte[] swap = previous;
            previous = word;
            previousLength = wordLength;
            word = swap;
            havePrevious = true;
        }
    }

    static boolean isWordChar(int cp) {
        if (Character.isLetterOrDigit(cp)) {
            return true;
        }
        int type = Character.getType(cp);
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK;
    }

    private void appendUtf8(int cp) {
        ensureWord(wordLength + 4);
        if (cp < 0x80) {
            word[wordLength++] = (byte) cp;
        } else if (cp < 0x800) {
            word[wordLength++] = (byte) (0xc0 | cp >>> 6);
            word[wordLength++] = (byte) (0x80 | cp & 0x3f);
        } else if (cp < 0x10000) {
            word[wordLength++] = (byte) (0xe0 | cp >>> 12);
            word[wordLength++] = (byte) (0x80 | cp >>> 6 & 0x3f);
            word[wordLength++] = (byte) (0x80 | cp & 0x3f);
        } else {
            word[wordLength++] = (byte) (0xf0 | cp >>> 18);
            word[wordLength++] = (byte) (0x80 | cp >>> 12 & 0x3f);
            word[wordLength++] = (byte) (0x80 | cp >>> 6 & 0x3f);
            word[wordLength++] = (byte) (0x80 | cp & 0x3f);
        }
    }

    private void ensureWord(int capacity) {
        if (word.length < capacity) {
            word = Arrays.copyOf(word, Math.max(capacity, 2 * word.length));
        }
    }
}
