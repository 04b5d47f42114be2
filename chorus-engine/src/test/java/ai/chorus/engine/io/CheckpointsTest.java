package ai.chorus.engine.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.chorus.engine.FloatTensor;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointsTest {
    @TempDir
    Path dir;

    private static final ModelConfig UNTIED = new ModelConfig(16, 40, 2, 4, 2, 50, 32, 1e-5, 10000.0, false);
    private static final ModelConfig TIED = new ModelConfig(16, 40, 1, 2, 2, 50, 32, 1e-6, 500000.0, true);

    /** Parameters as the model exposes them: named views into one flat buffer, filled with seeded noise. */
    static List<FloatTensor> flatParams(ModelConfig config, long seed) {
        Map<String, int[]> shapes = Checkpoints.expectedShapes(config);
        long total = 0;
        for (int[] s : shapes.values()) {
            total += FloatTensor.numel(s);
        }
        float[] flat = new float[Math.toIntExact(total) + 3]; // a spare tail, as a real buffer may have
        Random r = new Random(seed);
        for (int i = 0; i < flat.length; i++) {
            flat[i] = (float) r.nextGaussian();
        }
        List<FloatTensor> views = new ArrayList<>();
        int offset = 0;
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            FloatTensor t = new FloatTensor(e.getKey(), e.getValue(), flat, offset);
            views.add(t);
            offset += t.size();
        }
        return views;
    }

    @Test
    void expectedShapesFollowTheHuggingFaceNames() {
        Map<String, int[]> shapes = Checkpoints.expectedShapes(UNTIED);
        assertThat(shapes).hasSize(1 + 2 * 9 + 2);
        assertThat(shapes.get("model.embed_tokens.weight")).containsExactly(50, 16);
        assertThat(shapes.get("model.layers.1.self_attn.k_proj.weight")).containsExactly(8, 16); // 2 kv heads × 4
        assertThat(shapes.get("model.layers.0.mlp.down_proj.weight")).containsExactly(16, 40);
        assertThat(shapes.get("lm_head.weight")).containsExactly(50, 16);
        assertThat(Checkpoints.expectedShapes(TIED)).doesNotContainKey("lm_head.weight");
        long count = shapes.values().stream().mapToLong(FloatTensor::numel).sum();
        assertThat(count).isEqualTo(UNTIED.parameterCount());
    }

    @Test
    void saveThenLoadIsTheIdentity() throws IOException {
        for (ModelConfig config : List.of(UNTIED, TIED)) {
            Path folder = dir.resolve(config.tieWordEmbeddings() ? "tied" : "untied");
            List<FloatTensor> params = flatParams(config, 1);
            Checkpoints.save(folder, config, params, Map.of("chorus.step", "12"));
            assertThat(folder.resolve("config.json")).exists();
            assertThat(folder.resolve("model.safetensors")).exists();
            Checkpoints.Checkpoint loaded = Checkpoints.load(folder);
            assertThat(loaded.model()).isEqualTo(config);
            assertThat(loaded.metadata()).containsEntry("chorus.step", "12").containsEntry("format", "pt");
            assertThat(loaded.tensors()).hasSameSizeAs(params);
            for (FloatTensor p : params) {
                SafetensorsTest.assertSameBits(loaded.tensor(p.name()), p);
            }
        }
    }

    @Test
    void loadIntoFillsExistingViews() throws IOException {
        Checkpoints.save(dir, UNTIED, flatParams(UNTIED, 1), Map.of());
        List<FloatTensor> targets = flatParams(UNTIED, 2);
        Map<String, String> metadata = Checkpoints.loadInto(dir, UNTIED, targets);
        assertThat(metadata).containsEntry("format", "pt");
        List<FloatTensor> expected = flatParams(UNTIED, 1);
        for (int i = 0; i < targets.size(); i++) {
            SafetensorsTest.assertSameBits(targets.get(i), expected.get(i));
        }
        float[] buffer = targets.get(0).data();
        assertThat(buffer[buffer.length - 1]).as("the spare tail is untouched")
                .isEqualTo(flatParams(UNTIED, 2).get(0).data()[buffer.length - 1]);
    }

    @Test
    void loadIntoRefusesAnotherConfigAndLeavesTargetsAlone() throws IOException {
        Checkpoints.save(dir, UNTIED, flatParams(UNTIED, 1), Map.of());
        ModelConfig other = new ModelConfig(16, 40, 2, 4, 2, 50, 32, 1e-5, 20000.0, false);
        List<FloatTensor> targets = flatParams(other, 2);
        assertThatThrownBy(() -> Checkpoints.loadInto(dir, other, targets))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageEndingWith("config.json: does not match the model: rope_theta 10000.0 (expected 20000.0)");
        assertThat(targets.get(0).data()).containsExactly(flatParams(other, 2).get(0).data());
    }

    @Test
    void loadIntoRefusesMissingExtraAndMisShapedTargets() throws IOException {
        Checkpoints.save(dir, UNTIED, flatParams(UNTIED, 1), Map.of());
        List<FloatTensor> tooFew = new ArrayList<>(flatParams(UNTIED, 2));
        tooFew.remove(tooFew.size() - 1);
        assertThatThrownBy(() -> Checkpoints.loadInto(dir, tooFew)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("model.safetensors: does not match the model: unexpected tensors lm_head.weight");

        List<FloatTensor> tooMany = new ArrayList<>(flatParams(UNTIED, 2));
        tooMany.add(FloatTensor.allocate("extra.weight", 2));
        assertThatThrownBy(() -> Checkpoints.loadInto(dir, tooMany)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("missing tensors extra.weight");

        List<FloatTensor> misShaped = new ArrayList<>(flatParams(UNTIED, 2));
        misShaped.set(0, FloatTensor.allocate("model.embed_tokens.weight", 16, 50));
        List<FloatTensor> pristine = flatParams(UNTIED, 2);
        assertThatThrownBy(() -> Checkpoints.loadInto(dir, misShaped)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("wrong shapes model.embed_tokens.weight [50, 16] (expected [16, 50])");
        assertThat(misShaped.get(1).data()).as("nothing copied").containsExactly(pristine.get(1).data());
    }

    @Test
    void loadRefusesWeightsThatDoNotFitTheConfig() throws IOException {
        Checkpoints.save(dir, UNTIED, flatParams(UNTIED, 1), Map.of());
        HfConfig.of(TIED).write(dir.resolve("config.json")); // config of another model beside these weights
        assertThatThrownBy(() -> Checkpoints.load(dir)).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith(dir.resolve("model.safetensors") + ": does not match the model:")
                .hasMessageContaining("unexpected tensors model.layers.1.");
    }

    @Test
    void refusesFoldersThatAreNotModels() throws IOException {
        assertThatThrownBy(() -> Checkpoints.load(dir.resolve("nowhere"))).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("not a model folder");
        assertThatThrownBy(() -> Checkpoints.load(dir)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("config.json: no such file");
        HfConfig.of(UNTIED).write(dir.resolve("config.json"));
        assertThatThrownBy(() -> Checkpoints.load(dir)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("model.safetensors: no such file");
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{}");
        assertThatThrownBy(() -> Checkpoints.load(dir)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("sharded checkpoints");
    }

    @Test
    void saveRefusesParametersOfAnotherModel() {
        assertThatThrownBy(() -> Checkpoints.save(dir, TIED, flatParams(UNTIED, 1), Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unexpected tensors");
        assertThat(dir.resolve("config.json")).doesNotExist();
    }

    @Test
    void savingAgainReplacesTheFolderContents() throws IOException {
        Checkpoints.save(dir, UNTIED, flatParams(UNTIED, 1), Map.of("v", "1"));
        Checkpoints.save(dir, UNTIED, flatParams(UNTIED, 3), Map.of("v", "2"));
        Checkpoints.Checkpoint loaded = Checkpoints.load(dir);
        assertThat(loaded.metadata()).containsEntry("v", "2");
        SafetensorsTest.assertSameBits(loaded.tensors().get(0), flatParams(UNTIED, 3).get(0));
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("config.json", "model.safetensors"); // no temporary left behind
        }
    }
}
