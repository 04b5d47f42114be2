package ai.chorus.core.train;

import ai.chorus.core.cluster.ClusterAssignments;
import ai.chorus.core.corpus.Split;
import ai.chorus.core.data.ShardReader;
import ai.chorus.core.run.RunDir;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Every training job of a run, with its data, budget and compute, worked out before anything runs.
 *
 * <p>Compute is counted as the peer counts it ({@link ModelConfig#trainFlopsPerToken}). The dense
 * baseline gets the steps whose compute equals the experts' summed compute — exactly their summed steps
 * when every expert has the seed's shape, more or fewer when some are wider or narrower
 * ({@code expert_intermediate_size}); the random-split experts get their cluster twins' shapes, token
 * counts and budgets.
 */
public final class Plan {
    public enum Kind { SEED, EXPERT, DENSE, RANDOM }

    /**
     * One independent job.
     *
     * @param name "seed", "expert 3", "dense", "random 3"
     * @param dir the only folder the job writes
     * @param branchFrom the model it starts from (null: fresh weights, for the seed)
     * @param trainDocs document indices it trains on
     * @param validDocs document indices its validation loss is measured on
     */
    public record Job(String name, Kind kind, int index, Path dir, Path branchFrom, ModelConfig model,
                      long steps, long tokens, double flops, double lr, int[] trainDocs, int[] validDocs) {}

    private final TrainSettings settings;
    private final Job seed;
    private final List<Job> experts;
    private final Job dense;
    private final List<Job> random;

    private Plan(TrainSettings settings, Job seed, List<Job> experts, Job dense, List<Job> random) {
        this.settings = settings;
        this.seed = seed;
        this.experts = experts;
        this.dense = dense;
        this.random = random;
    }

    public static Plan of(RunDir run, TrainSettings s, ShardReader data, ClusterAssignments clusters) {
        ModelConfig model = s.model(data.meta().vocabSize());
        double flopsPerToken = model.trainFlopsPerToken(s.seqLen());
        long perStep = s.tokensPerStep();
        int k = s.experts();

        int[] allTrain = data.documentsOf(Split.TRAIN);
        int[] allValid = data.documentsOf(Split.VALID);
        if (allTrain.length == 0) {
            throw new InvalidInputException(run.dataDir() + " has no train documents; prepare a larger corpus");
        }
        if (allValid.length == 0) {
            // Every job measures its validation loss; without documents there is nothing to measure on.
            throw new InvalidInputException(run.dataDir() + " has no validation documents (the corpus is too small"
                    + " or prepare's --split gave validation 0); re-run 'chorus prepare --force' with more documents"
                    + " or a --split such as 90/5/5");
        }
        List<int[]> expertTrain = new ArrayList<>();
        List<int[]> expertValid = new ArrayList<>();
        long[] expertTokens = new long[k];
        int maxExpert = -1;
        for (int i = 0; i < clusters.size(); i++) {
            maxExpert = Math.max(maxExpert, clusters.expert(i));
        }
        if (maxExpert + 1 != k) {
            throw new InvalidInputException("run.json train.experts is " + k + " but the clustering has "
                    + (maxExpert + 1) + " experts; re-run 'chorus cluster --experts " + k + "' or fix run.json");
        }
        for (int e = 0; e < k; e++) {
            expertTrain.add(docsOf(clusters, e, Split.TRAIN));
            expertValid.add(docsOf(clusters, e, Split.VALID));
            if (expertTrain.get(e).length == 0) {
                throw new InvalidInputException("expert " + e + " has no train documents; cluster with fewer experts");
            }
            for (int d : expertTrain.get(e)) {
                expertTokens[e] += data.document(d).length() + 1L;
            }
        }
        long totalTokens = Arrays.stream(expertTokens).sum();

        long seedSteps = Math.max(1, Math.round((double) s.seedTokens() / perStep));
        Job seed = new Job("seed", Kind.SEED, 0, run.seedDir(), null, model, seedSteps, seedSteps * perStep,
                seedSteps * perStep * flopsPerToken, s.lr(), allTrain, allValid);

        List<Job> experts = new ArrayList<>();
        double expertsFlops = 0;
        for (int e = 0; e < k; e++) {
            double budget = s.budget().equals(TrainSettings.PROPORTIONAL)
                    ? (double) k * s.expertTokens() * expertTokens[e] / totalTokens
                    : s.expertTokens();
            long steps = Math.max(1, Math.round(budget / perStep));
            ModelConfig expertModel = s.expertModel(data.meta().vocabSize(), e);
            double flops = steps * perStep * expertModel.trainFlopsPerToken(s.seqLen());
            expertsFlops += flops;
            // A cluster too small to have validation documents is validated on all of them, never on train data.
            int[] valid = expertValid.get(e).length > 0 ? expertValid.get(e) : allValid;
            experts.add(new Job("expert " + e, Kind.EXPERT, e, run.expertDir(e), run.seedDir(), expertModel, steps,
                    steps * perStep, flops, s.branchLr(), expertTrain.get(e), valid));
        }
        long denseSteps = Math.max(1, Math.round(expertsFlops / (perStep * flopsPerToken)));
        Job dense = new Job("dense", Kind.DENSE, 0, run.denseDir(), run.seedDir(), model, denseSteps,
                denseSteps * perStep, denseSteps * perStep * flopsPerToken, s.branchLr(), allTrain, allValid);

        // The ablation: a random partition of the same train documents with the clusters' sizes.
        int[] shuffled = allTrainOf(expertTrain);
        SplittableRandom rnd = new SplittableRandom(s.dataSeed() ^ 0x5EED5EEDL);
        for (int i = shuffled.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = shuffled[i];
            shuffled[i] = shuffled[j];
            shuffled[j] = t;
        }
        // Each random expert takes shuffled documents until it holds as many tokens as its cluster twin
        // (clusters are balanced by tokens, and documents differ in length); the last takes the rest.
        List<Job> random = new ArrayList<>();
        int at = 0;
        for (int e = 0; e < k; e++) {
            int from = at;
            long tokens = 0;
            while (at < shuffled.length && (e == k - 1 || tokens < expertTokens[e])) {
                tokens += data.document(shuffled[at++]).length() + 1L;
            }
            int[] docs = Arrays.copyOfRange(shuffled, from, at);
            if (docs.length == 0) {
                throw new InvalidInputException("the random split left expert " + e + " without documents; "
                        + "cluster with fewer experts");
            }
            Arrays.sort(docs);
            Job twin = experts.get(e);
            random.add(new Job("random " + e, Kind.RANDOM, e, run.randomExpertDir(e), run.seedDir(), twin.model(),
                    twin.steps(), twin.tokens(), twin.flops(), s.branchLr(), docs, allValid));
        }
        return new Plan(s, seed, List.copyOf(experts), dense, List.copyOf(random));
    }

    private static int[] docsOf(ClusterAssignments a, int expert, Split split) {
        int n = 0;
        for (int i = 0; i < a.size(); i++) {
            if (a.expert(i) == expert && a.split(i) == split) {
                n++;
            }
        }
        int[] out = new int[n];
        n = 0;
        for (int i = 0; i < a.size(); i++) {
            if (a.expert(i) == expert && a.split(i) == split) {
                out[n++] = a.docIndex(i);
            }
        }
        return out;
    }

    private static int[] allTrainOf(List<int[]> perExpert) {
        int[] all = perExpert.stream().flatMapToInt(Arrays::stream).sorted().toArray();
        return all;
    }

    public TrainSettings settings() {
        return settings;
    }

    public Job seed() {
        return seed;
    }

    public List<Job> experts() {
        return experts;
    }

    public Job dense() {
        return dense;
    }

    public List<Job> random() {
        return random;
    }

    public List<Job> all() {
        List<Job> all = new ArrayList<>();
        all.add(seed);
        all.addAll(experts);
        all.add(dense);
        all.addAll(random);
        return all;
    }

    public double expertsFlops() {
        return experts.stream().mapToDouble(Job::flops).sum();
    }

    public double denseFlops() {
        return dense.flops();
    }
}
