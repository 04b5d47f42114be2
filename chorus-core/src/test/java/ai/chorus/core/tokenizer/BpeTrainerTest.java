package ai.chorus.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;

import ai.chorus.core.util.Progress;
import ai.chorus.engine.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.generators.SourceDSL;

class BpeTrainerTest {
    @TempDir
    Path dir;

    /**
     * The textbook algorithm, recounting every pair before each merge, on words found by the
     * reference regex: the incremental trainer must learn exactly the same merges.
     */
    static List<long[]> naiveMerges(List<String> texts, int merges) {
        Map<String, Long> wordCounts = new HashMap<>();
        for (String t : texts) {
            for (String piece : Gpt2PreTokenizerTest.referencePieces(t)) {
                wordCounts.merge(piece, 1L, Long::sum);
            }
        }
        List<List<Integer>> words = new ArrayList<>();
        List<Long> freq = new ArrayList<>();
        wordCounts.forEach((w, f) -> {
            List<Integer> symbols = new ArrayList<>();
            for (byte b : w.getBytes(StandardCharsets.UTF_8)) {
                symbols.add(b & 0xFF);
            }
            words.add(symbols);
            freq.add(f);
        });
        List<long[]> learned = new ArrayList<>();
        for (int m = 0; m < merges; m++) {
            Map<Long, Long> pairCounts = new HashMap<>();
            for (int w = 0; w < words.size(); w++) {
                List<Integer> s = words.get(w);
                for (int i = 0; i + 1 < s.size(); i++) {
                    pairCounts.merge(LongIntHashMap.pair(s.get(i), s.get(i + 1)), freq.get(w), Long::sum);
                }
            }
            if (pairCounts.isEmpty()) {
                break;
            }
            long best = Collections.min(pairCounts.entrySet(), (x, y) -> x.getValue().equals(y.getValue())
                    ? Long.compare(x.getKey(), y.getKey()) : Long.compare(y.getValue(), x.getValue())).getKey();
            int a = (int) (best >>> 32);
            int b = (int) best;
            int c = 256 + m;
            for (List<Integer> s : words) {
                for (int i = 0; i + 1 < s.size(); i++) {
                    if (s.get(i) == a && s.get(i + 1) == b) {
                        s.set(i, c);
                        s.remove(i + 1);
                    }
                }
            }
            learned.add(new long[] {a, b});
        }
        return learned;
    }

    static List<long[]> mergesOf(BpeTokenizer t) {
        List<long[]> out = new ArrayList<>();
        for (int r = 0; r < t.mergeCount(); r++) {
            out.add(new long[] {t.merges().left(r), t.merges().right(r)});
        }
        return out;
    }

    @Test
    void learnsTheSameMergesAsRecountingEveryStep() {
        List<String> docs = TestCorpus.documents(400, 7);
        BpeTokenizer t = new BpeTrainer(257 + 300).train(docs.stream(), Progress.NONE);
        assertThat(mergesOf(t)).usingRecursiveComparison().isEqualTo(naiveMerges(docs, 300));
    }

    @Test
    void incrementalCountsEqualRecountingOnArbitraryText() {
        qt().withFixedSeed(42L).withExamples(40)
                .forAll(SourceDSL.lists().of(UnicodeText.validText(30)).ofSizeBetween(1, 20))
                .check(docs -> {
                    BpeTokenizer t = new BpeTrainer(257 + 40).train(docs.stream(), Progress.NONE);
                    List<long[]> expected = naiveMerges(docs, 40);
                    List<long[]> actual = mergesOf(t);
                    if (actual.size() != expected.size()) {
                        return false;
                    }
                    for (int i = 0; i < actual.size(); i++) {
                        if (!java.util.Arrays.equals(actual.get(i), expected.get(i))) {
                            return false;
                        }
                    }
                    return true;
                });
    }

    @Test
    void trainingIsDeterministicOnArbitraryText() {
        qt().withFixedSeed(42L).withExamples(25)
                .forAll(SourceDSL.lists().of(UnicodeText.validText(40)).ofSizeBetween(1, 30))
                .check(docs -> {
                    try {
                        Path a = Files.createTempFile(dir, "a", ".json");
                        Path b = Files.createTempFile(dir, "b", ".json");
                        new BpeTrainer(400).threads(1).train(docs.stream(), Progress.NONE).save(a);
                        new BpeTrainer(400).threads(2).train(docs.stream(), Progress.NONE).save(b);
                        return java.util.Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(b));
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
    }

    @Test
    void overlappingRunsAreCountedRight() {
        // "aaaa" holds (a,a) three times; after merging, "AA" (A = aa) must count once per word.
        List<String> docs = List.of("aaaa aaaa aaaaa ab ab ab abab", "aaa bbbb");
        BpeTokenizer t = new BpeTrainer(257 + 12).train(docs.stream(), Progress.NONE);
        assertThat(mergesOf(t)).usingRecursiveComparison().isEqualTo(naiveMerges(docs, 12));
    }

    @Test
    void layoutIsBytesThenMergesThenEndOfText() {
        BpeTokenizer t = new BpeTrainer(300).train(TestCorpus.documents(100, 1).stream(), Progress.NONE);
        assertThat(t.vocabSize()).isEqualTo(300);
        assertThat(t.endOfTextId()).isEqualTo(299);
        assertThat(t.token(299)).isEqualTo(BpeTokenizer.END_OF_TEXT);
        assertThat(t.isSpecial(299)).isTrue();
        assertThat(t.token(' ')).isEqualTo("Ġ");
        assertThat(t.token('a')).isEqualTo("a");
        for (int r = 0; r < t.mergeCount(); r++) {
            assertThat(t.merges().result(r)).isEqualTo(256 + r);
        }
    }

    @Test
    void sameInputGivesByteIdenticalFilesOnAnyThreadCount() throws Exception {
        List<String> docs = TestCorpus.documents(300, 3);
        Path one = dir.resolve("one.json");
        Path two = dir.resolve("two.json");
        new BpeTrainer(700).threads(1).train(docs.stream(), Progress.NONE).save(one);
        new BpeTrainer(700).threads(2).train(docs.stream(), Progress.NONE).save(two);
        assertThat(Files.readAllBytes(one)).isEqualTo(Files.readAllBytes(two));
    }

    @Test
    void stopsEarlyWhenTheTextHasTooFewPairs() {
        BpeTokenizer t = new BpeTrainer(8192).train(List.of("abc abc", "ab").stream(), Progress.NONE);
        // Words "abc", " abc", "ab": pairs (a,b), (b,c), (Ġ,a) and those made of them.
        assertThat(t.vocabSize()).isLessThan(8192).isGreaterThan(257);
        assertThat(t.endOfTextId()).isEqualTo(t.vocabSize() - 1);
        assertThat(t.decode(t.encode("abc abc"))).isEqualTo("abc abc");
        assertThat(t.encode("abc")).hasSize(1);
    }

    @Test
    void emptyInputGivesTheBareByteVocabulary() {
        BpeTokenizer t = new BpeTrainer(1000).train(List.<String>of().stream(), Progress.NONE);
        assertThat(t.vocabSize()).isEqualTo(257);
        assertThat(t.decode(t.encode("héllo"))).isEqualTo("héllo");
    }

    @Test
    void refusesVocabularySmallerThanBytesPlusSeparator() {
        assertThatThrownBy(() -> new BpeTrainer(256)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("256").hasMessageContaining("at least 257");
        assertThat(new BpeTrainer(257).train(List.of("aaaa").stream(), Progress.NONE).vocabSize()).isEqualTo(257);
    }

    @Test
    void byteBudgetLimitsTheSample() {
        List<String> docs = TestCorpus.documents(200, 5);
        long firstTwo = BpeTrainer.utf8Length(docs.get(0)) + BpeTrainer.utf8Length(docs.get(1));
        BpeTokenizer budgeted = new BpeTrainer(400).maxBytes(firstTwo).train(docs.stream(), Progress.NONE);
        BpeTokenizer exact = new BpeTrainer(400).train(docs.subList(0, 2).stream(), Progress.NONE);
        assertThat(mergesOf(budgeted)).usingRecursiveComparison().isEqualTo(mergesOf(exact));
    }

    @Test
    void aFailingCorpusFailsTrainingWithItsOwnError() {
        // The corpus readers report bad input while streaming; training must pass that on, not hang.
        java.util.stream.Stream<String> failing = java.util.stream.Stream.iterate(0, i -> i + 1).map(i -> {
            if (i == 5000) {
                throw new InvalidInputException("corpus.jsonl:5001: not JSON");
            }
            return "document number " + i;
        });
        assertThatThrownBy(() -> new BpeTrainer(300).train(failing, Progress.NONE))
                .isInstanceOf(InvalidInputException.class).hasMessage("corpus.jsonl:5001: not JSON");
    }

    @Test
    void giantPiecesAreCountedInChunks() {
        String giant = "ab".repeat(3 * BpeTrainer.MAX_WORD_CHARS) + "🙂".repeat(BpeTrainer.MAX_WORD_CHARS);
        BpeTrainer.WordCounts counts = new BpeTrainer.WordCounts();
        counts.countPieces(giant);
        StringBuilder joined = new StringBuilder();
        for (int id = 0; id < counts.words.size(); id++) {
            String w = counts.words.word(id);
            assertThat(w.length()).isLessThanOrEqualTo(BpeTrainer.MAX_WORD_CHARS);
            assertThat(Character.isHighSurrogate(w.charAt(w.length() - 1))).isFalse();
            joined.append(w.repeat((int) counts.frequency[id]));
        }
        assertThat(joined.length()).isEqualTo(giant.length());
    }

    @Test
    void utf8LengthMatchesTheJdk() {
        String s = "aé東🙂\u0000";
        assertThat(BpeTrainer.utf8Length(s)).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
    }
}
