package ai.chorus.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.chorus.core.corpus.Split;
import ai.chorus.core.util.Progress;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.io.SafetensorsReader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterStepTest {
    private static final SyntheticCorpus CORPUS = new SyntheticCorpus(3000, 6, 40, 120, 0.6, 11);
    private static final List<String> FILES = List.of("vectorizer.safetensors", "centroids.safetensors",
            "assignments.bin", "summary.json");

    @TempDir
    static Path shared;
    static Path twoThreads;
    static ClusterSummary summary;

    private static ClusterOptions options() {
        return ClusterOptions.defaults(6).withFine(48).withBuckets(1 << 16).withDims(128).withSeed(7);
    }

    @BeforeAll
    static void clusterOnce() throws Exception {
        twoThreads = shared.resolve("two");
        summary = ClusterStep.run(CORPUS.inputs(), twoThreads, options().withThreads(2), Progress.NONE);
    }

    @Test
    void separatedTopicsBecomeExpertsWithHighNmi() {
        assertThat(summary.nmi()).isGreaterThanOrEqualTo(0.9);
        assertThat(summary.purity()).isGreaterThanOrEqualTo(0.9);
        assertThat(summary.experts()).hasSize(6);
        double shares = 0;
        for (ClusterSummary.Expert e : summary.experts()) {
            assertThat(e.tokenShare()).isBetween(0.5 / 6, 2.0 / 6);
            assertThat(e.topTerms()).isNotEmpty();
            shares += e.tokenShare();
        }
        assertThat(shares).isCloseTo(1.0, within(1e-9));
        assertThat(summary.trainDocuments() + summary.heldOutDocuments()).isEqualTo(3000);
    }

    @Test
    void sameSeedGivesByteIdenticalFilesOnOneOrTwoThreads(@TempDir Path dir) throws Exception {
        Path oneThread = dir.resolve("one");
        ClusterStep.run(CORPUS.inputs(), oneThread, options().withThreads(1), Progress.NONE);
        for (String f : FILES) {
            assertThat(Files.readAllBytes(oneThread.resolve(f))).as(f)
                    .isEqualTo(Files.readAllBytes(twoThreads.resolve(f)));
        }
    }

    @Test
    void everyDocumentIsAssignedToItsNearestFineClusterAndThatClustersExpert() {
        ClusterModel model = ClusterModel.load(twoThreads);
        ClusterAssignments assignments = ClusterAssignments.read(twoThreads);
        assertThat(assignments.size()).isEqualTo(3000);
        CORPUS.inputs().get().forEach(doc -> {
            int i = doc.docIndex();
            assertThat(assignments.docIndex(i)).isEqualTo(i);
            assertThat(assignments.split(i)).isEqualTo(doc.split());
            assertThat(model.nearestFine(doc.text())).as("doc %d", i).isEqualTo(assignments.fine(i));
            assertThat(assignments.expert(i)).isEqualTo(model.expertOfFine(assignments.fine(i)));
            assertThat(model.expertOf(doc.text())).isEqualTo(assignments.expert(i));
        });
    }

    @Test
    void routerEmbeddingsAreTheOnesTheFineCentroidsWereAveragedFrom() {
        // k-means converged: every fine centroid is the mean of its train documents' embeddings,
        // so embeddings recomputed by the router must average back to the stored centroids
        assertThat(summary.fineConverged()).isTrue();
        ClusterModel model = ClusterModel.load(twoThreads);
        ClusterAssignments assignments = ClusterAssignments.read(twoThreads);
        int d = model.dims();
        double[][] sums = new double[model.fineClusters()][d];
        int[] counts = new int[model.fineClusters()];
        CORPUS.inputs().get().filter(doc -> doc.split() == Split.TRAIN).forEach(doc -> {
            float[] x = model.embed(doc.text());
            int f = assignments.fineOf(doc.docIndex());
            counts[f]++;
            for (int j = 0; j < d; j++) {
                sums[f][j] += x[j];
            }
        });
        for (int f = 0; f < counts.length; f++) {
            float[] c = model.fineCentroid(f);
            for (int j = 0; j < d; j++) {
                assertThat(sums[f][j] / counts[f]).isCloseTo(c[j], within(1e-6));
            }
        }
    }

    @Test
    void expertDistancesAreSquaredEuclideanToUnitCentroids() {
        ClusterModel model = ClusterModel.load(twoThreads);
        String text = CORPUS.document(5).text();
        float[] x = model.embed(text);
        double[] d = model.expertDistances(text);
        assertThat(d).hasSize(6);
        for (int e = 0; e < 6; e++) {
            float[] c = model.expertCentroid(e);
            double dot = dot(x, c);
            double norm = dot(c, c);
            assertThat(norm).isCloseTo(1.0, within(1e-5));
            assertThat(d[e]).isCloseTo(2 - 2 * dot, within(1e-5));
        }
        assertThat(model.fineDistances(text)).hasSize(48);
    }

    /** Σ a[j]·b[j] in double: the reference the model's float kernels are checked against. */
    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int j = 0; j < a.length; j++) {
            sum += (double) a[j] * b[j];
        }
        return sum;
    }

    @Test
    void fineCosineDistancesAreTheAngleToEachCentroidWhateverItsLength() {
        ClusterModel model = ClusterModel.load(twoThreads);
        for (int doc : new int[] {5, 17}) {
            String text = CORPUS.document(doc).text();
            float[] x = model.embed(text);
            double[] cos = model.fineCosineDistances(text);
            double[] euclid = model.fineDistances(text);
            assertThat(cos).hasSize(48);
            for (int f = 0; f < 48; f++) {
                float[] c = model.fineCentroid(f);
                double dot = dot(x, c);
                double norm = dot(c, c);
                assertThat(norm).as("a mean of unit vectors is shorter than one").isLessThan(1.0);
                assertThat(cos[f]).isCloseTo(2 - 2 * dot / Math.sqrt(norm), within(1e-5));
                assertThat(euclid[f]).isCloseTo(1 + norm - 2 * dot, within(1e-4));
            }
        }
    }

    @Test
    void summaryJsonHasExpertsNmiAndPurity() throws Exception {
        JsonNode json = new ObjectMapper().readTree(twoThreads.resolve("summary.json").toFile());
        assertThat(json.get("experts").isArray()).isTrue();
        assertThat(json.get("experts").size()).isEqualTo(6);
        assertThat(json.get("nmi").asDouble()).isEqualTo(summary.nmi());
        assertThat(json.get("purity").asDouble()).isEqualTo(summary.purity());
        assertThat(json.get("experts").get(0).get("labels").size()).isGreaterThan(0);
        assertThat(new ObjectMapper().readTree(summary.toJson())).isEqualTo(json);
    }

    @Test
    void textSummaryNamesEveryExpertAndTheScores() {
        String text = summary.toText();
        assertThat(text.lines().filter(l -> l.startsWith("  expert"))).hasSize(6);
        assertThat(text).contains("NMI").contains("purity").contains("topic");
    }

    @Test
    void withoutLabelsThereIsNoNmiOrPurity(@TempDir Path dir) throws Exception {
        Supplier<Stream<ClusterInput>> unlabelled = () -> CORPUS.inputs().get().limit(400)
                .map(d -> new ClusterInput(d.docIndex(), d.split(), null, d.text(), d.tokens()));
        ClusterSummary s = ClusterStep.run(unlabelled, dir, ClusterOptions.defaults(2).withFine(8)
                .withBuckets(1 << 12).withDims(16), Progress.NONE);
        assertThat(s.nmi()).isNull();
        assertThat(s.purity()).isNull();
        JsonNode json = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        assertThat(json.has("nmi")).isFalse();
        assertThat(json.get("experts").get(0).has("labels")).isFalse();
    }

    // ---------------------------------------------------------------- bad input

    private static Supplier<Stream<ClusterInput>> docs(ClusterInput... inputs) {
        return () -> Stream.of(inputs);
    }

    private static ClusterInput train(int i, String text, long tokens) {
        return new ClusterInput(i, Split.TRAIN, null, text, tokens);
    }

    private static void assertRejected(Supplier<Stream<ClusterInput>> inputs, ClusterOptions o, Path dir,
                                       String... mentions) {
        assertThatThrownBy(() -> ClusterStep.run(inputs, dir, o, Progress.NONE))
                .isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(e.getMessage()).contains(mentions).doesNotContain("\n"));
    }

    @Test
    void badInputIsRejectedWithAClearMessage(@TempDir Path dir) {
        ClusterOptions small = ClusterOptions.defaults(2).withFine(4).withBuckets(1 << 10).withDims(8);
        ClusterInput[] six = new ClusterInput[6];
        for (int i = 0; i < 6; i++) {
            six[i] = train(i, "words of document " + (char) ('a' + i), 10);
        }
        assertRejected(docs(), small, dir, "no train documents");
        assertRejected(docs(new ClusterInput(0, Split.VALID, null, "held out only", 3)), small, dir,
                "no train documents");
        assertRejected(docs(six[0], six[1], six[2]), small, dir, "--fine 4", "3 train documents");
        assertRejected(docs(six[0], six[1], six[2], train(3, "x", -1)), small, dir, "document 3", "negative token");
        assertRejected(docs(six[0], six[1], six[2], six[3], train(3, "dup", 5)), small, dir, "document index 3",
                "twice");
        assertRejected(docs(six[0], six[1], six[2], six[3], six[4], train(5, "a giant document", 1000)), small, dir,
                "--max-share", "--fine");
        assertRejected(docs(train(0, "a", 0), train(1, "b", 0), train(2, "c", 0), train(3, "d", 0)), small, dir,
                "no tokens");
        assertThatThrownBy(() -> ClusterOptions.defaults(4).withFine(3)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--fine 3").hasMessageContaining("--experts 4");
        assertThatThrownBy(() -> ClusterOptions.defaults(4).withShares(1.5, 2)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--min-share");
        assertThatThrownBy(() -> ClusterOptions.defaults(4).withShares(0.5, 0.9)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--max-share");
        assertThatThrownBy(() -> ClusterOptions.defaults(0)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--experts");
        // a stream that changes between passes
        int[] calls = {0};
        Supplier<Stream<ClusterInput>> shrinking = () -> Stream.of(six).limit(calls[0]++ == 0 ? 6 : 5);
        assertRejected(shrinking, small, dir, "changed between");
    }

    @Test
    void aFailedRunLeavesThePreviousFilesIntact(@TempDir Path dir) throws Exception {
        for (String f : FILES) {
            Files.copy(twoThreads.resolve(f), dir.resolve(f));
        }
        // fails late: the duplicate index is only visible after the whole input has been embedded
        Supplier<Stream<ClusterInput>> duplicate = () -> Stream.concat(CORPUS.inputs().get().limit(300),
                Stream.of(new ClusterInput(5, Split.TRAIN, null, "again", 3)));
        assertRejected(duplicate, ClusterOptions.defaults(2).withFine(8).withBuckets(1 << 12).withDims(16), dir,
                "document index 5", "twice");
        for (String f : FILES) {
            assertThat(Files.readAllBytes(dir.resolve(f))).as(f).isEqualTo(Files.readAllBytes(twoThreads.resolve(f)));
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrderElementsOf(FILES);
        }
    }

    @Test
    void loadingAMissingOrCorruptDirectoryIsAnInvalidInput(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> ClusterModel.load(dir)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("vectorizer.safetensors").hasMessageContaining("chorus cluster");
        Path copy = dir.resolve("copy");
        Files.createDirectories(copy);
        for (String f : FILES) {
            Files.copy(twoThreads.resolve(f), copy.resolve(f));
        }
        byte[] centroids = Files.readAllBytes(copy.resolve("centroids.safetensors"));
        byte[] flipped = centroids.clone();
        flipped[flipped.length - 1] ^= 1; // one bit of the last float: the file still parses
        Files.write(copy.resolve("centroids.safetensors"), flipped);
        assertThatThrownBy(() -> ClusterModel.load(copy)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("centroids.safetensors").hasMessageContaining("checksum")
                .hasMessageContaining("chorus cluster");
        Files.write(copy.resolve("centroids.safetensors"), Arrays.copyOf(centroids, centroids.length - 4));
        assertThatThrownBy(() -> ClusterModel.load(copy)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("centroids.safetensors").hasMessageContaining("chorus cluster");
        Files.write(copy.resolve("assignments.bin"), new byte[] {1, 2, 3});
        assertThatThrownBy(() -> ClusterAssignments.read(copy)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("assignments.bin");
    }

    @Test
    void aClusteringInTheFormerFormatIsOneLineSayingToReCluster(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        Path clusters = run.resolve("clusters");
        Files.createDirectories(clusters);
        for (String f : List.of("vectorizer.json", "vectorizer.f32", "centroids.json", "centroids.f32")) {
            Files.writeString(clusters.resolve(f), "{}");
        }
        assertThatThrownBy(() -> ClusterModel.load(clusters)).isInstanceOf(InvalidInputException.class)
                .hasMessage(clusters.resolve("vectorizer.json") + " was written by an older Chorus, which kept the"
                        + " clusters in another format; re-cluster with `chorus cluster --run " + run + " --force`");
        Files.copy(twoThreads.resolve("vectorizer.safetensors"), clusters.resolve("vectorizer.safetensors"));
        assertThatThrownBy(() -> ClusterModel.load(clusters)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("centroids.json was written by an older Chorus")
                .hasMessageContaining("--force").hasMessageNotContaining("\n");
    }

    @Test
    void theFilesAreSafetensorsThatKeepEveryCentroidBit() throws Exception {
        ClusterModel model = ClusterModel.load(twoThreads);
        try (SafetensorsReader r = SafetensorsReader.open(twoThreads.resolve("centroids.safetensors"))) {
            float[] fine = r.read("fine").data();
            float[] experts = r.read("experts").data();
            assertThat(r.info("fine").shape()).containsExactly(model.fineClusters(), model.dims());
            for (int i = 0; i < model.fineClusters(); i++) {
                assertThat(model.fineCentroid(i)).isEqualTo(Arrays.copyOfRange(fine, i * model.dims(), (i + 1) * model.dims()));
            }
            for (int e = 0; e < model.experts(); e++) {
                assertThat(model.expertCentroid(e))
                        .isEqualTo(Arrays.copyOfRange(experts, e * model.dims(), (e + 1) * model.dims()));
            }
        }
    }

    @Test
    void labelMixCountsEveryLabelledDocument() {
        Map<String, Long> total = new HashMap<>();
        summary.experts().forEach(e -> e.labels().forEach((l, n) -> total.merge(l, n, Long::sum)));
        assertThat(total.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(3000);
        assertThat(summary.labelledDocuments()).isEqualTo(3000);
    }
}
