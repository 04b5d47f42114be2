package ai.chorus.engine.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import ai.chorus.engine.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

    @Test
    void parsesEveryKindOfValue() {
        Object v = Json.parse("{\"a\": [1, -2.5e3, true, false, null, \"x\\u00e9\\n\\ud83d\\ude00\"], \"b\": {}}", "t");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("a", Arrays.asList(1L, -2500.0, true, false, null, "xé\n😀"));
        expected.put("b", Map.of());
        assertThat(v).isEqualTo(expected);
    }

    @Test
    void keepsKeyOrderAndNumberKinds() {
        Map<String, Object> m = Json.parseObject("{\"z\":1,\"a\":2.0,\"m\":12345678901234567890}", "t");
        assertThat(m.keySet()).containsExactly("z", "a", "m");
        assertThat(m.get("z")).isEqualTo(1L);
        assertThat(m.get("a")).isEqualTo(2.0);
        assertThat(m.get("m")).isEqualTo(1.2345678901234567e19); // beyond a long: a double
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", " ", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "[1 2]", "01", "1.", ".5", "+1", "1e", "-",
        "tru", "nul", "\"abc", "\"\\x\"", "\"\\u12g4\"", "\"\\ud800\"", "\"\\udc00\\ud800\"", "\"a\tb\"",
        "{\"a\":1,\"a\":2}", "[1] x", "{} {}", "1e999", "NaN", "[Infinity]", "'a'", "\"\\u\u0660\u0660\u0660\u0660\"",
    })
    void refusesMalformedJson(String text) {
        assertThatThrownBy(() -> Json.parse(text, "doc.json"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("doc.json: invalid JSON at character ");
    }

    @Test
    void namesTheDuplicateKey() {
        assertThatThrownBy(() -> Json.parse("{\"x\": {\"k\": 1, \"k\": 1}}", "f.json"))
                .hasMessageContaining("duplicate key \"k\"");
    }

    @Test
    void refusesDeepNestingWithoutOverflowingTheStack() {
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        assertThat(Json.parse(ok, "t")).isInstanceOf(List.class);
        String deep = "[".repeat(100_000);
        assertThatThrownBy(() -> Json.parse(deep, "t")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("nesting deeper than 64");
    }

    @Test
    void refusesInvalidUtf8() {
        byte[] bad = {'"', (byte) 0xc3, (byte) 0x28, '"'};
        assertThatThrownBy(() -> Json.parse(bad, "h.json")).isInstanceOf(InvalidInputException.class)
                .hasMessage("h.json: not valid UTF-8 text");
        byte[] overlong = {'"', (byte) 0xc0, (byte) 0xaf, '"'};
        assertThatThrownBy(() -> Json.parse(overlong, "h.json")).isInstanceOf(InvalidInputException.class);
        byte[] encodedSurrogate = {'"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"'};
        assertThatThrownBy(() -> Json.parse(encodedSurrogate, "h.json")).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void writesEscapesThatItReadsBack() {
        String s = "q\"b\\s/\b\f\n\r\t\u0001\u001f é 😀";
        String json = Json.write(s);
        assertThat(json).doesNotContain("\n").contains("\\u0001");
        assertThat(Json.parse(json, "t")).isEqualTo(s);
    }

    @Test
    void writerRefusesWhatJsonCannotHold() {
        assertThatThrownBy(() -> Json.write(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.write("\ud800")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.write(Map.of(1, 2))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.write(new Object())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void prettyOutputIsIndentedAndParsesToTheSameValue() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("a", List.of(1L, 2L));
        m.put("b", Map.of("c", "d"));
        m.put("e", List.of());
        String pretty = Json.writePretty(m);
        assertThat(pretty).isEqualTo("{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {\n    \"c\": \"d\"\n  },\n  \"e\": []\n}");
        assertThat(Json.parse(pretty, "t")).isEqualTo(m);
    }

    /** parse ∘ write = identity, compact and pretty, on random documents (including via UTF-8 bytes). */
    @Test
    void parseInvertsWrite() {
        qt().withFixedSeed(42L).withExamples(300).forAll(longs().all()).checkAssert(seed -> {
            Object value = randomValue(new Random(seed), 0);
            assertThat(Json.parse(Json.write(value), "t")).isEqualTo(value);
            byte[] utf8 = Json.writePretty(value).getBytes(StandardCharsets.UTF_8);
            assertThat(Json.parse(utf8, "t")).isEqualTo(value);
        });
    }

    /** Mutated documents parse or are refused with InvalidInputException; nothing else escapes. */
    @Test
    void mutatedDocumentsAreParsedOrRefused() {
        int[] parsedAndRefused = new int[2];
        qt().withFixedSeed(42L).withExamples(1000).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            char[] text = Json.write(randomValue(r, 0)).toCharArray();
            if (text.length == 0) {
                return;
            }
            String alphabet = "{}[]\":,.-+eE0123456789\\u \tnrtfalse\u00e9\ud800";
            for (int i = 1 + r.nextInt(3); i > 0; i--) {
                text[r.nextInt(text.length)] = alphabet.charAt(r.nextInt(alphabet.length()));
            }
            String mutant = new String(text, 0, r.nextInt(4) == 0 ? r.nextInt(text.length + 1) : text.length);
            try {
                Json.parse(mutant, "m");
                parsedAndRefused[0]++;
            } catch (InvalidInputException refused) {
                assertThat(refused.getMessage()).startsWith("m: invalid JSON at character ");
                parsedAndRefused[1]++;
            }
        });
        assertThat(parsedAndRefused[0]).isGreaterThan(10);
        assertThat(parsedAndRefused[1]).isGreaterThan(10);
    }

    static Object randomValue(Random r, int depth) {
        int kind = r.nextInt(depth >= 4 ? 6 : 8);
        switch (kind) {
            case 0: return null;
            case 1: return r.nextBoolean();
            case 2: return randomLong(r);
            case 3: return randomDouble(r);
            case 4:
            case 5: return randomString(r);
            case 6: {
                List<Object> list = new ArrayList<>();
                for (int i = r.nextInt(5); i > 0; i--) {
                    list.add(randomValue(r, depth + 1));
                }
                return list;
            }
            default: {
                Map<String, Object> map = new LinkedHashMap<>();
                for (int i = r.nextInt(5); i > 0; i--) {
                    map.put(randomString(r), randomValue(r, depth + 1));
                }
                return map;
            }
        }
    }

    private static long randomLong(Random r) {
        long[] edges = {0, -1, Long.MIN_VALUE, Long.MAX_VALUE};
        return r.nextInt(4) == 0 ? edges[r.nextInt(edges.length)] : r.nextLong() >> r.nextInt(64);
    }

    private static double randomDouble(Random r) {
        double[] edges = {-0.0, Double.MIN_VALUE, Double.MAX_VALUE, 1e-5, 1e22, 0.1};
        if (r.nextInt(4) == 0) {
            return edges[r.nextInt(edges.length)];
        }
        double d = Double.longBitsToDouble(r.nextLong());
        return Double.isFinite(d) ? d : r.nextGaussian();
    }

    private static String randomString(Random r) {
        StringBuilder sb = new StringBuilder();
        for (int i = r.nextInt(8); i > 0; i--) {
            int pick = r.nextInt(5);
            int cp = pick == 0 ? r.nextInt(0x20) : pick == 1 ? "\"\\/".charAt(r.nextInt(3))
                    : pick == 2 ? 0x10000 + r.nextInt(0x10ffff - 0x10000) : pick == 3 ? 0x80 + r.nextInt(0xd000)
                    : 'a' + r.nextInt(26);
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }
}
