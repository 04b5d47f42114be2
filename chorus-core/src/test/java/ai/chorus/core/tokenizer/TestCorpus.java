package ai.chorus.core.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** A small synthetic corpus with a Zipf-like word distribution and a little of every script. */
final class TestCorpus {
    private static final String[] SYLLABLES = {
        "the", "an", "ing", "er", "pro", "con", "al", "is", "tion", "re", "de", "un", "ly", "st", "ch", "sch",
        "ä", "ö", "ß", "é", "ção", "ου", "ни", "東", "京", "語", "🙂", "ا", "ل", "ें"
    };
    private static final String[] GLUE = {" ", " ", " ", " ", ", ", ". ", "\n", "  ", "'s ", "'t ", " 42 ", " (", ") ", "\t"};

    private TestCorpus() {}

    static List<String> documents(int count, long seed) {
        Random random = new Random(seed);
        String[] words = new String[400];
        for (int i = 0; i < words.length; i++) {
            StringBuilder w = new StringBuilder();
            int n = 1 + random.nextInt(4);
            for (int k = 0; k < n; k++) {
                w.append(SYLLABLES[random.nextInt(SYLLABLES.length)]);
            }
            if (random.nextInt(8) == 0) {
                w.setCharAt(0, Character.toUpperCase(w.charAt(0)));
            }
            words[i] = w.toString();
        }
        List<String> docs = new ArrayList<>(count);
        for (int d = 0; d < count; d++) {
            StringBuilder doc = new StringBuilder();
            int length = 5 + random.nextInt(60);
            for (int k = 0; k < length; k++) {
                // Zipf-ish: small indices are much more frequent.
                int idx = (int) (words.length * Math.pow(random.nextDouble(), 3));
                doc.append(words[idx]).append(GLUE[random.nextInt(GLUE.length)]);
            }
            docs.add(doc.toString().strip());
        }
        return docs;
    }
}
