package ai.chorus.core.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.chorus.core.run.RunDir;
import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.core.tokenizer.TokenizerFiles;
import ai.chorus.core.train.TrainJob;
import ai.chorus.core.util.Progress;
import ai.chorus.engine.FloatTensor;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;
import ai.chorus.engine.io.Checkpoints;
import ai.chorus.engine.io.SafetensorsWriter;
import ai.chorus.engine.model.LlamaModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link MergeStep} on tiny generated models: a seed and three experts in a run-shaped folder. */
class MergeStepTest {
    /** The run's tokenizer: a merged folder carries its models' tokenizer, so their vocab_size must be its. */
    private static final BpeTokenizer TOKENIZER = BpeTokenizer.train(Stream.of("merge the models"), 260, Progress.NONE);
    private static final ModelConfig CONFIG = ModelConfig.of(TOKENIZER.vocabSize(), 16, 2, 2, 24, 8);

    @TempDir
    Path tmp;

    private RunDir run;

    @BeforeEach
    void models() throws IOException {
        run = RunDir.of(tmp.resolve("run"));
        Files.createDirectories(run.root());
        TOKENIZER.save(run.tokenizerJson());
        Checkpoints.save(run.seedDir(), CONFIG, LlamaModel.initialized(CONFIG, 1).parameters(), Map.of());
        for (int e = 0; e < 3; e++) {
            Checkpoints.save(run.expertDir(e), CONFIG, LlamaModel.initialized(CONFIG, 10 + e).parameters(), Map.of());
        }
    }

    private static MergeRecipe recipe(String yaml) {
        return MergeRecipe.parse(yaml, false, "recipe r.yaml");
    }

    private MergeStep.Result merge(MergeRecipe recipe, Path out, boolean force) throws IOException {
        return MergeStep.run(run, new MergeOptions(recipe, null, out, force), Progress.NONE);
    }

    @Test
    void theOutputIsAnOrdinaryModelFolderEqualToTheInMemoryMergeWithProvenance() throws IOException {
        Path out = run.mergedDir().resolve("ties");
        MergeStep.Result r = merge(recipe("method: ties\nmodels: [e00, e01, experts/e02]\n"
                + "parameters: {density: 0.5}\n"), out, false);
        assertThat(r.tensors()).isEqualTo(Checkpoints.expectedShapes(CONFIG).size());
        assertThat(r.bytesWritten()).isEqualTo(CONFIG.parameterCount() * 4);
        assertThat(r.bytesRead()).isEqualTo(4 * r.bytesWritten()); // three experts and the seed

        Checkpoints.Checkpoint merged = Checkpoints.load(out);
        assertThat(merged.model()).isEqualTo(CONFIG);
        Checkpoints.Checkpoint seed = Checkpoints.load(run.seedDir());
        List<Checkpoints.Checkpoint> experts = new ArrayList<>();
        for (int e = 0; e < 3; e++) {
            experts.add(Checkpoints.load(run.expertDir(e)));
        }
        int conflicting = 0;
        for (FloatTensor t : seed.tensors()) {
            float[][] models = experts.stream().map(c -> c.tensor(t.name()).data()).toArray(float[][]::new);
            float[] base = Arrays.copyOf(t.data(), t.size());
            assertThat(merged.tensor(t.name()).data()).as(t.name())
                    .isEqualTo(TiesByHand.merge(models, base, 0.5, 1.0));
            for (int j = 0; j < t.size(); j++) {
                boolean up = false;
                boolean down = false;
                for (float[] m : models) {
                    up |= m[j] > base[j];
                    down |= m[j] < base[j];
                }
                conflicting += up && down ? 1 : 0;
            }
        }
        // independently initialised experts disagree in sign on about half the entries: the election matters
        assertThat(conflicting).isGreaterThan((int) (CONFIG.parameterCount() / 3));

        JsonNode p = new ObjectMapper().readTree(RunDir.provenance(out).toFile());
        assertThat(p.get("method").asText()).isEqualTo("ties");
        assertThat(p.get("parameters").get("density").asDouble()).isEqualTo(0.5);
        assertThat(p.get("parameters").get("lambda").asDouble()).isEqualTo(1.0);
        assertThat(p.get("recipe").get("models")).hasSize(3);
        for (int e = 0; e < 3; e++) {
            assertThat(p.get("models").get(e).get("sha256").asText())
                    .isEqualTo(TrainJob.sha256(run.expertDir(e).resolve(Checkpoints.WEIGHTS_FILE)));
        }
        assertThat(p.get("base").get("sha256").asText())
                .isEqualTo(TrainJob.sha256(run.seedDir().resolve(Checkpoints.WEIGHTS_FILE)));
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void averageWithOneHotWeightsCopiesThatExpertsWeightsExactly() throws IOException {
        Path out = tmp.resolve("one-hot");
        merge(recipe("method: average\nmodels: [{model: e00, weight: 0}, {model: e01, weight: 1}]\n"), out, false);
        Checkpoints.Checkpoint merged = Checkpoints.load(out);
        Checkpoints.Checkpoint e01 = Checkpoints.load(run.expertDir(1));
        for (FloatTensor t : e01.tensors()) {
            assertThat(merged.tensor(t.name()).data()).as(t.name()).isEqualTo(t.data());
        }
    }

    @Test
    void aModelOfAnotherShapeIsRefusedAndNothingIsWritten() throws IOException {
        ModelConfig wider = ModelConfig.of(CONFIG.vocabSize(), 32, 2, 2, 24, 8);
        Checkpoints.save(run.expertDir(2), wider, LlamaModel.initialized(wider, 3).parameters(), Map.of());
        Path out = run.mergedDir().resolve("x");
        assertThatThrownBy(() -> merge(recipe("method: average\nmodels: [e00, e02]\n"
                + "parameters: {weighting: uniform}\n"), out, false))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("e02")
                .hasMessageContaining("hidden_size 32 vs 16")
                .hasMessageNotContaining("\n");
        assertThat(out).doesNotExist();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void weightsWhoseTensorShapesDisagreeWithTheirConfigAreRefused() throws IOException {
        List<FloatTensor> params = new ArrayList<>(LlamaModel.initialized(CONFIG, 4).parameters());
        params.set(1, FloatTensor.allocate(params.get(1).name(), 17)); // input_layernorm of 17, not 16
        SafetensorsWriter.write(run.expertDir(2).resolve(Checkpoints.WEIGHTS_FILE), params, Map.of());
        Path out = tmp.resolve("out");
        assertThatThrownBy(() -> merge(recipe("method: task-arithmetic\nmodels: [e00, e02]\n"), out, false))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("has shape [17], expected [16]");
        assertThat(out).doesNotExist();
    }

    @Test
    void missingModelsBaseForAMethodWithoutOneAndAnOccupiedOutAreRefused() throws IOException {
        assertThatThrownBy(() -> merge(recipe("method: ties\nmodels: [e00, e07]\n"), tmp.resolve("a"), false))
                .hasMessageContaining("model e07 not found");
        assertThatThrownBy(() -> merge(recipe("method: slerp\nbase: seed\nmodels: [e00, e01]\n"),
                tmp.resolve("a"), false)).hasMessageContaining("slerp takes no base model");
        assertThatThrownBy(() -> merge(recipe("method: average\nmodels: [e00, e01]\n"),
                tmp.resolve("a"), false)).hasMessageContaining("weighting data needs the run's clusters");
        assertThatThrownBy(() -> merge(recipe("method: task-arithmetic\nmodels: [e00, e01]\n"),
                run.expertDir(0), true)).hasMessageContaining("is one of the models being merged");
        Path out = tmp.resolve("taken");
        Files.createDirectories(out);
        Files.writeString(out.resolve("keep.txt"), "mine");
        MergeRecipe slerp = recipe("method: slerp\nmodels: [e00, e01]\nparameters: {t: 0.25}\n");
        assertThatThrownBy(() -> merge(slerp, out, false))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("pass --force");
        assertThat(out.resolve("keep.txt")).hasContent("mine");
        // --force replaces only what a merge wrote: a folder of the user's files is refused and kept.
        assertThatThrownBy(() -> merge(slerp, out, true))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("not a folder chorus merge wrote");
        assertThat(out.resolve("keep.txt")).hasContent("mine");
        Path merged = tmp.resolve("merged-slerp");
        merge(slerp, merged, false);
        String first = Files.readString(RunDir.provenance(merged));
        merge(slerp, merged, true);
        assertThat(Files.readString(RunDir.provenance(merged))).isNotEqualTo(first);
        assertThat(Checkpoints.load(merged).model()).isEqualTo(CONFIG);
        Files.writeString(merged.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> merge(slerp, merged, true)).hasMessageContaining("holds notes.txt");
        assertThat(merged.resolve("notes.txt")).hasContent("mine");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void theMergedFolderCarriesItsModelsTokenizerAndModelsOfAnotherTokenizerAreRefused() throws IOException {
        Path out = tmp.resolve("elsewhere").resolve("avg");
        merge(recipe("method: average\nmodels: [e00, e01]\nparameters: {weighting: uniform}\n"), out, false);
        assertThat(TokenizerFiles.presentIn(out)).isTrue();
        assertThat(Files.mismatch(out.resolve(TokenizerFiles.TOKENIZER), run.tokenizerJson())).isEqualTo(-1L);

        BpeTokenizer other = BpeTokenizer.train(Stream.of("quite other words entirely"), CONFIG.vocabSize(),
                Progress.NONE);
        assertThat(other.vocabSize()).isEqualTo(CONFIG.vocabSize());
        other.save(run.expertDir(1).resolve(TokenizerFiles.TOKENIZER)); // e01's own file wins over the run's
        Path mixed = tmp.resolve("mixed");
        assertThatThrownBy(() -> merge(recipe("method: average\nmodels: [e00, e01]\nparameters: {weighting: uniform}\n"),
                mixed, false)).isInstanceOf(InvalidInputException.class).hasMessageContaining("another tokenizer");
        assertThat(mixed).doesNotExist();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void runExpertsListsTheTrainedExpertsInOrder() throws IOException {
        assertThat(MergeStep.runExperts(run)).containsExactly("e00", "e01", "e02");
        assertThatThrownBy(() -> MergeStep.runExperts(RunDir.of(tmp.resolve("empty"))))
                .hasMessageContaining("has no trained experts");
    }

    /** Staging or swapped-out folders a merge should have removed. */
    private List<Path> leftovers() throws IOException {
        List<Path> found = new ArrayList<>();
        for (Path dir : List.of(tmp, run.mergedDir())) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> list = Files.list(dir)) {
                    list.filter(p -> p.getFileName().toString().startsWith(".")).forEach(found::add);
                }
            }
        }
        return found;
    }
}
