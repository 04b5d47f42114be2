package ai.chorus.engine.io;

import ai.chorus.engine.FloatTensor;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainingStateFileTest {
    @TempDir
    Path dir;

    private static final ModelConfig CONFIG = new ModelConfig(16, 40, 1, 2, 2, 50, 32, 1e-5, 10000.0, false);

    /** AdamW moments as a trainer would hold them: m and v views over two flat buffers. */
    private static List<FloatTensor> moments(long seed) {
        List<FloatTensor> m = CheckpointsTest.flatParams(CONFIG, seed);
        List<FloatTensor> v = CheckpointsTest.flatParams(CONFIG, seed + 1);
        Random r = new Random(seed);
        for (FloatTensor t : m) {
            t.set(0, SafetensorsTest.randomFloat(r)); // odd bit patterns must survive too
        }
        List<FloatTensor> all = new ArrayList<>(TrainingStateFile.prefixed("m/", m));
        all.addAll(TrainingStateFile.prefixed("v/", v));
        return all;
    }

    @Test
    void resumeRestoresBitIdenticalFloatsAndScalars() throws IOException {
        Path file = dir.resolve("state.safetensors");
        Map<String, String> scalars = Map.of("step", "1234", "rng", "0x5DEECE66D:17", "cursor", "shard-3:98765");
        List<FloatTensor> saved = moments(5);
        TrainingStateFile.save(file, scalars, saved);

        List<FloatTensor> restored = moments(99);
        assertThat(TrainingStateFile.loadInto(file, restored)).isEqualTo(scalars);
        for (int i = 0; i < saved.size(); i++) {
            SafetensorsTest.assertSameBits(restored.get(i), saved.get(i));
        }

        TrainingStateFile.TrainingState state = TrainingStateFile.load(file);
        assertThat(state.scalars()).isEqualTo(scalars);
        assertThat(state.tensors()).containsKey("m/model.embed_tokens.weight").containsKey("v/lm_head.weight");
        SafetensorsTest.assertSameBits(state.tensors().get("v/lm_head.weight"), saved.get(saved.size() - 1));
    }

    /** A checkpoint garbled on disk (one weight's bits, or a scalar in the header) is refused as corrupt. */
    @Test
    void aDamagedFileIsReportedAsCorruptNamingIt() throws IOException {
        Path file = dir.resolve("state.safetensors");
        TrainingStateFile.save(file, Map.of("step", "1234"), moments(5));
        byte[] clean = Files.readAllBytes(file);

        byte[] flipped = clean.clone();
        flipped[flipped.length - 7] ^= 0x10; // a mantissa bit of the last tensor: still a valid float
        Files.write(file, flipped);
        assertThatThrownBy(() -> TrainingStateFile.loadInto(file, moments(99))).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith(file.toString()).hasMessageContaining("corrupt");
        assertThatThrownBy(() -> TrainingStateFile.load(file)).hasMessageContaining("corrupt");

        String header = new String(clean, StandardCharsets.ISO_8859_1);
        Files.write(file, header.replace("\"1234\"", "\"1235\"")
                .getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> TrainingStateFile.loadInto(file, moments(99))).hasMessageContaining("corrupt");

        Files.write(file, clean);
        assertThat(TrainingStateFile.loadInto(file, moments(99))).isEqualTo(Map.of("step", "1234"));
    }

    @Test
    void prefixedViewsShareStorage() {
        FloatTensor t = FloatTensor.allocate("w", 3);
        FloatTensor m = TrainingStateFile.prefixed("m/", List.of(t)).get(0);
        m.set(1, 5f);
        assertThat(m.name()).isEqualTo("m/w");
        assertThat(t.get(1)).isEqualTo(5f);
    }

    @Test
    void refusesAModelFileAndMismatchedState() throws IOException {
        Checkpoints.save(dir, CONFIG, CheckpointsTest.flatParams(CONFIG, 1), Map.of());
        Path weights = dir.resolve("model.safetensors");
        assertThatThrownBy(() -> TrainingStateFile.load(weights)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("not a Chorus training-state file");

        Path file = dir.resolve("state.safetensors");
        TrainingStateFile.save(file, Map.of("step", "1"), moments(1));
        List<FloatTensor> onlyM = moments(1).subList(0, moments(1).size() / 2);
        assertThatThrownBy(() -> TrainingStateFile.loadInto(file, onlyM)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("unexpected tensors v/");
    }

    @Test
    void reservedScalarNamesAreRefused() {
        assertThatThrownBy(() -> TrainingStateFile.save(dir.resolve("s"), Map.of("format", "x"), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
