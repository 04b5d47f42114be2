package ai.chorus.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.chorus.core.cluster.ClusterAssignments;
import ai.chorus.core.cluster.ClusterModel;
import ai.chorus.core.cluster.ClusterOptions;
import ai.chorus.core.cluster.ClusterRun;
import ai.chorus.core.corpus.Split;
import ai.chorus.core.corpus.SplitRatios;
import ai.chorus.core.data.ShardReader;
import ai.chorus.core.mix.CentroidRouter;
import ai.chorus.core.mix.ClusterDistances;
import ai.chorus.core.mix.RoutingContext;
import ai.chorus.core.mix.Weights;
import ai.chorus.core.prepare.PrepareOptions;
import ai.chorus.core.prepare.PrepareStep;
import ai.chorus.core.run.JsonFiles;
import ai.chorus.core.run.RunDir;
import ai.chorus.core.run.RunSpec;
import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.core.util.Progress;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;
import ai.chorus.engine.io.Checkpoints;
import ai.chorus.engine.model.LlamaModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code chorus eval} end to end on a tiny run: a labelled JSONL corpus, two clusters, tiny random models.
 * The run is prepared and clustered once; every test first writes the models it needs.
 */
class EvalStepTest {
    private static final int EXPERTS = 2;
    private static final int SEQ = 16;

    @TempDir
    static Path tmp;

    private static RunDir run;
    private static ModelConfig config;

    @BeforeAll
    static void tinyRun() throws IOException {
        StringBuilder b = new StringBuilder();
        String[] topics = {"the cat sat on the mat and purred at the dog", "stocks fell sharply as markets opened today"};
        for (int i = 0; i < 120; i++) {
            b.append("{\"text\":\"").append(topics[i % 2]).append(" number ").append(i).append(' ')
                    .append(topics[i % 2].substring(0, 10 + i % 7)).append("\",\"topic\":\"t").append(i % 2)
                    .append("\"}\n");
        }
        Path corpus = tmp.resolve("c.jsonl");
        Files.writeString(corpus, b.toString());
        run = RunDir.of(tmp.resolve("run"));
        PrepareStep.run(run, new PrepareOptions(corpus.toString(), "text", "topic", new SplitRatios(0.6, 0.1, 0.3),
                300, PrepareOptions.DEFAULT_SAMPLE_BYTES, false), Progress.NONE);
        ClusterRun.run(run, new ClusterRun.Options(ClusterOptions.defaults(EXPERTS).withFine(4).withDims(16)
                .withBuckets(4096).withThreads(1), false), Progress.NONE);
        int vocab = ShardReader.open(run.dataDir()).meta().vocabSize();
        config = ModelConfig.of(vocab, 16, 1, 2, 32, SEQ);
    }

    /** Saves the same tiny model (weights from {@code seed}) into every model folder of the run. */
    private static void saveModels(long seed, boolean distinctExperts) throws IOException {
        LlamaModel same = LlamaModel.initialized(config, seed);
        Checkpoints.save(run.seedDir(), config, same.parameters(), Map.of());
        Checkpoints.save(run.denseDir(), config, same.parameters(), Map.of());
        for (int e = 0; e < EXPERTS; e++) {
            LlamaModel m = distinctExperts ? LlamaModel.initialized(config, seed + 1 + e) : same;
            Checkpoints.save(run.expertDir(e), config, m.parameters(), Map.of());
            Checkpoints.save(run.randomExpertDir(e), config, m.parameters(), Map.of());
        }
    }

    @Test
    void writesResultsWithEveryRequiredKey() throws IOException {
        saveModels(11, true);
        EvalResults returned = EvalStep.run(run,
                new EvalOptions(OptionalDouble.of(0.1), 4, 1_000_000, 1, "fine", Split.TEST), Progress.NONE);
        // the file is the returned record, and reads back as it
        assertThat(Files.readString(run.evalResults())).isEqualTo(RunSpec.JSON.writeValueAsString(returned) + "\n");
        assertThat(RunSpec.JSON.writeValueAsString(JsonFiles.read(run.evalResults(), EvalResults.class)))
                .isEqualTo(RunSpec.JSON.writeValueAsString(returned));
        JsonNode json = new ObjectMapper().readTree(run.evalResults().toFile());
        assertThat(json.get("format").asText()).isEqualTo("chorus-eval-v2");
        assertThat(json.get("window").asInt()).isEqualTo(SEQ);
        assertThat(json.get("reroute").asInt()).isEqualTo(4);
        assertThat(json.get("test_documents").asInt()).isPositive();
        List<String> required = List.of("seed", "dense", "centroid_k1", "centroid_k2", "centroid_kall", "posterior",
                "adaptive", "uniform", "oracle", "random_split", "expert_0", "expert_1");
        for (String key : required) {
            double ppl = json.path("perplexity").path(key).asDouble(Double.NaN);
            assertThat(ppl).as(key).isGreaterThan(1).isFinite();
            assertThat(json.path("per_domain").path(key).size()).as(key).isBetween(1, EXPERTS);
            assertThat(json.path("per_label").path(key).size()).as(key).isBetween(1, 2);
            assertThat(json.path("experts_per_token").has(key)).as(key).isTrue();
        }
        long domainTokens = 0;
        for (JsonNode n : json.get("domain_tokens")) {
            domainTokens += n.asLong();
        }
        assertThat(domainTokens).isEqualTo(json.get("test_tokens").asLong());
        JsonNode cost = json.get("experts_per_token");
        // a single model runs one expert per token, written as the integer 1 (as before the file had a record)
        assertThat(cost.get("seed").isInt()).isTrue();
        assertThat(cost.get("expert_0").isInt()).isTrue();
        // one expert per token, plus the prefill of each expert switched in mid-window
        assertThat(cost.get("centroid_k1").asDouble()).isBetween(1.0, 2.0);
        assertThat(cost.get("adaptive").asDouble()).isBetween(1.0, (double) EXPERTS);
        assertThat(cost.get("centroid_k2").asDouble()).isEqualTo(2.0);
        assertThat(cost.get("uniform").asDouble()).isEqualTo(2.0);
        assertThat(cost.get("oracle").asDouble()).isEqualTo(1.0);
        assertThat(json.get("routing_accuracy").get("centroid_k1").asDouble()).isBetween(0.0, 1.0);
        assertThat(json.get("routing_accuracy").get("posterior").asDouble()).isBetween(0.0, 1.0);
        JsonNode map = json.get("routing_map");
        assertThat(map.get("rows_are").asText()).isEqualTo("label");
        long decisions = 0;
        for (JsonNode row : map.get("counts")) {
            for (JsonNode c : row) {
                decisions += c.asLong();
            }
        }
        assertThat(decisions).isPositive();
        assertThat(EvalStep.table(returned)).contains("centroid_k2").contains("random_split").contains("expert_1");
        double dense = json.path("perplexity").path("dense").asDouble();
        for (String key : required) {
            if (key.equals("dense")) {
                continue;
            }
            // the point estimate is the perplexities' ratio; the interval is ordered and holds no NaN
            double change = json.path("vs_dense").path(key).asDouble(Double.NaN);
            assertThat(change).as(key).isCloseTo(100 * (json.path("perplexity").path(key).asDouble() / dense - 1),
                    within(1e-6));
            JsonNode ci = json.path("vs_dense_ci95").path(key);
            assertThat(ci.size()).as(key).isEqualTo(2);
            assertThat(ci.get(0).asDouble()).as(key).isLessThanOrEqualTo(ci.get(1).asDouble());
            assertThat(EvalStep.table(returned)).contains(EvalStep.vsDense(returned, key));
        }
        assertThat(json.path("vs_dense_ci95").has("dense")).isFalse();
        // the demo re-evaluates a v2 file written before the intervals existed
        assertThat(EvalStep.isCurrent(run.evalResults())).isTrue();
        Path withoutIntervals = tmp.resolve("without-intervals.json");
        Files.writeString(withoutIntervals, ((ObjectNode) json.deepCopy()).without("vs_dense_ci95").toString());
        assertThat(EvalStep.isCurrent(withoutIntervals)).isFalse();
        assertThat(json.path("vs_dense_bootstrap").path("resamples").asInt()).isEqualTo(PairedBootstrap.RESAMPLES);
        assertThat(EvalStep.vsDense(returned, "centroid_k2")).matches("[+-]\\d+\\.\\d% \\[[+-]\\d+\\.\\d, [+-]\\d+\\.\\d\\]");
        assertThat(json.get("router_context").asText()).isEqualTo("window");
        assertThat(json.path("perplexity").has("centroid_k2" + EvalStep.DOCUMENT_MEMORY_SUFFIX)).isFalse();
    }

    @Test
    void documentMemoryIsItsOwnLabelledRowBesideTheWindowHeadline() throws IOException {
        saveModels(11, true);
        JsonNode window = tree(EvalStep.run(run,
                new EvalOptions(OptionalDouble.of(0.1), 4, 1_000_000, 1, "fine", Split.TEST), Progress.NONE));
        EvalResults withMemory = EvalStep.run(run, new EvalOptions(OptionalDouble.of(0.1), 4, 1_000_000, 1, "fine",
                Split.TEST, RouterContext.DOCUMENT), Progress.NONE);
        JsonNode both = tree(withMemory);
        assertThat(both.get("router_context").asText()).isEqualTo("window");
        for (String key : List.of("centroid_k1", "centroid_k2", "hybrid", "posterior")) {
            // the headline rows do not change when document memory is asked for too
            assertThat(both.path("perplexity").get(key).asDouble()).as(key)
                    .isEqualTo(window.path("perplexity").get(key).asDouble());
            assertThat(both.path("perplexity").get(key + EvalStep.DOCUMENT_MEMORY_SUFFIX).asDouble()).as(key)
                    .isGreaterThan(1).isFinite();
        }
        assertThat(EvalStep.table(withMemory)).contains("information the dense model does not get");
    }

    @Test
    void anAutomaticTauIsChosenOnValidationAndUsedOnTest() throws IOException {
        saveModels(13, true);
        JsonNode auto = tree(EvalStep.run(run, new EvalOptions(OptionalDouble.empty(), 4, 1_000_000, 1, "fine",
                Split.TEST), Progress.NONE));
        JsonNode calibration = auto.get("tau_calibration");
        assertThat(calibration.get("split").asText()).isEqualTo("valid");
        // and it scored the validation documents' positions, counted here from the data, not from eval
        ShardReader data = ShardReader.open(run.dataDir());
        long validPositions = 0;
        for (int doc : data.documentsOf(Split.VALID)) {
            validPositions += data.document(doc).length() + 1L;
        }
        assertThat(calibration.get("tokens").asLong()).isEqualTo(Math.min(validPositions, TauCalibration.TOKENS));
        assertThat(auto.get("split").asText()).isEqualTo("test");
        assertThat(calibration.get("perplexity_by_tau").size()).isEqualTo(TauCalibration.GRID.length);
        double tau = auto.get("tau").asDouble();
        double best = Double.POSITIVE_INFINITY;
        String bestKey = null;
        for (var it = calibration.get("perplexity_by_tau").fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getValue().asDouble() < best) {
                best = e.getValue().asDouble();
                bestKey = e.getKey();
            }
        }
        assertThat(tau).isEqualTo(Double.parseDouble(bestKey));
        // the test perplexities are those of an evaluation given that tau explicitly
        JsonNode fixed = tree(EvalStep.run(run, new EvalOptions(OptionalDouble.of(tau), 4, 1_000_000, 1, "fine",
                Split.TEST), Progress.NONE));
        assertThat(fixed.has("tau_calibration")).isFalse();
        assertThat(fixed.get("perplexity").get("centroid_k2").asDouble())
                .isEqualTo(auto.get("perplexity").get("centroid_k2").asDouble());
    }

    @Test
    void whenEveryModelIsTheSameEveryEnsembleHasItsPerplexity() throws IOException {
        saveModels(5, false);
        JsonNode json = tree(EvalStep.run(run, new EvalOptions(OptionalDouble.of(0.1), 3, 1_000_000, 1, "fine",
                Split.TEST), Progress.NONE));
        JsonNode ppl = json.get("perplexity");
        double seed = ppl.get("seed").asDouble();
        ppl.fields().forEachRemaining(e -> assertThat(e.getValue().asDouble()).as(e.getKey())
                .isCloseTo(seed, within(seed * 1e-5)));
        // paired: the same model on the same resampled documents changes nothing, whatever the documents
        json.get("vs_dense_ci95").fields().forEachRemaining(e -> {
            assertThat(e.getValue().get(0).asDouble()).as(e.getKey()).isCloseTo(0, within(1e-3));
            assertThat(e.getValue().get(1).asDouble()).as(e.getKey()).isCloseTo(0, within(1e-3));
        });
    }

    @Test
    void fineCentroidRoutingOfAWholeDocumentAtVanishingTauIsTheClusteringsAssignment() throws IOException {
        ClusterModel clusters = ClusterModel.load(run.clustersDir());
        ClusterAssignments assignments = ClusterAssignments.read(run.clustersDir());
        ShardReader data = ShardReader.open(run.dataDir());
        BpeTokenizer tokenizer = BpeTokenizer.load(run.tokenizerJson());
        CentroidRouter router = new CentroidRouter(ClusterDistances.of("fine", clusters), 1e-9, new double[] {1, 1});
        double[] w = new double[EXPERTS];
        for (int doc : data.documentsOf(Split.TEST)) {
            int[] tokens = data.tokens(data.document(doc));
            RoutingContext context = new RoutingContext(EXPERTS, (t, n) -> tokenizer.decode(Arrays.copyOf(t, n)));
            context.reset(-1);
            for (int t : tokens) {
                context.append(t, null, 0);
            }
            router.route(context, w);
            assertThat(Weights.argmax(w)).as("document " + doc).isEqualTo(assignments.expertOf(doc));
        }
    }

    @Test
    void maxTokensCapsTheScoredTokensExactly() throws IOException {
        saveModels(5, true);
        JsonNode json = tree(EvalStep.run(run, new EvalOptions(OptionalDouble.of(0.1), 32, 50, 1, "fine",
                Split.TEST), Progress.NONE));
        assertThat(json.get("test_tokens").asInt()).isEqualTo(50);
    }

    @Test
    void aMissingModelIsOneLineNamingItAndTheCommand() throws IOException {
        saveModels(5, true);
        Path results = run.evalResults();
        String before = Files.exists(results) ? Files.readString(results) : null;
        Files.delete(run.expertDir(1).resolve(Checkpoints.WEIGHTS_FILE));
        assertThatThrownBy(() -> EvalStep.run(run, EvalOptions.defaults(), Progress.NONE))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("expert 1")
                .hasMessageContaining("chorus train --run " + run + " --expert 1")
                .hasMessageNotContaining("\n");
        assertThat(Files.exists(results) ? Files.readString(results) : null).as("results.json untouched")
                .isEqualTo(before);
    }

    /** The results as results.json holds them. */
    private static JsonNode tree(EvalResults results) throws IOException {
        return new ObjectMapper().readTree(RunSpec.JSON.writeValueAsString(results));
    }
}
