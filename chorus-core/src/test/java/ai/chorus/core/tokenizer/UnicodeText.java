package ai.chorus.core.tokenizer;

import static org.quicktheories.api.Pair.of;

import java.util.List;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.quicktheories.generators.SourceDSL;

/** Generators of text that stresses a byte-level tokenizer: every script class, space kind and plane. */
final class UnicodeText {
    private UnicodeText() {}

    /** Every White_Space character, and look-alikes that are not (ZWSP, U+001C-U+001F, U+180E, BOM). */
    static final List<Integer> SPACES_AND_LOOKALIKES = List.of(
            0x20, 0x20, 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
            0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
            0x200B, 0x1C, 0x1D, 0x1E, 0x1F, 0x180E, 0xFEFF);

    /** Code points of valid Unicode text (no surrogates), weighted towards the interesting. */
    static Gen<Integer> codePoints() {
        return Generate.frequency(List.of(
                of(6, Generate.range(0x20, 0x7E)),                        // ASCII printable
                of(3, Generate.pick(List.of((int) '\'', (int) 's', (int) 't', (int) 'r', (int) 'e', (int) 'v',
                        (int) 'l', (int) 'd', (int) 'm', (int) ' '))),    // contractions
                of(4, Generate.pick(SPACES_AND_LOOKALIKES)),
                of(1, Generate.range(0x00, 0x1F)),                        // C0 controls
                of(1, Generate.range(0x7F, 0x9F)),                        // DEL, C1 controls
                of(2, Generate.range(0xA0, 0x24F)),                       // Latin-1, Latin Extended
                of(2, Generate.range(0x300, 0x36F)),                      // combining marks
                of(1, Generate.range(0x370, 0x52F)),                      // Greek, Cyrillic
                of(1, Generate.range(0x600, 0x6FF)),                      // Arabic (and its digits)
                of(1, Generate.range(0x900, 0x97F)),                      // Devanagari (letters + marks)
                of(1, Generate.pick(List.of(0xBD, 0xB2, 0x2167, 0x216B, 0x2460, 0xFF10, 0x0663))), // No, Nl, Nd
                of(3, Generate.range(0x4E00, 0x9FFF)),                    // CJK
                of(1, Generate.range(0xAC00, 0xD7A3)),                    // Hangul
                of(1, Generate.range(0x3040, 0x30FF)),                    // kana
                of(3, Generate.range(0x1F300, 0x1FAFF)),                  // emoji
                of(1, Generate.pick(List.of(0x200D, 0xFE0F, 0x1F3FB, 0x1F1E9, 0x1F1EA))), // ZWJ, VS16, modifiers
                of(1, Generate.range(0x20000, 0x2A6DF)),                  // CJK Ext B (supplementary letters)
                of(1, Generate.range(0x1D400, 0x1D7FF)),                  // math letters and digits
                of(1, Generate.range(0xE000, 0xF8FF)),                    // private use
                of(1, Generate.pick(List.of(0xFFFD, 0xFFFE, 0xFFFF, 0x10FFFF, 0xE0001))), // specials, noncharacters
                of(2, Generate.range(0, 0x10FFFF).assuming(cp -> cp < 0xD800 || cp > 0xDFFF))));
    }

    static Gen<String> validText(int maxCodePoints) {
        return SourceDSL.lists().of(codePoints()).ofSizeBetween(0, maxCodePoints).map(UnicodeText::toText);
    }

    /** Like {@link #validText} but may hold unpaired surrogates (Java strings can; UTF-8 cannot). */
    static Gen<String> anyUtf16(int maxCodePoints) {
        Gen<Integer> withSurrogates = codePoints().mix(Generate.range(0xD800, 0xDFFF), 10);
        return SourceDSL.lists().of(withSurrogates).ofSizeBetween(0, maxCodePoints).map(UnicodeText::toText);
    }

    private static String toText(List<Integer> codePoints) {
        StringBuilder sb = new StringBuilder();
        for (int cp : codePoints) {
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }
}
