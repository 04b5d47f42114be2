package ai.chorus.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;

import ai.chorus.core.util.Progress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.generators.Generate;
import org.quicktheories.generators.SourceDSL;

class BpeTokenizerTest {
    static BpeTokenizer tokenizer;

    @TempDir
    Path dir;

    @BeforeAll
    static void train() {
        tokenizer = new BpeTrainer(1200).train(TestCorpus.documents(600, 11).stream(), Progress.NONE);
    }

    /**
     * Hugging Face's BPE written from its description, on token strings rather than ids: bytes to
     * the byte-level alphabet, then repeatedly join the adjacent pair of lowest merge rank.
     */
    static final class ReferenceBpe {
        private final Map<String, Integer> vocab = new HashMap<>();
        private final Map<String, Integer> rank = new HashMap<>();

        ReferenceBpe(BpeTokenizer t) {
            for (int id = 0; id < t.vocabSize(); id++) {
                if (!t.isSpecial(id)) {
                    vocab.put(t.token(id), id);
                }
            }
            for (int r = 0; r < t.mergeCount(); r++) {
                rank.put(t.token(t.merges().left(r)) + " " + t.token(t.merges().right(r)), r);
            }
        }

        int[] encode(String text) {
            List<Integer> ids = new ArrayList<>();
            for (String piece : Gpt2PreTokenizerTest.referencePieces(text)) {
                List<String> symbols = new ArrayList<>();
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                    symbols.add(String.valueOf(ByteLevel.charOf(b & 0xFF)));
                }
                while (true) {
                    int best = -1;
                    int bestRank = Integer.MAX_VALUE;
                    for (int i = 0; i + 1 < symbols.size(); i++) {
                        Integer r = rank.get(symbols.get(i) + " " + symbols.get(i + 1));
                        if (r != null && r < bestRank) {
                            bestRank = r;
                            best = i;
                        }
                    }
                    if (best < 0) {
                        break;
                    }
                    symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
                }
                for (String s : symbols) {
                    ids.add(vocab.get(s));
                }
            }
            return ids.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    @Test
    void decodeInvertsEncodeForValidUnicode() {
        // Unpaired surrogates are excluded: UTF-8 cannot hold them (they encode as U+FFFD).
        qt().withFixedSeed(42L).withExamples(3000).forAll(UnicodeText.validText(60))
                .check(s -> tokenizer.decode(tokenizer.encode(s)).equals(s));
    }

    @Test
    void encodesLikeTheReferenceAlgorithm() {
        ReferenceBpe reference = new ReferenceBpe(tokenizer);
        qt().withFixedSeed(42L).withExamples(1000).forAll(UnicodeText.validText(60))
                .check(s -> Arrays.equals(tokenizer.encode(s), reference.encode(s)));
        for (String doc : TestCorpus.documents(50, 99)) {
            assertThat(tokenizer.encode(doc)).isEqualTo(reference.encode(doc));
        }
    }

    @Test
    void encodingIsDeterministicAcrossCacheStatesAndThreads() throws Exception {
        List<String> docs = TestCorpus.documents(200, 12);
        List<int[]> first = new ArrayList<>();
        for (String d : docs) {
            first.add(tokenizer.encode(d));
        }
        List<int[]> again = new ArrayList<>();
        Thread t = new Thread(() -> docs.forEach(d -> again.add(tokenizer.encode(d)))); // a cold cache
        t.start();
        t.join();
        List<int[]> parallel = tokenizer.encodeDocuments(docs);
        for (int i = 0; i < docs.size(); i++) {
            assertThat(again.get(i)).isEqualTo(first.get(i));
            assertThat(parallel.get(i)).isEqualTo(first.get(i));
            assertThat(tokenizer.encode(docs.get(i))).isEqualTo(first.get(i)); // a warm cache
        }
    }

    @Test
    void longPiecesTakeTheHeapPathAndRoundTrip() {
        String longWord = "thethe".repeat(400) + "東京".repeat(300);
        String longSpace = " ".repeat(5000) + "x";
        for (String s : List.of(longWord, longSpace, "ab".repeat(BpeMerges.SCAN_LIMIT))) {
            int[] ids = tokenizer.encode(s);
            assertThat(tokenizer.decode(ids)).isEqualTo(s);
            assertThat(ids).isEqualTo(new ReferenceBpe(tokenizer).encode(s));
        }
    }

    @Test
    void scanAndHeapMergeAlike() {
        BpeMerges merges = tokenizer.merges();
        qt().withFixedSeed(42L).withExamples(2000)
                .forAll(SourceDSL.lists().of(Generate.pick(List.of('t', 'h', 'e', 'a', 'n', ' ', 'ä', 'ß', '東')))
                        .ofSizeBetween(0, 80))
                .check(chars -> {
                    StringBuilder sb = new StringBuilder();
                    chars.forEach(sb::append);
                    byte[] utf8 = sb.toString().getBytes(StandardCharsets.UTF_8);
                    int[] a = new int[utf8.length];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = utf8[i] & 0xFF;
                    }
                    int[] b = a.clone();
                    int na = merges.applyByScan(a, a.length, new int[a.length]);
                    int nb = merges.applyByHeap(b, b.length);
                    return Arrays.equals(Arrays.copyOf(a, na), Arrays.copyOf(b, nb));
                });
    }

    @Test
    void literalSeparatorTextIsPlainText() {
        int[] ids = tokenizer.encode("end" + BpeTokenizer.END_OF_TEXT + "start");
        assertThat(ids).doesNotContain(tokenizer.endOfTextId());
        assertThat(tokenizer.decode(ids)).isEqualTo("end<|endoftext|>start");
    }

    @Test
    void decodeRendersOrSkipsSpecialTokens() {
        int[] a = tokenizer.encode("one");
        int[] b = tokenizer.encode(" two");
        int[] joined = new int[a.length + 1 + b.length];
        System.arraycopy(a, 0, joined, 0, a.length);
        joined[a.length] = tokenizer.endOfTextId();
        System.arraycopy(b, 0, joined, a.length + 1, b.length);
        assertThat(tokenizer.decode(joined)).isEqualTo("one<|endoftext|> two");
        assertThat(tokenizer.decode(joined, true)).isEqualTo("one two");
    }

    @Test
    void arbitraryIdSequencesDecodeWithReplacementCharacters() {
        // '東' is E6 9D B1: its first two bytes alone are one ill-formed sequence, so one U+FFFD.
        assertThat(tokenizer.decode(new int[] {0xE6, 0x9D, 'a'})).isEqualTo("\uFFFDa");
        assertThat(tokenizer.decode(new int[] {0xE6, 0x9D, 0xB1})).isEqualTo("東");
        qt().withFixedSeed(42L).withExamples(500)
                .forAll(SourceDSL.lists().of(Generate.range(0, tokenizer.vocabSize() - 1)).ofSizeBetween(0, 30))
                .check(ids -> {
                    String s = tokenizer.decode(ids.stream().mapToInt(Integer::intValue).toArray());
                    return s.codePoints().noneMatch(cp -> cp >= 0xD800 && cp <= 0xDFFF);
                });
        assertThatThrownBy(() -> tokenizer.decode(new int[] {tokenizer.vocabSize()}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the vocabulary");
        assertThatThrownBy(() -> tokenizer.decode(new int[] {-1})).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unpairedSurrogatesEncodeAsReplacementCharacter() {
        assertThat(tokenizer.decode(tokenizer.encode("a\uD800b"))).isEqualTo("a\uFFFDb");
        assertThat(tokenizer.encode("\uDC00")).isEqualTo(tokenizer.encode("\uFFFD"));
    }

    @Test
    void saveLoadGivesTheSameEncodingAndTheSameFile() throws Exception {
        Path file = dir.resolve("tokenizer.json");
        tokenizer.save(file);
        BpeTokenizer loaded = BpeTokenizer.load(file);
        assertThat(loaded.vocabSize()).isEqualTo(tokenizer.vocabSize());
        assertThat(loaded.endOfTextId()).isEqualTo(tokenizer.endOfTextId());
        qt().withFixedSeed(42L).withExamples(500).forAll(UnicodeText.validText(60))
                .check(s -> Arrays.equals(loaded.encode(s), tokenizer.encode(s)));
        Path again = dir.resolve("again.json");
        loaded.save(again);
        assertThat(Files.readAllBytes(again)).isEqualTo(Files.readAllBytes(file));
        try (var leftovers = Files.list(dir)) {
            assertThat(leftovers.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("tokenizer.json",
                    "again.json");
        }
    }
}
