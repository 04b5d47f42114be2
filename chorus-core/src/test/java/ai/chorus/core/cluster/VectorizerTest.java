package ai.chorus.core.cluster;

import ai.chorus.engine.kernel.Vec;
import ai.chorus.engine.parallel.WorkerPool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class VectorizerTest {

    @Test
    void murmur3MatchesScikitLearnsReferenceValues() {
        // sklearn.utils.murmurhash3_32(bytes, seed=0, positive=True)
        Map<String, Long> expected = Map.of("", 0L, "a", 1009084850L, "ab", 2613040991L, "abc", 3017643002L,
                "hello", 613153351L, "café", 605818632L,
                "The quick brown fox jumps over the lazy dog", 776992547L, "european union", 3833811028L);
        expected.forEach((text, hash) -> {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            assertThat(Integer.toUnsignedLong(Murmur3.hash32(b, 0, b.length, 0))).as(text).isEqualTo(hash);
        });
    }

    @Test
    void termsAreLowerCasedWordsAndBigramsWithNumbersFolded() {
        assertThat(terms("Hello, World! 2024 Café-au-lait 3rd"))
                .containsExactly("hello", "world", "hello world", "#NUMBER", "world #NUMBER", "café",
                        "#NUMBER café", "au", "café au", "lait", "au lait", "#NUMBER", "lait #NUMBER");
        assertThat(terms("नमस्ते दुनिया")).containsExactly("नमस्ते", "दुनिया", "नमस्ते दुनिया");
        assertThat(terms(" ... ")).isEmpty();
    }

    private static List<String> terms(String text) {
        List<String> out = new ArrayList<>();
        new WordTerms().forEach(text, (utf8, length) -> out.add(new String(utf8, 0, length, StandardCharsets.UTF_8)));
        return out;
    }

    @Test
    void idfAndSublinearTfMatchAnIndependentComputation() {
        List<String> train = List.of("apple banana apple", "banana cherry", "cherry cherry cherry date");
        HashedTfIdf.Fitter fitter = new HashedTfIdf.Fitter(HashedTfIdf.DEFAULT_BUCKETS, 16, 1);
        train.forEach(fitter::add);
        HashedTfIdf v = fitter.finish(new WorkerPool(1));
        // df over the 3 train docs, by term (no bucket collisions among these few terms)
        Map<String, Integer> df = new HashMap<>();
        for (String doc : train) {
            terms(doc).stream().distinct().forEach(t -> df.merge(t, 1, Integer::sum));
        }
        String text = "cherry cherry apple kiwi";
        Map<String, Integer> tf = new HashMap<>();
        terms(text).forEach(t -> tf.merge(t, 1, Integer::sum));
        Map<Integer, Double> expected = new HashMap<>();
        double norm = 0;
        for (var e : tf.entrySet()) {
            double idf = Math.log(4.0 / (1 + df.getOrDefault(e.getKey(), 0))) + 1; // ln((1+n)/(1+df)) + 1
            double w = (1 + Math.log(e.getValue())) * idf;
            byte[] b = e.getKey().getBytes(StandardCharsets.UTF_8);
            expected.put(HashedTfIdf.bucketOf(b, b.length, v.buckets()), w);
            norm += w * w;
        }
        HashedTfIdf.Embedder embedder = v.embedder();
        int n = embedder.tfIdf(text);
        assertThat(n).isEqualTo(expected.size());
        for (int i = 0; i < n; i++) {
            assertThat((double) embedder.weight(i))
                    .isCloseTo(expected.get(embedder.bucket(i)) / Math.sqrt(norm), within(1e-6));
        }
        assertThat(v.idf(HashedTfIdf.bucketOf("banana".getBytes(StandardCharsets.UTF_8), 6, v.buckets())))
                .isCloseTo((float) (Math.log(4.0 / 3.0) + 1), within(1e-6f));
    }

    @Test
    void embeddingsAreUnitLengthOrZeroAndTheProjectionPreservesCosineRoughly() {
        HashedTfIdf.Fitter fitter = new HashedTfIdf.Fitter(1 << 16, 256, 7);
        SyntheticCorpus corpus = new SyntheticCorpus(300, 3, 30, 60, 0.6, 3);
        corpus.inputs().get().forEach(d -> fitter.add(d.text()));
        HashedTfIdf v = fitter.finish(new WorkerPool(1));
        assertThat(v.embed("—  !!")).containsOnly(0f);
        float[] a = v.embed(corpus.document(1).text());
        double norm = 0;
        for (float x : a) {
            norm += x * x;
        }
        assertThat(norm).isCloseTo(1.0, within(1e-5));
        // same-topic documents stay closer than different-topic ones after the projection
        double same = 0;
        double different = 0;
        int pairsSame = 0;
        int pairsDifferent = 0;
        for (int i = 0; i < 60; i++) {
            for (int j = i + 1; j < 60; j++) {
                double cos = Vec.rowDot(v.embed(corpus.document(i).text()), 0, v.embed(corpus.document(j).text()), 0, 256);
                if (corpus.topicOf(i) == corpus.topicOf(j)) {
                    same += cos;
                    pairsSame++;
                } else {
                    different += cos;
                    pairsDifferent++;
                }
            }
        }
        assertThat(same / pairsSame).isGreaterThan(different / pairsDifferent + 0.02);
    }

    @Test
    void writtenVectorizerEmbedsBitIdenticallyAfterLoading(@TempDir Path dir) throws Exception {
        HashedTfIdf.Fitter fitter = new HashedTfIdf.Fitter(1 << 12, 32, 99);
        fitter.add("the first document about rivers");
        fitter.add("the second document about mountains and rivers");
        HashedTfIdf v = fitter.finish(new WorkerPool(1));
        v.write(dir);
        HashedTfIdf loaded = HashedTfIdf.read(dir);
        assertThat(loaded.buckets()).isEqualTo(v.buckets());
        assertThat(loaded.dims()).isEqualTo(v.dims());
        assertThat(loaded.sketchWidth()).isEqualTo(v.sketchWidth());
        assertThat(loaded.trainDocuments()).isEqualTo(2);
        assertThat(loaded.seed()).isEqualTo(99);
        String text = "Rivers and mountains, 42 of them";
        assertThat(loaded.embed(text)).containsExactly(v.embed(text));
        assertThat(fitter.surfaceTerm(HashedTfIdf.bucketOf("rivers".getBytes(StandardCharsets.UTF_8), 6, 1 << 12)))
                .isEqualTo("rivers");
    }

    @Test
    void batchEmbeddingIsBitIdenticalToOneByOne() {
        SyntheticCorpus corpus = new SyntheticCorpus(200, 4, 5, 80, 0.5, 8);
        HashedTfIdf.Fitter fitter = new HashedTfIdf.Fitter(1 << 14, 24, 3);
        corpus.inputs().get().forEach(d -> fitter.add(d.text()));
        HashedTfIdf v = fitter.finish(new WorkerPool(1));
        String[] texts = new String[7]; // not a multiple of the 4-row blocking
        for (int i = 0; i < texts.length; i++) {
            texts[i] = corpus.document(i).text();
        }
        float[] batch = new float[texts.length * 24];
        v.embedder().embedAll(texts, texts.length, batch);
        for (int i = 0; i < texts.length; i++) {
            assertThat(Arrays.copyOfRange(batch, i * 24, (i + 1) * 24)).containsExactly(v.embed(texts[i]));
        }
    }
}
