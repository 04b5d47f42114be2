package ai.chorus.core.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.chorus.core.train.TrainJob;
import ai.chorus.engine.FloatTensor;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.io.SafetensorsReader;
import ai.chorus.engine.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A merge input reads each tensor as the engine's reader does, and hashes the file as TrainJob.sha256 does. */
class MergeInputTest {
    @TempDir
    Path dir;

    /** Tensors of several sizes, one larger than the read chunk, with NaN payloads that must survive. */
    private Path writeModel() throws IOException {
        SplittableRandom r = new SplittableRandom(42);
        List<FloatTensor> tensors = new ArrayList<>();
        int[][] shapes = {{3, 5}, {(1 << 18) + 7}, {1}, {0}, {64, 33}};
        for (int t = 0; t < shapes.length; t++) {
            int n = 1;
            for (int d : shapes[t]) {
                n *= d;
            }
            float[] x = new float[n];
            for (int j = 0; j < n; j++) {
                x[j] = j % 97 == 0 ? Float.intBitsToFloat(0x7FC0_1234) : (float) r.nextGaussian();
            }
            tensors.add(new FloatTensor("t" + t, shapes[t], x, 0));
        }
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of("note", "test"));
        return file;
    }

    @Test
    void readsInFileOrderGiveTheEnginesFloatsAndTheFilesHash() throws IOException {
        Path file = writeModel();
        Map<String, FloatTensor> expected = SafetensorsReader.readAll(file);
        try (MergeInput input = MergeInput.open(file)) {
            for (FloatTensor t : expected.values()) {
                float[] got = new float[t.size() + 3];
                input.readInto(t.name(), got);
                assertRawEqual(got, t);
            }
            assertThat(input.sha256()).isEqualTo(TrainJob.sha256(file));
        }
    }

    @Test
    void readsOutOfOrderStillGiveTheFilesHash() throws IOException {
        Path file = writeModel();
        List<FloatTensor> expected = new ArrayList<>(SafetensorsReader.readAll(file).values());
        java.util.Collections.reverse(expected);
        try (MergeInput input = MergeInput.open(file)) {
            for (FloatTensor t : expected.subList(0, 3)) { // not all of them, either
                float[] got = new float[t.size()];
                input.readInto(t.name(), got);
                assertRawEqual(got, t);
            }
            assertThat(input.sha256()).isEqualTo(TrainJob.sha256(file));
        }
    }

    @Test
    void aFileCutShortAfterOpeningIsRefusedInOneLine() throws IOException {
        Path file = writeModel();
        try (MergeInput input = MergeInput.open(file)) {
            try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
                channel.truncate(Files.size(file) - 100);
            }
            assertThatThrownBy(() -> input.readInto("t4", new float[64 * 33]))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining(file.toString());
        }
    }

    private static void assertRawEqual(float[] got, FloatTensor t) {
        for (int j = 0; j < t.size(); j++) {
            assertThat(Float.floatToRawIntBits(got[j])).as("%s[%d]", t.name(), j)
                    .isEqualTo(Float.floatToRawIntBits(t.data()[t.offset() + j]));
        }
    }
}
