package ai.chorus.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WordTableTest {

    /** Agrees with a map from word to first-seen index, through several growths of the table. */
    @Test
    void internsLikeAMapOfFirstOccurrenceThroughGrowth() {
        Random random = new Random(3);
        WordTable table = new WordTable(4);
        Map<String, Integer> reference = new HashMap<>();
        List<String> words = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            // 30,000 candidates drawn 20,000 times, so words repeat; each inside a longer text, at an offset
            String word = Integer.toString(random.nextInt(30_000), 36) + (i % 7 == 0 ? "é" : "");
            String text = "<" + word + ">";
            int id = table.intern(text, 1, 1 + word.length());
            Integer expected = reference.putIfAbsent(word, reference.size());
            if (expected == null) {
                words.add(word);
                expected = reference.size() - 1;
            }
            assertThat(id).as(word).isEqualTo(expected);
        }
        assertThat(table.size()).isEqualTo(words.size()).isGreaterThan(10_000);
        for (int id = 0; id < words.size(); id++) {
            String w = words.get(id);
            assertThat(table.word(id)).isEqualTo(w);
            assertThat(table.find(w, 0, w.length(), WordTable.hash(w, 0, w.length()))).isEqualTo(id);
        }
        assertThat(table.find("absent!", 0, 7, WordTable.hash("absent!", 0, 7))).isEqualTo(-1);
        table.clear();
        assertThat(table.size()).isZero();
        assertThat(table.find(words.get(0), 0, words.get(0).length(), WordTable.hash(words.get(0), 0, words.get(0).length())))
                .isEqualTo(-1);
        assertThat(table.intern("xyz", 0, 3)).isZero();
    }
}
