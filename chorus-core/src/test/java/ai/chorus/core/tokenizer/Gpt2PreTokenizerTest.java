package ai.chorus.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class Gpt2PreTokenizerTest {
    /** The reference: GPT-2's pattern in java.util.regex, with Unicode classes as in Oniguruma. */
    private static final Pattern REFERENCE =
            Pattern.compile(Gpt2PreTokenizer.GPT2_PATTERN, Pattern.UNICODE_CHARACTER_CLASS);

    static List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        for (int p = 0; p < text.length(); ) {
            int q = Gpt2PreTokenizer.nextPieceEnd(text, p);
            out.add(text.substring(p, q));
            p = q;
        }
        return out;
    }

    static List<String> referencePieces(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = REFERENCE.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.start() != last) {
                out.add(text.substring(last, m.start())); // never happens: every character matches some branch
            }
            out.add(m.group());
            last = m.end();
        }
        if (last != text.length()) {
            out.add(text.substring(last));
        }
        return out;
    }

    @Test
    void classesAgreeWithUnicodeRegexClassesForEveryCodePoint() {
        Pattern letter = Pattern.compile("\\p{L}", Pattern.UNICODE_CHARACTER_CLASS);
        Pattern number = Pattern.compile("\\p{N}", Pattern.UNICODE_CHARACTER_CLASS);
        Pattern space = Pattern.compile("\\s", Pattern.UNICODE_CHARACTER_CLASS);
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            String s = new String(Character.toChars(cp));
            int expected = letter.matcher(s).matches() ? Gpt2PreTokenizer.LETTER
                    : number.matcher(s).matches() ? Gpt2PreTokenizer.NUMBER
                    : space.matcher(s).matches() ? Gpt2PreTokenizer.SPACE
                    : Gpt2PreTokenizer.OTHER;
            if (Gpt2PreTokenizer.classOf(cp) != expected) {
                throw new AssertionError("class of U+" + Integer.toHexString(cp) + ": " + Gpt2PreTokenizer.classOf(cp)
                        + " but the regex says " + expected);
            }
        }
    }

    @Test
    void splitsLikeGpt2() {
        assertThat(pieces("Hello world")).containsExactly("Hello", " world");
        assertThat(pieces("I don't know, they'll say 'so'.")).containsExactly(
                "I", " don", "'t", " know", ",", " they", "'ll", " say", " '", "so", "'.");
        assertThat(pieces("a  b")).containsExactly("a", " ", " b");
        assertThat(pieces("a\n\nb")).containsExactly("a", "\n", "\n", "b");
        assertThat(pieces("x   ")).containsExactly("x", "   ");
        assertThat(pieces("in 2024: 3.14%")).containsExactly("in", " 2024", ":", " 3", ".", "14", "%");
        assertThat(pieces("naïve 東京タワー")).containsExactly("naïve", " 東京タワー");
        // A combining mark is not a letter, NBSP is whitespace but not ' ', U+001C is not whitespace.
        assertThat(pieces("e\u0301t\u00A0a\u001Cb")).containsExactly("e", "\u0301", "t", "\u00A0", "a", "\u001C", "b");
        assertThat(pieces("👍🏽 ok")).containsExactly("👍🏽", " ok");
        assertThat(pieces("'S 's")).containsExactly("'", "S", " '", "s");
        assertThat(pieces("")).isEmpty();
    }

    @Test
    void splitsExactlyLikeTheReferenceRegex() {
        qt().withFixedSeed(42L).withExamples(3000).forAll(UnicodeText.anyUtf16(40))
                .check(text -> pieces(text).equals(referencePieces(text)));
    }
}
