package ai.chorus.core.cluster;

import ai.chorus.core.corpus.Split;
import ai.chorus.core.util.SplitMix64;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A labelled corpus of clearly separated topics, generated on the fly (never held in memory):
 * every topic has its own vocabulary of pseudo-words, all topics share a vocabulary of "stop
 * words", and a document mixes {@code topicRate} topic words with shared words. Topic sizes vary
 * by ±30% so the balancing has something to do. Document i is a pure function of (seed, i).
 */
record SyntheticCorpus(int documents, int topics, int minWords, int maxWords, double topicRate, long seed) {
    static final int TOPIC_VOCABULARY = 300;
    static final int SHARED_VOCABULARY = 200;
    private static final String[] SYLLABLES = {"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "po", "da", "fe",
        "gu", "hi", "ja", "qu", "ri", "so", "tu", "we"};

    Supplier<Stream<ClusterInput>> inputs() {
        return () -> IntStream.range(0, documents).mapToObj(this::document);
    }

    int topicOf(int doc) {
        // topic t gets a weight in [0.7, 1.3]; docs are spread by those weights
        SplittableRandom r = new SplittableRandom(SplitMix64.mix(seed ^ (doc * 0x9E3779B97F4A7C15L)));
        double u = r.nextDouble();
        double total = 0;
        for (int t = 0; t < topics; t++) {
            total += topicWeight(t);
        }
        double running = 0;
        for (int t = 0; t < topics; t++) {
            running += topicWeight(t) / total;
            if (u < running) {
                return t;
            }
        }
        return topics - 1;
    }

    private double topicWeight(int t) {
        return 0.7 + 0.6 * ((SplitMix64.mix(seed + 17 * t) >>> 11) * 0x1.0p-53);
    }

    Split splitOf(int doc) {
        int bucket = (int) Long.remainderUnsigned(SplitMix64.mix(seed * 7 + doc), 20);
        return bucket == 0 ? Split.VALID : bucket == 1 ? Split.TEST : Split.TRAIN;
    }

    ClusterInput document(int doc) {
        int topic = topicOf(doc);
        SplittableRandom r = new SplittableRandom(SplitMix64.mix(seed + 31L * doc + 1));
        int words = minWords + r.nextInt(maxWords - minWords + 1);
        StringBuilder text = new StringBuilder(words * 7);
        for (int w = 0; w < words; w++) {
            if (w > 0) {
                text.append(w % 11 == 10 ? ". " : " ");
            }
            if (r.nextDouble() < topicRate) {
                appendWord(text, 1 + topic, zipf(r, TOPIC_VOCABULARY));
            } else {
                appendWord(text, 0, zipf(r, SHARED_VOCABULARY));
            }
        }
        return new ClusterInput(doc, splitOf(doc), "topic" + topic, text.toString(), words + words / 3);
    }

    /** Rank in [0, n) with probability ∝ 1/(rank+1), a rough Zipf law. */
    private static int zipf(SplittableRandom r, int n) {
        double h = Math.log(n + 1.0);
        return Math.min(n - 1, (int) Math.floor(Math.exp(r.nextDouble() * h) - 1));
    }

    private static void appendWord(StringBuilder out, int vocabulary, int rank) {
        long z = SplitMix64.mix(vocabulary * 1_000_003L + rank);
        int syllables = 2 + (int) ((z >>> 60) % 3);
        for (int s = 0; s < syllables; s++) {
            out.append(SYLLABLES[(int) ((z >>> (5 * s)) & 0x1f) % SYLLABLES.length]);
        }
    }
}
