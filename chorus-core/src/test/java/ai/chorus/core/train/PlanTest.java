package ai.chorus.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.chorus.core.cluster.ClusterAssignments;
import ai.chorus.core.cluster.TestAssignments;
import ai.chorus.core.corpus.DocumentId;
import ai.chorus.core.corpus.Split;
import ai.chorus.core.data.DataMeta;
import ai.chorus.core.data.ShardReader;
import ai.chorus.core.data.ShardWriter;
import ai.chorus.core.run.RunDir;
import ai.chorus.core.run.RunSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Plan} on a made-up run whose documents, lengths, splits and clusters are known here, every number
 * worked out in the test: the seed job, expert budgets (equal and proportional) and their rounding to steps,
 * random-split twins, HDEE widths, and compute matching against a FLOP count written from the shapes.
 */
class PlanTest {
    static final int DOCS = 60;
    static final int K = 3;
    static final int VOCAB = 300;
    // the model: hidden 32, SwiGLU 64, 2 layers, 2 heads, 32-token context, batch 4 → 128 tokens a step
    static final int D = 32;
    static final int F = 64;
    static final int L = 2;
    static final int T = 32;
    static final int PER_STEP = 4 * T;

    @TempDir
    static Path tmp;

    static RunDir run;
    static ShardReader data;
    static ClusterAssignments clusters;
    static final Split[] SPLIT = new Split[DOCS];
    static final int[] EXPERT = new int[DOCS];
    static final int[] LENGTH = new int[DOCS];

    @BeforeAll
    static void writeRun() throws IOException {
        run = RunDir.of(tmp.resolve("run"));
        for (int i = 0; i < DOCS; i++) {
            SPLIT[i] = i % 10 == 3 ? Split.VALID : i % 10 == 7 ? Split.TEST : Split.TRAIN;
            // expert 2 gets no validation documents: it is validated on all of them
            EXPERT[i] = SPLIT[i] == Split.VALID ? (i / 10) % 2 : i % K;
            LENGTH[i] = 5 + 12 * EXPERT[i] + i % 7; // experts' data differ in size
        }
        Path dir = run.dataDir();
        long[] tokens = new long[3];
        long[] docs = new long[3];
        List<DataMeta.Shard> shards;
        try (ShardWriter w = new ShardWriter(dir, VOCAB, VOCAB - 1, 1 << 20)) {
            for (int i = 0; i < DOCS; i++) {
                int first = i * 31;
                int[] t = IntStream.range(0, LENGTH[i]).map(j -> (first + j) % (VOCAB - 1)).toArray();
                w.append(DocumentId.ofText("document " + i), SPLIT[i], -1, t);
                tokens[SPLIT[i].ordinal()] += LENGTH[i];
                docs[SPLIT[i].ordinal()]++;
            }
            w.close();
            shards = w.shards();
        }
        DataMeta meta = new DataMeta(DataMeta.FORMAT, 2, VOCAB, VOCAB - 1, shards,
                Map.of("train", docs[0], "valid", docs[1], "test", docs[2]),
                Map.of("train", tokens[0], "valid", tokens[1], "test", tokens[2]), Map.of(), List.of(), 0);
        Files.writeString(dir.resolve(ShardReader.META_FILE), RunSpec.JSON.writeValueAsString(meta));
        data = ShardReader.open(dir);
        clusters = TestAssignments.of(SPLIT, EXPERT);
    }

    static TrainSettings settings(long seedTokens, long expertTokens, String budget, Map<String, Integer> widths) {
        return new TrainSettings("test", K, D, F, L, 2, T, 4, seedTokens, expertTokens, budget, 3e-3, 2e-3, 0.1,
                0.1, 0.1, 1.0, 10, 2, 50, 7L, 11L, 10000.0, widths);
    }

    static Plan plan(TrainSettings s) {
        return Plan.of(run, s, data, clusters);
    }

    static int[] docs(Split split, int expert) {
        return IntStream.range(0, DOCS).filter(i -> SPLIT[i] == split && (expert < 0 || EXPERT[i] == expert)).toArray();
    }

    /** Tokens an expert trains on: each document and its end-of-text separator. */
    static long trainTokens(int expert) {
        return Arrays.stream(docs(Split.TRAIN, expert)).mapToLong(i -> LENGTH[i] + 1L).sum();
    }

    /**
     * Training FLOPs per token counted from the shapes: N = per layer the q, k, v, o projections (d × d each,
     * as many KV heads as heads) and the SwiGLU's gate, up and down (d × f each), plus the lm_head (V × d);
     * the embedding lookup and the norms are not matmuls. 6N for forward and backward, and 12·L·d·T for
     * attention's scores and mix over the whole context.
     */
    static double flopsPerToken(int ffn) {
        double n = L * (4.0 * D * D + 3.0 * D * ffn) + (double) VOCAB * D;
        return 6 * n + 12.0 * L * D * T;
    }

    @Test
    void theSeedTrainsOnAllTrainDataForItsTokensRoundedToWholeSteps() {
        Plan.Job seed = plan(settings(PER_STEP * 10L + 63, 1000, TrainSettings.EQUAL, null)).seed();
        assertThat(seed.kind()).isEqualTo(Plan.Kind.SEED);
        assertThat(seed.name()).isEqualTo("seed");
        assertThat(seed.dir()).isEqualTo(run.seedDir());
        assertThat(seed.branchFrom()).isNull();
        assertThat(seed.steps()).isEqualTo(10); // 10.49 steps
        assertThat(seed.tokens()).isEqualTo(10L * PER_STEP);
        assertThat(seed.lr()).isEqualTo(3e-3);
        assertThat(seed.trainDocs()).containsExactly(docs(Split.TRAIN, -1));
        assertThat(seed.validDocs()).containsExactly(docs(Split.VALID, -1));
        assertThat(seed.model().hiddenSize()).isEqualTo(D);
        assertThat(seed.model().intermediateSize()).isEqualTo(F);
        assertThat(seed.model().numHiddenLayers()).isEqualTo(L);
        assertThat(seed.model().vocabSize()).isEqualTo(VOCAB);
        assertThat(seed.model().maxPositionEmbeddings()).isEqualTo(T);
        assertThat(seed.flops()).isCloseTo(10.0 * PER_STEP * flopsPerToken(F), within(1e-6 * seed.flops()));

        assertThat(plan(settings(PER_STEP * 10L + 64, 1000, TrainSettings.EQUAL, null)).seed().steps())
                .isEqualTo(11); // 10.5 rounds up
        assertThat(plan(settings(5, 5, TrainSettings.EQUAL, null)).seed().steps()).isEqualTo(1); // never 0
        assertThat(plan(settings(5, 5, TrainSettings.EQUAL, null)).experts())
                .allSatisfy(e -> assertThat(e.steps()).isEqualTo(1));
    }

    @Test
    void expertsBranchFromTheSeedOnTheirClustersData() {
        Plan p = plan(settings(5000, PER_STEP * 7L, TrainSettings.EQUAL, null));
        assertThat(p.experts()).hasSize(K);
        for (int e = 0; e < K; e++) {
            Plan.Job x = p.experts().get(e);
            assertThat(x.kind()).isEqualTo(Plan.Kind.EXPERT);
            assertThat(x.index()).isEqualTo(e);
            assertThat(x.dir()).isEqualTo(run.expertDir(e));
            assertThat(x.branchFrom()).isEqualTo(run.seedDir());
            assertThat(x.lr()).isEqualTo(2e-3);
            assertThat(x.steps()).isEqualTo(7); // equal budgets: the same for every expert
            assertThat(x.trainDocs()).containsExactly(docs(Split.TRAIN, e));
            // never validated on train data; a cluster without validation documents is validated on all
            assertThat(x.validDocs()).containsExactly(e == 2 ? docs(Split.VALID, -1) : docs(Split.VALID, e));
        }
        assertThat(docs(Split.VALID, 2)).isEmpty();
        Plan.Job dense = p.dense();
        assertThat(dense.kind()).isEqualTo(Plan.Kind.DENSE);
        assertThat(dense.dir()).isEqualTo(run.denseDir());
        assertThat(dense.branchFrom()).isEqualTo(run.seedDir());
        assertThat(dense.trainDocs()).containsExactly(docs(Split.TRAIN, -1));
        assertThat(dense.validDocs()).containsExactly(docs(Split.VALID, -1));
        assertThat(dense.model()).isEqualTo(p.seed().model());
    }

    @Test
    void proportionalBudgetsFollowEachExpertsShareOfTheTrainTokens() {
        long mean = PER_STEP * 20L;
        Plan p = plan(settings(5000, mean, TrainSettings.PROPORTIONAL, null));
        long total = trainTokens(0) + trainTokens(1) + trainTokens(2);
        assertThat(trainTokens(0)).isLessThan(trainTokens(1)); // the shares differ
        assertThat(trainTokens(1)).isLessThan(trainTokens(2));
        for (int e = 0; e < K; e++) {
            double budget = (double) K * mean * trainTokens(e) / total;
            assertThat(p.experts().get(e).steps()).as("expert %d", e).isEqualTo(Math.round(budget / PER_STEP));
        }
        // the budgets add up to K × the mean, up to rounding each to whole steps
        long steps = p.experts().stream().mapToLong(Plan.Job::steps).sum();
        assertThat(Math.abs(steps * PER_STEP - K * mean)).isLessThanOrEqualTo(K * PER_STEP / 2);
        assertThat(p.experts().get(0).steps()).isLessThan(p.experts().get(2).steps());

        Plan equal = plan(settings(5000, mean, TrainSettings.EQUAL, null));
        assertThat(equal.experts()).allSatisfy(x -> assertThat(x.steps()).isEqualTo(20));
    }

    @Test
    void randomSplitTwinsPartitionTheTrainDataWithTheirTwinsSizesStepsAndWidths() {
        Plan p = plan(settings(5000, PER_STEP * 20L, TrainSettings.PROPORTIONAL, Map.of("1", 96)));
        Set<Integer> seen = new HashSet<>();
        int longest = Arrays.stream(LENGTH).max().orElseThrow() + 1;
        boolean differsFromClusters = false;
        for (int e = 0; e < K; e++) {
            Plan.Job twin = p.experts().get(e);
            Plan.Job r = p.random().get(e);
            assertThat(r.kind()).isEqualTo(Plan.Kind.RANDOM);
            assertThat(r.dir()).isEqualTo(run.randomExpertDir(e));
            assertThat(r.branchFrom()).isEqualTo(run.seedDir());
            assertThat(r.model()).isEqualTo(twin.model());
            assertThat(r.steps()).isEqualTo(twin.steps());
            assertThat(r.tokens()).isEqualTo(twin.tokens());
            assertThat(r.flops()).isEqualTo(twin.flops());
            assertThat(r.lr()).isEqualTo(twin.lr());
            assertThat(r.validDocs()).containsExactly(docs(Split.VALID, -1));
            long tokens = 0;
            for (int d : r.trainDocs()) {
                assertThat(SPLIT[d]).isEqualTo(Split.TRAIN);
                assertThat(seen.add(d)).as("document %d in two random experts", d).isTrue();
                tokens += LENGTH[d] + 1;
            }
            if (e < K - 1) { // as many tokens as the cluster, overshooting by less than one document
                assertThat(tokens).isBetween(trainTokens(e), trainTokens(e) + longest - 1);
            }
            differsFromClusters |= !Arrays.equals(r.trainDocs(), twin.trainDocs());
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(docs(Split.TRAIN, -1)).boxed().toList());
        assertThat(differsFromClusters).isTrue();
        assertThat(plan(settings(5000, PER_STEP * 20L, TrainSettings.PROPORTIONAL, Map.of("1", 96))).random().get(0)
                .trainDocs()).containsExactly(p.random().get(0).trainDocs()); // the same split every time
    }

    @Test
    void hdeeWidthsGoToTheirExpertAndItsTwinOnly() {
        Plan p = plan(settings(5000, PER_STEP * 20L, TrainSettings.EQUAL, Map.of("1", 96, "2", 40)));
        int[] widths = {F, 96, 40};
        for (int e = 0; e < K; e++) {
            assertThat(p.experts().get(e).model().intermediateSize()).as("expert %d", e).isEqualTo(widths[e]);
            assertThat(p.random().get(e).model().intermediateSize()).as("random %d", e).isEqualTo(widths[e]);
            assertThat(p.experts().get(e).model().hiddenSize()).isEqualTo(D);
        }
        assertThat(p.seed().model().intermediateSize()).isEqualTo(F);
        assertThat(p.dense().model().intermediateSize()).isEqualTo(F);
    }

    @Test
    void denseComputeEqualsTheExpertsSummedComputeCountedFromTheShapes() {
        record Case(String budget, Map<String, Integer> widths) {}
        for (Case c : List.of(new Case(TrainSettings.EQUAL, null), new Case(TrainSettings.PROPORTIONAL, null),
                new Case(TrainSettings.EQUAL, Map.of("0", 256)), new Case(TrainSettings.PROPORTIONAL,
                        Map.of("1", 96, "2", 16)))) {
            Plan p = plan(settings(5000, PER_STEP * 50L, c.budget(), c.widths()));
            double experts = 0;
            long expertSteps = 0;
            for (int e = 0; e < K; e++) {
                Plan.Job x = p.experts().get(e);
                int ffn = c.widths() == null ? F : c.widths().getOrDefault(Integer.toString(e), F);
                double flops = x.steps() * (double) PER_STEP * flopsPerToken(ffn);
                assertThat(x.flops()).as("%s expert %d", c, e).isCloseTo(flops, within(1e-9 * flops));
                experts += flops;
                expertSteps += x.steps();
            }
            double dense = p.dense().steps() * (double) PER_STEP * flopsPerToken(F);
            assertThat(p.dense().flops()).as("%s dense", c).isCloseTo(dense, within(1e-9 * dense));
            // the dense model's whole steps come as close to the experts' compute as a step allows
            assertThat(Math.abs(dense - experts)).as("%s", c).isLessThanOrEqualTo(0.5 * PER_STEP * flopsPerToken(F));
            assertThat(p.expertsFlops()).isCloseTo(experts, within(1e-9 * experts));
            assertThat(p.denseFlops()).isCloseTo(dense, within(1e-9 * dense));
            if (c.widths() == null) {
                assertThat(p.dense().steps()).as("%s", c).isEqualTo(expertSteps);
            } else {
                assertThat(p.dense().steps()).as("%s", c).isNotEqualTo(expertSteps);
            }
        }
    }
}
