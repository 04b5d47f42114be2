package ai.chorus.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.Generate;
import org.quicktheories.generators.SourceDSL;

class ByteLevelTest {
    @Test
    void alphabetIsGpt2s() {
        Set<Character> seen = new HashSet<>();
        for (int b = 0; b < 256; b++) {
            char c = ByteLevel.charOf(b);
            assertThat(seen.add(c)).isTrue();
            assertThat(ByteLevel.byteOf(c)).isEqualTo(b);
            assertThat(Character.isWhitespace(c) || Character.isISOControl(c)).isFalse();
        }
        // Known GPT-2 characters: space 'Ġ', newline 'Ċ', tab 'ĉ', 0xAD 'Ń', letters as themselves.
        assertThat(ByteLevel.charOf(' ')).isEqualTo('Ġ');
        assertThat(ByteLevel.charOf('\n')).isEqualTo('Ċ');
        assertThat(ByteLevel.charOf('\t')).isEqualTo('ĉ');
        assertThat(ByteLevel.charOf(0xAD)).isEqualTo('Ń');
        assertThat(ByteLevel.charOf('a')).isEqualTo('a');
        assertThat(ByteLevel.byteOf((char) 0x4E00)).isEqualTo(-1);
        assertThat(ByteLevel.fromTokenString("Ġthe")).isEqualTo(" the".getBytes(StandardCharsets.US_ASCII));
        assertThat(ByteLevel.fromTokenString("日")).isNull();
    }

    @Test
    void encodesUtf8LikeTheJdkForValidText() {
        qt().withFixedSeed(42L).withExamples(2000).forAll(UnicodeText.validText(40)).check(s -> {
            byte[] out = new byte[ByteLevel.maxUtf8Length(s.length())];
            int n = ByteLevel.encodeUtf8(s, 0, s.length(), out);
            return java.util.Arrays.equals(java.util.Arrays.copyOf(out, n), s.getBytes(StandardCharsets.UTF_8));
        });
    }

    private static String lossy(int... unsignedBytes) {
        byte[] b = new byte[unsignedBytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) unsignedBytes[i];
        }
        return ByteLevel.decodeUtf8Lossy(b, b.length);
    }

    @Test
    void replacesMaximalIllFormedSubpartsLikeRust() {
        // Expected values from the WHATWG/Rust decoders (checked against tokenizers 0.21 too).
        assertThat(lossy(0xED, 0xA0, 0x80)).isEqualTo("\uFFFD\uFFFD\uFFFD"); // encoded surrogate; the JDK gives one
        assertThat(lossy(0xF0, 0x80, 0x80, 0x80)).isEqualTo("\uFFFD".repeat(4)); // overlong
        assertThat(lossy(0xF4, 0x90, 0x80, 0x80)).isEqualTo("\uFFFD".repeat(4)); // above U+10FFFF
        assertThat(lossy(0xE2, 0x82)).isEqualTo("\uFFFD"); // truncated
        assertThat(lossy(0xE2, 0x82, 'A')).isEqualTo("\uFFFDA");
        assertThat(lossy(0xF0, 0x9F, 0x98, 'A')).isEqualTo("\uFFFDA");
        assertThat(lossy(0xC0, 0xAF)).isEqualTo("\uFFFD\uFFFD");
        assertThat(lossy(0xE0, 0x80, 0x80)).isEqualTo("\uFFFD\uFFFD\uFFFD");
        assertThat(lossy(0xFF, 0xFE, 0xC2)).isEqualTo("\uFFFD\uFFFD\uFFFD");
        assertThat(lossy(0xF0, 0x9F, 0x99, 0x82)).isEqualTo("🙂");
    }

    @Test
    void decodesLikeTheJdkWhereTheJdkFollowsTheStandard() {
        // The JDK agrees with the standard except on encoded surrogates (ED A0..BF), so leave those out.
        qt().withFixedSeed(42L).withExamples(3000)
                .forAll(SourceDSL.lists().of(Generate.range(0, 255)).ofSizeBetween(0, 24))
                .assuming(bytes -> {
                    for (int i = 0; i + 1 < bytes.size(); i++) {
                        if (bytes.get(i) == 0xED && bytes.get(i + 1) >= 0xA0) {
                            return false;
                        }
                    }
                    return true;
                })
                .check(bytes -> {
                    byte[] b = new byte[bytes.size()];
                    for (int i = 0; i < b.length; i++) {
                        b[i] = (byte) (int) bytes.get(i);
                    }
                    return ByteLevel.decodeUtf8Lossy(b, b.length).equals(new String(b, StandardCharsets.UTF_8));
                });
    }
}
